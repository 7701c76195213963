"""Settings (declared keys only) and groups (create/update by name, state: absent, undeclared untouched)."""

from __future__ import annotations

import datetime as dt

from reconciler.model import Access, GroupState, Role
from reconciler.plan.change import Action, Kind, Risk
from tests.plan.builders import (
    TODAY,
    OrgBuilder,
    chatter_settings,
    codes,
    desired,
    group,
    keyed,
    plan_of,
    user_member,
)


def test_only_declared_settings_are_compared_one_change_per_key() -> None:
    org = OrgBuilder()
    org.chatter.update(customer_invitations=False, group_archiving=False)
    plan = plan_of(org, desired(org=chatter_settings(customer_invitations=True, enabled=True)))
    [change] = plan.changes
    assert (change.action, change.kind, change.key) == (
        Action.UPDATE,
        Kind.SETTING,
        "setting:chatter.customer_invitations",
    )
    assert change.before == {"customer_invitations": False} and change.after == {"customer_invitations": True}
    assert change.sobject == "ChatterSettings" and change.record_id == "Chatter"
    assert change.values == {"enableInviteCsnUsers": True}
    assert Risk.GRANTS_EXTERNAL_ACCESS in change.risks
    assert str(change.source) == "desired/org.yaml:3"
    assert change.fingerprint == ("Chatter",) and "Chatter" in plan.fingerprints


def test_settings_already_right_make_no_change() -> None:
    org = OrgBuilder()
    assert plan_of(org, desired(org=chatter_settings(enabled=True, customer_invitations=True))).changes == ()


def test_new_group_is_created_with_declared_fields_and_default_private_access() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    state = desired(
        groups=(
            group(
                "Launch",
                owner="alice@acme.com",
                description="Go",
                information__title="T",
                auto_archive=False,
                broadcast_only=True,
            ),
        )
    )
    change = keyed(plan_of(org, state))["group:Launch"]
    assert change.action is Action.CREATE and change.sobject == "CollaborationGroup"
    assert change.values["CollaborationType"] == "Private"
    assert change.values["Description"] == "Go" and change.values["InformationTitle"] == "T"
    assert "InformationBody" not in change.values and "IsArchived" not in change.values
    assert change.values["IsAutoArchiveDisabled"] is True and change.values["IsBroadcast"] is True
    assert change.after["access"] == "private" and change.after["owner"] == "alice@acme.com"
    assert change.lookup == {"Name": "Launch"}
    assert change.risks == frozenset()


def test_allowing_customers_is_irreversible() -> None:
    org = OrgBuilder()
    state = desired(groups=(group("Hub", allow_customers=True, access=Access.PRIVATE),))
    assert Risk.IRREVERSIBLE in keyed(plan_of(org, state))["group:Hub"].risks
    org.group("Hub")
    change = keyed(plan_of(org, state))["group:Hub"]
    assert change.action is Action.UPDATE and change.values == {"CanHaveGuests": True}
    assert Risk.IRREVERSIBLE in change.risks


def test_group_update_carries_only_the_fields_that_differ() -> None:
    org = OrgBuilder()
    observed = org.group("Hub", description="old")
    state = desired(groups=(group("hub", access=Access.PRIVATE, description="new", membership="additive"),))
    [change] = plan_of(org, state).changes
    assert change.key == "group:hub" and change.record_id == observed.id
    assert change.before == {"description": "old"} and change.after == {"description": "new"}
    assert change.values == {"Description": "new"}
    assert change.fingerprint == (observed.id,)


def test_state_absent_deletes_and_counts_the_people_who_lose_access() -> None:
    org = OrgBuilder()
    bob = org.user("bob@acme.com")
    old = org.group("Old")
    org.member(old, bob)
    plan = plan_of(
        org, desired(groups=(group("Old", state=GroupState.ABSENT), group("Never", state=GroupState.ABSENT)))
    )
    [change] = plan.changes
    assert change.action is Action.DELETE and change.key == "group:Old" and change.record_id == old.id
    assert {Risk.IRREVERSIBLE} <= change.risks and change.reason == "state: absent"
    assert set(change.people) == {"admin@acme.com", "bob@acme.com"}
    assert {p.person for p in plan.people if p.losses} == {"admin@acme.com", "bob@acme.com"}


def test_undeclared_groups_are_never_touched_only_counted() -> None:
    org = OrgBuilder()
    org.group("Elsewhere")
    org.group("Other")
    plan = plan_of(org, desired(groups=(group("New"),)))
    assert [c.key for c in plan.changes] == ["group:New"]
    assert plan.undeclared_groups == 2


def test_allow_customers_cannot_be_turned_off() -> None:
    org = OrgBuilder()
    org.group("Hub", allow_customers=True)
    plan = plan_of(org, desired(groups=(group("Hub", allow_customers=False),)))
    assert codes(plan.blockers) == ["allow-customers-one-way"]
    assert plan.changes == ()


def test_access_of_a_group_allowing_customers_is_locked() -> None:
    org = OrgBuilder()
    org.group("Hub", allow_customers=True)
    plan = plan_of(org, desired(groups=(group("Hub", access=Access.UNLISTED),)))
    assert codes(plan.blockers) == ["access-locked"]


def test_public_groups_cannot_allow_customers_and_unlisted_needs_the_org_flag() -> None:
    org = OrgBuilder()
    plan = plan_of(
        org,
        desired(
            groups=(group("Pub", access=Access.PUBLIC, allow_customers=True), group("Hidden", access=Access.UNLISTED))
        ),
    )
    assert codes(plan.blockers) == ["allow-customers-public", "unlisted-groups-disabled"]
    turned_on = desired(org=chatter_settings(unlisted_groups=True), groups=(group("Hidden", access=Access.UNLISTED),))
    assert plan_of(org, turned_on).blockers == ()


def test_missing_owner_blocks() -> None:
    plan = plan_of(OrgBuilder(), desired(groups=(group("G", owner="nobody@acme.com"),)))
    assert codes(plan.blockers) == ["missing-owner"]
    assert plan.blockers[0].source is not None and plan.blockers[0].key == "group:G"


def test_owner_change_makes_the_new_owner_a_manager_first_and_keeps_them() -> None:
    org = OrgBuilder()
    alice, bob = org.user("alice@acme.com"), org.user("bob@acme.com")
    hub = org.group("Hub", alice)
    plan = plan_of(org, desired(groups=(group("Hub", user_member("carol@acme.com"), owner="bob@acme.com"),)))
    assert codes(plan.blockers) == ["missing-user"]
    org.user("carol@acme.com")
    plan = plan_of(org, desired(groups=(group("Hub", user_member("carol@acme.com"), owner="bob@acme.com"),)))
    changes = keyed(plan)
    order = [c.key for c in plan.changes]
    new_owner_row = changes["member:Hub/bob@acme.com"]
    assert new_owner_row.action is Action.CREATE and new_owner_row.values["CollaborationRole"] == "Admin"
    transfer = changes["group:Hub#owner"]
    assert transfer.values == {"OwnerId": bob.id} and transfer.record_id == hub.id
    assert transfer.before == {"owner": "alice@acme.com"} and transfer.after == {"owner": "bob@acme.com"}
    assert "member:Hub/bob@acme.com" in transfer.depends_on
    old_owner_removal = changes["member:Hub/alice@acme.com"]
    assert old_owner_removal.action is Action.DELETE and "group:Hub#owner" in old_owner_removal.depends_on
    assert (
        order.index("member:Hub/bob@acme.com")
        < order.index("group:Hub#owner")
        < order.index("member:Hub/alice@acme.com")
    )


def test_existing_new_owner_member_is_promoted_before_the_transfer() -> None:
    org = OrgBuilder()
    alice, bob = org.user("alice@acme.com"), org.user("bob@acme.com")
    hub = org.group("Hub", alice)
    org.member(hub, bob)
    plan = plan_of(
        org,
        desired(
            groups=(group("Hub", user_member("bob@acme.com"), user_member("alice@acme.com"), owner="bob@acme.com"),)
        ),
    )
    changes = keyed(plan)
    assert changes["member:Hub/bob@acme.com"].after == {"role": "manager"}
    assert codes(plan.warnings) == []  # role left out: it yields to the owner's manager role
    demotion = changes["member:Hub/alice@acme.com"]  # the old owner, listed as a member: demoted after the transfer
    assert demotion.after == {"role": "member"} and demotion.depends_on == ("group:Hub#owner",)
    assert [c.key for c in plan.changes][-2:] == ["group:Hub#owner", "member:Hub/alice@acme.com"]
    assert [p.role_changes for p in plan.people if p.person == "bob@acme.com"] == [("Hub: member -> manager",)]


def test_owner_is_never_removed_even_when_not_listed() -> None:
    org = OrgBuilder()
    alice, bob = org.user("alice@acme.com"), org.user("bob@acme.com")
    hub = org.group("Hub", alice)
    org.member(hub, bob, Role.MANAGER)
    plan = plan_of(org, desired(groups=(group("Hub", owner="alice@acme.com"),)))
    assert [c.key for c in plan.changes] == ["member:Hub/bob@acme.com"]


def test_a_protected_owner_cannot_lose_ownership() -> None:
    from tests.plan.builders import policy

    org = OrgBuilder()
    boss = org.user("boss@acme.com")
    org.user("bob@acme.com")
    org.group("Hub", boss)
    plan = plan_of(
        org,
        desired(
            groups=(group("Hub", user_member("boss@acme.com", Role.MANAGER), owner="bob@acme.com"),),
            policy=policy(protected=("boss@acme.com",)),
        ),
    )
    assert codes(plan.blockers) == ["protected-user"] and plan.blockers[0].key == "group:Hub#owner"


def test_an_owner_whose_access_expired_is_a_manual_step_not_a_quiet_warning() -> None:
    """The owner can't be removed from their group: the plan says what a person must do, so it is never
    "No changes" while the expired access lasts."""
    org = OrgBuilder()
    alice = org.user("alice@acme.com")
    org.group("Hub", alice)
    expired = TODAY - dt.timedelta(days=1)
    plan = plan_of(org, desired(groups=(group("Hub", user_member("alice@acme.com", expires=expired)),)))
    [step] = plan.manual_steps
    assert (step.code, step.key) == ("owner-expired", "member:Hub/alice@acme.com")
    assert "give group 'Hub' another owner" in step.step
    assert "owner-expired" not in codes(plan.warnings)
