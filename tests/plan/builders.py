"""Hand-built snapshots and desired states for the pure diff's tests (no org, no YAML)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass, field

from reconciler.kinds import GROUP
from reconciler.model import (
    CHATTER_EXTERNAL_LICENSE,
    CHATTER_FREE_LICENSE,
    Access,
    ChatterSettings,
    CommunityLicense,
    DesiredState,
    ExternalUser,
    Group,
    InvitationSettings,
    Member,
    MemberKind,
    Notify,
    ObservedAccount,
    ObservedAssignment,
    ObservedContact,
    ObservedGroup,
    ObservedInvitation,
    ObservedLicense,
    ObservedMember,
    ObservedPermissionSet,
    ObservedPermissionSetLicense,
    ObservedProfile,
    ObservedUser,
    OrgIdentity,
    OrgSettings,
    Policy,
    PortalRole,
    Role,
    Snapshot,
    Source,
)
from reconciler.plan import build_plan
from reconciler.plan.change import Change, Finding, Plan

TODAY = dt.date(2026, 6, 1)
_counter = itertools.count(1)


def sf_id(prefix: str) -> str:
    """A unique 18-character id with the object's key prefix (checksum not needed by the planner)."""
    return f"{prefix}{next(_counter):012d}AAA"


def src(line: int, file: str = "desired/groups.yaml") -> Source:
    return Source(file, line, 5)


LICENSES = {
    "Salesforce": 100,
    CHATTER_FREE_LICENSE: 5000,
    CHATTER_EXTERNAL_LICENSE: 500,
    "Customer Community": 10,
    "Customer Community Plus": 10,
    "Partner Community": 10,
}
PROFILES = {
    "System Administrator": "Salesforce",
    "Standard User": "Salesforce",
    "Chatter Free User": CHATTER_FREE_LICENSE,
    "Chatter External User": CHATTER_EXTERNAL_LICENSE,
    "Customer Community User": "Customer Community",
    "Customer Community Plus User": "Customer Community Plus",
    "Partner Community User": "Partner Community",
}


@dataclass
class OrgBuilder:
    """A small org: licences and profiles of a typical one, an admin (the connected user), and what tests add."""

    chatter: dict[str, bool | None] = field(
        default_factory=lambda: {
            "enabled": True,
            "customer_invitations": True,
            "unlisted_groups": False,
            "group_archiving": False,
        }
    )
    can_invite_customers: bool = True
    users: dict[str, ObservedUser] = field(default_factory=dict)
    groups: dict[str, ObservedGroup] = field(default_factory=dict)
    members: dict[str, dict[str, ObservedMember]] = field(default_factory=dict)
    invitations: dict[str, dict[str, ObservedInvitation]] = field(default_factory=dict)
    licenses: dict[str, ObservedLicense] = field(default_factory=dict)
    profiles: dict[str, ObservedProfile] = field(default_factory=dict)
    permission_sets: dict[str, ObservedPermissionSet] = field(default_factory=dict)
    permission_set_licenses: dict[str, ObservedPermissionSetLicense] = field(default_factory=dict)
    assignments: dict[str, dict[str, ObservedAssignment]] = field(default_factory=dict)
    accounts: dict[str, ObservedAccount] = field(default_factory=dict)
    contacts: dict[tuple[str, str], ObservedContact] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, total in LICENSES.items():
            self.licenses[name] = ObservedLicense(sf_id("100"), name, total, 0)
        for name, license_name in PROFILES.items():
            self.profiles[name] = ObservedProfile(sf_id("00e"), name, license_name)
        self.admin = self.user("admin@acme.com")

    # -- records ------------------------------------------------------------------------------------------------

    def user(
        self,
        username: str,
        *,
        profile: str = "Standard User",
        email: str | None = None,
        active: bool = True,
        contact: ObservedContact | None = None,
        portal_role: PortalRole | None = None,
        first_name: str | None = "Test",
        last_name: str = "User",
    ) -> ObservedUser:
        license_name = PROFILES[profile]
        user = ObservedUser(
            id=sf_id("005"),
            username=username,
            email=email or username,
            last_name=last_name,
            first_name=first_name,
            is_active=active,
            profile=profile,
            license=license_name,
            user_type="CsnOnly" if "Chatter" in profile else "Standard",
            contact_id=contact.id if contact else None,
            account_id=contact.account_id if contact else None,
            portal_role=portal_role,
            last_modified="2026-01-01T00:00:00.000Z",
        )
        self.users[user.id] = user
        if active:
            self.used[license_name] = self.used.get(license_name, 0) + 1
        return user

    def customer(self, email: str, *, active: bool = True) -> ObservedUser:
        """A Chatter External user, as an accepted invitation creates it (<local>@guest.<inviter domain>)."""
        return self.user(
            f"{email.split('@')[0]}@guest.acme.com", profile="Chatter External User", email=email, active=active
        )

    def group(
        self,
        name: str,
        owner: ObservedUser | None = None,
        *,
        access: Access = Access.PRIVATE,
        allow_customers: bool = False,
        description: str | None = None,
    ) -> ObservedGroup:
        owner = owner or self.admin
        group = ObservedGroup(
            id=sf_id("0F9"),
            name=name,
            owner_id=owner.id,
            member_count=0,
            settings={"access": access, "allow_customers": allow_customers, "description": description,
                      "information.title": None, "information.body": None, "archived": False,
                      "broadcast_only": False, "auto_archive": True},
            last_modified="2026-01-01T00:00:00.000Z",
        )
        self.groups[name.casefold()] = group
        self.members[group.id] = {}
        self.invitations[group.id] = {}
        self.member(group, owner, Role.MANAGER)
        return group

    def member(
        self, group: ObservedGroup, user: ObservedUser, role: Role = Role.MEMBER, notify: Notify | None = Notify.NEVER
    ) -> ObservedMember:
        row = ObservedMember(sf_id("0FB"), group.id, user.id, role, notify)
        self.members[group.id][user.id] = row
        return row

    def invite(
        self, group: ObservedGroup, email: str, *, created: str = "2026-05-20T10:00:00.000+0000", status: str = "Sent"
    ) -> ObservedInvitation:
        invitation = ObservedInvitation(sf_id("0H1"), group.id, email, status, self.admin.id, created)
        self.invitations[group.id][email] = invitation
        return invitation

    def permission_set_license(self, label: str, total: int = 10, used: int = 0, status: str = "Active",
                               holders: tuple[ObservedUser, ...] = ()) -> ObservedPermissionSetLicense:
        psl = ObservedPermissionSetLicense(sf_id("0PL"), label, status, total, used,
                                           frozenset(u.id for u in holders))
        self.permission_set_licenses[psl.id] = psl
        return psl

    def bound_permission_set(self, name: str, psl: ObservedPermissionSetLicense) -> ObservedPermissionSet:
        """A permission set bound to a permission set licence (LicenseId 0PL...)."""
        permission_set = self.permission_set(name)
        self.permission_sets[name] = dataclasses.replace(permission_set, license_id=psl.id)
        return self.permission_sets[name]

    def permission_set(self, name: str, license_name: str | None = None) -> ObservedPermissionSet:
        license_id = self.licenses[license_name].id if license_name else None
        permission_set = ObservedPermissionSet(sf_id("0PS"), name, name.replace("_", " "), license_id)
        self.permission_sets[name] = permission_set
        self.assignments[permission_set.id] = {}
        return permission_set

    def assign(self, permission_set: ObservedPermissionSet, user: ObservedUser) -> ObservedAssignment:
        assignment = ObservedAssignment(sf_id("0Pa"), permission_set.id, user.id)
        self.assignments[permission_set.id][user.id] = assignment
        return assignment

    def account(self, name: str) -> ObservedAccount:
        account = ObservedAccount(sf_id("001"), name)
        self.accounts[name.casefold()] = account
        return account

    def contact(self, account: ObservedAccount, email: str, last_name: str = "Doe") -> ObservedContact:
        contact = ObservedContact(sf_id("003"), account.id, email, None, last_name)
        self.contacts[(account.id, email)] = contact
        return contact

    def external(
        self,
        username: str,
        account: ObservedAccount,
        email: str,
        *,
        profile: str = "Partner Community User",
        active: bool = True,
    ) -> ObservedUser:
        contact = self.contact(account, email)
        return self.user(
            username,
            profile=profile,
            email=email,
            contact=contact,
            active=active,
            portal_role=PortalRole.USER if "Partner" in profile else None,
        )

    def seats(self, license_name: str, *, total: int, used: int) -> None:
        """Pins a licence's seats (otherwise `used` counts the active users built here)."""
        self.licenses[license_name] = ObservedLicense(self.licenses[license_name].id, license_name, total, used)
        self.used[license_name] = used

    # -- the snapshot -------------------------------------------------------------------------------------------

    def build(self, api_requests: int = 7) -> Snapshot:
        licenses = {
            name: ObservedLicense(lic.id, name, lic.total, self.used.get(name, 0))
            for name, lic in self.licenses.items()
        }
        org = OrgIdentity(
            "00D000000000001AAA",
            "Acme",
            "https://acme.example.test",
            True,
            self.admin.id,
            self.admin.username,
            self.can_invite_customers,
        )
        return Snapshot(
            org=org,
            chatter=dict(self.chatter),
            groups=dict(self.groups),
            members={gid: dict(rows) for gid, rows in self.members.items()},
            invitations={gid: dict(rows) for gid, rows in self.invitations.items()},
            users=dict(self.users),
            profiles=dict(self.profiles),
            licenses=licenses,
            permission_sets=dict(self.permission_sets),
            assignments={pid: dict(rows) for pid, rows in self.assignments.items()},
            accounts=dict(self.accounts),
            contacts=dict(self.contacts),
            api_requests=api_requests,
            permission_set_licenses=dict(self.permission_set_licenses),
        )


# -- desired-state shorthands ----------------------------------------------------------------------------------


def user_member(username: str, role: Role = Role.MEMBER, line: int = 10, **kw: object) -> Member:
    return Member(MemberKind.USER, username, role, source=src(line), **kw)  # type: ignore[arg-type]


def customer_member(email: str, role: Role = Role.MEMBER, line: int = 20, **kw: object) -> Member:
    return Member(MemberKind.CUSTOMER, email, role, source=src(line), **kw)  # type: ignore[arg-type]


def group(name: str, *members: Member, line: int = 2, **kw: object) -> Group:
    """A declared group; keyword arguments named like a group setting (information__title for
    "information.title") go into its settings, the others are Group's own."""
    settings = {word: kw.pop(word.replace(".", "__")) for word in GROUP_SETTINGS if word.replace(".", "__") in kw}
    return Group(name, settings, members=members, source=src(line), **kw)  # type: ignore[arg-type]


GROUP_SETTINGS = tuple(setting.word for setting in GROUP.fields)


def desired(**kw: object) -> DesiredState:
    return DesiredState(**kw)  # type: ignore[arg-type]


def chatter_settings(**values: bool) -> OrgSettings:
    sources = {name: Source("desired/org.yaml", n + 3, 5) for n, name in enumerate(values)}
    return OrgSettings(chatter=ChatterSettings(**values, source=Source("desired/org.yaml", 2, 3), sources=sources))


def invitation_settings(allowed: bool | None, domains: tuple[str, ...] | None) -> OrgSettings:
    return OrgSettings(invitations=InvitationSettings(allowed, domains, Source("desired/org.yaml", 9, 3)))


def partner(username: str, email: str, account: str = "Contoso Ltd", **kw: object) -> ExternalUser:
    defaults: dict[str, object] = {
        "last_name": "Doe",
        "first_name": "Jane",
        "license": CommunityLicense.PARTNER_COMMUNITY,
        "profile": "Partner Community User",
        "source": Source("desired/people.yaml", 30, 5),
    }
    defaults.update(kw)
    return ExternalUser(username=username, email=email, account=account, **defaults)  # type: ignore[arg-type]


def policy(**kw: object) -> Policy:
    return Policy(source=Source("desired/org.yaml", 40, 1), **kw)  # type: ignore[arg-type]


# -- running the diff ------------------------------------------------------------------------------------------


def plan_of(org: OrgBuilder, state: DesiredState, today: dt.date = TODAY) -> Plan:
    return build_plan(state, org.build(), today)


def keyed(plan: Plan) -> dict[str, Change]:
    return {c.key: c for c in plan.changes}


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]
