"""A representative subset of the org's rules, seen through the API as guestlist meets them (DATA's tests cover
every rule directly against the store)."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, AdminClient, client_session, connect, error_of

LOGINS = PASSWORD_LOGINS  # its tests log in with passwords, as older clients do (conftest.py)

LOCALE = {"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
          "LanguageLocaleKey": "en_US"}


def one(sf: Salesforce, soql: str) -> dict[str, Any]:
    records = sf.query(soql)["records"]
    assert len(records) == 1, (soql, records)
    return records[0]


def profile_id(sf: Salesforce, name: str) -> str:
    return one(sf, f"SELECT Id FROM Profile WHERE Name = '{name}'")["Id"]


def user(sf: Salesforce, username: str, profile: str, **extra: Any) -> dict[str, Any]:
    return {"Username": username, "Email": username, "LastName": username.split("@")[0], "Alias": "tst",
            "ProfileId": profile_id(sf, profile), **LOCALE, **extra}


def as_user(sandbox: RunningSandbox, username: str) -> Salesforce:
    return Salesforce(username=username, password="sandbox", security_token="",
                      domain=f"127.0.0.1:{sandbox.port}/login", session=client_session(sandbox.info))


def code_of(caught: pytest.ExceptionInfo[SalesforceMalformedRequest]) -> str:
    return str(error_of(caught.value)["errorCode"])


def test_a_new_group_gets_its_owner_as_admin_member(sf: Salesforce) -> None:
    owner = one(sf, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")["Id"]
    group_id = sf.CollaborationGroup.create({"Name": "Rules Private Club", "CollaborationType": "Private",
                                             "OwnerId": owner})["id"]
    members = sf.query(f"SELECT MemberId, CollaborationRole FROM CollaborationGroupMember "
                       f"WHERE CollaborationGroupId = '{group_id}'")["records"]
    assert [(m["MemberId"], m["CollaborationRole"]) for m in members] == [(owner, "Admin")]


def test_group_rules(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.CollaborationGroup.create({"Name": "acme announcements", "CollaborationType": "Private"})
    assert code_of(caught) == "DUPLICATE_VALUE" and error_of(caught.value)["fields"] == ["Name"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.CollaborationGroup.create({"Name": "Rules Public Guests", "CollaborationType": "Public",
                                      "CanHaveGuests": True})
    assert code_of(caught) == "FIELD_INTEGRITY_EXCEPTION"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.CollaborationGroup.create({"Name": "Rules Secret", "CollaborationType": "Secret"})
    assert code_of(caught) == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


def test_membership_rules(sf: Salesforce) -> None:
    hub = one(sf, "SELECT Id, OwnerId FROM CollaborationGroup WHERE Name = 'Acme Partner Hub'")
    erin = one(sf, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")["Id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.CollaborationGroupMember.create({"CollaborationGroupId": hub["Id"], "MemberId": erin})
    assert code_of(caught) == "DUPLICATE_VALUE"
    owner_row = one(sf, f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = '{hub['Id']}' "
                        f"AND MemberId = '{hub['OwnerId']}'")["Id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.CollaborationGroupMember.delete(owner_row)
    assert code_of(caught) == "FIELD_INTEGRITY_EXCEPTION"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.CollaborationGroupMember.update(owner_row, {"CollaborationGroupId": hub["Id"]})
    assert code_of(caught) == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_duplicate_username(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.User.create(user(sf, "bob@acme.com", "Standard User"))
    error = error_of(caught.value)
    assert error["errorCode"] == "DUPLICATE_USERNAME" and error["fields"] == ["Username"]


def test_licences_are_counted_and_enforced(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    licence = "SELECT TotalLicenses, UsedLicenses FROM UserLicense WHERE Name = 'Salesforce'"
    before = one(sf, licence)
    free = before["TotalLicenses"] - before["UsedLicenses"]
    records = [{"attributes": {"type": "User"}, **user(sf, f"new{n}@acme.com", "Standard User")}
               for n in range(free + 1)]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
    assert [r["success"] for r in results] == [True] * free + [False]
    assert results[-1]["errors"][0]["statusCode"] == "LICENSE_LIMIT_EXCEEDED"
    assert one(sf, licence)["UsedLicenses"] == before["TotalLicenses"]
    sf.User.update(results[0]["id"], {"IsActive": False})
    assert one(sf, licence)["UsedLicenses"] == before["TotalLicenses"] - 1


def test_customer_invitation_needs_the_org_setting_then_the_invitee_accepts(fresh: RunningSandbox) -> None:
    admin_sf = connect(fresh.info)
    admin_sf.mdapi._client.transport.session = admin_sf.session
    alice = as_user(fresh, "alice@acme.com")
    hub = one(alice, "SELECT Id FROM CollaborationGroup WHERE Name = 'Acme Partner Hub'")["Id"]
    invitation = {"InvitedUserEmail": "zoe@contoso.com", "SharedEntityId": hub}
    with pytest.raises(SalesforceMalformedRequest) as caught:
        alice.CollaborationInvitation.create(invitation)
    assert code_of(caught) == "INSUFFICIENT_ACCESS_OR_READONLY"  # enableInviteCsnUsers is off in the demo org
    admin_sf.mdapi.ChatterSettings.update([admin_sf.mdapi.ChatterSettings(fullName="Chatter",
                                                                          enableInviteCsnUsers=True)])
    invitation_id = alice.CollaborationInvitation.create(invitation)["id"]
    assert invitation_id.startswith("0H1")
    assert alice.CollaborationInvitation.get(invitation_id)["InviterId"] == one(
        alice, "SELECT Id FROM User WHERE Username = 'alice@acme.com'")["Id"]
    accepted = AdminClient(fresh.info).call("POST", "/invitations/accept", {"email": "zoe@contoso.com"})
    zoe = one(admin_sf, f"SELECT Username, UserType, Profile.Name FROM User WHERE Id = '{accepted['user_id']}'")
    assert (zoe["Username"], zoe["UserType"], zoe["Profile"]["Name"]) == (
        "zoe@guest.acme.com", "CsnOnly", "Chatter External User")
    assert one(admin_sf, f"SELECT Status FROM CollaborationInvitation WHERE Id = '{invitation_id}'")["Status"] == \
        "Accepted"
    assert admin_sf.query(f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = '{hub}' "
                          f"AND MemberId = '{accepted['user_id']}'")["totalSize"] == 1


def test_coworker_invitations_follow_the_sandbox_only_settings(fresh: RunningSandbox) -> None:
    alice = as_user(fresh, "alice@acme.com")
    alice_id = one(alice, "SELECT Id FROM User WHERE Username = 'alice@acme.com'")["Id"]
    invitation = {"InvitedUserEmail": "pat@acme-labs.com", "SharedEntityId": alice_id}
    with pytest.raises(SalesforceMalformedRequest) as caught:
        alice.CollaborationInvitation.create(invitation)
    assert code_of(caught) == "FIELD_INTEGRITY_EXCEPTION"  # not a company domain
    admin = AdminClient(fresh.info)
    settings = admin.call("PUT", "/settings", {"domains": ["acme.com", "acme.co.uk", "acme-labs.com"]})
    assert settings == {"allow_invitations": True, "domains": ["acme.com", "acme.co.uk", "acme-labs.com"]}
    alice.CollaborationInvitation.create(invitation)
    admin.call("PUT", "/settings", {"allow_invitations": False})
    with pytest.raises(SalesforceMalformedRequest) as caught:
        alice.CollaborationInvitation.create({**invitation, "InvitedUserEmail": "lee@acme-labs.com"})
    assert code_of(caught) == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_validation_rules_reject_user_inserts(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    admin = AdminClient(fresh.info)
    admin.call("POST", "/validation-rules", {"sobject": "User", "name": "No_Example_Emails", "field": "Email",
                                             "operator": "ends_with", "value": "@example.com",
                                             "message": "Use a real email address"})
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.User.create(user(sf, "someone@example.com", "Chatter Free User"))
    assert error_of(caught.value) == {"errorCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                                      "message": "Use a real email address", "fields": []}
    admin.call("DELETE", "/validation-rules/User/No_Example_Emails")
    assert sf.User.create(user(sf, "someone@example.com", "Chatter Free User"))["success"] is True
