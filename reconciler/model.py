"""The shared vocabulary: the desired state (what the YAML declares) and the snapshot (what the org holds).

Both sides speak guestlist's own words ("private", "manager", "daily"); the tables at the bottom translate them
to and from Salesforce field values, in one place, for observe (reading) and apply (writing).
Every value object is frozen. `None` on a desired field always means "not managed": the key was left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

# ---------------------------------------------------------------------------------------------------------------
# Where a declaration came from


@dataclass(frozen=True, order=True)
class Source:
    """A position in a config file (1-based line and column)."""

    file: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


NO_SOURCE = Source("<none>", 0, 0)

# ---------------------------------------------------------------------------------------------------------------
# Enumerations of the format


class Access(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"
    UNLISTED = "unlisted"


class Role(StrEnum):
    MEMBER = "member"
    MANAGER = "manager"


class Notify(StrEnum):
    EACH_POST = "each_post"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class Membership(StrEnum):
    AUTHORITATIVE = "authoritative"
    ADDITIVE = "additive"


class GroupState(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


class MemberKind(StrEnum):
    USER = "user"  # an internal or Chatter Free user, named by username
    CUSTOMER = "customer"  # an external person, named by email; invited when they have no user


class CommunityLicense(StrEnum):
    CUSTOMER_COMMUNITY = "Customer Community"
    CUSTOMER_COMMUNITY_PLUS = "Customer Community Plus"
    PARTNER_COMMUNITY = "Partner Community"


class PortalRole(StrEnum):
    EXECUTIVE = "executive"
    MANAGER = "manager"
    USER = "user"


class ExternalUsersPolicy(StrEnum):
    OBSERVE = "observe"
    DEACTIVATE = "deactivate"


class DuplicateContactsPolicy(StrEnum):
    """What to do when an external user's new contact would duplicate a Contact elsewhere or a Lead (the org's
    standard duplicate rule, real-orgs.md §3.1): block the plan, naming them, or create it anyway (allowSave)."""

    BLOCK = "block"
    CREATE = "create"


# ---------------------------------------------------------------------------------------------------------------
# Desired state (config/ builds it; plan/ consumes it)


@dataclass(frozen=True)
class ChatterSettings:
    """Metadata API ChatterSettings; each field None when not declared."""

    enabled: bool | None = None
    customer_invitations: bool | None = None
    unlisted_groups: bool | None = None
    group_archiving: bool | None = None
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class InvitationSettings:
    """Coworker invitations: no Salesforce API reads or writes these, so they become manual checks."""

    allowed: bool | None = None
    domains: tuple[str, ...] | None = None  # lower-cased
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions


@dataclass(frozen=True)
class OrgSettings:
    chatter: ChatterSettings | None = None
    invitations: InvitationSettings | None = None
    id: str | None = None  # the pin: plan and apply refuse any other org (org.id)


@dataclass(frozen=True)
class Member:
    """One entry of a group's members: a user (by username) or a customer (by email), both lower-cased."""

    kind: MemberKind
    identity: str
    role: Role = Role.MEMBER
    notify: Notify | None = None
    expires: dt.date | None = None
    sponsor: str | None = None
    message: str | None = None
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Group:
    """A declared group. `settings` holds the declared group settings by their YAML word ("access",
    "information.title"; the fields of reconciler/kinds/groups.py), typed (Access.PRIVATE); undeclared ones are
    absent."""

    name: str
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)
    owner: str | None = None  # username, lower-cased
    previously: tuple[str, ...] = ()  # names the group had before: a group of one of them is renamed in place
    membership: Membership = Membership.AUTHORITATIVE
    state: GroupState = GroupState.PRESENT
    members: tuple[Member, ...] = ()
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions

    @property
    def key(self) -> str:
        return self.name.casefold()

    @property
    def access(self) -> Access | None:
        return self.settings.get("access")

    @property
    def allow_customers(self) -> bool | None:
        return self.settings.get("allow_customers")


@dataclass(frozen=True)
class Localization:
    """A user's time zone, locale, language and email encoding (the User picklist values, "Europe/Berlin", "de_DE",
    "de", "UTF-8"); None: declared by no one (a new user gets the org's default, real-orgs.md §11.2)."""

    time_zone: str | None = None
    locale: str | None = None
    language: str | None = None
    email_encoding: str | None = None


@dataclass(frozen=True)
class ChatterUser:
    """A Chatter Free colleague."""

    username: str
    email: str
    last_name: str
    first_name: str | None = None
    profile: str = "Chatter Free User"
    active: bool | None = None  # None: not managed (created active)
    expires: dt.date | None = None
    welcome: bool = False  # the platform's welcome / password-reset mail when guestlist creates the user
    localization: Localization = Localization()
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class ExternalUser:
    """An Experience Cloud user enabled from a Contact of `account`."""

    username: str
    email: str
    last_name: str
    account: str
    license: CommunityLicense
    profile: str
    first_name: str | None = None
    portal_role: PortalRole | None = None
    permission_sets: tuple[str, ...] | None = None
    active: bool | None = None
    expires: dt.date | None = None
    sponsor: str | None = None
    welcome: bool = False  # the platform's welcome / password-reset mail when guestlist creates the user
    localization: Localization = Localization()
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass(frozen=True)
class Assignee:
    username: str
    source: Source = NO_SOURCE


@dataclass(frozen=True)
class PermissionSetAssignments:
    """The assignments guestlist manages for one permission set (by API name)."""

    name: str
    assignees: tuple[Assignee, ...] = ()
    membership: Membership = Membership.ADDITIVE
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions


# A share-based max_removals (e.g. 25%) applies only from this many managed access entries: below it, one
# offboarding is already a large share (octoDNS's MIN_EXISTING_RECORDS; docs/decisions/apply-safety.md).
MIN_MANAGED_FOR_SHARE = 10


@dataclass(frozen=True)
class RemovalLimit:
    """policy.max_removals: either an absolute count (applies always) or a percentage of the managed access (applies
    from MIN_MANAGED_FOR_SHARE managed entries). The one rule plan's warnings and apply's gate both read."""

    count: int | None = None
    percent: float | None = None

    def allows(self, removals: int, managed: int) -> bool:
        if self.count is not None:
            return removals <= self.count
        if self.percent is not None:
            return managed < MIN_MANAGED_FOR_SHARE or removals <= managed * self.percent / 100
        return True

    def __str__(self) -> str:
        if self.count is not None:
            return str(self.count)
        if self.percent is not None:
            return f"{self.percent:g}%"
        return "unlimited"


@dataclass(frozen=True)
class Policy:
    max_removals: RemovalLimit = RemovalLimit(percent=25)
    protected: tuple[str, ...] = ()  # usernames, lower-cased
    deactivate_orphaned_customers: bool = False
    external_users: ExternalUsersPolicy = ExternalUsersPolicy.OBSERVE
    allow_public_email_domains: bool = False
    require_sponsor: bool = False
    max_access_days: int | None = None
    # UserLicense.Name -> what a seat costs a month (guestlist report; the org holds no prices)
    license_costs: Mapping[str, float] = field(default_factory=dict, hash=False)
    duplicate_contacts: DuplicateContactsPolicy = DuplicateContactsPolicy.BLOCK
    source: Source = NO_SOURCE
    sources: dict[str, Source] = field(default_factory=dict, compare=False, hash=False)  # per-key positions


@dataclass(frozen=True)
class DesiredState:
    """The whole config, merged from every file."""

    version: int = 1
    org: OrgSettings = OrgSettings()
    groups: tuple[Group, ...] = ()
    chatter_users: tuple[ChatterUser, ...] = ()
    external_users: tuple[ExternalUser, ...] = ()
    permission_sets: tuple[PermissionSetAssignments, ...] = ()
    policy: Policy = Policy()
    files: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------------------
# Snapshot of the org (org/observe builds it; plan/ consumes it). Values in guestlist's words, ids 18 characters.


@dataclass(frozen=True)
class Granted:
    """When, and by whom (a user id, when the org records it), the org says a record was created: the access
    review's "granted" columns (real-orgs.md §13.1). Read only for `guestlist report`."""

    at: str  # ISO timestamp as the org returns it
    by: str | None = None


@dataclass(frozen=True)
class ObservedUser:
    id: str
    username: str  # lower-cased
    email: str
    last_name: str
    first_name: str | None
    is_active: bool
    profile: str | None  # Profile.Name (a label, real-orgs.md §8.1)
    license: str | None  # license_word of Profile.UserLicense
    user_type: str | None  # raw UserType (Standard, CsnOnly, PowerPartner, ...)
    contact_id: str | None = None
    account_id: str | None = None
    portal_role: PortalRole | None = None
    last_modified: str = ""  # LastModifiedDate (not SystemModstamp, which system jobs bump), for fingerprints
    granted: Granted | None = None  # read for guestlist report only
    last_login: str | None = None  # LastLoginDate (report only; None: never logged in, or not read)
    localization: Localization = Localization()

    @property
    def is_customer(self) -> bool:
        """An invited Chatter customer: the Chatter External licence (UserType CsnOnly); never judged by UserType
        alone (Chatter Free is CsnOnly too) nor by the profile's name, a translated label (real-orgs.md §8.1)."""
        return self.license == CHATTER_EXTERNAL_LICENSE and self.user_type in (None, CSN_ONLY)

    @property
    def is_external(self) -> bool:
        """An Experience Cloud user (enabled from a Contact)."""
        return self.contact_id is not None


@dataclass(frozen=True)
class ObservedGroup:
    """A group as read; `settings` holds every group setting (reconciler/kinds/groups.py) by its YAML word."""

    id: str
    name: str
    owner_id: str
    member_count: int
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)
    last_modified: str = ""

    @property
    def access(self) -> Access:
        return self.settings.get("access", Access.PRIVATE)

    @property
    def allow_customers(self) -> bool:
        return bool(self.settings.get("allow_customers"))


@dataclass(frozen=True)
class ObservedSiteGroup:
    """A group of an Experience Cloud site (NetworkId set): never managed, only noticed when a declared internal
    group bears the same name (real-orgs.md §1.2, real-orgs.md §1.4)."""

    id: str
    name: str
    network_id: str
    site_name: str | None = None  # Network.Name, when the connected user can read it

    @property
    def label(self) -> str:
        return f"{self.name} ({self.site_name or self.network_id})"


@dataclass(frozen=True)
class ObservedMember:
    id: str
    group_id: str
    user_id: str
    role: Role
    notify: Notify | None
    last_modified: str = ""
    granted: Granted | None = None  # read for guestlist report only


@dataclass(frozen=True)
class ObservedInvitation:
    id: str
    group_id: str  # SharedEntityId
    email: str  # lower-cased
    status: str  # Sent | Accepted | Canceled
    inviter_id: str | None
    created: str  # CreatedDate, ISO

    @property
    def granted(self) -> Granted:
        return Granted(self.created, self.inviter_id)

    @property
    def pending(self) -> bool:
        return self.status == "Sent"


@dataclass(frozen=True)
class ObservedProfile:
    id: str
    name: str  # Profile.Name: a label, as the connected user's language shows it (real-orgs.md §8.1)
    license: str | None  # license_word of its UserLicense
    user_type: str | None = None


@dataclass(frozen=True)
class ObservedLicense:
    id: str
    name: str
    total: int
    used: int


@dataclass(frozen=True)
class ObservedPermissionSet:
    id: str
    name: str
    label: str
    license_id: str | None = None
    can_expire: bool = True  # False: it holds a permission that keeps its assignments from expiring (real-orgs.md §15)


PERMISSION_SET_LICENSE_PREFIX = "0PL"  # PermissionSet.LicenseId of a set bound to a permission set licence


@dataclass(frozen=True)
class ObservedPermissionSetLicense:
    """A permission set licence a declared set is bound to (real-orgs.md §15), and which of the users the config
    assigns such sets to hold it (PermissionSetLicenseAssign)."""

    id: str
    label: str  # MasterLabel
    status: str  # Active or Disabled
    total: int
    used: int
    holders: frozenset[str] = frozenset()  # user ids

    def as_license(self) -> ObservedLicense:
        """Its seats, in the form the plan's licence ledger counts."""
        return ObservedLicense(self.id, self.label, self.total, self.used)


@dataclass(frozen=True)
class ObservedAssignment:
    id: str
    permission_set_id: str
    user_id: str
    granted: Granted | None = None  # read for guestlist report only
    expires: str | None = None  # ExpirationDate in words (reconciler/kinds/expiry.py); None: never expires


@dataclass(frozen=True)
class AccountOwner:
    """The user owning an Account: its Experience Cloud users can only be made while the owner has a role
    (real-orgs.md §6.1)."""

    id: str
    username: str  # lower-cased
    role_id: str | None  # User.UserRoleId


@dataclass(frozen=True)
class ObservedAccount:
    id: str
    name: str
    owner: AccountOwner | None = None  # None: not read (the org returned no owner)


@dataclass(frozen=True)
class ObservedContact:
    id: str
    account_id: str
    email: str  # lower-cased
    first_name: str | None
    last_name: str
    last_modified: str = ""


@dataclass(frozen=True)
class ObservedPerson:
    """A Contact (on any account, or none) or an unconverted Lead with an external user's email: the records the
    org's standard duplicate rule matches a new contact against (real-orgs.md §3.1)."""

    id: str
    sobject: str  # "Contact" or "Lead"
    email: str  # lower-cased
    account_id: str | None = None  # a Contact's account
    account_name: str | None = None
    company: str | None = None  # a Lead's company


@dataclass(frozen=True)
class OrgIdentity:
    id: str  # Organization Id (18)
    name: str
    instance_url: str
    is_sandbox_org: bool  # the built-in local sandbox, not a Salesforce sandbox
    user_id: str  # the connected user
    username: str
    can_invite_customers: bool  # PermissionsChatterInviteExternalUsers via profile or permission set


@dataclass(frozen=True)
class Snapshot:
    """Everything the plan depends on, keyed for linear-time diffing."""

    org: OrgIdentity
    chatter: dict[str, bool | None]  # keys of ChatterSettings (enabled, customer_invitations, ...)
    groups: dict[str, ObservedGroup]  # by casefolded name: the org's internal groups (NetworkId null)
    # group id -> user id -> member, complete for each group read: the declared groups, plus every group allowing
    # customers when policy.deactivate_orphaned_customers (customers can only belong to those)
    members: dict[str, dict[str, ObservedMember]]
    invitations: dict[str, dict[str, ObservedInvitation]]  # group id -> email -> invitation (declared groups)
    users: dict[str, ObservedUser]  # by id
    profiles: dict[str, ObservedProfile]  # by name
    licenses: dict[str, ObservedLicense]  # by name
    permission_sets: dict[str, ObservedPermissionSet]  # by API name (managed and referenced ones)
    assignments: dict[str, dict[str, ObservedAssignment]]  # permission set id -> user id -> assignment
    accounts: dict[str, ObservedAccount]  # by casefolded name
    contacts: dict[tuple[str, str], ObservedContact]  # (account id, email) -> contact
    api_requests: int = 0
    # casefolded account name -> how many Accounts bear it, for the declared names that match more than one (these
    # are left out of `accounts`: the planner can't tell which company is meant)
    ambiguous_accounts: dict[str, int] = field(default_factory=dict)
    # casefolded name -> the Experience Cloud sites' groups of that name (NetworkId set), left alone by the plan
    site_groups: dict[str, tuple[ObservedSiteGroup, ...]] = field(default_factory=dict)
    # the connected user's PermissionsManageUnlistedGroups (profile or permission set); None when unread (no present
    # group is declared unlisted). Without it unlisted groups are invisible to it (real-orgs.md §2.1)
    can_manage_unlisted_groups: bool | None = None
    # lower-cased email -> the Contacts (any account) and unconverted Leads bearing an external user's email, oldest
    # first: what a new contact for that email would duplicate
    contacts_and_leads: dict[str, tuple[ObservedPerson, ...]] = field(default_factory=dict)
    # user id -> the site groups ("Lounge (Partner Portal)") the user is a member of, for the active customers and
    # Experience Cloud users an offboarding sweep reads: they belong to a site, not to guestlist, so no sweep
    # deactivates them (real-orgs.md §1.5)
    site_members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the PERMISSION_NAMES the connected user holds (profile or permission set), read in one query before any write
    # (real-orgs.md §10); None when not read
    connected_permissions: frozenset[str] | None = None
    # the Organization record's defaults for new users (its TimeZoneSidKey, DefaultLocaleSidKey, LanguageLocaleKey;
    # real-orgs.md §11.1); None where the org gave none
    org_defaults: Localization = Localization()
    # PermissionSetLicense id -> the licence, for the declared sets bound to one (LicenseId 0PL...)
    permission_set_licenses: dict[str, ObservedPermissionSetLicense] = field(default_factory=dict)

    def user_by_username(self) -> dict[str, ObservedUser]:
        return {u.username: u for u in self.users.values()}

    def seat_licenses(self) -> dict[str, ObservedLicense]:
        """The user licences and the permission set licences read, by name: what the plan may take seats of."""
        return {**{p.label: p.as_license() for p in self.permission_set_licenses.values()}, **self.licenses}


# ---------------------------------------------------------------------------------------------------------------
# Salesforce values: the one translation table between guestlist's words and the org's


ACCESS_TO_SF: dict[Access, str] = {Access.PUBLIC: "Public", Access.PRIVATE: "Private", Access.UNLISTED: "Unlisted"}
ROLE_TO_SF: dict[Role, str] = {Role.MEMBER: "Standard", Role.MANAGER: "Admin"}
NOTIFY_TO_SF: dict[Notify, str] = {Notify.EACH_POST: "P", Notify.DAILY: "D", Notify.WEEKLY: "W", Notify.NEVER: "N"}
PORTAL_ROLE_TO_SF: dict[PortalRole, str] = {
    PortalRole.EXECUTIVE: "Executive",
    PortalRole.MANAGER: "Manager",
    PortalRole.USER: "Worker",  # the API value whose label is "User"
}
CHATTER_SETTING_TO_SF: dict[str, str] = {
    "enabled": "enableChatter",
    "customer_invitations": "enableInviteCsnUsers",
    "unlisted_groups": "unlistedGroupsEnabled",
    "group_archiving": "allowChatterGroupArchiving",
}
LICENSE_PROFILES: dict[CommunityLicense, str] = {
    CommunityLicense.CUSTOMER_COMMUNITY: "Customer Community User",
    CommunityLicense.CUSTOMER_COMMUNITY_PLUS: "Customer Community Plus User",
    CommunityLicense.PARTNER_COMMUNITY: "Partner Community User",
}
CHATTER_FREE_LICENSE = "Chatter Free"
CHATTER_EXTERNAL_LICENSE = "Chatter External"
CSN_ONLY = "CsnOnly"  # User/Profile.UserType of Chatter Free and Chatter External users (salesforce-api.md §13 4a)
# UserLicense.LicenseDefinitionKey -> the licence's name in guestlist's words, for the keys documented
# (real-orgs.md §8.2); the other licences (Salesforce, Chatter Free, Chatter External) are known by their
# UserLicense.Name, which is not translated (assumed: planner row licence-by-name)
LICENSE_KEYS: dict[str, str] = {
    "PID_Customer_Community": CommunityLicense.CUSTOMER_COMMUNITY.value,
    "PID_Customer_Community_Plus": CommunityLicense.CUSTOMER_COMMUNITY_PLUS.value,
    "PID_Partner_Community": CommunityLicense.PARTNER_COMMUNITY.value,
}
# The standard profiles the YAML may name in English whatever the org's language: their licence and UserType
# (salesforce-api.md §5). On an org that shows them under another label they are found by these (real-orgs.md §8.3).
STANDARD_PROFILES: dict[str, tuple[str, str]] = {
    "Chatter Free User": (CHATTER_FREE_LICENSE, CSN_ONLY),
    "Chatter Moderator User": (CHATTER_FREE_LICENSE, CSN_ONLY),
    "Chatter External User": (CHATTER_EXTERNAL_LICENSE, CSN_ONLY),
    LICENSE_PROFILES[CommunityLicense.CUSTOMER_COMMUNITY]: (CommunityLicense.CUSTOMER_COMMUNITY.value, "CspLitePortal"),
    LICENSE_PROFILES[CommunityLicense.CUSTOMER_COMMUNITY_PLUS]: (CommunityLicense.CUSTOMER_COMMUNITY_PLUS.value,
                                                                 "PowerCustomerSuccess"),
    LICENSE_PROFILES[CommunityLicense.PARTNER_COMMUNITY]: (CommunityLicense.PARTNER_COMMUNITY.value, "PowerPartner"),
}


def license_word(name: str | None, key: str | None) -> str | None:
    """A UserLicense in guestlist's words: by its LicenseDefinitionKey where documented, else by its Name."""
    return LICENSE_KEYS.get(key or "", name)
INVITE_CUSTOMERS_PERMISSION = "PermissionsChatterInviteExternalUsers"
MANAGE_UNLISTED_GROUPS_PERMISSION = "PermissionsManageUnlistedGroups"  # real-orgs.md §2.2
# The connected user's permissions the plan checks before any write, as Profile and PermissionSet fields, with
# the names Setup shows (real-orgs.md §10)
MODIFY_ALL_DATA_PERMISSION = "PermissionsModifyAllData"
MODIFY_METADATA_PERMISSION = "PermissionsModifyMetadata"
CUSTOMIZE_APPLICATION_PERMISSION = "PermissionsCustomizeApplication"
MANAGE_USERS_PERMISSION = "PermissionsManageUsers"
MANAGE_INTERNAL_USERS_PERMISSION = "PermissionsManageInternalUsers"
ASSIGN_PERMISSION_SETS_PERMISSION = "PermissionsAssignPermissionSets"
OWN_GROUPS_PERMISSION = "PermissionsChatterOwnGroups"
PERMISSION_NAMES: dict[str, str] = {
    MODIFY_ALL_DATA_PERMISSION: "Modify All Data",
    MODIFY_METADATA_PERMISSION: "Modify Metadata Through Metadata API Functions",
    CUSTOMIZE_APPLICATION_PERMISSION: "Customize Application",
    MANAGE_USERS_PERMISSION: "Manage Users",
    MANAGE_INTERNAL_USERS_PERMISSION: "Manage Internal Users",
    ASSIGN_PERMISSION_SETS_PERMISSION: "Assign Permission Sets",
    OWN_GROUPS_PERMISSION: "Create and Own New Chatter Groups",
    INVITE_CUSTOMERS_PERMISSION: "Invite Customers To Chatter",
    MANAGE_UNLISTED_GROUPS_PERMISSION: "Manage Unlisted Groups",
}


K = TypeVar("K")
V = TypeVar("V")


def _invert(table: dict[K, V]) -> dict[V, K]:
    return {v: k for k, v in table.items()}


ACCESS_FROM_SF = _invert(ACCESS_TO_SF)
ROLE_FROM_SF = _invert(ROLE_TO_SF)
NOTIFY_FROM_SF = _invert(NOTIFY_TO_SF)
PORTAL_ROLE_FROM_SF = _invert(PORTAL_ROLE_TO_SF)
