"""The reads `guestlist export` needs: the whole of what guestlist can express, not only what a config names
(observe.py reads only that). Every read is one SOQL query paged with query_all_iter (2,000 records a page) or
one IN-list chunked by soql.in_queries, so the request count stays near the query-page floor; the users behind
group members and permission-set assignments come in the same rows through parent fields.

Records are returned as the API gives them (Salesforce's field names); reconciler/export/read.py puts them into
guestlist's words. A failure becomes OrgError naming what was being read, secrets redacted (as in observe.py).
"""

from __future__ import annotations

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

# the user fields every read of a user asks for (directly, or below Member./Assignee.)
USER_FIELDS = ("Id", "Username", "Email", "FirstName", "LastName", "IsActive", "Profile.Name",
               "Profile.UserLicense.Name", "ContactId", "DefaultGroupNotificationFrequency")
EXTERNAL_USER_FIELDS = (*USER_FIELDS, "PortalRole", "Account.Name", "AccountId")
# internal groups only: a site (Experience Cloud) group has a NetworkId (salesforce-api.md §1)
GROUP_FIELDS = ("Id", "Name", *(setting.sf_field for setting in GROUP.fields), "OwnerId", "CreatedDate")


class ExportReader:
    """Reads one org for an export; `requests` is the count of API requests sent so far on this connection."""

    def __init__(self, conn: OrgConnection, progress: Callable[[str], None] = lambda what: None) -> None:
        self.conn = conn
        self.sf = conn.sf
        self.progress = progress  # told what is being read, before each read

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

    def _pages(self, what: str, soql: str) -> Iterator[Record]:
        self.progress(what)
        with self.reading(what):
            yield from self.sf.query_all_iter(soql)

    def _pages_in(self, what: str, template: str, field: str, values: Iterable[str]) -> Iterator[Record]:
        for soql in in_queries(template, field, sorted(set(values))):
            yield from self._pages(what, soql)

    # -- the reads ------------------------------------------------------------------------------------------------

    def organization(self) -> Record:
        for record in self._pages("organization", "SELECT Id, Name FROM Organization"):
            return record
        raise OrgError("reading organization: the org returned no Organization record")

    def chatter_settings(self) -> dict[str, bool | None]:
        """ChatterSettings in guestlist's words (None: the org gave no value)."""
        self.progress("ChatterSettings")
        with self.reading("ChatterSettings"):
            settings = self.sf.mdapi.ChatterSettings.read(["Chatter"])
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
        self.progress("groups")
        with self.reading("groups"):
            try:
                return list(self.sf.query_all_iter(f"{select} WHERE NetworkId = null"))
            except SalesforceError as exc:
                if "INVALID_FIELD" not in str(exc) or "Network" not in str(exc):
                    raise
            return list(self.sf.query_all_iter(select))

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

    def users_by_email(self, emails: Iterable[str]) -> Iterator[Record]:
        """Every user with one of these emails: who a `customer:` email would name in a plan."""
        return self._pages_in("users by email", f"SELECT {', '.join(USER_FIELDS)} FROM User WHERE {{IN}}",
                              "Email", emails)

    def users_by_id(self, ids: Iterable[str]) -> Iterator[Record]:
        return self._pages_in("users", f"SELECT {', '.join(USER_FIELDS)} FROM User WHERE {{IN}}", "Id", ids)

    def assignments_of_users(self, user_ids: Iterable[str]) -> Iterator[Record]:
        """Permission-set assignments (not the profiles' own sets) of these users."""
        template = ("SELECT PermissionSetId, PermissionSet.Name, AssigneeId FROM PermissionSetAssignment "
                    "WHERE PermissionSet.IsOwnedByProfile = false AND {IN}")
        return self._pages_in("permission set assignments", template, "AssigneeId", user_ids)

    def assignees_of(self, permission_set_ids: Iterable[str]) -> Iterator[Record]:
        template = "SELECT PermissionSetId, AssigneeId FROM PermissionSetAssignment WHERE {IN}"
        return self._pages_in("permission set assignments", template, "PermissionSetId", permission_set_ids)

