"""apply --plan: a saved change the config no longer asks for, or a blocker of the config as it is now, refuses."""

from __future__ import annotations

import dataclasses

from reconciler.apply.stale import unwanted_changes
from reconciler.plan.change import Action, Finding, Kind
from tests.apply.builders import change, member_delete, plan_of


def test_the_same_changes_pass() -> None:
    plan = plan_of(member_delete(1), member_delete(2))
    assert unwanted_changes(plan, plan_of(member_delete(2), member_delete(1))) == []


def test_a_change_the_config_no_longer_asks_for_or_asks_differently_is_named() -> None:
    update = change(Kind.USER, Action.UPDATE, "user:x", record_id="005000000000001AAA", values={"IsActive": False})
    saved = plan_of(member_delete(1), update)
    fresh = plan_of(dataclasses.replace(update, values={"IsActive": True}))
    assert unwanted_changes(saved, fresh) == ["member:g/removed1: the config no longer asks for this delete",
                                              "user:x: the config no longer asks for this update"]


def test_a_blocker_of_the_config_as_it_is_now_is_named() -> None:
    saved = plan_of(member_delete(1))
    blocker = Finding("protected-user", "kim@acme.com is protected (policy.protected) and would be removed")
    fresh = dataclasses.replace(plan_of(member_delete(1)), blockers=(blocker,))
    assert unwanted_changes(saved, fresh) == [
        "the config has a blocker now: kim@acme.com is protected (policy.protected) and would be removed"]
