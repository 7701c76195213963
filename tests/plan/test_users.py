"""Users (never deleted), contacts, permission set assignments, licences, orphaned customers, undeclared external
users."""

from __future__ import annotations

import dataclasses
import datetime as dt

from reconciler.model import (
    Assignee,
    ChatterUser,
    CommunityLicense,
    ExternalUsersPolicy,
    Membership,
    PermissionSetAssignments,
    PortalRole,
    Source,
)
from reconciler.plan import build_plan
from reconciler.plan.change import Action, Kind, Risk
from tests.plan.builders import (
    TODAY,
    OrgBuilder,
    codes,
    customer_member,
    desired,
    group,
    keyed,
    partner,
    plan_of,
    policy,
)

PAST = TODAY - dt.timedelta(days=1)
PEOPLE = Source("desired/people.yaml", 3, 5)


def frank(**kw: object) -> ChatterUser:
    values: dict[str, object] = {
        "username": "frank@acme.com",
        "email": "frank@acme.com",
        "last_name": "Miller",
        "first_name": "Frank",
        "source": PEOPLE,
    }
    values.update(kw)
    return ChatterUser(**values)  # type: ignore[arg-type]


def test_chatter_user_is_created_with_the_required_fields() -> None:
    org = OrgBuilder()
    plan = plan_of(org, desired(chatter_users=(frank(),)))
    [change] = plan.changes
    assert (change.action, change.kind, change.key) == (Action.CREATE, Kind.USER, "user:frank@acme.com")
    assert change.values["ProfileId"] == org.profiles["Chatter Free User"].id
    for required in (
        "Username",
        "Email",
        "LastName",
        "Alias",
        "TimeZoneSidKey",
        "LocaleSidKey",
        "EmailEncodingKey",
        "LanguageLocaleKey",
    ):
        assert change.values[required]
    assert change.values["Alias"] == "fmiller" and "CommunityNickname" not in change.values
    assert change.lookup == {"Username": "frank@acme.com"}
    assert change.risks == {Risk.CONSUMES_LICENSE}
    [seats] = plan.licenses
    assert (seats.name, seats.used_before, seats.used_after) == ("Chatter Free", 0, 1)


def test_user_update_carries_only_the_fields_that_differ() -> None:
    org = OrgBuilder()
    user = org.user("frank@acme.com", profile="Chatter Free User", first_name="Frank", last_name="Mill")
    [change] = plan_of(org, desired(chatter_users=(frank(),))).changes
    assert change.action is Action.UPDATE and change.record_id == user.id
    assert change.before == {"last_name": "Mill"} and change.after == {"last_name": "Miller"}
    assert change.values == {"LastName": "Miller"}


def test_users_are_deactivated_never_deleted_when_expired_or_inactive() -> None:
    org = OrgBuilder()
    user = org.user("frank@acme.com", profile="Chatter Free User", first_name="Frank", last_name="Miller")
    for declared, reason in ((frank(expires=PAST), f"expired {PAST}"), (frank(active=False), "active: false")):
        plan = plan_of(org, desired(chatter_users=(declared,)))
        [change] = plan.changes
        assert change.action is Action.UPDATE and change.values == {"IsActive": False} and change.reason == reason
        assert change.is_removal and Risk.REVOKES_ACCESS in change.risks
        assert change.record_id == user.id
        assert [(s.used_before, s.used_after) for s in plan.licenses] == [(1, 0)]
    assert plan_of(OrgBuilder(), desired(chatter_users=(frank(expires=PAST),))).changes == ()


def test_an_inactive_user_declared_active_is_reactivated() -> None:
    org = OrgBuilder()
    org.user("frank@acme.com", profile="Chatter Free User", first_name="Frank", last_name="Miller", active=False)
    [change] = plan_of(org, desired(chatter_users=(frank(active=True),))).changes
    assert change.values == {"IsActive": True} and Risk.CONSUMES_LICENSE in change.risks
    assert plan_of(org, desired(chatter_users=(frank(),))).changes == ()  # active left out: not managed


def test_protected_user_deactivation_blocks() -> None:
    org = OrgBuilder()
    org.user("frank@acme.com", profile="Chatter Free User", first_name="Frank", last_name="Miller")
    plan = plan_of(org, desired(chatter_users=(frank(active=False),), policy=policy(protected=("frank@acme.com",))))
    assert codes(plan.blockers) == ["protected-user"]


def test_missing_profile_blocks() -> None:
    plan = plan_of(OrgBuilder(), desired(chatter_users=(frank(profile="Nope"),)))
    assert codes(plan.blockers) == ["missing-profile"]


def test_external_user_gets_a_new_contact_referenced_by_the_user_create() -> None:
    org = OrgBuilder()
    account = org.account("Contoso Ltd")
    sam = partner("sam@contoso.com.partners", "Sam@Contoso.com", portal_role=PortalRole.MANAGER)
    plan = plan_of(org, desired(external_users=(sam,)))
    contact, user = plan.changes
    assert (contact.kind, contact.action, contact.key) == (
        Kind.CONTACT,
        Action.CREATE,
        "contact:Contoso Ltd/sam@contoso.com",
    )
    assert contact.values == {
        "AccountId": account.id,
        "Email": "Sam@Contoso.com",
        "LastName": "Doe",
        "FirstName": "Jane",
    }
    assert contact.lookup == {"AccountId": account.id, "Email": "Sam@Contoso.com"}
    assert user.refs == {"ContactId": contact.key} and contact.key in user.depends_on
    assert (
        user.values["PortalRole"] == "Manager" and user.values["ProfileId"] == org.profiles["Partner Community User"].id
    )
    assert {Risk.CONSUMES_LICENSE, Risk.GRANTS_EXTERNAL_ACCESS} <= user.risks


def test_external_user_matches_an_existing_contact_by_account_and_email() -> None:
    org = OrgBuilder()
    account = org.account("Contoso Ltd")
    contact = org.contact(account, "sam@contoso.com")
    [user] = plan_of(org, desired(external_users=(partner("sam@x.partners", "sam@contoso.com"),))).changes
    assert user.values["ContactId"] == contact.id and user.refs == {}


def test_customer_community_users_get_no_portal_role() -> None:
    org = OrgBuilder()
    org.account("Globex")
    omar = partner(
        "omar@globex.customers",
        "omar@globex.com",
        account="Globex",
        license=CommunityLicense.CUSTOMER_COMMUNITY,
        profile="Customer Community User",
        portal_role=PortalRole.USER,
    )
    user = keyed(plan_of(org, desired(external_users=(omar,))))["user:omar@globex.customers"]
    assert "PortalRole" not in user.values


def test_external_user_blockers_account_licence_and_contact() -> None:
    org = OrgBuilder()
    assert codes(plan_of(org, desired(external_users=(partner("a@x.p", "a@x.com"),))).blockers) == ["missing-account"]
    account = org.account("Contoso Ltd")
    wrong = partner("a@x.p", "a@x.com", license=CommunityLicense.CUSTOMER_COMMUNITY)
    assert codes(plan_of(org, desired(external_users=(wrong,))).blockers) == ["profile-license-mismatch"]
    org.external("someone.else@x.p", account, "a@x.com")
    assert codes(plan_of(org, desired(external_users=(partner("a@x.p", "a@x.com"),))).blockers) == ["contact-has-user"]


def test_an_account_name_matching_two_accounts_blocks_once_citing_every_user_that_names_it() -> None:
    org = OrgBuilder()
    globex = org.account("Globex")
    snapshot = dataclasses.replace(org.build(), ambiguous_accounts={"contoso ltd": 2})
    sam = partner("sam@x.p", "sam@contoso.com", source=Source("desired/people.yaml", 23, 5))
    nina = partner("nina@x.p", "nina@contoso.com", account="CONTOSO LTD", source=Source("desired/people.yaml", 35, 5))
    omar = partner("omar@x.p", "omar@globex.com", account="Globex", source=Source("desired/people.yaml", 47, 5))
    result = build_plan(desired(external_users=(sam, nina, omar)), snapshot, TODAY)
    [blocker] = result.blockers
    assert blocker.code == "ambiguous-account" and blocker.key == "account:Contoso Ltd"
    assert "'Contoso Ltd' matches 2 Accounts" in blocker.message
    assert "(named at desired/people.yaml:23, desired/people.yaml:35)" in blocker.message
    assert blocker.source == Source("desired/people.yaml", 23, 5)
    # nothing is planned under the ambiguous name; the unambiguous account's user still is
    planned = keyed(result)
    assert not any("contoso" in key for key in planned)
    assert planned["contact:Globex/omar@globex.com"].values["AccountId"] == globex.id
    assert "user:omar@x.p" in planned


def test_licence_running_out_blocks_and_deactivations_give_seats_back() -> None:
    org = OrgBuilder()
    account = org.account("Contoso Ltd")
    leaving = org.external("old@contoso.com.partners", account, "old@contoso.com")
    org.seats("Partner Community", total=2, used=2)
    newcomer = partner("new@contoso.com.partners", "new@contoso.com")
    plan = plan_of(org, desired(external_users=(newcomer,)))
    assert codes(plan.blockers) == ["license-exhausted"]
    [seats] = plan.licenses
    assert (seats.used_before, seats.used_after, seats.total) == (2, 3, 2) and seats.runs_out
    old = partner(leaving.username, leaving.email, active=False)
    plan = plan_of(org, desired(external_users=(newcomer, old)))
    assert plan.blockers == ()
    assert [(s.used_before, s.used_after) for s in plan.licenses] == [(2, 2)]


def test_permission_set_assignments_additive_and_authoritative() -> None:
    org = OrgBuilder()
    invite = org.permission_set("Invite_Customers_To_Chatter")
    alice, bob = org.user("alice@acme.com"), org.user("bob@acme.com")
    kept = org.assign(invite, bob)
    additive = PermissionSetAssignments("Invite_Customers_To_Chatter", (Assignee("alice@acme.com", PEOPLE),))
    [create] = plan_of(org, desired(permission_sets=(additive,))).changes
    assert (create.kind, create.action, create.key) == (
        Kind.PERMISSION_SET_ASSIGNMENT,
        Action.CREATE,
        "permission_set_assignment:Invite_Customers_To_Chatter/alice@acme.com",
    )
    assert create.values == {"PermissionSetId": invite.id, "AssigneeId": alice.id} == create.lookup
    authoritative = PermissionSetAssignments(additive.name, additive.assignees, Membership.AUTHORITATIVE)
    plan = plan_of(org, desired(permission_sets=(authoritative,)))
    delete = keyed(plan)["permission_set_assignment:Invite_Customers_To_Chatter/bob@acme.com"]
    assert delete.action is Action.DELETE and delete.record_id == kept.id and delete.is_removal


def test_permission_sets_of_external_users_are_assigned_to_the_new_user_by_ref() -> None:
    org = OrgBuilder()
    org.account("Contoso Ltd")
    deals = org.permission_set("Deal_Registration")
    plan = plan_of(
        org, desired(external_users=(partner("sam@c.p", "sam@contoso.com", permission_sets=("Deal_Registration",)),))
    )
    assignment = keyed(plan)["permission_set_assignment:Deal_Registration/sam@c.p"]
    assert assignment.refs == {"AssigneeId": "user:sam@c.p"} and assignment.values == {"PermissionSetId": deals.id}
    assert [c.kind for c in plan.changes] == [Kind.CONTACT, Kind.USER, Kind.PERMISSION_SET_ASSIGNMENT]


def test_permission_set_blockers_missing_and_wrong_licence() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    declared = PermissionSetAssignments("Deal_Registration", (Assignee("alice@acme.com"),))
    assert codes(plan_of(org, desired(permission_sets=(declared,))).blockers) == ["missing-permission-set"]
    org.permission_set("Deal_Registration", license_name="Partner Community")
    assert codes(plan_of(org, desired(permission_sets=(declared,))).blockers) == ["permission-set-license"]


def test_orphaned_customers_are_deactivated_when_the_policy_says_so() -> None:
    org = OrgBuilder()
    hub = org.group("Hub", allow_customers=True)
    jane, tom, idle = (
        org.customer("jane@contoso.com"),
        org.customer("tom@contoso.com"),
        org.customer("idle@contoso.com"),
    )
    org.member(hub, jane)
    org.member(hub, tom)
    lounge = org.group("Lounge", allow_customers=True)
    org.invite(lounge, "idle@contoso.com")  # a pending invitation keeps a customer
    state = desired(
        groups=(group("Hub", customer_member("jane@contoso.com")), group("Lounge", membership=Membership.ADDITIVE)),
        policy=policy(deactivate_orphaned_customers=True),
    )
    plan = plan_of(org, state)
    changes = keyed(plan)
    deactivation = changes[f"user:{tom.username}"]
    assert deactivation.values == {"IsActive": False} and deactivation.reason.startswith("orphaned customer")
    assert [c.key for c in plan.changes] == ["member:Hub/tom@contoso.com", f"user:{tom.username}"]
    assert idle.username not in {c.key for c in plan.changes}
    off = desired(groups=state.groups)
    assert f"user:{tom.username}" not in keyed(plan_of(org, off))


def test_orphan_check_is_skipped_when_a_customer_group_was_not_read() -> None:
    org = OrgBuilder()
    org.customer("tom@contoso.com")
    unread = org.group("Secret", allow_customers=True)
    del org.members[unread.id]
    plan = plan_of(org, desired(policy=policy(deactivate_orphaned_customers=True)))
    assert plan.changes == () and codes(plan.warnings) == ["orphans-unknown"]


def test_undeclared_external_users_are_deactivated_with_external_users_deactivate() -> None:
    org = OrgBuilder()
    account = org.account("Contoso Ltd")
    stray = org.external("stray@contoso.com.partners", account, "stray@contoso.com")
    kept = org.external("sam@contoso.com.partners", account, "sam@contoso.com")
    state = desired(
        external_users=(
            partner(kept.username, kept.email, first_name="Test", last_name="User", portal_role=PortalRole.USER),
        ),
        policy=policy(external_users=ExternalUsersPolicy.DEACTIVATE),
    )
    plan = plan_of(org, state)
    [change] = plan.changes
    assert change.key == f"user:{stray.username}" and change.values == {"IsActive": False}
    assert change.reason == "external user not in config"
    assert plan_of(org, desired(external_users=state.external_users)).changes == ()


def test_missing_licence_of_a_profile_blocks() -> None:
    from reconciler.model import ObservedProfile

    org = OrgBuilder()
    org.profiles["Odd Profile"] = ObservedProfile("00eODD000000000AAA", "Odd Profile", "Retired Licence")
    plan = plan_of(org, desired(chatter_users=(frank(profile="Odd Profile"),)))
    assert codes(plan.blockers) == ["missing-license"]


def test_protected_users_keep_their_permission_sets() -> None:
    org = OrgBuilder()
    invite = org.permission_set("Invite_Customers_To_Chatter")
    org.assign(invite, org.user("boss@acme.com"))
    declared = PermissionSetAssignments("Invite_Customers_To_Chatter", (), Membership.AUTHORITATIVE)
    plan = plan_of(org, desired(permission_sets=(declared,), policy=policy(protected=("boss@acme.com",))))
    assert codes(plan.blockers) == ["protected-user"]


def test_deactivating_a_group_owner_warns_that_the_group_needs_a_new_owner() -> None:
    org = OrgBuilder()
    owner = org.user("frank@acme.com", profile="Chatter Free User", first_name="Frank", last_name="Miller")
    org.group("Team", owner)
    plan = plan_of(org, desired(chatter_users=(frank(active=False),)))
    [warning] = [w for w in plan.warnings if w.code == "deactivated-owner"]
    assert "'Team'" in warning.message


def test_a_declared_portal_role_on_a_user_the_org_shows_with_none_is_a_manual_step() -> None:
    """The org showing no portal role differs from a declared one too: a manual step, never a quiet "no changes"."""
    org = OrgBuilder()
    account = org.account("Initech")
    lena = org.external("lena@initech.com.customers", account, "lena@initech.com",
                        profile="Customer Community Plus User")
    declared = partner(lena.username, lena.email, "Initech", first_name="Test", last_name="User",
                       license=CommunityLicense.CUSTOMER_COMMUNITY_PLUS, profile="Customer Community Plus User",
                       portal_role=PortalRole.MANAGER)
    plan = plan_of(org, desired(external_users=(declared,)))
    assert plan.changes == () and plan.differs
    [step] = plan.manual_steps
    assert (step.code, step.key) == ("portal-role-create-only", f"user:{lena.username}")
    assert "from no role to manager" in step.step
