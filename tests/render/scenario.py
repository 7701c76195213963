"""One plan with every kind of change, a blocker, warnings, licences and manual checks, for the renderers."""

from __future__ import annotations

import datetime as dt

from reconciler.model import (
    Access,
    Assignee,
    ChatterUser,
    Notify,
    OrgSettings,
    PermissionSetAssignments,
    Role,
)
from reconciler.plan import build_plan
from reconciler.plan.change import Plan
from tests.plan.builders import (
    TODAY,
    OrgBuilder,
    chatter_settings,
    customer_member,
    desired,
    group,
    invitation_settings,
    partner,
    policy,
    src,
    user_member,
)


def full_plan(*, seats_left: int = 0) -> Plan:
    org = OrgBuilder()
    org.chatter["customer_invitations"] = False
    alice, bob, eve = org.user("alice@acme.com"), org.user("bob@acme.com"), org.user("eve@acme.com")
    hub = org.group("Acme Partner Hub", alice, allow_customers=True)
    org.member(hub, bob)
    org.member(hub, eve)
    org.member(hub, org.customer("jane@contoso.com"))
    org.member(hub, org.customer("tom@contoso.com"))
    org.invite(hub, "old@contoso.com", created="2026-01-01T00:00:00.000+0000")
    org.invite(hub, "gone@contoso.com")
    org.permission_set("Invite_Customers_To_Chatter")
    org.account("Contoso Ltd")
    org.seats("Partner Community", total=1 + seats_left, used=1)
    state = desired(
        org=OrgSettings(
            chatter=chatter_settings(customer_invitations=True).chatter,
            invitations=invitation_settings(True, ("acme.com", "acme.co.uk")).invitations,
        ),
        groups=(
            group(
                "Acme Partner Hub",
                user_member("bob@acme.com", Role.MANAGER, notify=Notify.DAILY),
                customer_member("jane@contoso.com"),
                customer_member("tom@contoso.com", expires=dt.date(2026, 5, 1)),
                customer_member("new@contoso.com", message="hi"),
                customer_member("old@contoso.com"),
                owner="alice@acme.com",
                access=Access.PRIVATE,
                allow_customers=True,
                description="Deals",
            ),
            group(
                "New Group",
                user_member("bob@acme.com"),
                user_member("frank@acme.com"),
                owner="alice@acme.com",
                allow_customers=True,
                line=30,
            ),
        ),
        chatter_users=(
            ChatterUser("frank@acme.com", "frank@acme.com", "Miller", "Frank", source=src(3, "desired/people.yaml")),
        ),
        external_users=(
            partner("sam@contoso.com.partners", "sam@contoso.com", permission_sets=("Invite_Customers_To_Chatter",)),
        ),
        permission_sets=(PermissionSetAssignments("Invite_Customers_To_Chatter", (Assignee("alice@acme.com"),)),),
        policy=policy(deactivate_orphaned_customers=True, protected=("admin@acme.com",)),
    )
    return build_plan(state, org.build(), TODAY)
