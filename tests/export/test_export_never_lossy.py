"""Values the sandbox's API refuses to store, as a real org may still hold them (a picklist value added after
guestlist was written, a text longer than the format allows): the export leaves them out with a comment and a
warning, never a placeholder, and what it writes passes validate. The org is a stand-in reader here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from reconciler.export.read import Selection, read_export
from reconciler.export.write import render_one
from tests.export.helpers import TODAY, cli

ADMIN = {"Id": "005000000000001AAA", "Username": "admin@acme.com", "Email": "admin@acme.com", "LastName": "Admin",
         "IsActive": True, "Profile": {"Name": "System Administrator", "UserLicense": {"Name": "Salesforce"}},
         "ContactId": None, "DefaultGroupNotificationFrequency": "N"}
GROUP = {"Id": "0F9000000000001AAA", "Name": "Odd One", "CollaborationType": "Broadcast", "CanHaveGuests": False,
         "Description": "x" * 1200, "InformationTitle": "Fine", "InformationBody": None, "IsArchived": False,
         "IsBroadcast": False, "IsAutoArchiveDisabled": False, "OwnerId": ADMIN["Id"]}
PARTNER = {**ADMIN, "Id": "005000000000002AAA", "Username": "p@contoso.com.portal", "Email": "p@contoso.com",
           "Profile": {"Name": "Partner Community Login User", "UserLicense": {"Name": "Partner Community Login"}},
           "ContactId": "003000000000001AAA", "PortalRole": "Worker", "Account": {"Name": "Contoso"}}


class StandIn:
    """The reads of reconciler/org/export_reads.py, answered from the records above."""

    requests = 0

    def organization(self) -> dict[str, Any]:
        return {"Id": "00D000000000001AAA", "Name": "Odd"}

    def chatter_settings(self) -> dict[str, bool | None]:
        return {"enabled": True, "customer_invitations": None, "unlisted_groups": False, "group_archiving": False}

    def internal_groups(self) -> Iterator[dict[str, Any]]:
        yield GROUP

    def members(self, group_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        yield {"Id": "0FB000000000001AAA", "CollaborationGroupId": GROUP["Id"], "MemberId": ADMIN["Id"],
               "CollaborationRole": "Admin", "NotificationFrequency": "X", "Member": ADMIN}

    def pending_invitations(self, group_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return iter(())

    def chatter_free_users(self) -> Iterator[dict[str, Any]]:
        return iter(())

    def experience_cloud_users(self) -> Iterator[dict[str, Any]]:
        yield PARTNER

    def users_by_email(self, emails: Iterable[str], *, besides_read: bool = False) -> Iterator[dict[str, Any]]:
        return iter(())

    def users_by_id(self, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return iter(())

    def assignments_of_users(self, user_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return iter(())

    def assignees_of(self, permission_set_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        return iter(())


def test_values_guestlist_cannot_hold_become_comments_and_warnings(tmp_path: Path) -> None:
    today = dt.date.fromisoformat(TODAY)
    export = read_export(StandIn(), Selection(today=today))  # type: ignore[arg-type]
    text = render_one(export, today)
    data = yaml.safe_load(text)
    group = data["groups"][0]
    assert group == {"name": "Odd One", "owner": "admin@acme.com", "information": {"title": "Fine"},
                     "membership": "additive", "members": [{"user": "admin@acme.com", "role": "manager"}]}
    warnings = "\n".join(export.warnings())
    for expected in ("access is not managed: the org's CollaborationType 'Broadcast' is not a value guestlist knows",
                     "description is not managed: the org's value is not one the config format accepts at most "
                     "1000 characters",
                     "notify of admin@acme.com is not managed: the org's NotificationFrequency 'X'",
                     "external user 'p@contoso.com.portal' is not exported: guestlist doesn't manage the licence "
                     "'Partner Community Login'",
                     "chatter.customer_invitations: the org reported no value"):
        assert expected in warnings, warnings
        assert f"# {expected}" in text, text
    assert data["external_users"] == [] and data["org"]["chatter"] == {"enabled": True, "unlisted_groups": False,
                                                                       "group_archiving": False}
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "guestlist.yaml").write_text(text)
    validated = cli(["validate", str(tmp_path / "d"), "--today", TODAY, "--strict"])
    assert validated.code == 0, validated.stdout
