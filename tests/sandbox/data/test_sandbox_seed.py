"""The demo org holds the deliberate differences from desired/ that the first plan should find (read via SOQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from reconciler.sandbox.store import Session, Store

from .conftest import user_id


def _values(s: Session, soql: str) -> list[tuple]:
    return [tuple(v for k, v in r.items() if k != "attributes") for r in s.query(soql).records]


def test_groups_and_roles(s: Session) -> None:
    assert _values(s, "SELECT Name, CollaborationType, CanHaveGuests FROM CollaborationGroup ORDER BY Name") == [
        ("Acme Announcements", "Public", False),
        ("Acme Partner Hub", "Private", True),
        ("Contoso Deal Room", "Private", True),
    ]  # "Initech Pilot" is missing
    dan = s.query(
        "SELECT CollaborationRole FROM CollaborationGroupMember "
        "WHERE CollaborationGroup.Name = 'Acme Announcements' AND Member.Username = 'dan@acme.com'"
    ).records
    assert dan[0]["CollaborationRole"] == "Standard"  # desired: manager
    sam = s.query("SELECT PortalRole FROM User WHERE Username = 'sam.patel@contoso.com.acmepartners'").records
    assert sam[0]["PortalRole"] == "Worker"  # desired: manager


def test_people_who_should_go(s: Session) -> None:
    members = _values(
        s,
        "SELECT Member.Username, Member.Profile.Name FROM CollaborationGroupMember "
        "WHERE CollaborationGroup.Name IN ('Acme Partner Hub', 'Contoso Deal Room') AND Member.Email IN "
        "('kim@contoso.com', 'paul@globex.com') ORDER BY Member.Username",
    )
    assert [(m[0]["Username"], m[0]["Profile"]["Name"]) for m in members] == [
        ("kim@guest.acme.com", "Chatter External User"),
        ("paul@guest.acme.com", "Chatter External User"),
    ]
    victor = s.query(
        "SELECT Id FROM PermissionSetAssignment WHERE PermissionSet.Name = 'Deal_Registration' "
        "AND Assignee.Username = 'victor.klein@contoso.com.acmepartners'"
    )
    assert victor.total_size == 1


PENDING = "SELECT InvitedUserEmail, CreatedDate FROM CollaborationInvitation WHERE Status = 'Sent' ORDER BY CreatedDate"


def test_settings_and_invitations(s: Session) -> None:
    assert s.chatter_settings()["enableInviteCsnUsers"] is False
    [mike, raj] = _values(s, PENDING)
    assert mike == ("mike@contoso.com", "2026-07-15T09:00:00.000+0000")  # stale: older than 60 days
    assert raj[0] == "raj@contoso.com"


@pytest.mark.parametrize("created", ["2026-11-22", "2027-06-01", "2030-01-01", "2099-01-31"])
def test_the_pending_invitation_is_three_weeks_old_whenever_the_org_is_created(tmp_path: Path, created: str) -> None:
    """The rest of the history is fixed in 2026; only what ages with the calendar follows the creation date."""
    moment = dt.datetime.fromisoformat(f"{created}T15:30:00+00:00")
    store = Store(tmp_path / "org.sqlite3", clock=lambda: moment)
    try:
        with store.session() as s:
            [mike, raj] = _values(s, PENDING)
            three_weeks_before = (moment.date() - dt.timedelta(days=21)).isoformat()
            assert raj == ("raj@contoso.com", f"{three_weeks_before}T09:00:00.000+0000")
            assert mike == ("mike@contoso.com", "2026-07-15T09:00:00.000+0000")
            assert s.query("SELECT CreatedDate FROM User WHERE Username = 'alice@acme.com'").records[0][
                "CreatedDate"] == "2026-02-02T09:00:00.000+0000"
    finally:
        store.close()


def test_missing_people(s: Session) -> None:
    usernames = {r["Username"] for r in s.query("SELECT Username FROM User").records}
    assert {"grace@acme.co.uk", "lena.berg@initech.com.acmecustomers"}.isdisjoint(usernames)
    assert {"alice@acme.com", "frank@acme.com", "omar.haddad@globex.com.acmecustomers"} <= usernames
    lena = s.query("SELECT Account.Name FROM Contact WHERE Email = 'lena.berg@initech.com'").records
    assert lena[0]["Account"]["Name"] == "Initech"
    bob = user_id(s, "bob@acme.com")
    assert (
        s.query(
            f"SELECT COUNT() FROM PermissionSetAssignment WHERE AssigneeId = '{bob}' "
            "AND PermissionSet.Name = 'Invite_Customers_To_Chatter'"
        ).total_size
        == 0
    )


def test_soft_deleted_rows_need_query_all(s: Session) -> None:
    account = s.create("Account", {"Name": "Deleted Ltd"})
    s.delete("Account", account)
    soql = "SELECT Id, IsDeleted FROM Account WHERE Name = 'Deleted Ltd'"
    assert s.query(soql).records == []
    assert s.query(soql, include_deleted=True).records[0]["IsDeleted"] is True


def test_a_reset_sets_the_demo_up_again_with_a_fresh_pending_invitation(tmp_path: Path) -> None:
    moments = [dt.datetime(2027, 1, 10, 9, tzinfo=dt.UTC)]
    store = Store(tmp_path / "org.sqlite3", clock=lambda: moments[-1])
    try:
        moments.append(dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC))  # three years later, the org's invitation is old
        with store.session() as s:
            assert _values(s, PENDING)[1] == ("raj@contoso.com", "2026-12-20T09:00:00.000+0000")
        store.reset()
        with store.session() as s:
            assert _values(s, PENDING)[1] == ("raj@contoso.com", "2029-12-11T09:00:00.000+0000")
    finally:
        store.close()
