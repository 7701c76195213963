"""A desired state shaped like desired/ (the demo org "Acme"), built in code so the org tests don't depend on the
config loader."""

from __future__ import annotations

import datetime as dt

from reconciler.model import (
    Access,
    Assignee,
    ChatterSettings,
    ChatterUser,
    CommunityLicense,
    DesiredState,
    ExternalUser,
    Group,
    Member,
    MemberKind,
    Membership,
    Notify,
    OrgSettings,
    PermissionSetAssignments,
    Policy,
    PortalRole,
    Role,
)


def user(username: str, role: Role = Role.MEMBER, notify: Notify | None = None) -> Member:
    return Member(MemberKind.USER, username, role, notify)


def customer(email: str, role: Role = Role.MEMBER, sponsor: str = "bob@acme.com") -> Member:
    return Member(MemberKind.CUSTOMER, email, role, expires=dt.date(2027, 3, 31), sponsor=sponsor)


DEMO = DesiredState(
    org=OrgSettings(chatter=ChatterSettings(enabled=True, customer_invitations=True, unlisted_groups=True,
                                            group_archiving=True)),
    groups=(
        Group("Acme Announcements", {"access": Access.PUBLIC}, owner="carol@acme.com", membership=Membership.ADDITIVE,
              members=(user("carol@acme.com", Role.MANAGER), user("dan@acme.com", Role.MANAGER, Notify.NEVER),
                       user("frank@acme.com", notify=Notify.WEEKLY))),
        Group("Acme Partner Hub", {"access": Access.PRIVATE, "allow_customers": True}, owner="alice@acme.com",
              members=(user("bob@acme.com", Role.MANAGER, Notify.DAILY), user("carol@acme.com"), user("erin@acme.com"),
                       user("grace@acme.co.uk"), customer("jane@contoso.com"), customer("raj@contoso.com"),
                       customer("li.wei@globex.com", Role.MANAGER, "alice@acme.com"))),
        Group("Contoso Deal Room", {"access": Access.PRIVATE, "allow_customers": True}, owner="bob@acme.com",
              members=(user("alice@acme.com", Role.MANAGER), user("dan@acme.com", notify=Notify.EACH_POST),
                       customer("jane@contoso.com", Role.MANAGER), customer("tom@contoso.com"))),
        Group("Initech Pilot", {"access": Access.UNLISTED, "allow_customers": True}, owner="dan@acme.com",
              members=(user("erin@acme.com", Role.MANAGER), customer("maria@initech.com", sponsor="dan@acme.com"))),
    ),
    chatter_users=(
        ChatterUser("frank@acme.com", "frank@acme.com", "Miller", "Frank", active=True),
        ChatterUser("grace@acme.co.uk", "grace@acme.co.uk", "Taylor", "Grace", active=True),
    ),
    external_users=(
        ExternalUser("sam.patel@contoso.com.acmepartners", "sam.patel@contoso.com", "Patel", "Contoso Ltd",
                     CommunityLicense.PARTNER_COMMUNITY, "Partner Community User", "Sam", PortalRole.MANAGER,
                     ("Deal_Registration",), sponsor="bob@acme.com"),
        ExternalUser("omar.haddad@globex.com.acmecustomers", "omar.haddad@globex.com", "Haddad", "Globex Corporation",
                     CommunityLicense.CUSTOMER_COMMUNITY, "Customer Community User", "Omar", sponsor="alice@acme.com"),
        ExternalUser("lena.berg@initech.com.acmecustomers", "lena.berg@initech.com", "Berg", "Initech",
                     CommunityLicense.CUSTOMER_COMMUNITY_PLUS, "Customer Community Plus User", "Lena",
                     PortalRole.EXECUTIVE, sponsor="dan@acme.com"),
    ),
    permission_sets=(
        PermissionSetAssignments("Invite_Customers_To_Chatter", (Assignee("alice@acme.com"), Assignee("bob@acme.com"))),
        PermissionSetAssignments("Deal_Registration", (Assignee("sam.patel@contoso.com.acmepartners"),),
                                 Membership.AUTHORITATIVE),
    ),
    policy=Policy(protected=("admin@acme.com",), deactivate_orphaned_customers=True),
)
