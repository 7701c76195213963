"""Permission sets bound to a permission set licence (PermissionSet.LicenseId = 0PL...) are not a licence mismatch
(real-orgs.md §9.1)."""

from __future__ import annotations

import dataclasses

from reconciler.model import Assignee, PermissionSetAssignments
from reconciler.plan.change import Action, Kind
from tests.plan.builders import OrgBuilder, codes, desired, plan_of, sf_id


def test_a_set_bound_to_a_permission_set_licence_is_assigned_without_a_licence_blocker() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    bound = org.permission_set("Identity_Verification")
    org.permission_sets["Identity_Verification"] = dataclasses.replace(bound, license_id=sf_id("0PL"))
    declared = PermissionSetAssignments("Identity_Verification", (Assignee("alice@acme.com"),))
    plan = plan_of(org, desired(permission_sets=(declared,)))
    assert codes(plan.blockers) == []
    [change] = plan.changes
    assert (change.action, change.kind) == (Action.CREATE, Kind.PERMISSION_SET_ASSIGNMENT)


def test_a_set_bound_to_another_user_licence_still_blocks() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    org.permission_set("Deal_Registration", license_name="Partner Community")
    declared = PermissionSetAssignments("Deal_Registration", (Assignee("alice@acme.com"),))
    assert codes(plan_of(org, desired(permission_sets=(declared,))).blockers) == ["permission-set-license"]
