"""The plan converges: executing its changes on the snapshot (tests/plan/simulate.py) and diffing again finds
nothing to do; dependencies always run first; the JSON form round-trips."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.model import (
    Access,
    Assignee,
    ChatterUser,
    DesiredState,
    Group,
    GroupState,
    Member,
    MemberKind,
    Membership,
    Notify,
    PermissionSetAssignments,
    Role,
)
from reconciler.plan import build_plan
from reconciler.plan.change import Plan
from tests.plan.builders import TODAY, OrgBuilder, partner, policy, src
from tests.plan.simulate import apply_plan

INTERNAL = [f"u{n}@acme.com" for n in range(6)]
CUSTOMERS = [f"c{n}@contoso.com" for n in range(4)]
FRESH, STALE = "2026-05-20T00:00:00.000+0000", "2026-01-02T00:00:00.000+0000"
DATES = st.sampled_from([None, None, None, TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=30)])
ROLES = st.sampled_from(list(Role))
NOTIFY = st.sampled_from([None, *Notify])


@st.composite
def worlds(draw: st.DrawFn) -> tuple[OrgBuilder, DesiredState]:
    org = OrgBuilder()
    org.chatter["unlisted_groups"] = True
    existing = {name: org.user(name) for name in INTERNAL if draw(st.booleans())}
    declared_users = [name for name in INTERNAL if name not in existing and draw(st.booleans())]
    chatter_users = tuple(
        ChatterUser(
            name,
            name,
            "Lee",
            "Dee",
            expires=draw(st.sampled_from([None, TODAY + dt.timedelta(days=9)])),
            source=src(1, "people.yaml"),
        )
        for name in declared_users
    )
    chatter_users += tuple(
        ChatterUser(
            name,
            name,
            "User",
            "Test",
            profile="Standard User",
            active=draw(st.sampled_from([None, False])),
            source=src(2, "people.yaml"),
        )
        for name in existing
        if draw(st.integers(0, 4)) == 0
    )
    known = [*existing, *declared_users]
    assume(known)
    for email in CUSTOMERS:
        state = draw(st.sampled_from(["none", "none", "active", "inactive"]))
        if state != "none":
            org.customer(email, active=state == "active")
    customers = [u for u in org.users.values() if u.is_customer]
    groups = []
    for n in range(draw(st.integers(1, 3))):
        name = f"Group {n}"
        if draw(st.booleans()):
            owner = existing[draw(st.sampled_from(sorted(existing)))] if existing else org.admin
            observed = org.group(
                name, owner, allow_customers=True, access=draw(st.sampled_from([Access.PRIVATE, Access.UNLISTED]))
            )
            for user in [*existing.values(), *customers]:
                if user.id != owner.id and draw(st.booleans()):
                    org.member(observed, user, draw(ROLES), draw(NOTIFY))
            for email in CUSTOMERS:
                if draw(st.integers(0, 3)) == 0:
                    org.invite(observed, email, created=draw(st.sampled_from([FRESH, STALE])))
            access = observed.access
        else:
            access = draw(st.sampled_from([Access.PRIVATE, Access.UNLISTED]))
        members = []
        for name_ in sorted(set(draw(st.lists(st.sampled_from(known), max_size=4)))):
            members.append(Member(MemberKind.USER, name_, draw(ROLES), draw(NOTIFY), draw(DATES), source=src(5)))
        for email in sorted(set(draw(st.lists(st.sampled_from(CUSTOMERS), max_size=3)))):
            members.append(Member(MemberKind.CUSTOMER, email, draw(ROLES), draw(NOTIFY), draw(DATES), source=src(6)))
        groups.append(
            Group(
                name,
                {"access": access, "allow_customers": True}
                | ({"description": "about"} if draw(st.booleans()) else {}),
                owner=draw(st.sampled_from([None, *[k for k in known if k in existing]])),
                membership=draw(st.sampled_from(list(Membership))),
                state=GroupState.ABSENT if draw(st.integers(0, 6)) == 0 else GroupState.PRESENT,
                members=tuple(members),
                source=src(2),
            )
        )
    permission_set = org.permission_set("Helpers")
    for user in existing.values():
        if draw(st.booleans()):
            org.assign(permission_set, user)
    assignees = tuple(Assignee(name) for name in sorted(set(draw(st.lists(st.sampled_from(known), max_size=3)))))
    account = org.account("Contoso Ltd")
    external_users = ()
    if draw(st.booleans()):
        if draw(st.booleans()):
            org.contact(account, "sam@contoso.com")
        external_users = (partner("sam@contoso.com.p", "sam@contoso.com", permission_sets=("Helpers",)),)
    state = DesiredState(
        groups=tuple(groups),
        chatter_users=chatter_users,
        external_users=external_users,
        permission_sets=(PermissionSetAssignments("Helpers", assignees, draw(st.sampled_from(list(Membership)))),),
        policy=policy(deactivate_orphaned_customers=draw(st.booleans())),
    )
    return org, state


def _no_owner_notify_on_new_groups(plan: Plan) -> bool:
    return not any(w.code == "owner-notify-next-run" for w in plan.warnings)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(worlds())
def test_applying_the_plan_then_diffing_again_finds_nothing(world: tuple[OrgBuilder, DesiredState]) -> None:
    org, state = world
    snapshot = org.build()
    plan = build_plan(state, snapshot, TODAY)
    assume(not plan.blockers and _no_owner_notify_on_new_groups(plan))
    assert len({c.key for c in plan.changes}) == len(plan.changes)
    after = apply_plan(snapshot, plan, TODAY)
    again = build_plan(state, after, TODAY)
    assert [c.key for c in again.changes] == []
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def test_a_plan_with_every_kind_converges_and_round_trips() -> None:
    org = OrgBuilder()
    org.chatter["customer_invitations"] = False
    alice, bob, eve = org.user("alice@acme.com"), org.user("bob@acme.com"), org.user("eve@acme.com")
    hub = org.group("Hub", alice, allow_customers=True)
    org.member(hub, bob)
    org.member(hub, eve)
    org.member(hub, org.customer("old@contoso.com"))
    org.invite(hub, "stale@contoso.com", created=STALE)
    org.group("Gone", bob)
    org.account("Contoso Ltd")
    deals = org.permission_set("Deal_Registration")
    org.assign(deals, eve)
    from tests.plan.builders import chatter_settings

    state = DesiredState(
        org=chatter_settings(customer_invitations=True),
        groups=(
            Group(
                "Hub",
                {"description": "Deals"},
                owner="bob@acme.com",
                members=(
                    Member(MemberKind.USER, "alice@acme.com", Role.MEMBER, source=src(4)),
                    Member(MemberKind.CUSTOMER, "new@contoso.com", message="hi", source=src(5)),
                    Member(MemberKind.CUSTOMER, "stale@contoso.com", source=src(6)),
                    Member(MemberKind.USER, "frank@acme.com", Role.MANAGER, Notify.DAILY, source=src(7)),
                ),
                source=src(2),
            ),
            Group(
                "New",
                owner="alice@acme.com",
                members=(Member(MemberKind.USER, "frank@acme.com", source=src(9)),),
                source=src(8),
            ),
            Group("Gone", state=GroupState.ABSENT, source=src(10)),
        ),
        chatter_users=(ChatterUser("frank@acme.com", "frank@acme.com", "Miller", "Frank", source=src(3, "p.yaml")),),
        external_users=(partner("sam@contoso.com.p", "sam@contoso.com", permission_sets=("Deal_Registration",)),),
        permission_sets=(PermissionSetAssignments("Deal_Registration", (), Membership.AUTHORITATIVE),),
        policy=policy(deactivate_orphaned_customers=True),
    )
    snapshot = org.build()
    plan = build_plan(state, snapshot, TODAY)
    assert plan.blockers == ()
    kinds = {(c.kind.value, c.action.value) for c in plan.changes}
    assert kinds >= {
        ("setting", "update"),
        ("contact", "create"),
        ("user", "create"),
        ("user", "update"),
        ("group", "create"),
        ("group", "update"),
        ("group", "delete"),
        ("permission_set_assignment", "create"),
        ("permission_set_assignment", "delete"),
        ("member", "create"),
        ("member", "update"),
        ("member", "delete"),
        ("invitation", "create"),
        ("invitation", "delete"),
    }
    after = apply_plan(snapshot, plan, TODAY)
    assert build_plan(state, after, TODAY).changes == ()
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def test_the_execution_order_follows_the_phases() -> None:
    from reconciler.plan.order import Phase, phase_of

    org = OrgBuilder()
    test_plan = build_plan(DesiredState(), org.build(), TODAY)
    assert test_plan.changes == ()
    assert [p.name for p in Phase] == [
        "SETTINGS",
        "CONTACTS",
        "USERS",
        "GROUPS",
        "PERMISSION_SETS",
        "MEMBERS",
        "REMOVALS",
        "DEACTIVATIONS",
        "GROUP_DELETES",
    ]
    assert callable(phase_of)
