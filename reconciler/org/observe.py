"""Observing an org: one Snapshot of everything the plan depends on, and nothing more.

The reads are independent SOQL queries (plus one Metadata API read) run a few at a time in parallel; the
members and invitations of groups wait only for the group query. IN-lists are chunked (soql.in_queries), results
paged with query_all_iter (2,000 records a page), and the users behind group members and permission-set
assignments come in the same rows through parent fields (Member.Username, Assignee.Username...), so reading N
members costs about N/2000 requests whatever the number of distinct people.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
import zeep.exceptions
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession

from reconciler.kinds import GROUP, INVITATION, MEMBER, PERMISSION_SET_ASSIGNMENT, USER, KindSpec
from reconciler.kinds.permission_sets import EXPIRES, NON_EXPIRING
from reconciler.kinds.users import LOCALIZATION_FIELDS
from reconciler.model import (
    CHATTER_EXTERNAL_LICENSE,
    CHATTER_FREE_LICENSE,
    CHATTER_SETTING_TO_SF,
    CSN_ONLY,
    INVITE_CUSTOMERS_PERMISSION,
    LICENSE_KEYS,
    MANAGE_UNLISTED_GROUPS_PERMISSION,
    MODIFY_ALL_DATA_PERMISSION,
    MODIFY_METADATA_PERMISSION,
    NOTIFY_FROM_SF,
    PERMISSION_NAMES,
    PERMISSION_SET_LICENSE_PREFIX,
    PORTAL_ROLE_FROM_SF,
    ROLE_FROM_SF,
    STANDARD_PROFILES,
    Access,
    AccountOwner,
    DesiredState,
    ExternalUsersPolicy,
    Granted,
    GroupState,
    Localization,
    MemberKind,
    ObservedAccount,
    ObservedAssignment,
    ObservedContact,
    ObservedGroup,
    ObservedInvitation,
    ObservedLicense,
    ObservedMember,
    ObservedPermissionSet,
    ObservedPermissionSetLicense,
    ObservedPerson,
    ObservedProfile,
    ObservedSiteGroup,
    ObservedUser,
    OrgIdentity,
    Snapshot,
    license_word,
)
from reconciler.org.connect import (
    ApiLimitExceeded,
    ConnectError,
    OrgConnection,
    OrgError,
    SessionExpired,
    describe_failure,
    is_limit_exceeded,
)
from reconciler.org.read_plan import CHUNK_WORKERS, PAGE_SIZE, Record, Strategy, in_list_rows, scan_or_in_lists
from reconciler.org.soql import in_queries, quote

WORKERS = 4
T = TypeVar("T")

USER_FIELDS = (
    "Id", "Username", "Email", "FirstName", "LastName", "IsActive", "Profile.Name", "Profile.UserLicense.Name",
    "Profile.UserLicense.LicenseDefinitionKey", "UserType", "ContactId", "AccountId", "LastModifiedDate",
    *(spec.sf_field for spec in LOCALIZATION_FIELDS),
)
# Localization's words -> the Organization fields holding the org's defaults (no field for the email encoding)
ORG_DEFAULT_FIELDS = {"time_zone": "TimeZoneSidKey", "locale": "DefaultLocaleSidKey", "language": "LanguageLocaleKey"}
PORTAL_ROLE_FIELD = "PortalRole"  # only in orgs with Experience Cloud; read only when external_users are declared
GROUP_FIELDS = ("Id", "Name", *(setting.sf_field for setting in GROUP.fields), "OwnerId", "MemberCount",
                "LastModifiedDate")
SITE_FIELDS = ("NetworkId", "Network.Name")  # only in orgs with Experience Cloud (real-orgs.md §1.3)
MEMBER_FIELDS = ("Id", "CollaborationGroupId", "MemberId", "CollaborationRole", "NotificationFrequency",
                 "LastModifiedDate")
INVITATION_FIELDS = ("Id", "SharedEntityId", "InvitedUserEmail", "Status", "InviterId", "CreatedDate")
ACCOUNT_FIELDS = ("Id", "Name", "OwnerId", "Owner.Username", "Owner.UserRoleId")

CANNOT_RENEW = ("an access token cannot be renewed: set a fresh SF_ACCESS_TOKEN, or credentials guestlist can "
                "log in with")
_HINTS = {  # text in a failure -> what to do about it
    "'PortalRole'": "external_users need an org with Experience Cloud (Digital Experiences) enabled",
    "'Lead'": "the connected user needs Read on Leads: guestlist reads the Leads with an external user's email "
    "before creating a contact, as the org's duplicate rule matches them (real-orgs.md §3.1)",
    "INSUFFICIENT_ACCESS": "the connected user lacks a permission this read needs (View Setup and Configuration, "
    "Modify Metadata Through Metadata API Functions)",
}


@dataclass(frozen=True)
class Needs:
    """What the config makes worth reading; everything else stays unread."""

    usernames: frozenset[str]
    customer_emails: frozenset[str]
    group_names: frozenset[str]  # casefolded
    permission_sets: frozenset[str]
    profiles: frozenset[str]  # of declared users
    account_names: frozenset[str]
    contact_emails: frozenset[str]
    chatter: bool
    portal_roles: bool
    external_users_in_scope: bool  # policy.external_users: deactivate
    customers_in_scope: bool  # policy.deactivate_orphaned_customers
    unlisted_groups: bool = False  # a present group is declared unlisted: read Manage Unlisted Groups
    review: bool = False  # guestlist report: every external and Chatter Free user, and when each grant was made
    # (permission set name, lower-cased username) of every declared assignment: whose permission set licences to read
    set_assignees: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, desired: DesiredState, connected_username: str, *, review: bool = False) -> Needs:
        """What `desired` makes worth reading; `review` (guestlist report) adds every active external, customer and
        Chatter Free user of the org, the memberships of every group allowing customers, and the audit fields."""
        usernames = {connected_username, *desired.policy.protected}
        emails: set[str] = set()
        for group in desired.groups:
            if group.owner:
                usernames.add(group.owner)
            for member in group.members:
                (usernames if member.kind is MemberKind.USER else emails).add(member.identity)
                if member.sponsor:
                    usernames.add(member.sponsor)
        for user in desired.chatter_users:
            usernames.add(user.username)
        for external in desired.external_users:
            usernames.add(external.username)
            if external.sponsor:
                usernames.add(external.sponsor)
        permission_sets = {ps.name for ps in desired.permission_sets}
        for ps in desired.permission_sets:
            usernames.update(a.username for a in ps.assignees)
        for external in desired.external_users:
            permission_sets.update(external.permission_sets or ())
        set_assignees = {(ps.name, a.username.lower()) for ps in desired.permission_sets for a in ps.assignees}
        set_assignees.update((name, user.username.lower())
                             for user in desired.external_users for name in user.permission_sets or ())
        return cls(
            usernames=frozenset(u.lower() for u in usernames if u),
            customer_emails=frozenset(e.lower() for e in emails),
            group_names=frozenset({*(g.key for g in desired.groups),
                                   *(old.casefold() for g in desired.groups for old in g.previously)}),
            permission_sets=frozenset(permission_sets),
            profiles=frozenset([*(u.profile for u in desired.chatter_users),
                                *(u.profile for u in desired.external_users)]),
            account_names=frozenset(u.account for u in desired.external_users),
            contact_emails=frozenset(u.email.lower() for u in desired.external_users),
            chatter=desired.org.chatter is not None or bool(desired.groups),
            portal_roles=bool(desired.external_users),
            external_users_in_scope=review or desired.policy.external_users is ExternalUsersPolicy.DEACTIVATE,
            customers_in_scope=review or desired.policy.deactivate_orphaned_customers,
            unlisted_groups=any(g.access is Access.UNLISTED and g.state is GroupState.PRESENT for g in desired.groups),
            review=review,
            set_assignees=frozenset(set_assignees),
        )


@dataclass(frozen=True)
class _Permissions:
    held: frozenset[str]  # the PERMISSION_NAMES the connected user holds
    unlisted_read: bool  # whether Manage Unlisted Groups matters (a present group is declared unlisted)

    @property
    def can_invite_customers(self) -> bool:
        return INVITE_CUSTOMERS_PERMISSION in self.held

    @property
    def can_manage_unlisted_groups(self) -> bool | None:
        return MANAGE_UNLISTED_GROUPS_PERMISSION in self.held if self.unlisted_read else None

    @property
    def can_read_metadata(self) -> bool:
        """readMetadata needs Modify Metadata Through Metadata API Functions or Modify All Data (real-orgs.md
        §10.2); without either, ChatterSettings stay unread and the plan says which permission is missing."""
        return bool(self.held & {MODIFY_METADATA_PERMISSION, MODIFY_ALL_DATA_PERMISSION})


@dataclass
class _Found:
    """What the reads return, merged on the calling thread (no shared mutable state across workers)."""

    users: dict[str, ObservedUser] = field(default_factory=dict)
    members: dict[str, dict[str, ObservedMember]] = field(default_factory=dict)
    invitations: dict[str, dict[str, ObservedInvitation]] = field(default_factory=dict)


def observe(conn: OrgConnection, desired: DesiredState, *, review: bool = False,
            user_ids: Iterable[str] = (), strategy: Strategy = Strategy.AUTO) -> Snapshot:
    """Reads the org once, the same on every date: expired entries are read like any other, so that the plan can
    remove them. A session the org ends is renewed once where the credentials allow it. `review` reads what the
    access review needs besides (Needs.of): the same reads, wider, with the kinds' audit fields. `user_ids` are
    users to read besides, whatever the config says (those an undo plan writes back: docs/decisions/undo.md).
    `strategy` forces how keyed reads run (read_plan.Strategy; the snapshot is the same every way).
    Raises OrgError (ConnectError when the org cannot be reached, SessionExpired when the session ended for good)."""
    ids = frozenset(to18(i) for i in user_ids)
    try:
        return _Observer(conn, desired, review, ids, strategy).run()
    except SessionExpired as expired:
        if conn.reauthenticate is None:
            raise SessionExpired(f"{expired}; {CANNOT_RENEW}") from None
    conn.reauthenticate()  # once: reads have no side effects, so the whole snapshot is read again
    return _Observer(conn, desired, review, ids, strategy).run()


class _Observer:
    def __init__(self, conn: OrgConnection, desired: DesiredState, review: bool = False,
                 user_ids: frozenset[str] = frozenset(), strategy: Strategy = Strategy.AUTO) -> None:
        self.conn = conn
        self.user_ids = user_ids
        self.strategy = strategy
        self.chunks: Executor | None = None  # the IN-list chunks' pool, while run() runs
        self.sf = conn.sf
        self.user_id = to18(conn.user_id)
        self.username = str(conn.user_info.get("preferred_username", "")).lower()
        self.needs = Needs.of(desired, self.username, review=review)
        self.user_fields = (USER_FIELDS + ((PORTAL_ROLE_FIELD,) if self.needs.portal_roles else ())
                            + self._audit_fields(USER))

    def run(self) -> Snapshot:
        with (ThreadPoolExecutor(max_workers=CHUNK_WORKERS, thread_name_prefix="observe-chunk") as chunks,
              ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="observe") as pool):
            self.chunks = chunks
            try:
                groups_f = pool.submit(self._read, "groups", self.groups)
                permissions_f = pool.submit(self._read, "connected user's permissions", self.permissions)
                reads: dict[str, Future[Any]] = {
                    name: pool.submit(self._read, name, fn)
                    for name, fn in (
                        ("organization", self.organization),
                        ("ChatterSettings", lambda: self.chatter(permissions_f.result())),
                        ("users", self.users),
                        ("users by id", self.users_by_id),
                        ("profiles", self.profiles),
                        ("licences", self.licenses),
                        ("permission sets", self.permission_sets),
                        ("permission set assignments", self.assignments),
                        ("accounts", self.accounts),
                        ("contacts", self.contacts),
                        ("leads", self.leads),
                    )
                }
                reads["permission set licences"] = pool.submit(
                    self._read, "permission set licences",
                    lambda: self.permission_set_licenses(reads["permission sets"].result()))
                groups, site_groups = groups_f.result()
                members_f = pool.submit(self._read, "group members",
                                        lambda: self.members(self._member_groups(groups), groups))
                site_members_f = pool.submit(self._read, "members of site groups",
                                             lambda: self.site_members(site_groups))
                invitations_f = pool.submit(self._read, "invitations", lambda: self.invitations(groups))
                results = {name: future.result() for name, future in reads.items()}
                permissions: _Permissions = permissions_f.result()
                members_found, invitations = members_f.result(), invitations_f.result()
                site_members = site_members_f.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                chunks.shutdown(wait=True, cancel_futures=True)
                raise

        users = {**results["users"], **results["users by id"]}
        users.update(members_found.users)
        assignments, assignees = results["permission set assignments"]
        accounts, ambiguous_accounts = results["accounts"]
        contacts, contact_people = results["contacts"]
        users.update(assignees)
        org_id, org_name, org_defaults = results["organization"]
        connected = users.get(self.user_id)
        identity = OrgIdentity(
            id=org_id,
            name=org_name,
            instance_url=self.conn.instance_url,
            is_sandbox_org=self.conn.is_sandbox,
            user_id=self.user_id,
            username=connected.username if connected else self.username,
            can_invite_customers=permissions.can_invite_customers,
        )
        self.conn.identity = identity
        return Snapshot(
            org=identity,
            chatter=results["ChatterSettings"],
            groups=groups,
            members=members_found.members,
            invitations=invitations,
            users=users,
            profiles=results["profiles"],
            licenses=results["licences"],
            permission_sets=results["permission sets"],
            assignments=assignments,
            accounts=accounts,
            contacts=contacts,
            api_requests=self.conn.counter.total,
            ambiguous_accounts=ambiguous_accounts,
            site_groups=site_groups,
            can_manage_unlisted_groups=permissions.can_manage_unlisted_groups,
            connected_permissions=permissions.held,
            contacts_and_leads=_by_email([*contact_people, *results["leads"]]),
            site_members=site_members,
            org_defaults=org_defaults,
            permission_set_licenses=results["permission set licences"],
        )

    # -- plumbing -------------------------------------------------------------------------------------------------

    def _read(self, what: str, fn: Callable[[], Any]) -> Any:
        """Runs one read; failures become OrgError (ConnectError when the org is unreachable or ended the
        session) naming what was being read, secrets redacted."""
        try:
            return fn()
        except OrgError:
            raise
        except READ_FAILURES as exc:
            raise read_failure(self.conn, what, exc, _HINTS) from None

    def _query(self, soql: str) -> list[dict[str, Any]]:
        return list(self.sf.query_all_iter(soql))

    def _query_in(self, template: str, field_name: str, values: Iterable[str],
                  convert: Callable[[Record], T | None]) -> list[T]:
        """The IN-list chunks of `template`, in parallel on the chunks' pool, records converted page by page."""
        return self._run_in_lists(in_queries(template, field_name, sorted(values)), convert)

    def _run_in_lists(self, queries: list[str], convert: Callable[[Record], T | None]) -> list[T]:
        assert self.chunks is not None, "reads run inside run()"
        return in_list_rows(self.sf, self.chunks, queries, convert)

    def _keyed(self, select: str, field_name: str, values: Iterable[str], convert: Callable[[Record], T | None], *,
               in_where: str = "", scan_where: str = "") -> list[T]:
        """The records of `select` whose `field_name` is one of `values` (case-insensitively, as SOQL compares
        text): IN-list chunks, or one scan (`scan_where` its filter) keeping the matches (read_plan)."""
        values = sorted(values)
        queries = in_queries(f"{select} WHERE {in_where}{{IN}}", field_name, values)
        wanted = {value.lower() for value in values}

        def keep(record: Record) -> T | None:
            return convert(record) if str(record.get(field_name) or "").lower() in wanted else None

        scan = select + (f" WHERE {scan_where}" if scan_where else "")
        return scan_or_in_lists(self.sf, scan, keep, lambda: self._run_in_lists(queries, convert), len(queries),
                                self.strategy)

    def _select(self, fields: Iterable[str], sobject: str, where: str = "") -> str:
        return f"SELECT {', '.join(fields)} FROM {sobject}" + (f" WHERE {where}" if where else "")

    def _users(self, where: str) -> str:
        return self._select(self.user_fields, "User", where)

    def _audit_fields(self, spec: KindSpec) -> tuple[str, ...]:
        """The kind's audit fields when reviewing (guestlist report), else none."""
        return spec.audit.fields if self.needs.review and spec.audit else ()

    # -- the reads ------------------------------------------------------------------------------------------------

    def organization(self) -> tuple[str, str, Localization]:
        """The org's id, name and its defaults for new users (real-orgs.md §11.1)."""
        records = self._query(f"SELECT Id, Name, {', '.join(ORG_DEFAULT_FIELDS.values())} FROM Organization")
        if not records:
            raise OrgError("reading organization: the org returned no Organization record")
        record = records[0]
        defaults = Localization(**{word: record.get(sf_field) or None for word, sf_field in ORG_DEFAULT_FIELDS.items()})
        return record["Id"], record["Name"], defaults

    def permissions(self) -> _Permissions:
        """The connected user's permissions that the plan's writes need (real-orgs.md §10), "Manage Unlisted
        Groups" among them (without it unlisted groups are invisible even with Modify All Data, real-orgs.md §2.1),
        in one query: through its profile (the profile's own permission set is assigned to it too) or any assigned
        permission set (real-orgs.md §2.2)."""
        fields = [f"PermissionSet.{permission}" for permission in PERMISSION_NAMES]
        soql = (f"SELECT Id, {', '.join(fields)} FROM PermissionSetAssignment WHERE AssigneeId = {quote(self.user_id)} "
                f"AND ({' OR '.join(f'{name} = true' for name in fields)})")
        held = {permission for record in self._query(soql) for permission in PERMISSION_NAMES
                if (record.get("PermissionSet") or {}).get(permission)}
        return _Permissions(frozenset(held), self.needs.unlisted_groups)

    def chatter(self, permissions: _Permissions) -> dict[str, bool | None]:
        """ChatterSettings in guestlist's words; all None (unread) when neither settings nor groups are declared,
        or when the connected user may not read metadata (the plan then blocks, naming the permission)."""
        if not self.needs.chatter or not permissions.can_read_metadata:
            return dict.fromkeys(CHATTER_SETTING_TO_SF)
        settings = self.sf.mdapi.ChatterSettings.read(["Chatter"])
        if isinstance(settings, list):  # no record: simple-salesforce returns the (empty) list
            settings = settings[0] if settings else None
        return {word: _bool_or_none(getattr(settings, name, None)) for word, name in CHATTER_SETTING_TO_SF.items()}

    def groups(self) -> tuple[dict[str, ObservedGroup], dict[str, tuple[ObservedSiteGroup, ...]]]:
        """The internal groups (NetworkId null) by casefolded name, and the Experience Cloud sites' groups by name:
        an administrator's query returns both (real-orgs.md §1.4), and only the internal ones are guestlist's."""
        groups: dict[str, ObservedGroup] = {}
        site_groups: dict[str, tuple[ObservedSiteGroup, ...]] = {}
        for record in self._group_records():
            if record.get("NetworkId"):
                site = _site_group(record)
                key = site.name.casefold()
                site_groups[key] = (*site_groups.get(key, ()), site)
                continue
            group = _group(record)
            key = group.name.casefold()
            if key not in groups or _preferred(group, groups[key]):
                groups[key] = group
        return groups, site_groups

    def _group_records(self) -> list[dict[str, Any]]:
        """Every group the connected user sees, with its site; an org without Experience Cloud has no NetworkId
        (INVALID_FIELD): its groups are all internal."""
        try:
            return self._query(self._select((*GROUP_FIELDS, *SITE_FIELDS), GROUP.sobject))
        except SalesforceError as exc:
            if "INVALID_FIELD" not in str(exc) or "Network" not in str(exc):
                raise
        return self._query(self._select(GROUP_FIELDS, GROUP.sobject))

    def _member_groups(self, groups: Mapping[str, ObservedGroup]) -> list[str]:
        """Declared groups that exist, plus every group allowing customers when orphaned customers are looked for
        (customers can only be members of such groups, so these hold all their memberships)."""
        ids = {groups[name].id for name in self.needs.group_names if name in groups}
        if self.needs.customers_in_scope:
            ids.update(g.id for g in groups.values() if g.allow_customers)
        return sorted(ids)

    def members(self, group_ids: list[str], groups: Mapping[str, ObservedGroup] | None = None) -> _Found:
        """The memberships of `group_ids`, with their users: IN-list chunks of group ids, or one scan of every
        membership when that takes fewer pages than the chunks would by the groups' MemberCount (read_plan)."""
        found = _Found(members={group_id: {} for group_id in group_ids})
        fields = MEMBER_FIELDS + self._audit_fields(MEMBER) + tuple(f"Member.{name}" for name in self.user_fields)
        select = self._select(fields, MEMBER.sobject)
        queries = in_queries(f"{select} WHERE {{IN}}", "CollaborationGroupId", sorted(group_ids))
        counts = {group.id: group.member_count for group in (groups or {}).values()}
        wanted = set(group_ids)

        def keep(record: Record) -> tuple[ObservedMember, ObservedUser | None] | None:
            return _member_and_user(record) if record.get("CollaborationGroupId") in wanted else None

        read = scan_or_in_lists(self.sf, select, keep, lambda: self._run_in_lists(queries, _member_and_user),
                                _chunk_pages(queries, sorted(group_ids), counts), self.strategy)
        for member, user in read:
            found.members[member.group_id][member.user_id] = member
            if user is not None:
                found.users[user.id] = user
        return found

    def site_members(self, site_groups: Mapping[str, tuple[ObservedSiteGroup, ...]]) -> dict[str, tuple[str, ...]]:
        """The site groups each user an offboarding sweep reads is a member of (active customers, Experience Cloud
        users): those users belong to a site, and no sweep deactivates them (real-orgs.md §1.5). No request when
        no sweep is on or the org has no site group."""
        who = [*(("Member.ContactId != null",) if self.needs.external_users_in_scope else ()),
               *((f"(Member.Profile.UserLicense.Name = {quote(CHATTER_EXTERNAL_LICENSE)} "
                  f"AND Member.UserType = {quote(CSN_ONLY)})",) if self.needs.customers_in_scope else ())]
        by_id = {site.id: site for same_name in site_groups.values() for site in same_name}
        if not who or not by_id:
            return {}
        template = self._select(("MemberId", "CollaborationGroupId"), MEMBER.sobject,
                                f"Member.IsActive = true AND ({' OR '.join(who)}) AND {{IN}}")
        found: dict[str, list[str]] = {}
        pairs = self._query_in(template, "CollaborationGroupId", by_id,
                               lambda r: (str(r["MemberId"]), by_id[r["CollaborationGroupId"]].label))
        for user_id, label in pairs:
            found.setdefault(user_id, []).append(label)
        return {user_id: tuple(sorted(labels)) for user_id, labels in found.items()}

    def invitations(self, groups: Mapping[str, ObservedGroup]) -> dict[str, dict[str, ObservedInvitation]]:
        """Pending (Sent) invitations of the declared groups, by lower-cased email; the newest wins (the oldest
        record of those sent at the same moment, whichever way they were read)."""
        group_ids = sorted(groups[name].id for name in self.needs.group_names if name in groups)
        found: dict[str, dict[str, ObservedInvitation]] = {group_id: {} for group_id in group_ids}
        read = self._keyed(self._select(INVITATION_FIELDS, INVITATION.sobject), "SharedEntityId", group_ids,
                           _invitation, in_where="Status = 'Sent' AND ", scan_where="Status = 'Sent'")
        for invitation in read:
            by_email = found.setdefault(invitation.group_id, {})
            current = by_email.get(invitation.email)
            if current is None or (invitation.created, current.id) > (current.created, invitation.id):
                by_email[invitation.email] = invitation
        return found

    def users(self) -> dict[str, ObservedUser]:
        """Every user the config makes worth reading, each once: those the IN-lists below find and the policy's
        sweeps, or (when it takes fewer requests, read_plan.scan_or_in_lists) one scan of every user keeping the
        same ones. Group members and assignees come with their memberships and assignments."""
        in_lists = [*self._username_queries(), *self._email_queries(), *self._contact_queries()]
        sweeps = self._sweep_queries()
        fields = self.user_fields + (("Contact.Email",) if self.needs.contact_emails else ())

        def by_in_lists() -> list[ObservedUser]:
            found = {**self.users_by_username(), **self.users_by_email(), **self.users_of_contacts(),
                     **self.external_users()}
            return list(found.values())

        found = scan_or_in_lists(self.sf, self._select(fields, "User"), self._wanted_user, by_in_lists,
                                 len(in_lists) + len(sweeps), self.strategy)
        return {user.id: user for user in found}

    def _wanted_user(self, r: Record) -> ObservedUser | None:
        """A scanned user if one of the IN-lists or sweeps would have read it (SOQL compares text case-insensitively;
        assumption `scan-filter-case`)."""
        needs = self.needs
        contact_email = (r.get("Contact") or {}).get("Email") if r.get("ContactId") else None
        licence = str((((r.get("Profile") or {}).get("UserLicense")) or {}).get("Name") or "").lower()
        active = bool(r.get("IsActive"))
        wanted = (
            str(r.get("Username") or "").lower() in needs.usernames
            or (not self.username and r.get("Id") == self.user_id)
            or str(r.get("Email") or "").lower() in needs.customer_emails
            or (contact_email is not None and str(contact_email).lower() in needs.contact_emails)
            or (active and needs.external_users_in_scope and bool(r.get("ContactId")))
            or (active and needs.customers_in_scope and licence == CHATTER_EXTERNAL_LICENSE.lower()
                and str(r.get("UserType") or "").lower() == CSN_ONLY.lower())
            or (active and needs.review and licence == CHATTER_FREE_LICENSE.lower())
        )
        return _user(r) if wanted else None

    def _username_queries(self) -> list[str]:
        """The users the config names, and the connected user (by id when userinfo gave no username)."""
        by_id = [] if self.username else [self._users(f"Id = {quote(self.user_id)}")]
        return [*in_queries(self._users("{IN}"), "Username", sorted(self.needs.usernames)), *by_id]

    def users_by_id(self) -> dict[str, ObservedUser]:
        """The users asked for by id (observe's `user_ids`): none unless an undo is made or applied."""
        return _users_by_id(self._query_in(self._users("{IN}"), "Id", self.user_ids, _user)) if self.user_ids else {}

    def _email_queries(self) -> list[str]:
        """Users with a customer's email: the plan decides whether one of them is that customer."""
        return in_queries(self._users("{IN}"), "Email", sorted(self.needs.customer_emails))

    def _contact_queries(self) -> list[str]:
        """Users enabled from a contact with an external user's email (a contact can have one user)."""
        return in_queries(self._users("ContactId != null AND {IN}"), "Contact.Email", sorted(self.needs.contact_emails))

    def _sweep_queries(self) -> list[str]:
        """The active external users the policy may deactivate: Experience Cloud users (policy.external_users:
        deactivate) and Chatter customers (policy.deactivate_orphaned_customers); every Chatter Free colleague for
        the access review."""
        sweeps = []
        if self.needs.external_users_in_scope:
            sweeps.append(self._users("ContactId != null AND IsActive = true"))
        if self.needs.customers_in_scope:  # by licence and UserType, not by the profile's label (real-orgs.md §8.1)
            sweeps.append(self._users(
                f"Profile.UserLicense.Name = {quote(CHATTER_EXTERNAL_LICENSE)} AND UserType = {quote(CSN_ONLY)} "
                "AND IsActive = true"
            ))
        if self.needs.review:  # the access review lists every Chatter Free colleague too
            sweeps.append(self._users(f"Profile.UserLicense.Name = {quote(CHATTER_FREE_LICENSE)} AND IsActive = true"))
        return sweeps

    def users_by_username(self) -> dict[str, ObservedUser]:
        return _users_by_id(self._run_in_lists(self._username_queries(), _user))

    def users_by_email(self) -> dict[str, ObservedUser]:
        return _users_by_id(self._run_in_lists(self._email_queries(), _user))

    def users_of_contacts(self) -> dict[str, ObservedUser]:
        return _users_by_id(self._run_in_lists(self._contact_queries(), _user))

    def external_users(self) -> dict[str, ObservedUser]:
        return _users_by_id(self._run_in_lists(self._sweep_queries(), _user))

    def profiles(self) -> dict[str, ObservedProfile]:
        """The declared users' profiles by name, and every profile of the licences of the standard profiles the
        config names: an org in another language shows those under another label (real-orgs.md §8.3)."""
        licences = {STANDARD_PROFILES[name][0] for name in self.needs.profiles if name in STANDARD_PROFILES}
        by_key = sorted(key for key, word in LICENSE_KEYS.items() if word in licences)
        by_name = sorted(word for word in licences if word not in LICENSE_KEYS.values())
        of_licences = [*((f"UserLicense.LicenseDefinitionKey IN ({', '.join(map(quote, by_key))})",) if by_key else ()),
                       *((f"UserLicense.Name IN ({', '.join(map(quote, by_name))})",) if by_name else ())]
        where = " OR ".join([*of_licences, "{IN}"])
        template = ("SELECT Id, Name, UserType, UserLicense.Name, UserLicense.LicenseDefinitionKey FROM Profile "
                    f"WHERE {where}")
        profiles = self._query_in(template, "Name", self.needs.profiles, lambda r: ObservedProfile(
            r["Id"], r["Name"], _license(r.get("UserLicense")), r.get("UserType")))
        return {profile.name: profile for profile in profiles}

    def licenses(self) -> dict[str, ObservedLicense]:
        """Every UserLicense, by its name in guestlist's words (license_word)."""
        records = self._query("SELECT Id, Name, LicenseDefinitionKey, TotalLicenses, UsedLicenses FROM UserLicense")
        found = {}
        for r in records:
            word = license_word(r["Name"], r.get("LicenseDefinitionKey")) or r["Name"]
            found[word] = ObservedLicense(r["Id"], word, int(r["TotalLicenses"] or 0), int(r["UsedLicenses"] or 0))
        return found

    def permission_sets(self) -> dict[str, ObservedPermissionSet]:
        """The declared sets, and whether their assignments may expire (not with NON_EXPIRING, real-orgs.md §15)."""
        template = self._select(("Id", "Name", "Label", "LicenseId", *NON_EXPIRING), "PermissionSet",
                                "IsOwnedByProfile = false AND {IN}")
        found = self._query_in(template, "Name", self.needs.permission_sets, lambda r: ObservedPermissionSet(
            r["Id"], r["Name"], r["Label"], r.get("LicenseId"), not any(r.get(name) for name in NON_EXPIRING)))
        return {permission_set.name: permission_set for permission_set in found}

    def permission_set_licenses(self, permission_sets: Mapping[str, ObservedPermissionSet]
                                ) -> dict[str, ObservedPermissionSetLicense]:
        """The permission set licences the declared sets are bound to, and which of those sets' declared assignees
        hold each (real-orgs.md §15); nothing is read when no declared set is bound to one."""
        bound = {ps.name: ps.license_id for ps in permission_sets.values()
                 if ps.license_id and ps.license_id.startswith(PERMISSION_SET_LICENSE_PREFIX)}
        if not bound:
            return {}
        ids = ", ".join(map(quote, sorted(set(bound.values()))))
        records = self._query(f"SELECT Id, MasterLabel, Status, TotalLicenses, UsedLicenses "
                              f"FROM PermissionSetLicense WHERE Id IN ({ids})")
        usernames = {username for name, username in self.needs.set_assignees if name in bound}
        template = ("SELECT AssigneeId, PermissionSetLicenseId FROM PermissionSetLicenseAssign "
                    f"WHERE PermissionSetLicenseId IN ({ids}) AND {{IN}}")
        holders: dict[str, set[str]] = {}
        pairs = self._query_in(template, "Assignee.Username", usernames,
                               lambda r: (str(r["PermissionSetLicenseId"]), str(r["AssigneeId"])))
        for licence_id, assignee_id in pairs:
            holders.setdefault(licence_id, set()).add(assignee_id)
        return {r["Id"]: ObservedPermissionSetLicense(r["Id"], r["MasterLabel"], r["Status"],
                                                      int(r["TotalLicenses"] or 0), int(r["UsedLicenses"] or 0),
                                                      frozenset(holders.get(r["Id"], ())))
                for r in records}

    def assignments(self) -> tuple[dict[str, dict[str, ObservedAssignment]], dict[str, ObservedUser]]:
        fields = ("Id", "PermissionSetId", "AssigneeId", EXPIRES.sf_field,
                  *self._audit_fields(PERMISSION_SET_ASSIGNMENT), *(f"Assignee.{name}" for name in self.user_fields))
        template = self._select(fields, PERMISSION_SET_ASSIGNMENT.sobject,
                                "PermissionSet.IsOwnedByProfile = false AND {IN}")
        assignments: dict[str, dict[str, ObservedAssignment]] = {}
        assignees: dict[str, ObservedUser] = {}
        for assignment, user in self._query_in(template, "PermissionSet.Name", self.needs.permission_sets,
                                               _assignment_and_user):
            assignments.setdefault(assignment.permission_set_id, {})[assignment.user_id] = assignment
            if user is not None:
                assignees[user.id] = user
        return assignments, assignees

    def accounts(self) -> tuple[dict[str, ObservedAccount], dict[str, int]]:
        """The declared accounts by casefolded name, with their owner's role in the same rows (the plan blocks a new
        Experience Cloud user of an account whose owner has none, real-orgs.md §6.1), and the names more than one
        Account bears (with the count)."""
        found: dict[str, list[ObservedAccount]] = {}
        read = self._keyed(self._select(ACCOUNT_FIELDS, "Account"), "Name", self.needs.account_names,
                           lambda r: ObservedAccount(r["Id"], r["Name"], _owner(r)))
        for account in read:
            found.setdefault(account.name.casefold(), []).append(account)
        accounts = {key: same[0] for key, same in found.items() if len(same) == 1}
        ambiguous = {key: len(same) for key, same in found.items() if len(same) > 1}
        return accounts, ambiguous

    def contacts(self) -> tuple[dict[tuple[str, str], ObservedContact], list[ObservedPerson]]:
        """The contacts with an external user's email: by (account, email) those on an account, and every one (on
        any account or none) as a record the org's duplicate rule matches (real-orgs.md §3.1)."""
        select = "SELECT Id, AccountId, Account.Name, Email, FirstName, LastName, LastModifiedDate FROM Contact"
        contacts: dict[tuple[str, str], ObservedContact] = {}
        people: list[ObservedPerson] = []
        for person, contact in self._keyed(select, "Email", self.needs.contact_emails, _person_and_contact,
                                           scan_where="Email != null"):
            people.append(person)
            if contact is None:
                continue
            key = (contact.account_id, contact.email)
            if key not in contacts or contact.id < contacts[key].id:
                contacts[key] = contact
        return contacts, people

    def leads(self) -> list[ObservedPerson]:
        """The unconverted Leads with an external user's email: the standard Contact duplicate rule matches them
        too (real-orgs.md §3.1); a converted Lead's person is its Contact, read above."""
        return self._keyed("SELECT Id, Email, Company FROM Lead", "Email", self.needs.contact_emails,
                           lambda r: ObservedPerson(r["Id"], "Lead", (r.get("Email") or "").lower(),
                                                    company=r.get("Company")),
                           in_where="IsConverted = false AND ", scan_where="IsConverted = false AND Email != null")


# ---------------------------------------------------------------------------------------------------------------
# Records -> snapshot values (guestlist's words)


READ_FAILURES = (requests.exceptions.RequestException, SalesforceError, zeep.exceptions.Error)


def read_failure(conn: OrgConnection, what: str, exc: Exception, hints: Mapping[str, str] | None = None) -> OrgError:
    """The OrgError a failed read becomes, naming what was read, secrets redacted: ApiLimitExceeded for a spent
    allowance, SessionExpired for an ended session, ConnectError when the org can't be reached; `hints` (text in
    the failure -> what to do) add the likely fix."""
    text = f"reading {what}: {describe_failure(exc, conn.secrets(), conn.api_usage)}"
    if is_limit_exceeded(exc):
        return ApiLimitExceeded(text)
    if isinstance(exc, SalesforceExpiredSession) or "INVALID_SESSION_ID" in text:
        return SessionExpired(text)
    if isinstance(exc, requests.exceptions.RequestException):
        return ConnectError(text)
    hint = next((h for needle, h in (hints or {}).items() if needle in text), None)
    return OrgError(text + (f" ({hint})" if hint else ""))


def _user(r: Mapping[str, Any]) -> ObservedUser:
    profile = r.get("Profile") or {}
    return ObservedUser(
        id=r["Id"],
        username=(r.get("Username") or "").lower(),
        email=(r.get("Email") or "").lower(),
        last_name=r.get("LastName") or "",
        first_name=r.get("FirstName"),
        is_active=bool(r.get("IsActive")),
        profile=profile.get("Name"),
        license=_license(profile.get("UserLicense")),
        user_type=r.get("UserType"),
        contact_id=r.get("ContactId"),
        account_id=r.get("AccountId"),
        portal_role=PORTAL_ROLE_FROM_SF.get(r.get(PORTAL_ROLE_FIELD) or ""),
        last_modified=r.get("LastModifiedDate") or "",
        granted=_granted(USER, r),
        last_login=r.get(USER.audit.last_login) if USER.audit and USER.audit.last_login else None,
        localization=Localization(**{spec.word: spec.observed(r) for spec in LOCALIZATION_FIELDS}),
    )


def _chunk_pages(queries: list[str], ids: list[str], rows: Mapping[str, int]) -> int:
    """The pages IN-list `queries` over sorted `ids` take, each id bringing its `rows`: the ids fill the queries in
    order, as many to a query as it holds literals."""
    pages, start = 0, 0
    for soql in queries:
        held = soql.count("'") // 2  # ids hold no quote
        pages += max(1, math.ceil(sum(rows.get(i, 0) for i in ids[start:start + held]) / PAGE_SIZE))
        start += held
    return pages


def _member_and_user(r: Record) -> tuple[ObservedMember, ObservedUser | None]:
    return _member(r), (_user(r["Member"]) if r.get("Member") else None)


def _assignment_and_user(r: Record) -> tuple[ObservedAssignment, ObservedUser | None]:
    assignment = ObservedAssignment(r["Id"], r["PermissionSetId"], r["AssigneeId"],
                                    _granted(PERMISSION_SET_ASSIGNMENT, r), EXPIRES.observed(r))
    return assignment, (_user(r["Assignee"]) if r.get("Assignee") else None)


def _person_and_contact(r: Record) -> tuple[ObservedPerson, ObservedContact | None]:
    """A contact as a person the duplicate rule matches, and as a contact when it is on an account."""
    email = (r.get("Email") or "").lower()
    person = ObservedPerson(r["Id"], "Contact", email, account_id=r.get("AccountId"),
                            account_name=_name(r.get("Account")))
    if not r.get("AccountId"):
        return person, None
    return person, ObservedContact(r["Id"], r["AccountId"], email, r.get("FirstName"), r["LastName"],
                                   r.get("LastModifiedDate") or "")


def _granted(spec: KindSpec, r: Mapping[str, Any]) -> Granted | None:
    return spec.audit.granted(r) if spec.audit else None


def _by_email(people: Iterable[ObservedPerson]) -> dict[str, tuple[ObservedPerson, ...]]:
    """People by email, Contacts before Leads, each oldest (lowest id) first."""
    found: dict[str, list[ObservedPerson]] = {}
    for person in people:
        found.setdefault(person.email, []).append(person)
    return {email: tuple(sorted(same, key=lambda p: (p.sobject, p.id))) for email, same in found.items()}


def _users_by_id(users: Iterable[ObservedUser]) -> dict[str, ObservedUser]:
    return {user.id: user for user in users}


def _group(r: Mapping[str, Any]) -> ObservedGroup:
    return ObservedGroup(
        id=r["Id"],
        name=r["Name"],
        owner_id=r["OwnerId"],
        member_count=int(r.get("MemberCount") or 0),
        settings={setting.word: setting.observed(r) for setting in GROUP.fields},
        last_modified=r.get("LastModifiedDate") or "",
    )


def _site_group(r: Mapping[str, Any]) -> ObservedSiteGroup:
    return ObservedSiteGroup(id=r["Id"], name=r["Name"], network_id=r["NetworkId"], site_name=_name(r.get("Network")))


def _owner(r: Mapping[str, Any]) -> AccountOwner | None:
    owner = r.get("Owner")
    if not r.get("OwnerId") or not owner:
        return None
    return AccountOwner(r["OwnerId"], (owner.get("Username") or "").lower(), owner.get("UserRoleId"))


def _preferred(candidate: ObservedGroup, current: ObservedGroup) -> bool:
    """Of two groups sharing a name (only unlisted groups may), the listed one, else the oldest record."""
    rank = (candidate.access is Access.UNLISTED, candidate.id)
    return rank < (current.access is Access.UNLISTED, current.id)


def _member(r: Mapping[str, Any]) -> ObservedMember:
    return ObservedMember(
        id=r["Id"],
        group_id=r["CollaborationGroupId"],
        user_id=r["MemberId"],
        role=ROLE_FROM_SF[r["CollaborationRole"]],
        notify=NOTIFY_FROM_SF.get(r.get("NotificationFrequency") or ""),
        last_modified=r.get("LastModifiedDate") or "",
        granted=_granted(MEMBER, r),
    )


def _invitation(r: Mapping[str, Any]) -> ObservedInvitation:
    return ObservedInvitation(
        id=r["Id"],
        group_id=r["SharedEntityId"],
        email=(r.get("InvitedUserEmail") or "").lower(),
        status=r.get("Status") or "",
        inviter_id=r.get("InviterId"),
        created=r.get("CreatedDate") or "",
    )


def _name(parent: Mapping[str, Any] | None) -> str | None:
    return parent.get("Name") if parent else None


def _license(user_license: Mapping[str, Any] | None) -> str | None:
    """A UserLicense parent record in guestlist's words (license_word)."""
    return license_word(user_license.get("Name"), user_license.get("LicenseDefinitionKey")) if user_license else None


def _bool_or_none(value: Any) -> bool | None:
    return None if value is None else bool(value)


_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def to18(record_id: str) -> str:
    """The 18-character form of a Salesforce id (15-character ids get their case checksum appended)."""
    if len(record_id) != 15:
        return record_id
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, ch in enumerate(record_id[start : start + 5]) if "A" <= ch <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return record_id + suffix
