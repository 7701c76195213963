"""Permission sets bound to a permission set licence (PermissionSet.LicenseId = 0PL...) are not a licence mismatch
(real-orgs.md §9.1)."""

from __future__ import annotations

import dataclasses

from reconciler.model import Assignee, PermissionSetAssignments
from reconciler.plan.change import Action, Kind, Risk
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


def _console(org: OrgBuilder, **licence: object) -> PermissionSetAssignments:
    psl = org.permission_set_license("Lightning Console", **licence)  # type: ignore[arg-type]
    org.bound_permission_set("Console_Agents", psl)
    return PermissionSetAssignments("Console_Agents", (Assignee("alice@acme.com"),))


def test_an_assignee_without_the_permission_set_licence_takes_a_seat_of_it() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    plan = plan_of(org, desired(permission_sets=(_console(org, total=2, used=1),)))
    assert codes(plan.blockers) == [] and codes(plan.warnings) == []
    [change] = plan.changes
    assert Risk.CONSUMES_LICENSE in change.risks
    [impact] = plan.licenses
    assert (impact.name, impact.used_before, impact.used_after) == ("Lightning Console", 1, 2)


def test_an_assignee_holding_the_licence_takes_no_seat_and_a_full_licence_blocks_the_others() -> None:
    org = OrgBuilder()
    alice = org.user("alice@acme.com")
    org.user("bob@acme.com")
    psl = org.permission_set_license("Lightning Console", total=1, used=1, holders=(alice,))
    org.bound_permission_set("Console_Agents", psl)
    only_alice = PermissionSetAssignments("Console_Agents", (Assignee("alice@acme.com"),))
    plan = plan_of(org, desired(permission_sets=(only_alice,)))
    assert codes(plan.blockers) == [] and plan.licenses == () and plan.changes[0].risks == frozenset()
    both = PermissionSetAssignments("Console_Agents", (Assignee("alice@acme.com"), Assignee("bob@acme.com")))
    plan = plan_of(org, desired(permission_sets=(both,)))
    [blocker] = plan.blockers
    assert blocker.code == "license-exhausted" and "'Lightning Console': 1 of 1 seats used" in blocker.message


def test_a_disabled_permission_set_licence_blocks_naming_it() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    plan = plan_of(org, desired(permission_sets=(_console(org, status="Disabled"),)))
    [blocker] = plan.blockers
    assert blocker.code == "permission-set-license"
    assert "'Lightning Console', which is Disabled in the org, and alice@acme.com doesn't hold it" in blocker.message


def test_an_unread_permission_set_licence_warns() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    org.bound_permission_set("Console_Agents", org.permission_set_license("Lightning Console"))
    org.permission_set_licenses.clear()  # bound, but the licence wasn't read (e.g. no View Setup and Configuration)
    declared = PermissionSetAssignments("Console_Agents", (Assignee("alice@acme.com"),))
    plan = plan_of(org, desired(permission_sets=(declared,)))
    assert codes(plan.blockers) == [] and codes(plan.warnings) == ["permission-set-license-unread"]
