"""The execution planner: batches by (sObject, operation), <= 200 records, dependency order."""

from __future__ import annotations

import math

import pytest

from reconciler.apply.steps import DependencyCycle, plan_batches
from reconciler.plan.change import Action, Kind
from tests.apply.builders import change, member_create, member_delete


def shape(batches):
    return [(b.sobject, b.action.value, len(b.changes)) for b in batches]


@pytest.mark.parametrize("n", [1, 199, 200, 201, 450, 1000])
def test_n_similar_changes_cost_ceil_n_over_200_requests(n: int) -> None:
    batches = plan_batches([member_create("0F9A", f"005{i}") for i in range(n)])
    assert len(batches) == math.ceil(n / 200)
    assert all(len(b.changes) <= 200 for b in batches)
    assert sum(len(b.changes) for b in batches) == n


def test_classes_interleaved_in_the_plan_are_merged() -> None:
    changes = []
    for i in range(300):
        changes.append(member_create("0F9A", f"005{i}"))
        changes.append(member_delete(i))
    assert shape(plan_batches(changes)) == [
        ("CollaborationGroupMember", "create", 200), ("CollaborationGroupMember", "create", 100),
        ("CollaborationGroupMember", "delete", 200), ("CollaborationGroupMember", "delete", 100)]


def test_dependencies_come_first_and_members_of_new_and_old_groups_share_batches() -> None:
    contact = change(Kind.CONTACT, Action.CREATE, "contact:x", values={"LastName": "X"})
    user = change(Kind.USER, Action.CREATE, "user:x", refs={"ContactId": "contact:x"})
    group = change(Kind.GROUP, Action.CREATE, "group:new", values={"Name": "New"})
    members = [member_create("0F9OLD", "005A"), member_create("", "", group_ref="group:new", user_ref="user:x"),
               member_create("0F9OLD", "005B")]
    setting = change(Kind.SETTING, Action.UPDATE, "setting:unlisted_groups", values={"unlistedGroupsEnabled": True})
    setting2 = change(Kind.SETTING, Action.UPDATE, "setting:enabled", values={"enableChatter": True})
    batches = plan_batches([*members, group, user, contact, setting, setting2])
    # each class waits only for what it needs, otherwise plan order (settings last here, as given)
    assert shape(batches) == [("CollaborationGroup", "create", 1), ("Contact", "create", 1), ("User", "create", 1),
                              ("CollaborationGroupMember", "create", 3), ("ChatterSettings", "update", 2)]


def test_setup_and_non_setup_objects_never_share_a_request() -> None:
    contact = change(Kind.CONTACT, Action.CREATE, "contact:x")
    user = change(Kind.USER, Action.CREATE, "user:x", refs={"ContactId": "contact:x"})
    for batch in plan_batches([user, contact]):
        assert len({c.sobject for c in batch.changes}) == 1


def test_a_class_tangled_in_a_cycle_is_split_in_dependency_order() -> None:
    # the new owner is activated (User update), the group moves to them (group update), then the old owner is
    # deactivated (User update): two User update requests are unavoidable
    activate = change(Kind.USER, Action.UPDATE, "user:new-owner", record_id="005N", values={"IsActive": True})
    transfer = change(Kind.GROUP, Action.UPDATE, "group:g", record_id="0F9G", values={"OwnerId": "005N"},
                      depends_on=("user:new-owner",))
    deactivate = change(Kind.USER, Action.UPDATE, "user:old-owner", record_id="005O", values={"IsActive": False},
                        depends_on=("group:g",))
    batches = plan_batches([activate, deactivate, transfer])
    assert [[c.key for c in b.changes] for b in batches] == [["user:new-owner"], ["group:g"], ["user:old-owner"]]


def test_a_dependency_outside_the_plan_is_already_satisfied() -> None:
    member = change(Kind.MEMBER, Action.CREATE, "member:a", depends_on=("user:not-in-plan",))
    assert shape(plan_batches([member])) == [("CollaborationGroupMember", "create", 1)]


def test_a_cycle_between_changes_is_an_error() -> None:
    a = change(Kind.USER, Action.UPDATE, "user:a", record_id="005A", depends_on=("group:b",))
    b = change(Kind.GROUP, Action.UPDATE, "group:b", record_id="0F9B", depends_on=("user:a",))
    with pytest.raises(DependencyCycle, match="group:b, user:a"):
        plan_batches([a, b])
