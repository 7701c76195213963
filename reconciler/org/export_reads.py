"""The reads `guestlist export` needs: the whole of what guestlist can express, not only what a config names
(observe.py reads only that). Every read is one SOQL query paged through nextRecordsUrl (2,000 records a page,
salesforce-api.md §9.1) or one IN-list chunked by soql.in_queries, so the request count stays near the query-page
floor (bench/export_bench.py prints both); the users behind group members come in the same rows through parent
fields. A lookup by many keys (the users sharing customers' emails, the assignments of everyone exported) reads
the whole of what it filters instead when that takes fewer pages than its IN-list chunks (`_lookup`).

Records are returned as the API gives them (Salesforce's field names); reconciler/export/read.py puts them into
guestlist's words. A failure becomes OrgError naming what was being read, secrets redacted (as in observe.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from simple_salesforce.exceptions import SalesforceError

from reconciler.kinds import GROUP
from reconciler.model import CHATTER_FREE_LICENSE, CHATTER_SETTING_TO_SF
from reconciler.org.connect import OrgConnection, OrgError
from reconciler.org.observe import READ_FAILURES, read_failure
from reconciler.org.soql import in_queries

Record = dict[str, Any]
Progress = Callable[[str, int, int], None]  # (what is being read, records read so far, records it holds)

# the user fields every read of a user asks for (directly, or below Member./Assignee.)
USER_FIELDS = ("Id", "Username", "Email", "FirstName", "LastName", "IsActive", "Profile.Name",
               "Profile.UserLicense.Name", "ContactId", "DefaultGroupNotificationFrequency")
EXTERNAL_USER_FIELDS = (*USER_FIELDS, "PortalRole", "Account.Name", "AccountId")
# internal groups only: a site (Experience Cloud) group has a NetworkId (salesforce-api.md §1)
GROUP_FIELDS = ("Id", "Name", *(setting.sf_field for setting in GROUP.fields), "OwnerId", "CreatedDate")


class ExportReader:
    """Reads one org for an export; `requests` is the count of API requests sent so far on this connection."""

    def __init__(self, conn: OrgConnection, progress: Progress = lambda what, done, total: None) -> None:
        self.conn = conn
        self.sf = conn.sf
        self.progress = progress  # told, after each page, what is being read and how far it got

    @property
    def requests(self) -> int:
        return self.conn.counter.total

    # -- plumbing -------------------------------------------------------------------------------------------------

    @contextmanager
    def reading(self, what: str) -> Iterator[None]:
        try:
            yield
        except OrgError:
            raise
        except READ_FAILURES as exc:
            raise read_failure(self.conn, what, exc) from None

    def _first_page(self, what: str, soql: str) -> Record:
        with self.reading(what):
            return dict(self.sf.query(soql))

    def _rest(self, what: str, page: Record, already: int = 0) -> Iterator[Record]:
        """The records of `page` and of every page after it; progress counts on from `already` records."""
        done, total = already, already + int(page.get("totalSize") or 0)
        while True:
            records = page.get("records") or []
            done += len(records)
            self.progress(what, done, max(total, done))
            yield from records
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            with self.reading(what):
                page = dict(self.sf.query_more(page["nextRecordsUrl"], identifier_is_url=True))

    def _pages(self, what: str, soql: str) -> Iterator[Record]:
        yield from self._rest(what, self._first_page(what, soql))

    def _pages_in(self, what: str, template: str, field: str, values: Iterable[str],
                  queries: list[str] | None = None) -> Iterator[Record]:
        already = 0
        for soql in queries if queries is not None else in_queries(template, field, sorted(set(values))):
            for record in self._rest(what, self._first_page(what, soql), already):
                already += 1
                yield record

    def _lookup(self, what: str, template: str, field: str, values: Iterable[str], whole: str,
                keep: Callable[[Record], bool]) -> Iterator[Record]:
        """The records of `template` for `values`, one query per IN-list chunk; or, when there is more than one
        chunk and `whole` (the unfiltered read) takes fewer pages, `whole`'s records that `keep` accepts. Its first
        page says how many records it holds (totalSize), so choosing costs at most that one request."""
        queries = in_queries(template, field, sorted(set(values)))
        if len(queries) > 1:
            page = self._first_page(what, whole)
            per_page = len(page.get("records") or []) or 1
            if page.get("done", True) or math.ceil(int(page.get("totalSize") or 0) / per_page) <= len(queries):
                yield from (record for record in self._rest(what, page) if keep(record))
                return
        yield from self._pages_in(what, template, field, (), queries)

    # -- the reads ------------------------------------------------------------------------------------------------

    def organization(self) -> Record:
        for record in self._pages("organization", "SELECT Id, Name FROM Organization"):
            return record
        raise OrgError("reading organization: the org returned no Organization record")

    def chatter_settings(self) -> dict[str, bool | None]:
        """ChatterSettings in guestlist's words (None: the org gave no value)."""
        with self.reading("ChatterSettings"):
            settings = self.sf.mdapi.ChatterSettings.read(["Chatter"])
        self.progress("ChatterSettings", 1, 1)
        if isinstance(settings, list):  # no record: simple-salesforce returns the (empty) list
            settings = settings[0] if settings else None
        found: dict[str, bool | None] = {}
        for word, name in CHATTER_SETTING_TO_SF.items():
            value = getattr(settings, name, None)
            found[word] = None if value is None else bool(value)
        return found

    def internal_groups(self) -> list[Record]:
        """The groups outside Experience Cloud sites; an org without Experience Cloud has no NetworkId
        (INVALID_FIELD), and all its groups are internal (real-orgs.md §1.4)."""
        select = f"SELECT {', '.join(GROUP_FIELDS)} FROM {GROUP.sobject}"
        with self.reading("groups"):
            try:
                groups = list(self.sf.query_all_iter(f"{select} WHERE NetworkId = null"))
            except SalesforceError as exc:
                if "INVALID_FIELD" not in str(exc) or "Network" not in str(exc):
                    raise
                groups = list(self.sf.query_all_iter(select))
        self.progress("groups", len(groups), len(groups))
        return groups

    def members(self, group_ids: Iterable[str]) -> Iterator[Record]:
        fields = ", ".join(("Id", "CollaborationGroupId", "MemberId", "CollaborationRole", "NotificationFrequency",
                            *(f"Member.{name}" for name in USER_FIELDS)))
        return self._pages_in("group members", f"SELECT {fields} FROM CollaborationGroupMember WHERE {{IN}}",
                              "CollaborationGroupId", group_ids)

    def pending_invitations(self, group_ids: Iterable[str]) -> Iterator[Record]:
        template = ("SELECT Id, SharedEntityId, InvitedUserEmail, OptionalMessage, CreatedDate FROM "
                    "CollaborationInvitation WHERE Status = 'Sent' AND {IN}")
        return self._pages_in("invitations", template, "SharedEntityId", group_ids)

    def chatter_free_users(self) -> Iterator[Record]:
        return self._pages("Chatter Free users", f"SELECT {', '.join(USER_FIELDS)} FROM User "
                                                 f"WHERE Profile.UserLicense.Name = '{CHATTER_FREE_LICENSE}'")

    def experience_cloud_users(self) -> Iterator[Record]:
        return self._pages("external users", f"SELECT {', '.join(EXTERNAL_USER_FIELDS)} FROM User "
                                             "WHERE ContactId != null")

    def users_by_email(self, emails: Iterable[str], *, besides_read: bool = False) -> Iterator[Record]:
        """Every user with one of these emails: who a `customer:` email would name in a plan. `besides_read`: the
        Chatter Free and Experience Cloud users were read already, so a whole read may leave them out."""
        wanted = {email.lower() for email in emails}
        whole = f"SELECT {', '.join(USER_FIELDS)} FROM User"
        if besides_read:
            whole += f" WHERE ContactId = null AND Profile.UserLicense.Name != '{CHATTER_FREE_LICENSE}'"
        return self._lookup("users by email", f"SELECT {', '.join(USER_FIELDS)} FROM User WHERE {{IN}}", "Email",
                            wanted, whole, lambda record: (record.get("Email") or "").lower() in wanted)

    def users_by_id(self, ids: Iterable[str]) -> Iterator[Record]:
        return self._pages_in("users", f"SELECT {', '.join(USER_FIELDS)} FROM User WHERE {{IN}}", "Id", ids)

    def assignments_of_users(self, user_ids: Iterable[str]) -> Iterator[Record]:
        """Permission-set assignments (not the profiles' own sets) of these users."""
        ids = set(user_ids)
        select = ("SELECT PermissionSetId, PermissionSet.Name, AssigneeId, ExpirationDate FROM PermissionSetAssignment "
                  "WHERE PermissionSet.IsOwnedByProfile = false")
        return self._lookup("permission set assignments", f"{select} AND {{IN}}", "AssigneeId", ids, select,
                            lambda record: record.get("AssigneeId") in ids)

    def assignees_of(self, permission_set_ids: Iterable[str]) -> Iterator[Record]:
        template = "SELECT PermissionSetId, AssigneeId FROM PermissionSetAssignment WHERE {IN}"
        return self._pages_in("permission set assignments", template, "PermissionSetId", permission_set_ids)

