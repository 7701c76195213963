"""undo_plan is pure (plan + results + the org before and after -> undo plan): it inverts exactly the applied
writes, newest first, back to their before-values, and lists what no write reverses."""

from __future__ import annotations

import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from reconciler.apply.execute import ChangeResult, Outcome
from reconciler.apply.undo import undo_plan
from reconciler.model import Notify, Role
from reconciler.plan.change import Action, Change, Kind, Plan
from reconciler.plan.fingerprint import fingerprint
from tests.plan.builders import OrgBuilder


def _role_update(key: str, record_id: str) -> Change:
    return Change(Action.UPDATE, Kind.MEMBER, key, {"role": "member"}, {"role": "manager"}, None, None, frozenset(),
                  "CollaborationGroupMember", record_id, {"CollaborationRole": "Admin"}, fingerprint=(record_id,))


@given(st.lists(st.sampled_from(list(Outcome)), min_size=1, max_size=8))
def test_only_applied_writes_are_inverted_newest_first(outcomes: list[Outcome]) -> None:
    org = OrgBuilder()
    group = org.group("Hub")
    rows = [org.member(group, org.user(f"u{i}@acme.com")) for i in range(len(outcomes))]
    changes = [_role_update(f"member:Hub/u{i}@acme.com", row.id) for i, row in enumerate(rows)]
    after = org.build()
    plan = Plan(after.org, "2026-11-22", tuple(changes), generated="2026-11-22T09:00:00Z")
    results = [ChangeResult(c, o, c.record_id) for c, o in zip(changes, outcomes, strict=True)]
    undo = undo_plan(plan, results, after, after, "2026-11-22T09:05:00Z")
    applied = [c.key for c, o in zip(changes, outcomes, strict=True) if o is Outcome.APPLIED]
    assert [c.key for c in undo.changes] == applied[::-1]
    assert all(c.values == {"CollaborationRole": "Standard"} and c.after == {"role": "member"} for c in undo.changes)
    assert undo.fingerprints == {row.id: fingerprint(row) for row in rows if row.id in {c.record_id for c in
                                                                                     undo.changes}}
    assert undo.undoes == plan.generated and Plan.from_json(undo.to_json()) == undo


def test_a_created_user_is_deactivated_and_listed_and_a_delete_of_an_unseen_record_is_listed() -> None:
    org = OrgBuilder()
    ann = org.user("ann@acme.com")
    after = org.build()
    create = Change(Action.CREATE, Kind.USER, "user:ann@acme.com", {}, {"email": "ann@acme.com"}, None, None,
                    frozenset(), "User", None, {"Username": "ann@acme.com"})
    delete = Change(Action.DELETE, Kind.MEMBER, "member:Hub/bob@acme.com", {"role": "member"}, {}, None, None,
                    frozenset(), "CollaborationGroupMember", "0FB000000000009AAA", {},
                    fingerprint=("0FB000000000009AAA",))
    plan = Plan(after.org, "2026-11-22", (create, delete), generated="2026-11-22T09:00:00Z")
    undo = undo_plan(plan, [ChangeResult(create, Outcome.APPLIED, ann.id), ChangeResult(delete, Outcome.APPLIED)],
                     after, after, "2026-11-22T09:05:00Z")
    [back] = undo.changes
    assert (back.action, back.record_id, dict(back.values)) == (Action.UPDATE, ann.id, {"IsActive": False})
    assert {w.key for w in undo.warnings if w.code == "irreversible"} == {"user:ann@acme.com",
                                                                           "member:Hub/bob@acme.com"}


def test_a_deleted_membership_comes_back_with_its_role_after_its_user_is_reactivated() -> None:
    org = OrgBuilder()
    group = org.group("Hub")
    kim = org.user("kim@contoso.com")
    row = org.member(group, kim, Role.MANAGER, Notify.DAILY)
    before = org.build()
    after = dataclasses.replace(before, members={group.id: {}})
    delete = Change(Action.DELETE, Kind.MEMBER, "member:Hub/kim@contoso.com", {"role": "manager"}, {}, None, None,
                    frozenset(), "CollaborationGroupMember", row.id, {}, fingerprint=(row.id,))
    deactivate = Change(Action.UPDATE, Kind.USER, "user:kim@contoso.com", {"active": True}, {"active": False},
                        None, None, frozenset(), "User", kim.id, {"IsActive": False}, fingerprint=(kim.id,))
    plan = Plan(before.org, "2026-11-22", (delete, deactivate), generated="2026-11-22T09:00:00Z")
    undo = undo_plan(plan, [ChangeResult(delete, Outcome.APPLIED), ChangeResult(deactivate, Outcome.APPLIED)],
                     before, after, "2026-11-22T09:05:00Z")
    reactivate, restore = undo.changes
    assert (reactivate.action, reactivate.record_id) == (Action.UPDATE, kim.id)
    assert dict(reactivate.values) == {"IsActive": True}
    assert restore.action is Action.CREATE and restore.record_id is None
    assert dict(restore.values) == {"CollaborationGroupId": group.id, "MemberId": kim.id,
                                    "CollaborationRole": "Admin", "NotificationFrequency": "D"}
    assert dict(restore.lookup) == {"CollaborationGroupId": group.id, "MemberId": kim.id}
    assert dict(restore.after) == {"role": "manager", "notify": "daily"}
    assert restore.depends_on == (reactivate.key,)
    assert not [w for w in undo.warnings if w.key == delete.key]
    assert Plan.from_json(undo.to_json()) == undo
