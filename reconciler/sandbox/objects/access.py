"""What the acting user's permissions allow (real-orgs.md §10): using the API at all, the Metadata API, setting
another member's notification frequency, creating groups and changing their owner, creating and changing users,
assigning and changing permission sets and setting passwords. The seeded administrator holds all of these; a
least-privilege integration user holds what its profile and permission sets grant, nothing more."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import insufficient_access
from reconciler.sandbox.objects.permissions import has_permission
from reconciler.sandbox.soap import SoapFault

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

API_ENABLED = "PermissionsApiEnabled"
MODIFY_ALL_DATA = "PermissionsModifyAllData"
MODIFY_METADATA = "PermissionsModifyMetadata"
CUSTOMIZE_APPLICATION = "PermissionsCustomizeApplication"
MANAGE_USERS = "PermissionsManageUsers"
MANAGE_INTERNAL_USERS = "PermissionsManageInternalUsers"
ASSIGN_PERMISSION_SETS = "PermissionsAssignPermissionSets"
RESET_PASSWORDS = "PermissionsResetPasswords"
OWN_GROUPS = "PermissionsChatterOwnGroups"
MANAGE_PERMISSION_SETS = "PermissionsManageProfilesPermissionsets"
MANAGE_UNLISTED_GROUPS = "PermissionsManageUnlistedGroups"
METADATA_REFUSED = "use of the Metadata API requires a user with the ModifyAllData or ModifyMetadata permissions"
_ERRORS = assumed("permission-errors")


@contextlib.contextmanager
def as_system(session: Session) -> Iterator[None]:
    """What the org does by itself (a new group's owner row, an invitee's sign-up) runs without a request's user."""
    acting, session.actor_id = session.actor_id, None
    try:
        yield
    finally:
        session.actor_id = acting


def holds(session: Session, permission: str) -> bool:
    """Whether the request's user holds `permission` through its profile or a permission set (once per request);
    work without a request's user (the seed, the sandbox's own controls) runs as the system and may do anything."""
    actor = session.actor_id
    return not actor or session.memo(f"holds:{permission}:{actor}", lambda: has_permission(session, actor, permission))


def holds_all(session: Session, *permissions: str) -> bool:
    return all(holds(session, permission) for permission in permissions)


def check_api_enabled(session: Session) -> None:
    """Every REST and Metadata API request needs "API Enabled" (real-orgs.md §10.1)."""
    if not holds(session, API_ENABLED):
        raise ApiError(403, "API_CURRENTLY_DISABLED", "API is disabled for this User")


def check_metadata(session: Session, operation: str) -> None:
    """readMetadata needs Modify Metadata Through Metadata API Functions or Modify All Data; updateMetadata also
    Customize Application, the permission of the Chatter settings themselves, unless Modify All Data
    (real-orgs.md §10.2): a SOAP fault INSUFFICIENT_ACCESS otherwise."""
    if not (holds(session, MODIFY_ALL_DATA) or holds(session, MODIFY_METADATA)):
        raise SoapFault("INSUFFICIENT_ACCESS", METADATA_REFUSED)
    if operation == "updateMetadata" and not (holds(session, MODIFY_ALL_DATA) or holds(session, CUSTOMIZE_APPLICATION)):
        raise SoapFault("INSUFFICIENT_ACCESS", "changing settings requires the CustomizeApplication permission")


def check_notification(session: Session, member_id: str) -> None:
    """Only the member or a Modify All Data user may set a member's NotificationFrequency (real-orgs.md §10.3)."""
    if member_id != session.actor() and not holds(session, MODIFY_ALL_DATA):
        raise insufficient_access("Only the member or a user with Modify All Data can set the notification frequency")


def check_group_create(session: Session) -> None:
    """Creating a group needs "Create and Own New Chatter Groups" (real-orgs.md §10.3)."""
    if not holds(session, OWN_GROUPS):
        raise insufficient_access("Creating groups requires the Create and Own New Chatter Groups permission")


def check_membership_write(session: Session, group: dict[str, object]) -> None:
    """Adding, removing or re-roling a member of a private or unlisted group needs its owner or a manager, Modify
    All Data (private) or Manage Unlisted Groups (unlisted) (real-orgs.md §10.3); public groups are not checked
    (nothing found on who may add others to them)."""
    actor = session.actor_id
    kind = group.get("CollaborationType")
    if not actor or kind == "Public" or group.get("OwnerId") == actor:
        return
    if holds(session, MANAGE_UNLISTED_GROUPS if kind == "Unlisted" else MODIFY_ALL_DATA):
        return
    manager = session.scalar('SELECT count(*) FROM "CollaborationGroupMember" WHERE "CollaborationGroupId" = ? '
                             'AND "MemberId" = ? AND "CollaborationRole" = \'Admin\'', (group.get("Id"), actor))
    if not manager:
        raise insufficient_access("Only the group's owner and managers can add or remove its members")


def check_owner_change(session: Session, current_owner: str) -> None:
    """Only the group's owner or a Modify All Data user may change its OwnerId (real-orgs.md §10.3)."""
    if current_owner != session.actor() and not holds(session, MODIFY_ALL_DATA):
        raise insufficient_access("Only the group owner or a user with Modify All Data can change the group owner")


def check_user_write(session: Session, external: bool) -> None:
    """Creating or changing a user needs Manage Users (Manage Internal Users is enough for an internal user)
    (real-orgs.md §10.4)."""
    if holds(session, MANAGE_USERS) or (not external and holds(session, MANAGE_INTERNAL_USERS)):
        return
    raise insufficient_access("Creating or changing users requires the Manage Users permission")


def check_assignment(session: Session) -> None:
    """Assigning or removing a permission set needs Assign Permission Sets or Manage Users (real-orgs.md §10.4)."""
    if not (holds(session, ASSIGN_PERMISSION_SETS) or holds(session, MANAGE_USERS)):
        raise insufficient_access("Assigning permission sets requires the Assign Permission Sets permission")


def check_permission_set_write(session: Session) -> None:
    """Creating, changing or deleting a permission set needs Manage Profiles and Permission Sets (or Modify All
    Data; assumption "permission-errors")."""
    if not (holds(session, MANAGE_PERMISSION_SETS) or holds(session, MODIFY_ALL_DATA)):
        raise insufficient_access("Changing permission sets requires Manage Profiles and Permission Sets")


def check_password(session: Session, user_id: str) -> None:
    """Setting another user's password needs Manage Users or Reset User Passwords (real-orgs.md §10.5)."""
    if user_id != session.actor() and not (holds(session, MANAGE_USERS) or holds(session, RESET_PASSWORDS)):
        raise ApiError(403, "INSUFFICIENT_ACCESS", "You do not have permission to view this record.")
