"""The diffs talk only through what they return (docs/decisions/diff-data-flow.md): PlanContext holds the snapshot's
indexes and the append-only ledgers, no diff reads a ledger back, and every decision handed on is frozen."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from types import MappingProxyType

import pytest

from reconciler.model import GroupState, Membership
from reconciler.plan.context import PlanContext
from reconciler.plan.groups import diff_groups
from reconciler.plan.members import diff_members
from reconciler.plan.orphans import deactivate_orphaned_customers
from reconciler.plan.permission_sets import diff_permission_sets
from reconciler.plan.settings import diff_settings
from reconciler.plan.users import deactivate_undeclared_external_users, diff_users
from tests.plan.builders import (
    TODAY,
    OrgBuilder,
    chatter_settings,
    customer_member,
    desired,
    group,
    partner,
    policy,
    user_member,
)

PLAN = Path(__file__).resolve().parents[2] / "reconciler" / "plan"

INPUTS = {"desired", "snapshot", "today", "policy", "protected", "email_requests"}
INDEXES = {"users_by_username", "users_by_email", "users_by_contact"}
LEDGERS = {"entries", "keys", "blockers", "warnings", "manual_steps", "fingerprints", "people", "seats"}
# what the diffs once left in the context for each other; now each is returned by the diff that decides it
LEFTOVERS = {
    "planned_users", "planned_by_email", "deactivated", "activated", "deleted_groups", "transferred_groups",
    "undeclared_groups", "removed_members", "added_members", "removed_invitations", "invited", "invited_emails",
    "managed_access",
}
# ledgers a diff writes and only build_plan (or the context's own methods) reads
WRITE_ONLY = {"entries", "keys", "blockers", "warnings", "manual_steps", "fingerprints"}


def test_plan_context_holds_only_inputs_indexes_and_ledgers() -> None:
    ctx = PlanContext(desired(), OrgBuilder().build(), TODAY)
    assert set(vars(ctx)) == INPUTS | INDEXES | LEDGERS
    assert not LEFTOVERS & set(dir(ctx))


def _ledger_reads(path: Path) -> list[str]:
    """`ctx.<ledger>` / `self.ctx.<ledger>` read anywhere but as the target of `ctx.fingerprints[id] = ...`."""
    tree = ast.parse(path.read_text(), str(path))
    stores = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    }
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr in WRITE_ONLY and id(node) not in stores):
            continue
        owner = node.value
        if (isinstance(owner, ast.Name) and owner.id == "ctx") or (
            isinstance(owner, ast.Attribute) and owner.attr == "ctx"
        ):
            found.append(f"{path.name}:{node.lineno}: ctx.{node.attr}")
    return found


def test_no_diff_reads_a_ledger_back() -> None:
    diffs = [p for p in sorted(PLAN.glob("*.py")) if p.name not in {"context.py", "build.py"}]
    assert len(diffs) > 5
    assert [read for path in diffs for read in _ledger_reads(path)] == []


def test_the_ledger_check_sees_a_read(tmp_path: Path) -> None:
    """The check above can fail: a diff that looks for another's change in ctx.keys or blockers is found, while
    recording a fingerprint is not a read."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(ctx, self):\n"
        "    ctx.fingerprints['Chatter'] = 'x'\n"
        "    return 'group:x' in ctx.keys or self.ctx.blockers\n"
    )
    assert sorted(_ledger_reads(sample)) == ["sample.py:3: ctx.blockers", "sample.py:3: ctx.keys"]


def _is_frozen_value(value: object) -> bool:
    if isinstance(value, (frozenset, int, str, MappingProxyType)):
        return True
    if isinstance(value, tuple):
        return all(isinstance(v, str) or _is_frozen_dataclass(v) for v in value)
    return False


def _is_frozen_dataclass(value: object) -> bool:
    params = getattr(value, "__dataclass_params__", None)
    return params is not None and params.frozen


def test_every_diff_returns_a_frozen_decision_that_later_diffs_take() -> None:
    org = OrgBuilder()
    owner = org.user("olga@acme.com")
    hub = org.group("Hub", owner, allow_customers=True)
    old = org.group("Old", owner, allow_customers=True)
    kim = org.customer("kim@contoso.com")  # only in Old, which is deleted: orphaned
    org.member(old, kim)
    jane = org.customer("jane@contoso.com", active=False)  # dormant, re-added to Hub: reactivated
    bob = org.user("bob@acme.com")
    org.member(hub, bob)  # not declared in the authoritative Hub: removed
    org.invite(hub, "x@contoso.com")  # not declared: cancelled
    org.account("Contoso Ltd")
    state = desired(
        org=chatter_settings(customer_invitations=True, unlisted_groups=True),
        groups=(
            group("Hub", customer_member("jane@contoso.com"), customer_member("tom@contoso.com"),
                  user_member("olga@acme.com", line=11), owner="olga@acme.com",
                  membership=Membership.AUTHORITATIVE, allow_customers=True),
            group("Old", state=GroupState.ABSENT, line=30),
        ),
        external_users=(partner("nina@contoso.com.partners", "nina@contoso.com"),),
        policy=policy(deactivate_orphaned_customers=True),
    )
    ctx = PlanContext(state, org.build(), TODAY)
    settings = diff_settings(ctx)
    users = diff_users(ctx)
    groups = diff_groups(ctx, users)
    permission_sets = diff_permission_sets(ctx, users)
    members = diff_members(ctx, users, settings, groups)
    orphaned = deactivate_orphaned_customers(ctx, users, groups, members)
    undeclared = deactivate_undeclared_external_users(ctx, users, members.reactivated | orphaned)

    assert settings.changed == {"setting:chatter.unlisted_groups"}
    assert set(users.planned) == {"nina@contoso.com.partners"} and set(users.planned_by_email) == {"nina@contoso.com"}
    assert [t.group.name for t in groups.targets] == ["Hub"] and groups.deleted == {old.id}
    assert members.reactivated == {jane.id} and members.invited_emails == {"tom@contoso.com"}
    assert members.invited == ("invitation:Hub/tom@contoso.com",)
    assert members.removed_members == {org.members[hub.id][bob.id].id}
    assert members.removed_invitations == {org.invitations[hub.id]["x@contoso.com"].id}
    assert orphaned == {kim.id} and undeclared == frozenset()
    for decided in (settings, users, groups, permission_sets, members):
        assert dataclasses.is_dataclass(decided)
        for f in dataclasses.fields(decided):
            assert _is_frozen_value(getattr(decided, f.name)), f"{type(decided).__name__}.{f.name}"
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(decided, f.name, getattr(decided, f.name))
