"""sObject describe and single-record CRUD through simple-salesforce; ids; error bodies and exception classes."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from reconciler.sandbox.ids import checksum
from tests.sandbox.api.conftest import error_of

PREFIXES = {"User": "005", "Profile": "00e", "UserLicense": "100", "CollaborationGroup": "0F9",
            "CollaborationGroupMember": "0FB", "CollaborationInvitation": "0H1", "PermissionSet": "0PS",
            "PermissionSetAssignment": "0Pa", "Account": "001", "Contact": "003", "UserRole": "00E",
            "Organization": "00D"}


def test_global_describe_lists_the_objects_with_their_key_prefixes(sf: Salesforce) -> None:
    described = {o["name"]: o for o in sf.describe()["sobjects"]}
    assert {name: described[name]["keyPrefix"] for name in PREFIXES} == PREFIXES
    urls = described["CollaborationGroup"]["urls"]
    assert urls["describe"] == "/services/data/v59.0/sobjects/CollaborationGroup/describe"


def test_describe_and_basic_information(sf: Salesforce) -> None:
    describe = sf.CollaborationGroup.describe()
    fields = {f["name"]: f for f in describe["fields"]}
    assert describe["keyPrefix"] == "0F9"
    assert [v["value"] for v in fields["CollaborationType"]["picklistValues"]][:2] == ["Public", "Private"]
    assert fields["Name"]["createable"] and fields["Name"]["updateable"]
    assert sf.CollaborationGroup.metadata()["objectDescribe"]["name"] == "CollaborationGroup"


def test_every_id_is_18_characters_with_its_prefix_and_checksum(sf: Salesforce) -> None:
    for name, prefix in PREFIXES.items():
        for record in sf.query(f"SELECT Id FROM {name}")["records"]:
            record_id = record["Id"]
            assert len(record_id) == 18 and record_id.startswith(prefix)
            assert record_id[15:] == checksum(record_id[:15]), record_id


def test_create_read_update_delete(sf: Salesforce) -> None:
    created = sf.Account.create({"Name": "Crud Co", "Industry": "Energy"})
    record_id = created["id"]
    assert created == {"id": record_id, "success": True, "errors": []}
    assert record_id.startswith("001") and record_id[15:] == checksum(record_id[:15])
    record = sf.Account.get(record_id)
    assert record["Name"] == "Crud Co" and record["attributes"] == {
        "type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{record_id}"}
    assert sf.Account.update(record_id, {"Industry": "Banking"}) == 204
    assert sf.Account.get(record_id)["Industry"] == "Banking"
    assert sf.Account.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get(record_id)
    assert error_of(caught.value)["errorCode"] == "NOT_FOUND" and caught.value.status == 404


def test_fifteen_character_ids_are_accepted(sf: Salesforce) -> None:
    record_id = sf.Account.create({"Name": "Short Id Co"})["id"]
    short = record_id[:15]
    assert sf.Account.get(short)["Id"] == record_id
    assert sf.Account.update(short, {"Name": "Short Id Ltd"}) == 204
    assert sf.query(f"SELECT Name FROM Account WHERE Id = '{short}'")["records"][0]["Name"] == "Short Id Ltd"
    assert sf.Account.delete(short) == 204


def test_fields_parameter_limits_the_answer(sf: Salesforce) -> None:
    record_id = sf.Account.create({"Name": "Fields Co"})["id"]
    record = sf.Account.get(record_id, params={"fields": "Name,Industry"})
    assert list(record) == ["attributes", "Name", "Industry"]


def test_both_url_shapes_work(sf: Salesforce) -> None:
    """simple-salesforce ends sObject URLs with a slash; jsforce and sf do not."""
    record_id = sf.Account.create({"Name": "Slash Co"})["id"]
    assert sf.restful(f"sobjects/Account/{record_id}")["Name"] == "Slash Co"
    assert sf.restful(f"sobjects/Account/{record_id}/")["Name"] == "Slash Co"
    assert sf.restful("sobjects/Account", method="POST", json={"Name": "No Slash Co"})["success"] is True


def test_malformed_id_on_update(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update("not-an-id", {"Name": "x"})
    assert error_of(caught.value)["errorCode"] == "MALFORMED_ID"


def test_unknown_record_and_unknown_object_are_404(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.Account.update("001000000000000AAA", {"Name": "x"})
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Nope.create({"Name": "x"})
    assert error_of(caught.value) == {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND",
                                      "fields": []}


def test_required_field_missing(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.create({"Industry": "Energy"})
    error = error_of(caught.value)
    assert error["errorCode"] == "REQUIRED_FIELD_MISSING" and error["fields"] == ["Name"]


def test_unknown_field_in_a_body(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.create({"Name": "x", "Nope__c": 1})
    assert error_of(caught.value)["errorCode"] == "INVALID_FIELD"


def test_users_cannot_be_deleted_405(sf: Salesforce) -> None:
    user_id = sf.query("SELECT Id FROM User WHERE Username = 'erin@acme.com'")["records"][0]["Id"]
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.User.delete(user_id)
    assert caught.value.status == 405 and error_of(caught.value)["errorCode"] == "METHOD_NOT_ALLOWED"


def test_a_body_that_is_not_json(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("sobjects/Account/", method="POST", data="{not json")
    assert error_of(caught.value)["errorCode"] == "JSON_PARSER_ERROR"
