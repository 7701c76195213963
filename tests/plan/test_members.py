"""Members and invitations: authoritative/additive, role and notify updates, invitations, expiry, protected users."""

from __future__ import annotations

import datetime as dt

from reconciler.model import Membership, Notify, Role
from reconciler.plan.change import Action, Kind, Risk
from tests.plan.builders import (
    TODAY,
    OrgBuilder,
    codes,
    customer_member,
    desired,
    group,
    keyed,
    plan_of,
    policy,
    user_member,
)

PAST = TODAY - dt.timedelta(days=1)


def _hub(org: OrgBuilder, **kw: object):
    return org.group("Hub", allow_customers=True, **kw)  # type: ignore[arg-type]


def test_authoritative_removes_unlisted_members_additive_keeps_them() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    eve = org.user("eve@acme.com")
    row = org.member(hub, eve)
    plan = plan_of(org, desired(groups=(group("Hub"),)))
    [removal] = plan.changes
    assert (removal.action, removal.kind, removal.key) == (Action.DELETE, Kind.MEMBER, "member:Hub/eve@acme.com")
    assert removal.record_id == row.id and removal.reason == "not in config" and removal.source is None
    assert removal.risks == {Risk.REVOKES_ACCESS} and removal.is_removal
    assert removal.fingerprint == (row.id,)
    assert plan_of(org, desired(groups=(group("Hub", membership=Membership.ADDITIVE),))).changes == ()


def test_new_members_get_role_and_notify_in_salesforce_values() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    bob = org.user("bob@acme.com")
    plan = plan_of(org, desired(groups=(group("Hub", user_member("bob@acme.com", Role.MANAGER, notify=Notify.DAILY)),)))
    [change] = plan.changes
    assert change.action is Action.CREATE and change.key == "member:Hub/bob@acme.com"
    assert change.values == {
        "CollaborationGroupId": hub.id,
        "MemberId": bob.id,
        "CollaborationRole": "Admin",
        "NotificationFrequency": "D",
    }
    assert change.lookup == {"CollaborationGroupId": hub.id, "MemberId": bob.id}
    assert change.after == {"role": "manager", "notify": "daily"} and str(change.source) == "desired/groups.yaml:10"
    assert change.fingerprint == (hub.id,)


def test_role_and_notify_changes_are_updates_and_role_changes_are_counted() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    bob = org.user("bob@acme.com")
    row = org.member(hub, bob, Role.MEMBER, Notify.NEVER)
    plan = plan_of(
        org, desired(groups=(group("Hub", user_member("bob@acme.com", Role.MANAGER, notify=Notify.WEEKLY)),))
    )
    [change] = plan.changes
    assert change.action is Action.UPDATE and change.record_id == row.id
    assert change.before == {"role": "member", "notify": "never"} and change.after == {
        "role": "manager",
        "notify": "weekly",
    }
    assert change.values == {"CollaborationRole": "Admin", "NotificationFrequency": "W"}
    [person] = plan.people
    assert person.role_changes == ("Hub: member -> manager",)
    undeclared_notify = plan_of(org, desired(groups=(group("Hub", user_member("bob@acme.com")),)))
    assert undeclared_notify.changes == ()  # notify left out: not managed


def test_customer_without_a_user_is_invited_once_with_the_message() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    plan = plan_of(org, desired(groups=(group("Hub", customer_member("jane@contoso.com", message="Welcome")),)))
    [invitation] = plan.changes
    assert (invitation.action, invitation.kind) == (Action.CREATE, Kind.INVITATION)
    assert invitation.key == "invitation:Hub/jane@contoso.com" and invitation.sobject == "CollaborationInvitation"
    assert invitation.values == {
        "SharedEntityId": hub.id,
        "InvitedUserEmail": "jane@contoso.com",
        "OptionalMessage": "Welcome",
    }
    assert invitation.lookup == {"SharedEntityId": hub.id, "InvitedUserEmail": "jane@contoso.com"}
    assert Risk.GRANTS_EXTERNAL_ACCESS in invitation.risks
    [person] = plan.people
    assert person.external and person.gains == ("group Hub (invited)",)


def test_a_pending_invitation_counts_as_done_and_an_accepted_one_does_not() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    org.invite(hub, "jane@contoso.com")
    state = desired(groups=(group("Hub", customer_member("jane@contoso.com")),))
    assert plan_of(org, state).changes == ()
    org.invite(hub, "jane@contoso.com", status="Accepted")
    assert [c.key for c in plan_of(org, state).changes] == ["invitation:Hub/jane@contoso.com"]


def test_an_invitation_past_60_days_is_deleted_and_sent_again() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    stale = org.invite(hub, "jane@contoso.com", created="2026-03-01T09:00:00.000+0000")
    plan = plan_of(org, desired(groups=(group("Hub", customer_member("jane@contoso.com")),)))
    delete, create = plan.changes
    assert delete.key == "invitation:Hub/jane@contoso.com#expired" and delete.record_id == stale.id
    assert delete.reason == "invitation sent 2026-03-01 expired" and not delete.is_removal
    assert create.action is Action.CREATE and delete.key in create.depends_on
    assert plan.removals == ()


def test_invitations_not_desired_are_deleted_in_authoritative_groups() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    invitation = org.invite(hub, "gone@contoso.com")
    plan = plan_of(org, desired(groups=(group("Hub"),)))
    [delete] = plan.changes
    assert delete.action is Action.DELETE and delete.kind is Kind.INVITATION and delete.record_id == invitation.id
    assert delete.reason == "not in config" and delete.is_removal
    assert plan_of(org, desired(groups=(group("Hub", membership=Membership.ADDITIVE),))).changes == ()


def test_expired_entries_count_as_absent_even_in_additive_groups() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    bob, jane = org.user("bob@acme.com"), org.customer("jane@contoso.com")
    org.member(hub, bob)
    org.member(hub, jane)
    org.invite(hub, "tom@contoso.com")
    state = desired(
        groups=(
            group(
                "Hub",
                user_member("bob@acme.com", expires=PAST),
                customer_member("jane@contoso.com", expires=PAST),
                customer_member("tom@contoso.com", expires=PAST),
                customer_member("new@contoso.com", expires=PAST),
                membership=Membership.ADDITIVE,
            ),
        )
    )
    plan = plan_of(org, state)
    changes = keyed(plan)
    assert set(changes) == {"member:Hub/bob@acme.com", "member:Hub/jane@contoso.com", "invitation:Hub/tom@contoso.com"}
    assert all(c.action is Action.DELETE and c.reason == f"expired {PAST}" for c in plan.changes)
    assert all(c.source is not None for c in plan.changes)


def test_customer_whose_email_has_an_active_user_becomes_a_membership_of_that_user() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    jane = org.customer("jane@contoso.com")
    org.user("jane.other@contoso.com", email="jane@contoso.com")  # an internal user sharing the email: second choice
    [change] = plan_of(org, desired(groups=(group("Hub", customer_member("jane@contoso.com")),))).changes
    assert change.kind is Kind.MEMBER and change.key == "member:Hub/jane@contoso.com"
    assert change.values["MemberId"] == jane.id and change.values["CollaborationGroupId"] == hub.id


def test_customer_with_only_an_inactive_chatter_external_user_is_reactivated_not_invited() -> None:
    org = OrgBuilder()
    _hub(org)
    jane = org.customer("jane@contoso.com", active=False)
    plan = plan_of(org, desired(groups=(group("Hub", customer_member("jane@contoso.com")),)))
    reactivate, member = plan.changes
    assert reactivate.key == f"user:{jane.username}" and reactivate.values == {"IsActive": True}
    assert {Risk.CONSUMES_LICENSE, Risk.GRANTS_EXTERNAL_ACCESS} <= reactivate.risks
    assert member.values["MemberId"] == jane.id
    [chatter_external] = plan.licenses
    assert (chatter_external.name, chatter_external.used_after - chatter_external.used_before) == (
        "Chatter External",
        1,
    )


def test_invitations_need_the_permission_and_the_org_flag() -> None:
    org = OrgBuilder(can_invite_customers=False)
    org.chatter["customer_invitations"] = False
    _hub(org)
    state = desired(groups=(group("Hub", customer_member("jane@contoso.com")),))
    plan = plan_of(org, state)
    assert codes(plan.blockers) == ["invite-permission", "customer-invitations-off"]
    assert plan.blockers[0].key == "invitation:Hub/jane@contoso.com"


def test_the_org_flag_turned_on_by_the_plan_unblocks_invitations_and_runs_first() -> None:
    from tests.plan.builders import chatter_settings

    org = OrgBuilder()
    org.chatter["customer_invitations"] = False
    _hub(org)
    plan = plan_of(
        org,
        desired(
            org=chatter_settings(customer_invitations=True), groups=(group("Hub", customer_member("jane@contoso.com")),)
        ),
    )
    assert plan.blockers == ()
    setting, invitation = plan.changes
    assert setting.key in invitation.depends_on


def test_a_group_that_does_not_allow_customers_blocks_their_invitation() -> None:
    org = OrgBuilder()
    org.group("Closed")
    plan = plan_of(org, desired(groups=(group("Closed", customer_member("jane@contoso.com")),)))
    assert codes(plan.blockers) == ["group-disallows-customers"]


def test_members_of_a_new_group_ref_its_create_and_the_owner_row_is_left_to_the_org() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    bob = org.user("bob@acme.com")
    plan = plan_of(
        org,
        desired(
            groups=(
                group(
                    "New",
                    user_member("alice@acme.com", Role.MANAGER, notify=Notify.DAILY),
                    user_member("bob@acme.com"),
                    owner="alice@acme.com",
                ),
            )
        ),
    )
    assert [c.key for c in plan.changes] == ["group:New", "member:New/bob@acme.com"]
    member = plan.changes[1]
    assert member.refs == {"CollaborationGroupId": "group:New"} and member.values["MemberId"] == bob.id
    assert member.lookup == {"CollaborationGroupId": None, "MemberId": bob.id}
    assert member.depends_on == ("group:New",)
    values, lookup = member.resolve({"group:New": "0F9NEW"})
    assert values["CollaborationGroupId"] == lookup["CollaborationGroupId"] == "0F9NEW"
    assert codes(plan.warnings) == ["owner-notify-next-run"]


def test_protected_users_cannot_be_removed_or_demoted() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    boss, chief = org.user("boss@acme.com"), org.user("chief@acme.com")
    org.member(hub, boss)
    org.member(hub, chief, Role.MANAGER)
    state = desired(
        groups=(group("Hub", user_member("chief@acme.com")),),
        policy=policy(protected=("boss@acme.com", "chief@acme.com")),
    )
    plan = plan_of(org, state)
    assert codes(plan.blockers) == ["protected-user", "protected-user"]
    assert {b.key for b in plan.blockers} == {"member:Hub/boss@acme.com", "member:Hub/chief@acme.com"}


def test_missing_member_user_blocks_with_its_source() -> None:
    org = OrgBuilder()
    _hub(org)
    plan = plan_of(org, desired(groups=(group("Hub", user_member("ghost@acme.com", line=42)),)))
    [blocker] = plan.blockers
    assert blocker.code == "missing-user" and str(blocker.source) == "desired/groups.yaml:42"


def test_managed_access_counts_memberships_and_pending_invitations() -> None:
    org = OrgBuilder()
    hub = _hub(org)
    org.member(hub, org.user("bob@acme.com"))
    org.invite(hub, "x@contoso.com")
    org.invite(hub, "y@contoso.com", status="Accepted")
    plan = plan_of(org, desired(groups=(group("Hub", user_member("bob@acme.com"), customer_member("x@contoso.com")),)))
    assert plan.managed_access == 3  # admin (owner), bob, x's pending invitation
