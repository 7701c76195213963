"""What a config makes worth reading (pure): observe reads only these."""

from __future__ import annotations

from reconciler.model import (
    Assignee,
    ChatterSettings,
    ChatterUser,
    CommunityLicense,
    DesiredState,
    ExternalUser,
    ExternalUsersPolicy,
    Group,
    Member,
    MemberKind,
    OrgSettings,
    PermissionSetAssignments,
    Policy,
)
from reconciler.org.observe import Needs, to18

DESIRED = DesiredState(
    groups=(
        Group(name="Acme Partner Hub", owner="alice@acme.com", members=(
            Member(MemberKind.USER, "bob@acme.com"),
            Member(MemberKind.CUSTOMER, "jane@contoso.com", sponsor="bob@acme.com"),
        )),
    ),
    chatter_users=(ChatterUser("dave@acme.com", "dave@acme.com", "Lee"),),
    external_users=(
        ExternalUser("sam@contoso.com.partners", "Sam.Patel@Contoso.com", "Patel", "Contoso Ltd",
                     CommunityLicense.PARTNER_COMMUNITY, "Partner Community User", permission_sets=("Deal_Reg",),
                     sponsor="carol@acme.com"),
    ),
    permission_sets=(PermissionSetAssignments("Invite_Customers", (Assignee("erin@acme.com"),)),),
    policy=Policy(protected=("admin@acme.com",)),
)


def test_needs_collect_every_reference_of_the_config() -> None:
    needs = Needs.of(DESIRED, "me@acme.com")
    assert needs.usernames == {"me@acme.com", "admin@acme.com", "alice@acme.com", "bob@acme.com", "dave@acme.com",
                               "sam@contoso.com.partners", "carol@acme.com", "erin@acme.com"}
    assert needs.customer_emails == {"jane@contoso.com"}
    assert needs.group_names == {"acme partner hub"}
    assert needs.permission_sets == {"Invite_Customers", "Deal_Reg"}
    assert needs.account_names == {"Contoso Ltd"}
    assert needs.contact_emails == {"sam.patel@contoso.com"}
    assert needs.chatter and needs.portal_roles
    assert not needs.external_users_in_scope and not needs.customers_in_scope


def test_an_empty_config_reads_almost_nothing() -> None:
    needs = Needs.of(DesiredState(), "me@acme.com")
    assert needs.usernames == {"me@acme.com"}
    assert not (needs.customer_emails or needs.group_names or needs.permission_sets or needs.account_names)
    assert not needs.chatter and not needs.portal_roles


def test_policy_scopes_and_settings() -> None:
    desired = DesiredState(
        org=OrgSettings(chatter=ChatterSettings(enabled=True)),
        policy=Policy(external_users=ExternalUsersPolicy.DEACTIVATE, deactivate_orphaned_customers=True),
    )
    needs = Needs.of(desired, "me@acme.com")
    assert needs.chatter and needs.external_users_in_scope and needs.customers_in_scope


def test_to18() -> None:
    assert to18("001D000000IqhSL") == "001D000000IqhSLIAZ"
    assert to18("0FBD00000003GAP") == "0FBD00000003GAPOA2"
    assert to18("005D0000001LLO1IAO") == "005D0000001LLO1IAO"
