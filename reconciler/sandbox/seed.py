"""The sandbox's starting orgs, built through the same rules as API calls, with fixed ids and timestamps, except
for what ages with the calendar: raj's pending invitation is sent PENDING_INVITATION_AGE_DAYS before the database
is created, so a new demo org plans the same whatever the date (docs/decisions/demo-dates.md).

Either org can be set up in English (the default) or German (`guestlist sandbox reset --language de`, LANGUAGES):
the Organization's default time zone, locale and language, the seeded users' own, and the labels the standard
profiles show differ; licence names, ids and everything else stay the same.

`empty`: the licences, the standard profiles (each with its own permission set), the "Invite Customers To
Chatter" permission set, the role CEO and one active System Administrator, admin@acme.com (password `sandbox`),
who is the connected user.

`demo`: `empty` plus the org "Acme" that desired/ describes, with deliberate differences so that the first
`guestlist plan desired/` has work to do:
- the unlisted group "Initech Pilot" is missing;
- kim@contoso.com, a partner contact whose access ended, is still a customer in "Acme Partner Hub", and the
  former partner user victor.klein still holds Deal_Registration;
- paul@globex.com, a customer who left, is still in "Contoso Deal Room";
- wrong roles: dan is a member (not a manager) of "Acme Announcements"; sam.patel has the portal role Worker
  instead of Manager; carol's notifications in "Acme Partner Hub" are daily instead of weekly;
- a setting off: ChatterSettings.enableInviteCsnUsers is false;
- invitations: raj@contoso.com is pending (Sent three weeks before the org was created), mike@contoso.com has a
  stale Sent invitation from 2026-07-15, older than 60 days;
- missing people: the Chatter Free user grace@acme.co.uk, the Customer Community Plus user lena.berg, the
  customers li.wei@globex.com and tom@contoso.com; missing assignments: bob's Invite_Customers_To_Chatter and
  nina.ross's Deal_Registration.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.objects.licences import recount_usage
from reconciler.sandbox.objects.settings import CHATTER_DEFAULTS

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

ADMIN_USERNAME = "admin@acme.com"
PASSWORD = "sandbox"
ORG_NAME = "Acme"
EPOCH = "2026-01-05T09:00:00.000+0000"
PENDING_INVITATION_AGE_DAYS = 21  # well inside the 60 days an invitation can be accepted (plan/assumptions.py)

# (Name, MasterLabel, LicenseDefinitionKey, TotalLicenses); totals small enough for tests to reach
LICENCES = (
    ("Salesforce", "Salesforce", "SFDC", 10),
    ("Chatter Free", "Chatter Free", "PID_Chatter_Free", 5000),
    ("Chatter External", "Chatter External", "PID_Chatter_External", 500),
    ("Customer Community", "Customer Community", "PID_Customer_Community", 25),
    ("Customer Community Plus", "Customer Community Plus", "PID_Customer_Community_Plus", 10),
    ("Partner Community", "Partner Community", "PID_Partner_Community", 5),
)
# One permission set licence and a custom set bound to it (assumed("psl-seed")): label, key, seats
PERMISSION_SET_LICENCE = ("Lightning Console", "LightningConsolePsl", 3)
_PSL_SEED = assumed("psl-seed")
_ADMIN_PERMISSIONS = (
    "PermissionsApiEnabled",
    "PermissionsModifyAllData",
    "PermissionsViewAllData",
    "PermissionsManageUsers",
    "PermissionsManageInternalUsers",
    "PermissionsCustomizeApplication",
    "PermissionsViewSetup",
    "PermissionsChatterInternalUser",
    "PermissionsChatterOwnGroups",
    "PermissionsChatterInviteExternalUsers",
    "PermissionsManageUnlistedGroups",
    "PermissionsModerateChatter",
)
_INTERNAL_PERMISSIONS = ("PermissionsApiEnabled", "PermissionsChatterInternalUser", "PermissionsChatterOwnGroups")
# (Name, licence, UserType, permissions)
PROFILES = (
    ("System Administrator", "Salesforce", "Standard", _ADMIN_PERMISSIONS),
    ("Standard User", "Salesforce", "Standard", _INTERNAL_PERMISSIONS),
    ("Chatter Free User", "Chatter Free", "CsnOnly", _INTERNAL_PERMISSIONS[1:]),
    ("Chatter External User", "Chatter External", "CsnOnly", ()),
    ("Customer Community User", "Customer Community", "CspLitePortal", ()),
    ("Customer Community Plus User", "Customer Community Plus", "PowerCustomerSuccess", ()),
    ("Partner Community User", "Partner Community", "PowerPartner", ()),
)



@dataclass(frozen=True)
class Language:
    """How an org set up in one language looks: the Organization's defaults, the users' settings, and the labels
    its standard profiles show (Profile.Name is a label, real-orgs.md §8.1)."""

    org: dict[str, str]  # DefaultLocaleSidKey, TimeZoneSidKey, LanguageLocaleKey, Country
    user: dict[str, str]  # TimeZoneSidKey, LocaleSidKey, EmailEncodingKey, LanguageLocaleKey of the seeded users
    profile_labels: dict[str, str] = field(default_factory=dict)  # English name -> the label shown; others as is

    def label(self, profile: str) -> str:
        return self.profile_labels.get(profile, profile)


_GERMAN_LABELS = assumed("profile-labels-de")
LANGUAGES: dict[str, Language] = {
    "en": Language(
        org={"DefaultLocaleSidKey": "en_US", "TimeZoneSidKey": "America/Los_Angeles", "LanguageLocaleKey": "en_US",
             "Country": "United States"},
        user={"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
              "LanguageLocaleKey": "en_US"},
    ),
    "de": Language(  # a German-language org (real-orgs.md §8.4)
        org={"DefaultLocaleSidKey": "de_DE", "TimeZoneSidKey": "Europe/Berlin", "LanguageLocaleKey": "de",
             "Country": "Germany"},
        user={"TimeZoneSidKey": "Europe/Berlin", "LocaleSidKey": "de_DE", "EmailEncodingKey": "UTF-8",
              "LanguageLocaleKey": "de"},
        profile_labels={
            "System Administrator": "Systemadministrator",
            "Standard User": "Standardbenutzer",
            "Chatter Free User": "Chatter Free-Benutzer",
            "Chatter External User": "Chatter External-Benutzer",
            "Customer Community User": "Customer Community-Benutzer",
            "Customer Community Plus User": "Customer Community Plus-Benutzer",
            "Partner Community User": "Partner Community-Benutzer",
        },
    ),
}


def populate(session: Session, seed: str, language: str = "en") -> None:
    """Fill a new (or reset) database with the `empty` or `demo` org, set up in `language` (en or de)."""
    if seed not in ("empty", "demo"):
        raise ValueError(f"unknown seed {seed!r}: 'demo' or 'empty'")
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: {' or '.join(LANGUAGES)}")
    created = session.now  # the store's clock: when this database is set up
    session.restart_ids()
    session.now = EPOCH
    _empty(session, LANGUAGES[language])
    if seed == "demo":
        _Demo(session, created, LANGUAGES[language]).build()
    recount_usage(session)
    session.now = EPOCH


def _by_name(session: Session, obj: str, name: str, column: str = "Name") -> str:
    return session.scalar(f'SELECT "Id" FROM "{obj}" WHERE "{column}" = ?', (name,))


def _empty(session: Session, language: Language) -> None:
    numbered = session.new_id("Organization")  # number 1 stays the org's, so the other seeded ids never change
    org_id = session.meta("org_id") or numbered  # the store draws a random one per database
    admin_id = session.new_id("User")  # allocated first so that every seeded row is created by the admin
    session.set_meta("org_id", org_id)
    session.set_meta("admin_user_id", admin_id)
    session.system_insert(
        "Organization",
        {
            "Id": org_id,
            "Name": ORG_NAME,
            "OrganizationType": "Enterprise Edition",
            "InstanceName": "LOCAL1",
            "IsSandbox": False,
            **language.org,
        },
    )
    licences = {}
    for name, label, key, total in LICENCES:
        licences[name] = session.system_insert(
            "UserLicense",
            {
                "Name": name,
                "MasterLabel": label,
                "LicenseDefinitionKey": key,
                "Status": "Active",
                "TotalLicenses": total,
                "UsedLicenses": 0,
                "UsedLicensesLastUpdated": EPOCH,
            },
        )
    for name, licence, user_type, permissions in PROFILES:
        granted = {p: True for p in permissions}
        profile_id = session.system_insert(
            "Profile",
            {"Name": language.label(name), "UserLicenseId": licences[licence], "UserType": user_type, **granted},
        )
        session.system_insert(
            "PermissionSet",
            {
                "Name": "X" + profile_id[:15],
                "Label": profile_id[:15],
                "ProfileId": profile_id,
                "IsOwnedByProfile": True,
                "IsCustom": False,
                "Type": "Profile",
                "LicenseId": licences[licence],
                **granted,
            },
        )
    session.create(
        "PermissionSet",
        {
            "Name": "Invite_Customers_To_Chatter",
            "Label": "Invite Customers To Chatter",
            "Description": "Lets colleagues invite customers to private groups that allow customers",
            "PermissionsChatterInviteExternalUsers": True,
        },
    )
    _permission_set_licence(session)
    session.create("UserRole", {"Name": "CEO", "DeveloperName": "CEO"})
    session.create(
        "User",
        {  # no role, as a new org's System Administrator (real-orgs.md §6.2)
            "Username": ADMIN_USERNAME,
            "Email": ADMIN_USERNAME,
            "FirstName": "Ada",
            "LastName": "Admin",
            "Alias": "aadmin",
            "ProfileId": _by_name(session, "Profile", language.label("System Administrator")),
            **language.user,
        },
        record_id=admin_id,
    )
    session.set_password(admin_id, PASSWORD)
    session.set_setting("ChatterSettings", dict(CHATTER_DEFAULTS))
    session.set_invitation_settings(allowed=False, domains=[])


def _permission_set_licence(session: Session) -> None:
    label, key, total = PERMISSION_SET_LICENCE
    psl_id = session.system_insert(
        "PermissionSetLicense",
        {
            "DeveloperName": key,
            "MasterLabel": label,
            "PermissionSetLicenseKey": key,
            "Language": "en_US",
            "Status": "Active",
            "TotalLicenses": total,
            "UsedLicenses": 0,
            "MigratableLicenses": 0,
        },
    )
    session.create(
        "PermissionSet",
        {"Name": "Console_Agents", "Label": "Console Agents", "Description": "Lightning console apps",
         "LicenseId": psl_id},
    )


class _Demo:
    """Builds the demo org step by step; `at(day)` moves the clock so rows carry plausible, fixed dates (the
    pending invitation's date follows `created`, the moment the database is set up)."""

    def __init__(self, session: Session, created: str, language: Language) -> None:
        self.s = session
        self.created = dt.date.fromisoformat(created[:10])
        self.language = language
        self.profiles = {name: _by_name(session, "Profile", language.label(name)) for name, *_ in PROFILES}

    def at(self, date: str, time: str = "09:00:00") -> None:
        self.s.now = f"{date}T{time}.000+0000"

    def _days_before_creation(self, days: int) -> str:
        return (self.created - dt.timedelta(days=days)).isoformat()

    def user(self, username: str, first: str, last: str, profile: str, email: str | None = None, **extra: Any) -> str:
        return self.s.create(
            "User",
            {
                "Username": username,
                "Email": email or username,
                "FirstName": first,
                "LastName": last,
                "Alias": (first[:1] + last)[:8].lower(),
                "ProfileId": self.profiles[profile],
                **self.language.user,
                **extra,
            },
        )

    def member(self, group: str, user: str, role: str = "Standard", notify: str | None = None) -> None:
        values = {"CollaborationGroupId": group, "MemberId": user, "CollaborationRole": role}
        if notify:
            values["NotificationFrequency"] = notify
        self.s.create("CollaborationGroupMember", values)

    def invite(self, inviter: str, group: str, email: str, message: str | None = None) -> str:
        self.s.actor_id = inviter
        try:
            return self.s.create(
                "CollaborationInvitation",
                {"InvitedUserEmail": email, "SharedEntityId": group, "OptionalMessage": message},
            )
        finally:
            self.s.actor_id = None

    def build(self) -> None:
        s = self.s
        self.at("2026-02-02")
        s.set_invitation_settings(allowed=True, domains=["acme.com", "acme.co.uk"])
        s.update_chatter_settings(
            {"allowChatterGroupArchiving": True, "unlistedGroupsEnabled": True, "enableInviteCsnUsers": True}
        )
        people = {
            name: self.user(f"{name}@acme.com", first, last, "Standard User")
            for name, first, last in (
                ("alice", "Alice", "Nguyen"),
                ("bob", "Bob", "Okafor"),
                ("carol", "Carol", "Schmidt"),
                ("dan", "Dan", "Rossi"),
                ("erin", "Erin", "Walsh"),
            )
        }
        for user_id in people.values():
            s.set_password(user_id, "sandbox")
        self.at("2026-02-03")
        people["frank"] = self.user(
            "frank@acme.com", "Frank", "Miller", "Chatter Free User", DefaultGroupNotificationFrequency="W"
        )
        people["heidi"] = self.user("heidi@acme.com", "Heidi", "Novak", "Chatter Free User")

        invite_set = _by_name(s, "PermissionSet", "Invite_Customers_To_Chatter")
        for who in ("alice", "dan"):
            s.create("PermissionSetAssignment", {"AssigneeId": people[who], "PermissionSetId": invite_set})

        self.at("2026-03-02")
        groups = {
            "Acme Announcements": s.create(
                "CollaborationGroup",
                {
                    "Name": "Acme Announcements",
                    "CollaborationType": "Public",
                    "OwnerId": people["carol"],
                    "Description": "Company news from the leadership team",
                    "InformationTitle": "How to post",
                    "InformationBody": "Only managers post here. Comment freely.",
                    "IsBroadcast": True,
                    "IsAutoArchiveDisabled": True,
                },
            ),
            "Acme Partner Hub": s.create(
                "CollaborationGroup",
                {
                    "Name": "Acme Partner Hub",
                    "CollaborationType": "Private",
                    "CanHaveGuests": True,
                    "OwnerId": people["alice"],
                    "Description": "Deals and onboarding with partners",
                    "InformationTitle": "Read me",
                    "InformationBody": "Partner onboarding checklists, price lists and the deal-registration process.",
                },
            ),
            "Contoso Deal Room": s.create(
                "CollaborationGroup",
                {
                    "Name": "Contoso Deal Room",
                    "CollaborationType": "Private",
                    "CanHaveGuests": True,
                    "OwnerId": people["bob"],
                    "Description": "The 2027 Contoso framework agreement",
                    "IsAutoArchiveDisabled": True,
                },
            ),
        }
        announcements, hub, deal_room = groups.values()
        self.member(announcements, people["dan"], notify="N")  # config: manager
        self.member(announcements, people["frank"], notify="W")
        self.member(announcements, people["alice"])  # additive membership: not in config, left alone
        self.member(hub, people["bob"], "Admin", "D")
        self.member(hub, people["carol"], notify="D")  # config: weekly
        self.member(hub, people["erin"])
        self.member(deal_room, people["alice"], "Admin")
        self.member(deal_room, people["dan"], notify="P")

        self.at("2026-04-06")
        self.invite(people["alice"], hub, "jane@contoso.com", "Welcome to the Acme Partner Hub, Jane!")
        self.invite(people["alice"], hub, "kim@contoso.com")
        self.invite(people["alice"], deal_room, "paul@globex.com")
        self.at("2026-04-08")
        jane = s.accept_invitation("jane@contoso.com")
        s.accept_invitation("kim@contoso.com")
        s.accept_invitation("paul@globex.com")
        self.member(deal_room, jane, "Admin")
        self.at("2026-07-15")
        self.invite(people["alice"], hub, "mike@contoso.com")  # stale: older than 60 days
        self.at(self._days_before_creation(PENDING_INVITATION_AGE_DAYS))
        self.invite(people["alice"], hub, "raj@contoso.com")  # pending, whatever the date the demo is set up

        self.at("2026-05-04")
        self._external_users(people)
        self.at("2026-11-16")
        s.update_chatter_settings({"enableInviteCsnUsers": False})  # someone turned customer invitations off

    def _external_users(self, people: dict[str, str]) -> None:
        s = self.s
        # the accounts' owner has a role: no Experience Cloud user of theirs can be made without (real-orgs.md §6.1)
        s.update("User", str(s.meta("admin_user_id")), {"UserRoleId": _by_name(s, "UserRole", "CEO")})
        accounts = {
            name: s.create("Account", {"Name": name, "OwnerId": s.meta("admin_user_id")})
            for name in ("Contoso Ltd", "Globex Corporation", "Initech")
        }
        contacts = {
            email: s.create(
                "Contact", {"FirstName": first, "LastName": last, "Email": email, "AccountId": accounts[account]}
            )
            for first, last, email, account in (
                ("Sam", "Patel", "sam.patel@contoso.com", "Contoso Ltd"),
                ("Nina", "Ross", "nina.ross@contoso.com", "Contoso Ltd"),
                ("Victor", "Klein", "victor.klein@contoso.com", "Contoso Ltd"),
                ("Omar", "Haddad", "omar.haddad@globex.com", "Globex Corporation"),
                ("Lena", "Berg", "lena.berg@initech.com", "Initech"),
            )
        }
        partners = {}
        for email, first, last in (
            ("sam.patel@contoso.com", "Sam", "Patel"),
            ("nina.ross@contoso.com", "Nina", "Ross"),
            ("victor.klein@contoso.com", "Victor", "Klein"),
        ):
            partners[first] = self.user(
                f"{email}.acmepartners", first, last, "Partner Community User", email, ContactId=contacts[email]
            )  # PortalRole defaults to Worker
        self.user(
            "omar.haddad@globex.com.acmecustomers",
            "Omar",
            "Haddad",
            "Customer Community User",
            "omar.haddad@globex.com",
            ContactId=contacts["omar.haddad@globex.com"],
        )
        deal_registration = s.create(
            "PermissionSet",
            {
                "Name": "Deal_Registration",
                "Label": "Deal Registration",
                "Description": "Register deals in the partner portal",
                "LicenseId": _by_name(s, "UserLicense", "Partner Community"),
            },
        )
        # Sam's ends with his access (desired/people.yaml: expires 2099-06-30), as guestlist set it (real-orgs.md §15)
        s.create("PermissionSetAssignment", {"AssigneeId": partners["Sam"], "PermissionSetId": deal_registration,
                                             "ExpirationDate": "2099-07-01T00:00:00.000+0000"})
        s.create("PermissionSetAssignment", {"AssigneeId": partners["Victor"], "PermissionSetId": deal_registration})
