"""Unlisted groups are invisible to a user without Manage Unlisted Groups, even with Modify All Data and View All
Data, except to their members (real-orgs.md §2.1, assumed("unlisted-visibility"))."""

from __future__ import annotations

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.store import Session, Store

from .conftest import named, new_user_values, raises, user_id

ALL_DATA = {"PermissionsModifyAllData": True, "PermissionsViewAllData": True, "PermissionsApiEnabled": True}


def _all_data_user(s: Session, username: str) -> str:
    """A Standard User with Modify All Data and View All Data through a permission set, but no Manage Unlisted
    Groups."""
    user = s.create("User", new_user_values(s, username))
    permission_set = s.create("PermissionSet", {"Name": f"All_Data_{user[-6:]}", "Label": "All data", **ALL_DATA})
    s.create("PermissionSetAssignment", {"AssigneeId": user, "PermissionSetId": permission_set})
    return user


def _names(s: Session, soql: str = "SELECT Name FROM CollaborationGroup") -> set[str]:
    return {r["Name"] for r in s.query(soql).records}


@pytest.fixture
def org(demo: Store) -> tuple[Store, dict[str, str]]:
    """The demo org with unlisted groups on, an unlisted group owned by carol (allowing customers, with a pending
    invitation) and a private one, and two users without the permission: one with all data, and dan, a member of
    the unlisted group."""
    with demo.session() as s:
        s.update_chatter_settings({"unlistedGroupsEnabled": True, "enableInviteCsnUsers": True})
        carol, dan = user_id(s, "carol@acme.com"), user_id(s, "dan@acme.com")
        ids = {
            "secret": s.create("CollaborationGroup", {"Name": "Secret Room", "CollaborationType": "Unlisted",
                                                      "OwnerId": carol, "CanHaveGuests": True}),
            "private": s.create("CollaborationGroup", {"Name": "Quiet Room", "CollaborationType": "Private",
                                                       "OwnerId": carol}),
            "auditor": _all_data_user(s, "auditor@acme.com"),
            "dan": dan,
        }
        s.create("CollaborationGroupMember", {"CollaborationGroupId": ids["secret"], "MemberId": dan})
        s.create("CollaborationInvitation", {"SharedEntityId": ids["secret"], "InvitedUserEmail": "x@example.com"})
    return demo, ids


def test_modify_all_data_does_not_show_unlisted_groups(org: tuple[Store, dict[str, str]]) -> None:
    store, ids = org
    with store.session() as s:
        s.actor_id = ids["auditor"]
        names = _names(s)
        assert "Quiet Room" in names and "Secret Room" not in names
        assert s.query("SELECT COUNT() FROM CollaborationGroup WHERE Name = 'Secret Room'").total_size == 0
        members = s.query(f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = '{ids['secret']}'")
        assert members.records == []
        invitations = s.query(f"SELECT Id FROM CollaborationInvitation WHERE SharedEntityId = '{ids['secret']}'")
        assert invitations.records == []
        with raises("NOT_FOUND"):
            s.retrieve("CollaborationGroup", ids["secret"])
        with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
            s.update("CollaborationGroup", ids["secret"], {"Description": "found it"})
        with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
            s.delete("CollaborationGroup", ids["secret"])
        # the same name can be created again: unlisted names need not be unique, and nothing looks taken
        again = s.create("CollaborationGroup", {"Name": "Secret Room", "CollaborationType": "Unlisted"})
        assert s.retrieve("CollaborationGroup", again)["Name"] == "Secret Room"  # it is a member: the owner


def test_members_and_holders_of_the_permission_see_the_group(org: tuple[Store, dict[str, str]]) -> None:
    store, ids = org
    with store.session() as s:
        s.actor_id = ids["dan"]
        assert "Secret Room" in _names(s)
        assert s.retrieve("CollaborationGroup", ids["secret"])["Name"] == "Secret Room"
        soql = f"SELECT Id FROM CollaborationInvitation WHERE SharedEntityId = '{ids['secret']}'"
        assert len(s.query(soql).records) == 1
    with store.session() as s:
        s.actor_id = s.meta("admin_user_id")  # System Administrator: holds Manage Unlisted Groups
        assert {"Secret Room", "Quiet Room"} <= _names(s)
        s.update("CollaborationGroup", ids["secret"], {"Description": "seen"})
    with store.session() as s:
        grant = s.create("PermissionSet", {"Name": "Unlisted_Groups", "Label": "Unlisted groups",
                                           "PermissionsManageUnlistedGroups": True})
        s.create("PermissionSetAssignment", {"AssigneeId": ids["auditor"], "PermissionSetId": grant})
    with store.session() as s:
        s.actor_id = ids["auditor"]
        assert "Secret Room" in _names(s)
        assert s.retrieve("CollaborationGroup", ids["secret"])["Description"] == "seen"


def test_a_semi_join_does_not_reveal_hidden_groups(org: tuple[Store, dict[str, str]]) -> None:
    store, ids = org
    with store.session() as s:
        s.actor_id = ids["auditor"]
        soql = ("SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId IN "
                "(SELECT Id FROM CollaborationGroup WHERE Name = 'Secret Room')")
        assert s.query(soql).records == []
        assert named(s, "CollaborationGroup", "Secret Room") == ids["secret"]  # the row is there, only hidden
    with pytest.raises(ApiError), store.session() as s:
        s.actor_id = ids["auditor"]
        s.update("CollaborationGroup", ids["secret"], {"Name": "Renamed"})
