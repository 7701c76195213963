"""Safety gates: max_removals (with --force) and irreversible changes (with --allow-irreversible)."""

from __future__ import annotations

import dataclasses

from reconciler.apply.gates import check_gates
from reconciler.model import RemovalLimit
from reconciler.plan.change import Action, Kind, Risk
from tests.apply.builders import change, member_delete, plan_of


def test_removals_within_the_limit_pass() -> None:
    assert check_gates(plan_of(*[member_delete(i) for i in range(25)], managed=100)) == []


def test_too_many_removals_are_refused_with_the_override() -> None:
    plan = plan_of(*[member_delete(i) for i in range(26)], managed=100)
    [refusal] = check_gates(plan)
    assert refusal.gate == "max_removals"
    text = "\n".join(refusal.lines())
    assert "26 removals exceed policy.max_removals (25% of 100 managed)" in text
    assert "--force" in text and "member:g/removed0 (not in config)" in text and "... and 16 more" in text
    assert check_gates(plan, force=True) == []


def test_a_share_limit_applies_only_from_ten_managed_entries() -> None:
    """Offboarding one of four customers is not refused by max_removals: 25% (octoDNS: MIN_EXISTING_RECORDS)."""
    assert check_gates(plan_of(member_delete(1), managed=4)) == []
    assert check_gates(plan_of(*[member_delete(i) for i in range(9)], managed=9)) == []
    [refusal] = check_gates(plan_of(*[member_delete(i) for i in range(3)], managed=10))
    assert "3 removals exceed policy.max_removals (25% of 10 managed)" in refusal.lines()[0]


def test_a_count_limit_applies_to_a_small_managed_set_too() -> None:
    [refusal] = check_gates(plan_of(member_delete(1), member_delete(2), managed=4, limit=RemovalLimit(count=1)))
    assert "2 removals exceed policy.max_removals (1; 4 managed access entries)." in refusal.lines()[0]


def test_absolute_limit_and_deactivations_count() -> None:
    deactivate = change(Kind.USER, Action.UPDATE, "user:x", record_id="005X", values={"IsActive": False})
    plan = plan_of(member_delete(1), deactivate, managed=100, limit=RemovalLimit(count=1))
    [refusal] = check_gates(plan)
    assert "2 removals exceed policy.max_removals (1; 100 managed access entries)." in refusal.lines()[0]


def test_irreversible_changes_need_their_flag() -> None:
    allow = change(Kind.GROUP, Action.UPDATE, "group:Hub", record_id="0F9A", values={"CanHaveGuests": True},
                   risks=frozenset({Risk.IRREVERSIBLE}))
    plan = plan_of(allow)
    [refusal] = check_gates(plan)
    assert refusal.gate == "irreversible" and "--allow-irreversible" in refusal.lines()[-1]
    assert "  - group:Hub (allows customers: Salesforce can't turn that off again)" in refusal.lines()
    assert check_gates(plan, force=True) == [refusal]
    assert check_gates(plan, allow_irreversible=True) == []


def test_a_group_delete_says_what_goes_with_it() -> None:
    delete = change(Kind.GROUP, Action.DELETE, "group:Old", record_id="0F9B", risks=frozenset({Risk.IRREVERSIBLE}))
    delete = dataclasses.replace(delete, before={"name": "Old", "members": 12})
    [refusal] = check_gates(plan_of(delete))
    assert "  - group:Old (deletes the group, its posts and files, and 12 memberships)" in refusal.lines()
