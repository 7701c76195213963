"""Business rules per sObject (one module per object or family); `rules_for(name)` picks an object's rules."""

from __future__ import annotations

from reconciler.sandbox.objects.accounts import AccountRules, ContactRules, LeadRules
from reconciler.sandbox.objects.base import Rules
from reconciler.sandbox.objects.groups import CollaborationGroupMemberRules, CollaborationGroupRules
from reconciler.sandbox.objects.invitations import CollaborationInvitationRules
from reconciler.sandbox.objects.licences import ProfileRules
from reconciler.sandbox.objects.permissions import (
    PermissionSetAssignmentRules,
    PermissionSetLicenseAssignRules,
    PermissionSetRules,
)
from reconciler.sandbox.objects.roles import UserRoleRules
from reconciler.sandbox.objects.users import UserRules

_RULES: dict[str, Rules] = {
    "Account": AccountRules(),
    "CollaborationGroup": CollaborationGroupRules(),
    "CollaborationGroupMember": CollaborationGroupMemberRules(),
    "CollaborationInvitation": CollaborationInvitationRules(),
    "Contact": ContactRules(),
    "Lead": LeadRules(),
    "PermissionSet": PermissionSetRules(),
    "PermissionSetAssignment": PermissionSetAssignmentRules(),
    "PermissionSetLicenseAssign": PermissionSetLicenseAssignRules(),
    "Profile": ProfileRules(),
    "User": UserRules(),
    "UserRole": UserRoleRules(),
}
_NO_RULES = Rules()


def rules_for(sobject: str) -> Rules:
    """The rules of an sObject (Organization and UserLicense have only the field-level ones)."""
    return _RULES.get(sobject, _NO_RULES)


__all__ = ["Rules", "rules_for"]
