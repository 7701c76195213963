"""The org -> the export model, so that `guestlist plan` on the result finds nothing to do (docs/decisions/export.md).

Each value is read through the kind registry (GROUP.fields: a setting's word, its reading, its default) and kept
only when it differs from what guestlist assumes when the key is left out. A value the format can't hold, or one
that the plan would "correct" (an inactive customer it would reactivate, an invitation it would resend), is left
out with a Note, and its group or permission set stays `membership: additive`, so nothing it left out is removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reconciler.export.fit import fits, limit
from reconciler.export.model import (
    Export,
    ExportedGroup,
    ExportedMember,
    ExportedPermissionSet,
    ExportedUser,
    Note,
)
from reconciler.kinds import GROUP
from reconciler.kinds.expiry import expires_word
from reconciler.kinds.field import as_words
from reconciler.model import (
    CHATTER_EXTERNAL_LICENSE,
    LICENSE_PROFILES,
    NOTIFY_FROM_SF,
    PORTAL_ROLE_FROM_SF,
    Access,
    CommunityLicense,
    Membership,
)
from reconciler.org.export_reads import ExportReader, Record
from reconciler.plan.assumptions import INVITATION_VALID_DAYS

SECTIONS = ("org", "groups", "chatter_users", "external_users", "permission_sets")
PEOPLE_SECTIONS = frozenset({"groups", "chatter_users", "external_users"})
CHATTER_FREE_PROFILE = "Chatter Free User"
CHATTER_EXTERNAL_PROFILE = "Chatter External User"
MEMBER_FIELDS = ("MemberId", "CollaborationRole", "NotificationFrequency")  # what a membership row is judged on
ADMIN_ROLE = "Admin"  # CollaborationRole of a group's managers and owner (salesforce-api.md §2)


@dataclass(frozen=True)
class Selection:
    """What to export: the sections (`--only`), the groups (`--groups`, a case-insensitive glob), the membership
    mode, and the date expiry and invitations are judged on."""

    sections: frozenset[str] = frozenset(SECTIONS)
    groups: str = "*"
    authoritative: bool = False
    today: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True, slots=True)
class OrgUser:
    """A user as the export needs one (guestlist's words; the username lower-cased like the config's)."""

    id: str
    username: str
    email: str
    first_name: str | None
    last_name: str
    active: bool
    profile: str | None
    license: str | None
    contact_id: str | None
    default_notify: str | None  # DefaultGroupNotificationFrequency: what a new membership gets

    @property
    def is_customer(self) -> bool:
        """A Chatter customer (Chatter External licence), as the plan judges one (reconciler/model.py)."""
        return self.license == CHATTER_EXTERNAL_LICENSE or self.profile == CHATTER_EXTERNAL_PROFILE

    @property
    def is_external(self) -> bool:
        return self.contact_id is not None


def org_user(record: Record) -> OrgUser:
    profile = record.get("Profile") or {}
    licence = profile.get("UserLicense") or {}
    return OrgUser(
        id=record["Id"],
        username=(record.get("Username") or "").lower(),
        email=record.get("Email") or "",
        first_name=record.get("FirstName") or None,
        last_name=record.get("LastName") or "",
        active=bool(record.get("IsActive")),
        profile=profile.get("Name"),
        license=licence.get("Name"),
        contact_id=record.get("ContactId"),
        default_notify=record.get("DefaultGroupNotificationFrequency"),
    )


def read_export(reader: ExportReader, selection: Selection) -> Export:
    return _Export(reader, selection).build()


class _Export:
    def __init__(self, reader: ExportReader, selection: Selection) -> None:
        self.reader = reader
        self.selection = selection
        wanted = selection.sections
        # permission sets alone still need to know whose assignments they are: the people of the other sections
        self.reads = wanted | PEOPLE_SECTIONS if wanted == {"permission_sets"} else wanted
        self.users: dict[str, OrgUser] = {}  # every user read, by id
        self.by_email: dict[str, list[OrgUser]] = {}  # the users sharing a customer's email, lower-cased
        self.exported_people: set[str] = set()  # ids of the people the export names
        self.exported_external: set[str] = set()  # ids of the external users it declares
        self.left_out: list[tuple[str, Note]] = []  # (section, note): what the export leaves out and why
        self.expirations: dict[str, set[str | None]] = {}  # user id -> their assignments' ExpirationDates

    def build(self) -> Export:
        org = self.reader.organization()
        chatter = self.reader.chatter_settings() if "org" in self.reads else {}
        chatter_users = self._chatter_users() if "chatter_users" in self.reads else None
        external_users = self._external_users() if "external_users" in self.reads else None
        groups = self._groups() if "groups" in self.reads else None
        org_chatter, org_notes = self._org(chatter, groups) if "org" in self.reads else (None, ())
        permission_sets = self._permission_sets() if "permission_sets" in self.reads else None
        if permission_sets is not None:
            chatter_users = self._with_expiry(chatter_users, "chatter_users")
            external_users = self._with_expiry(external_users, "external_users")
        shown = self.selection.sections
        return Export(
            org_id=org["Id"],
            org_name=org.get("Name") or "",
            chatter=org_chatter if "org" in shown else None,
            org_notes=org_notes if "org" in shown else (),
            groups=groups if "groups" in shown else None,
            chatter_users=chatter_users if "chatter_users" in shown else None,
            external_users=external_users if "external_users" in shown else None,
            permission_sets=permission_sets if "permission_sets" in shown else None,
            notes=(*(note for section, note in self.left_out if section in shown),
                   *((_INVITATIONS_NOTE,) if "org" in shown else ())),
        )

    def _leave_out(self, section: str, text: str) -> None:
        """A note (and warning) on the export as a whole, shown when its section is exported."""
        self.left_out.append((section, Note(text)))

    # -- org ------------------------------------------------------------------------------------------------------

    def _org(self, chatter: dict[str, bool | None],
             groups: tuple[ExportedGroup, ...] | None) -> tuple[dict[str, bool], tuple[Note, ...]]:
        """The ChatterSettings the org reports. A value that validate would refuse next to the groups exported
        (groups while Chatter is off, customers while customer invitations are off) is left out with a note."""
        groups = groups or ()
        needs = {
            "enabled": [g.name for g in groups],
            "customer_invitations": [g.name for g in groups if g.settings.get("allow_customers")],
            "unlisted_groups": [g.name for g in groups if g.settings.get("access") == Access.UNLISTED.value],
        }
        kept: dict[str, bool] = {}
        notes = []
        for word, value in chatter.items():
            if value is None:
                notes.append(Note(f"chatter.{word}: the org reported no value, so it is not exported"))
            elif value is False and needs.get(word):
                names = ", ".join(sorted(needs[word])[:3]) + (", ..." if len(needs[word]) > 3 else "")
                notes.append(Note(f"chatter.{word} is false in the org, yet {len(needs[word])} group(s) need it "
                                  f"({names}); guestlist refuses that combination, so it is not exported: "
                                  "decide, then declare it"))
            else:
                kept[word] = value
        return kept, tuple(notes)

    # -- users ----------------------------------------------------------------------------------------------------

    def _remember(self, records: Iterable[Record]) -> list[OrgUser]:
        found = [org_user(r) for r in records]
        self.users.update((u.id, u) for u in found)
        return found

    def _chatter_users(self) -> tuple[ExportedUser, ...]:
        exported = []
        for user in sorted(self._remember(self.reader.chatter_free_users()), key=lambda u: u.username):
            entry = self._user_entry(user, "chatterUser", CHATTER_FREE_PROFILE)
            if entry is not None:
                exported.append(entry)
        return tuple(exported)

    def _user_entry(self, user: OrgUser, definition: str, default_profile: str,
                    **extra: Any) -> ExportedUser | None:
        """The user's entry, or None (with a note on the whole export) when a required value doesn't fit."""
        for key, value in (("username", user.username), ("email", user.email), ("last_name", user.last_name)):
            if not fits(definition, key, value):
                section = "chatter_users" if definition == "chatterUser" else "external_users"
                self._leave_out(section, f"user {user.username!r} is not exported: its {key} {value!r} is not one "
                                         "the config format accepts")
                return None
        notes = []
        first_name = user.first_name
        if first_name is not None and not fits(definition, "first_name", first_name):
            notes.append(Note(f"first_name is not managed: the org's is longer than guestlist allows "
                              f"({limit(definition, 'first_name')})"))
            first_name = None
        profile = user.profile if user.profile != default_profile else None
        self.exported_people.add(user.id)
        return ExportedUser(user.username, user.email, user.last_name, first_name, profile,
                            active=None if user.active else False, notes=tuple(notes), **extra)

    def _external_users(self) -> tuple[ExportedUser, ...]:
        records = list(self.reader.experience_cloud_users())
        users = self._remember(records)
        by_id = {r["Id"]: r for r in records}
        exported = []
        contacts: dict[tuple[str, str], str] = {}
        for user in sorted(users, key=lambda u: u.username):
            record = by_id[user.id]
            entry = self._external_entry(user, record, contacts)
            if entry is not None:
                exported.append(entry)
        return tuple(exported)

    def _external_entry(self, user: OrgUser, record: Record,
                        contacts: dict[tuple[str, str], str]) -> ExportedUser | None:
        licence = user.license
        if licence not in {str(c) for c in CommunityLicense}:
            self._leave_out("external_users", f"external user {user.username!r} is not exported: guestlist "
                                              f"doesn't manage the licence {licence!r} (only "
                                              f"{', '.join(str(c) for c in CommunityLicense)})")
            return None
        account = (record.get("Account") or {}).get("Name")
        if not account or not fits("externalUser", "account", account):
            self._leave_out("external_users", f"external user {user.username!r} is not exported: its account "
                                              f"{account!r} can't be named in the config")
            return None
        contact = (account.casefold(), user.email.lower())
        if contact in contacts:
            self._leave_out("external_users", f"external user {user.username!r} is not exported: "
                                              f"{contacts[contact]} already stands for the contact {user.email} of "
                                              f"{account!r}")
            return None
        notes = []
        raw_role = record.get("PortalRole")
        portal_role = PORTAL_ROLE_FROM_SF.get(raw_role or "")
        if raw_role and (portal_role is None or licence == CommunityLicense.CUSTOMER_COMMUNITY.value):
            notes.append(Note(f"portal_role is not managed: the org's PortalRole {raw_role!r} is not one guestlist "
                              f"can declare for a {licence} user"))
            portal_role = None
        default_profile = LICENSE_PROFILES[CommunityLicense(licence)]
        entry = self._user_entry(user, "externalUser", default_profile, account=account, license=licence,
                                 portal_role=None if portal_role is None else portal_role.value)
        if entry is None:
            return None
        contacts[contact] = user.username
        self.exported_external.add(user.id)
        return dataclasses.replace(entry, notes=entry.notes + tuple(notes))

    # -- groups ---------------------------------------------------------------------------------------------------

    def _groups(self) -> tuple[ExportedGroup, ...]:
        chosen = self._chosen_groups()
        ids = sorted(r["Id"] for r in chosen)
        members: dict[str, list[Record]] = {group_id: [] for group_id in ids}
        for row in self.reader.members(ids):  # kept slim: the user goes into self.users once, not per row
            members[row["CollaborationGroupId"]].append({name: row.get(name) for name in MEMBER_FIELDS})
            if row.get("Member") and row["MemberId"] not in self.users:
                self._remember([{**row["Member"], "Id": row["MemberId"]}])
        invitations: dict[str, dict[str, Record]] = {group_id: {} for group_id in ids}
        for invitation in self.reader.pending_invitations(ids):
            by_email = invitations[invitation["SharedEntityId"]]
            email = (invitation.get("InvitedUserEmail") or "").lower()
            if email not in by_email or invitation.get("CreatedDate", "") > by_email[email].get("CreatedDate", ""):
                by_email[email] = invitation
        owners = {r["OwnerId"] for r in chosen} - set(self.users)
        if owners:
            self._remember(self.reader.users_by_id(owners))
        emails = {row_user.email.lower() for rows in members.values() for row in rows
                  if (row_user := self.users.get(row["MemberId"])) is not None and row_user.is_customer}
        emails |= {email for by_email in invitations.values() for email in by_email}
        besides_read = {"chatter_users", "external_users"} <= self.reads  # every such user is known already
        found = {user.id: user for user in self._remember(self.reader.users_by_email(emails,
                                                                                      besides_read=besides_read))}
        found.update((user.id, user) for user in self.users.values() if user.email.lower() in emails)
        for user in sorted(found.values(), key=lambda u: u.id):
            self.by_email.setdefault(user.email.lower(), []).append(user)
        return tuple(self._group(record, members[record["Id"]], invitations[record["Id"]])
                     for record in sorted(chosen, key=lambda r: (r["Name"].casefold(), r["Name"])))

    def _chosen_groups(self) -> list[Record]:
        """The internal groups `--groups` matches, one per name as the plan keys them (of two groups sharing a
        name, which only unlisted groups may, the listed one, else the oldest record: observe.py's choice)."""
        pattern = self.selection.groups.casefold()
        by_name: dict[str, list[Record]] = {}
        for record in self.reader.internal_groups():
            if fnmatch.fnmatchcase(record["Name"].casefold(), pattern):
                by_name.setdefault(record["Name"].casefold(), []).append(record)
        chosen = []
        for same in by_name.values():
            same.sort(key=lambda r: (r.get("CollaborationType") == "Unlisted", r["Id"]))
            chosen.append(same[0])
            for other in same[1:]:
                self._leave_out("groups", f"group {other['Name']!r} ({other.get('CollaborationType')}) is not "
                                          "exported: another group has the same name, and the config names groups "
                                          "by name")
        return chosen

    def _group(self, record: Record, rows: list[Record], invitations: dict[str, Record]) -> ExportedGroup:
        notes: list[Note] = []
        must_be_additive: list[str] = []
        settings = self._settings(record, notes)
        owner = self.users.get(record["OwnerId"])
        owner_name = None
        if owner is None or owner.is_customer or owner.is_external or not fits("group", "owner", owner.username):
            notes.append(Note("owner is not managed: the owner is not an internal user the config can name"))
        else:
            owner_name = owner.username
        members: dict[str, ExportedMember] = {}
        for row in rows:
            entry = self._member(row, record, notes, must_be_additive)
            if entry is not None:
                members.setdefault(f"{entry.kind}:{entry.identity}", entry)
                self.exported_people.add(row["MemberId"])
        if owner_name is not None:
            self.exported_people.add(record["OwnerId"])
        allows_customers = bool(settings.get("allow_customers"))
        for email in sorted(invitations):
            entry = self._invited(email, invitations[email], allows_customers, notes, must_be_additive)
            if entry is not None and f"customer:{email}" not in members:
                members[f"customer:{email}"] = entry
        membership = Membership.AUTHORITATIVE if self.selection.authoritative else Membership.ADDITIVE
        if must_be_additive and membership is Membership.AUTHORITATIVE:
            membership = Membership.ADDITIVE
            notes.append(Note(f"membership stays additive: {len(must_be_additive)} membership(s) or invitation(s) "
                              "are not listed (above), and an authoritative group would remove them"))
        return ExportedGroup(record["Name"], settings, owner_name, membership,
                             tuple(sorted(members.values(), key=lambda m: m.sort_key)), tuple(notes))

    def _settings(self, record: Record, notes: list[Note]) -> dict[str, Any]:
        """Each group setting of the registry that differs from its value on a new group (what the plan assumes
        when the key is left out is "not managed"; the new group's value is guestlist's default)."""
        settings: dict[str, Any] = {}
        for setting in GROUP.fields:
            raw = record.get(setting.sf_field)
            value = as_words(setting.observed(record))
            default = as_words(setting.observed({}))
            if raw is not None and setting.to_sf(setting.observed(record)) != raw:
                notes.append(Note(f"{setting.word} is not managed: the org's {setting.sf_field} {raw!r} is not a "
                                  "value guestlist knows"))
                continue
            if value in (None, "") or value == default:
                continue
            if not fits("group", setting.word, value):
                notes.append(Note(f"{setting.word} is not managed: the org's value is not one the config format "
                                  f"accepts {limit('group', setting.word)}".rstrip()))
                continue
            settings[setting.word] = value
        return settings

    def _member(self, row: Record, group: Record, notes: list[Note], additive: list[str]) -> ExportedMember | None:
        user = self.users.get(row["MemberId"])
        if user is None:
            notes.append(Note(f"a member ({row['MemberId']}) is not listed: the org gave no user for it"))
            additive.append(row["MemberId"])
            return None
        owner = row["MemberId"] == group["OwnerId"]
        role = "manager" if row.get("CollaborationRole") == ADMIN_ROLE else None
        notify_raw = row.get("NotificationFrequency")
        notify = NOTIFY_FROM_SF.get(notify_raw or "")
        if notify_raw and notify is None:
            notes.append(Note(f"notify of {user.username} is not managed: the org's NotificationFrequency "
                              f"{notify_raw!r} is not one guestlist knows"))
        if notify_raw == user.default_notify:  # what a new membership gets (salesforce-api.md §2)
            notify = None
        words = {"role": role or ("manager" if owner else None), "notify": None if notify is None else notify.value}
        if user.is_customer:
            why = self._customer_problem(user)
            if why is not None:
                notes.append(Note(f"customer {user.email} ({user.username}) is not listed: {why}"))
                additive.append(user.id)
                return None
            return ExportedMember("customer", user.email.lower(), **words)
        if user.id in self.exported_external:
            notes.append(Note(f"{user.username} is not listed: an Experience Cloud user in an internal group is "
                              "one guestlist can't declare"))
            additive.append(user.id)
            return None
        if not fits("member", "user", user.username):
            notes.append(Note(f"a member's username {user.username!r} is not one the config format accepts"))
            additive.append(user.id)
            return None
        return ExportedMember("user", user.username, **words)

    def _customer_problem(self, user: OrgUser) -> str | None:
        """Why `customer: <email>` would not name this membership's user in a plan, or None. The plan takes the
        active user with that email, customers first, then by username (plan/assumptions.py customer-email-match)."""
        if not fits("member", "customer", user.email.lower()):
            return "the email is not one the config format accepts"
        if not user.active:
            return "the user is inactive, and a listed customer is reactivated"
        active = [u for u in self.by_email.get(user.email.lower(), [user]) if u.active]
        best = min(active, key=lambda u: (not u.is_customer, u.username))
        if best.id != user.id:
            return f"the email also belongs to {best.username}, whom the config would name instead"
        return None

    def _invited(self, email: str, invitation: Record, allows_customers: bool, notes: list[Note],
                 additive: list[str]) -> ExportedMember | None:
        """A pending invitation as a customer member, when the plan would take it as already sent."""
        created = str(invitation.get("CreatedDate") or "")[:10]
        why = None
        users = self.by_email.get(email, [])
        if not allows_customers:
            why = "the group doesn't allow customers"
        elif not fits("member", "customer", email):
            why = "the email is not one the config format accepts"
        elif _stale(created, self.selection.today):
            why = f"it can no longer be accepted (sent {created}, more than {INVITATION_VALID_DAYS} days ago)"
        elif any(u.active for u in users):
            why = "the email already belongs to a user, so the config would name that user instead"
        elif any(u.is_customer for u in users):
            why = "the email belongs to an inactive customer, whom a listed customer would reactivate"
        if why is not None:
            notes.append(Note(f"the pending invitation of {email} is not listed: {why}"))
            additive.append(email)
            return None
        message = invitation.get("OptionalMessage") or None
        if message is not None and not fits("member", "message", message):
            message = None
        return ExportedMember("customer", email, message=message, comment=f"invited {created}, pending")

    # -- permission sets ------------------------------------------------------------------------------------------

    def _permission_sets(self) -> tuple[ExportedPermissionSet, ...]:
        assignees: dict[str, set[str]] = {}
        ids: dict[str, str] = {}
        for row in self.reader.assignments_of_users(self.exported_people):
            name = (row.get("PermissionSet") or {}).get("Name")
            user = self.users.get(row["AssigneeId"])
            if not name or user is None:
                continue
            ids[name] = row["PermissionSetId"]
            assignees.setdefault(name, set()).add(user.username)
            self.expirations.setdefault(user.id, set()).add(row.get("ExpirationDate") or None)
        others: dict[str, int] = dict.fromkeys(ids, 0)
        if self.selection.authoritative and ids:
            by_id = {ps_id: name for name, ps_id in ids.items()}
            for row in self.reader.assignees_of(by_id):
                if row["AssigneeId"] not in self.exported_people:
                    others[by_id[row["PermissionSetId"]]] += 1
        exported = []
        for name in sorted(assignees, key=str.casefold):
            if not fits("permissionSet", "assignees", sorted(assignees[name])):
                self._leave_out("permission_sets", f"permission set {name!r} is not exported: an assignee's "
                                                   "username is not one the config format accepts")
                continue
            notes: tuple[Note, ...] = ()
            membership = Membership.AUTHORITATIVE if self.selection.authoritative else Membership.ADDITIVE
            if membership is Membership.AUTHORITATIVE and others[name]:
                membership = Membership.ADDITIVE
                notes = (Note(f"membership stays additive: {others[name]} other user(s) the export doesn't name "
                              "hold it, and authoritative would remove them"),)
            exported.append(ExportedPermissionSet(name, tuple(sorted(assignees[name])), membership, notes))
        return tuple(exported)


    def _with_expiry(self, users: tuple[ExportedUser, ...] | None,
                     section: str) -> tuple[ExportedUser, ...] | None:
        """Each user whose permission set assignments all expire at one midnight UTC declares `expires`: the day
        before, which plan turns back into that ExpirationDate (reconciler/kinds/expiry.py), so plan shows no
        change; other expirations can't be declared and are left out with a note."""
        if users is None:
            return None
        by_username = {user.username: user_id for user_id, user in self.users.items()}
        found = []
        for entry in users:
            dates = self.expirations.get(by_username.get(entry.username, ""), set())
            if dates == {None} or not dates:
                found.append(entry)
                continue
            words = {expires_word(date) for date in dates}
            word = next(iter(words))
            if len(words) == 1 and isinstance(word, str) and fits("chatterUser", "expires", word):
                note = Note("expires: the org's ExpirationDate of this user's permission set assignments; guestlist "
                            "also ends their other access that day")
                found.append(dataclasses.replace(entry, expires=word, notes=entry.notes + (note,)))
                continue
            self._leave_out(section, f"user {entry.username!r}: their permission set assignments expire at "
                                     f"{', '.join(sorted(str(d) for d in dates))}, which no `expires` declares; "
                                     "plan will propose one date for all of them")
            found.append(entry)
        return tuple(found)


def _stale(created: str, today: dt.date) -> bool:
    """A Sent invitation can't be accepted INVITATION_VALID_DAYS after it was created (plan/assumptions.py)."""
    try:
        return dt.date.fromisoformat(created) + dt.timedelta(days=INVITATION_VALID_DAYS) < today
    except ValueError:
        return False


_INVITATIONS_NOTE = Note("coworker invitations and company email domains (org.invitations) are not exported: no "
                         "Salesforce API reads them; declare them by hand (Setup > Chatter Settings > Invitations)",
                         warning=False)
