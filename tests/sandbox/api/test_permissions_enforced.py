"""The sandbox enforces what a user's permissions allow (real-orgs.md §10), through the API as a client sees it: a
user made by the administrator (User insert, POST /sobjects/User/{id}/password, a permission set and its
assignment) is refused what its permissions don't allow, and allowed once they do."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError
from zeep.exceptions import Fault

from reconciler.sandbox.routes.oauth import CONSUMER_KEY, CONSUMER_SECRET
from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, client_session, connect, error_of

LOGINS = PASSWORD_LOGINS  # its tests log in with passwords, as older clients do (conftest.py)

USERNAME = "worker@acme.com"
PASSWORD = "Worker2026"


def _id(sf: Salesforce, soql: str) -> str:
    return str(sf.query(soql)["records"][0]["Id"])


def make_user(admin: Salesforce, profile: str = "Standard User") -> str:
    profile_id = _id(admin, f"SELECT Id FROM Profile WHERE Name = '{profile}'")
    return str(admin.User.create({"Username": USERNAME, "Email": USERNAME, "LastName": "Worker", "Alias": "worker",
                                  "ProfileId": profile_id, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
                                  "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US"})["id"])


def grant(admin: Salesforce, user: str, *permissions: str) -> None:
    name = "Grant_" + "_".join(p.removeprefix("Permissions") for p in permissions)[:70]
    permission_set = admin.PermissionSet.create({"Name": name, "Label": name, **dict.fromkeys(permissions, True)})
    admin.PermissionSetAssignment.create({"AssigneeId": user, "PermissionSetId": permission_set["id"]})


def set_password(org: RunningSandbox, user: str, password: str, token: str | None = None) -> requests.Response:
    return client_session(org.info).post(
        f"{org.info.instance_url}/services/data/v59.0/sobjects/User/{user}/password", json={"NewPassword": password},
        headers={"Authorization": f"Bearer {token or org.info.access_token}"}, timeout=30)


def log_in(org: RunningSandbox, password: str = PASSWORD) -> Salesforce:
    answer = client_session(org.info).post(f"{org.info.instance_url}/services/oauth2/token", timeout=30, data={
        "grant_type": "password", "client_id": CONSUMER_KEY, "client_secret": CONSUMER_SECRET,
        "username": USERNAME, "password": password})
    assert answer.status_code == 200, answer.text
    sf = connect(org.info, token=answer.json()["access_token"])
    sf.mdapi._client.transport.session = sf.session  # zeep has its own session otherwise (clients.md §1.5)
    return sf


@pytest.fixture
def worker(fresh: RunningSandbox) -> tuple[Salesforce, str]:
    """The administrator's client and a new Standard User with a password, logged in."""
    admin = connect(fresh.info)
    user = make_user(admin)
    assert set_password(fresh, user, PASSWORD).status_code == 204
    return admin, user


def refused(call: Any, *args: Any) -> dict[str, Any]:
    with pytest.raises(SalesforceError) as caught:
        call(*args)
    return error_of(caught.value)


def test_a_password_set_through_the_api_logs_the_user_in(fresh: RunningSandbox, worker: tuple[Salesforce, str]
                                                         ) -> None:
    _, user = worker
    me = log_in(fresh)
    assert me.query("SELECT Username FROM User WHERE Id = '" + user + "'")["records"][0]["Username"] == USERNAME
    status = client_session(fresh.info).get(f"{fresh.info.instance_url}/services/data/v59.0/sobjects/User/{user}"
                                            "/password", headers={"Authorization": f"Bearer {fresh.info.access_token}"},
                                            timeout=30)
    assert status.status_code == 200 and status.json() == {"isExpired": False}
    weak = set_password(fresh, user, "short")
    assert weak.status_code == 400 and weak.json()[0]["errorCode"] == "INVALID_NEW_PASSWORD"
    unknown = set_password(fresh, "005000000000000AAA", PASSWORD)
    assert unknown.status_code == 404


def test_setting_another_users_password_needs_manage_users(fresh: RunningSandbox,
                                                           worker: tuple[Salesforce, str]) -> None:
    admin, user = worker
    token = log_in(fresh).session_id
    alice = _id(admin, "SELECT Id FROM User WHERE Username = 'alice@acme.com'")
    answer = set_password(fresh, alice, "Another2026", token)
    assert answer.status_code == 403 and answer.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert set_password(fresh, user, "MyOwnPassword1", token).status_code == 204  # its own password: allowed


def test_without_api_enabled_every_request_is_refused(fresh: RunningSandbox) -> None:
    admin = connect(fresh.info)
    user = make_user(admin, "Chatter Free User")  # a Chatter Free profile has no API Enabled
    assert set_password(fresh, user, PASSWORD).status_code == 204
    me = log_in(fresh)
    error = refused(me.query, "SELECT Id FROM User")
    assert error["errorCode"] == "API_CURRENTLY_DISABLED"
    grant(admin, user, "PermissionsApiEnabled")
    assert me.query("SELECT Id FROM Organization")["totalSize"] == 1


def test_the_metadata_api_needs_modify_metadata_and_changes_customize_application(
        fresh: RunningSandbox, worker: tuple[Salesforce, str]) -> None:
    admin, user = worker
    me = log_in(fresh)
    with pytest.raises(Fault) as caught:
        me.mdapi.ChatterSettings.read(["Chatter"])
    assert "ModifyAllData or ModifyMetadata" in str(caught.value.message)
    grant(admin, user, "PermissionsModifyMetadata")
    assert me.mdapi.ChatterSettings.read(["Chatter"]).enableChatter is True
    settings = me.mdapi.ChatterSettings(fullName="Chatter", enableInviteCsnUsers=True)
    with pytest.raises(Fault):
        me.mdapi.ChatterSettings.update([settings])
    grant(admin, user, "PermissionsCustomizeApplication")
    me.mdapi.ChatterSettings.update([settings])
    assert me.mdapi.ChatterSettings.read(["Chatter"]).enableInviteCsnUsers is True


def test_another_members_notifications_and_a_groups_owner_need_modify_all_data(
        fresh: RunningSandbox, worker: tuple[Salesforce, str]) -> None:
    admin, user = worker
    me = log_in(fresh)
    hub = _id(admin, "SELECT Id FROM CollaborationGroup WHERE Name = 'Acme Partner Hub'")
    carol = _id(admin, "SELECT Id FROM User WHERE Username = 'carol@acme.com'")
    erin = _id(admin, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")
    row = _id(admin, f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = '{hub}' "
                     f"AND MemberId = '{carol}'")
    assert refused(me.CollaborationGroupMember.update, row, {"NotificationFrequency": "W"})["errorCode"] == \
        "INSUFFICIENT_ACCESS_OR_READONLY"
    assert refused(me.CollaborationGroup.update, hub, {"OwnerId": erin})["errorCode"] == \
        "INSUFFICIENT_ACCESS_OR_READONLY"
    own = me.CollaborationGroup.create({"Name": "Worker Room", "CollaborationType": "Public"})["id"]
    mine = _id(admin, f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = '{own}'")
    me.CollaborationGroupMember.update(mine, {"NotificationFrequency": "N"})  # its own membership: allowed
    me.CollaborationGroup.update(own, {"OwnerId": erin})  # the owner hands its own group over: allowed

    grant(admin, user, "PermissionsModifyAllData")
    me.CollaborationGroupMember.update(row, {"NotificationFrequency": "W"})
    me.CollaborationGroup.update(hub, {"OwnerId": erin})
    assert admin.CollaborationGroup.get(hub)["OwnerId"] == erin
    assert admin.CollaborationGroupMember.get(row)["NotificationFrequency"] == "W"


def test_users_and_assignments_need_manage_users(fresh: RunningSandbox, worker: tuple[Salesforce, str]) -> None:
    admin, user = worker
    me = log_in(fresh)
    profile = _id(admin, "SELECT Id FROM Profile WHERE Name = 'Chatter Free User'")
    new_user = {"Username": "grace@acme.co.uk", "Email": "grace@acme.co.uk", "LastName": "Hopper", "Alias": "ghop",
                "ProfileId": profile, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
                "LanguageLocaleKey": "en_US"}
    assert refused(me.User.create, new_user)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    invite = _id(admin, "SELECT Id FROM PermissionSet WHERE Name = 'Invite_Customers_To_Chatter'")
    erin = _id(admin, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")
    assignment = {"AssigneeId": erin, "PermissionSetId": invite}
    assert refused(me.PermissionSetAssignment.create, assignment)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    me.User.update(user, {"FirstName": "Busy"})  # its own details: allowed

    grant(admin, user, "PermissionsManageUsers")
    me.User.create(new_user)
    me.PermissionSetAssignment.create(assignment)


def test_members_of_a_private_group_are_managed_by_its_owner_and_managers(
        fresh: RunningSandbox, worker: tuple[Salesforce, str]) -> None:
    admin, user = worker
    me = log_in(fresh)
    deal_room = _id(admin, "SELECT Id FROM CollaborationGroup WHERE Name = 'Contoso Deal Room'")  # private
    erin = _id(admin, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")
    dan_row = _id(admin, f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = '{deal_room}' "
                         "AND Member.Username = 'dan@acme.com'")
    add = {"CollaborationGroupId": deal_room, "MemberId": erin}
    assert refused(me.CollaborationGroupMember.create, add)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert refused(me.CollaborationGroupMember.delete, dan_row)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    announcements = _id(admin, "SELECT Id FROM CollaborationGroup WHERE Name = 'Acme Announcements'")  # public
    me.CollaborationGroupMember.create({"CollaborationGroupId": announcements, "MemberId": user})

    admin.CollaborationGroupMember.create({"CollaborationGroupId": deal_room, "MemberId": user,
                                           "CollaborationRole": "Admin"})  # a manager now
    erin_row = me.CollaborationGroupMember.create(add)["id"]
    me.CollaborationGroupMember.delete(erin_row)
