"""One transaction may not write setup objects (User, PermissionSetAssignment...) and other objects (Account,
Contact...) together: MIXED_DML_OPERATION (assumption "mixed-dml"). And sObject Collections take at most 10
chunks of consecutive records of one type (assumption "collections-chunks")."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox.api.conftest import error_of
from tests.sandbox.api.test_rules import one, user

V = "/services/data/v59.0"
_names = itertools.count()
MIXED = ("DML operation on setup object is not permitted after you have updated a non-setup object (or vice "
         "versa): {current}, original object: {original}")


def unique(label: str) -> str:
    return f"{label}{next(_names)}"


def typed(sobject: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"attributes": {"type": sobject}, **values}


def new_user(sf: Salesforce) -> dict[str, Any]:
    return user(sf, f"{unique('mixed')}@acme.com", "Standard User")


def composite(sf: Salesforce, subrequests: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
    body = {"allOrNone": all_or_none, "compositeRequest": subrequests}
    return sf.restful("composite", method="POST", json=body)["compositeResponse"]


def collection(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
    return sf.restful("composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records})


def count(sf: Salesforce, soql: str) -> int:
    return int(sf.query(soql)["totalSize"])


def contact_then_user(sf: Salesforce, all_or_none: bool) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    """A composite that creates a Contact, then a User: (results, the contact's last name, the user body)."""
    last_name, body = unique("Mixed"), new_user(sf)
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "person", "body": {"LastName": last_name}},
        {"method": "POST", "url": f"{V}/sobjects/User", "referenceId": "login", "body": body},
    ], all_or_none=all_or_none)
    return results, last_name, body


def test_composite_all_or_none_refuses_a_user_after_a_contact(sf: Salesforce) -> None:
    results, last_name, body = contact_then_user(sf, all_or_none=True)
    assert [r["httpStatusCode"] for r in results] == [400, 400]
    assert results[0]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert results[1]["body"] == [{"errorCode": "MIXED_DML_OPERATION", "fields": [],
                                   "message": MIXED.format(current="User", original="Contact")}]
    assert count(sf, f"SELECT Id FROM Contact WHERE LastName = '{last_name}'") == 0
    assert count(sf, f"SELECT Id FROM User WHERE Username = '{body['Username']}'") == 0


def test_composite_all_or_none_refuses_an_account_after_a_permission_set_assignment(sf: Salesforce) -> None:
    assignee = sf.User.create(new_user(sf))["id"]
    permission_set = one(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Invite_Customers_To_Chatter'")["Id"]
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/PermissionSetAssignment", "referenceId": "grant",
         "body": {"AssigneeId": assignee, "PermissionSetId": permission_set}},
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "acct", "body": {"Name": unique("Mx")}},
    ], all_or_none=True)
    assert results[1]["body"][0]["message"] == MIXED.format(current="Account", original="PermissionSetAssignment")
    assert count(sf, "SELECT Id FROM PermissionSetAssignment "
                     f"WHERE AssigneeId = '{assignee}' AND PermissionSetId = '{permission_set}'") == 0


def test_composite_without_all_or_none_runs_each_subrequest_on_its_own(sf: Salesforce) -> None:
    results, _, _ = contact_then_user(sf, all_or_none=False)
    assert [r["httpStatusCode"] for r in results] == [201, 201]


def test_setup_objects_alone_and_other_objects_alone_mix_freely_within_their_kind(sf: Salesforce) -> None:
    group = unique("Mixed group ")
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "acct", "body": {"Name": unique("Mx")}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "person",
         "body": {"LastName": "Same kind", "AccountId": "@{acct.id}"}},
        {"method": "POST", "url": f"{V}/sobjects/CollaborationGroup", "referenceId": "club",
         "body": {"Name": group, "CollaborationType": "Private"}},
    ], all_or_none=True)
    assert [r["httpStatusCode"] for r in results] == [201, 201, 201]


def test_a_collection_is_one_transaction_whatever_all_or_none_says(sf: Salesforce) -> None:
    body = new_user(sf)
    results = collection(sf, [typed("Account", {"Name": unique("Mx")}), typed("User", body)], all_or_none=False)
    assert results[0]["success"] is True
    assert results[1] == {"success": False, "errors": [{"statusCode": "MIXED_DML_OPERATION", "fields": [],
                                                         "message": MIXED.format(current="User",
                                                                                 original="Account")}]}
    assert count(sf, f"SELECT Id FROM User WHERE Username = '{body['Username']}'") == 0


def test_a_failed_write_does_not_count_as_a_change(sf: Salesforce) -> None:
    results = collection(sf, [typed("Account", {"Industry": "Energy"}), typed("User", new_user(sf))],
                         all_or_none=False)
    assert results[0]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert results[1]["success"] is True


def test_mixing_in_an_all_or_none_collection_rolls_everything_back(sf: Salesforce) -> None:
    name = unique("Mx")
    results = collection(sf, [typed("User", new_user(sf)), typed("Account", {"Name": name})], all_or_none=True)
    assert [r["errors"][0]["statusCode"] for r in results] == ["ALL_OR_NONE_OPERATION_ROLLED_BACK",
                                                               "MIXED_DML_OPERATION"]
    assert count(sf, f"SELECT Id FROM Account WHERE Name = '{name}'") == 0


def test_separate_requests_may_write_both_kinds(sf: Salesforce) -> None:
    account_id = sf.Account.create({"Name": unique("Mx")})["id"]
    user_id = sf.User.create(new_user(sf))["id"]
    assert account_id.startswith("001") and user_id.startswith("005")


def test_more_than_ten_chunks_are_refused_before_any_write(sf: Salesforce) -> None:
    names = [unique("Chunk") for _ in range(11)]
    records = [typed("Account" if i % 2 == 0 else "Contact", {"Name" if i % 2 == 0 else "LastName": name})
               for i, name in enumerate(names)]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        collection(sf, records, all_or_none=False)
    error = error_of(caught.value)
    assert error["errorCode"] == "INVALID_BATCH_REQUEST"
    assert error["message"].startswith("Cannot have more than 10 chunks in a single operation.")
    assert count(sf, f"SELECT Id FROM Account WHERE Name = '{names[0]}'") == 0


def test_ten_chunks_and_grouped_types_are_accepted(sf: Salesforce) -> None:
    alternating = [typed("Account" if i % 2 == 0 else "Contact", {"Name" if i % 2 == 0 else "LastName": unique("C")})
                   for i in range(10)]
    grouped = sorted(alternating * 2, key=lambda r: r["attributes"]["type"])
    for records in (alternating, grouped):
        assert all(r["success"] for r in collection(sf, records, all_or_none=True))


def test_chunks_of_a_delete_follow_the_id_prefixes(sf: Salesforce) -> None:
    accounts = [r["id"] for r in collection(sf, [typed("Account", {"Name": unique("D")}) for _ in range(6)], True)]
    contacts = [r["id"] for r in collection(sf, [typed("Contact", {"LastName": unique("D")}) for _ in range(6)], True)]
    interleaved = [record_id for pair in zip(accounts, contacts, strict=True) for record_id in pair][:11]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite/sobjects", method="DELETE", params={"ids": ",".join(interleaved)})
    assert error_of(caught.value)["errorCode"] == "INVALID_BATCH_REQUEST"
