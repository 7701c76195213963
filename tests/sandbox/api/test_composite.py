"""Composite (`POST composite`): references between subrequests, allOrNone both ways, one API call."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox.api.conftest import error_of

V = "/services/data/v59.0"
_names = itertools.count()
HALTED = [{"message": "The transaction was rolled back since another operation in the same transaction failed.",
           "errorCode": "PROCESSING_HALTED", "fields": []}]


def composite(sf: Salesforce, subrequests: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
    answer = sf.restful("composite", method="POST", json={"allOrNone": all_or_none,
                                                          "compositeRequest": subrequests})
    return answer["compositeResponse"]


def unique(label: str) -> str:
    return f"{label} {next(_names)}"


def test_references_between_subrequests(sf: Salesforce) -> None:
    name = unique("Composite Co")
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "acct", "body": {"Name": name}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "person",
         "body": {"LastName": "Ref", "AccountId": "@{acct.id}"}},
        {"method": "GET", "url": f"{V}/sobjects/Account/@{{acct.id}}?fields=Name", "referenceId": "read"},
        {"method": "GET", "url": f"{V}/query/?q=SELECT+Id,AccountId+FROM+Contact+WHERE+Id='@{{person.id}}'",
         "referenceId": "found"},
        {"method": "PATCH", "url": f"{V}/sobjects/Contact/@{{found.records[0].Id}}", "referenceId": "rename",
         "body": {"FirstName": "@{read.Name}"}},
    ], all_or_none=True)
    assert [(r["referenceId"], r["httpStatusCode"]) for r in results] == [
        ("acct", 201), ("person", 201), ("read", 200), ("found", 200), ("rename", 204)]
    account_id = results[0]["body"]["id"]
    assert results[0]["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{account_id}"}
    assert results[3]["body"]["records"][0]["AccountId"] == account_id
    assert results[4]["body"] is None
    contact = sf.Contact.get(results[1]["body"]["id"])
    assert (contact["AccountId"], contact["FirstName"]) == (account_id, name)


def test_all_or_none_failure_rolls_back_and_halts_the_rest(sf: Salesforce) -> None:
    name = unique("Halted Co")
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "first", "body": {"Name": name}},
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "broken", "body": {"Industry": "x"}},
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "later", "body": {"Name": name}},
    ], all_or_none=True)
    assert [r["httpStatusCode"] for r in results] == [400, 400, 400]
    assert results[0]["body"] == HALTED and results[2]["body"] == HALTED
    assert results[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert sf.query(f"SELECT Id FROM Account WHERE Name = '{name}'")["totalSize"] == 0


def test_without_all_or_none_only_dependants_of_a_failure_stop(sf: Salesforce) -> None:
    name = unique("Independent Co")
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "broken", "body": {"Industry": "x"}},
        {"method": "POST", "url": f"{V}/sobjects/Contact", "referenceId": "dependant",
         "body": {"LastName": "x", "AccountId": "@{broken.id}"}},
        {"method": "POST", "url": f"{V}/sobjects/Account", "referenceId": "fine", "body": {"Name": name}},
    ], all_or_none=False)
    assert [r["httpStatusCode"] for r in results] == [400, 400, 201]
    assert results[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "broken.id" in results[1]["body"][0]["message"]
    assert sf.query(f"SELECT Id FROM Account WHERE Name = '{name}'")["totalSize"] == 1


def test_all_or_none_applies_to_collections_inside(sf: Salesforce) -> None:
    name = unique("Inner Co")
    results = composite(sf, [
        {"method": "POST", "url": f"{V}/composite/sobjects", "referenceId": "batch", "body": {
            "allOrNone": False, "records": [{"attributes": {"type": "Account"}, "Name": name},
                                            {"attributes": {"type": "Account"}}]}},
    ], all_or_none=True)
    assert [r["success"] for r in results[0]["body"]] == [False, False]
    assert results[0]["body"][0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert sf.query(f"SELECT Id FROM Account WHERE Name = '{name}'")["totalSize"] == 0


def test_a_composite_counts_as_one_api_call(sf: Salesforce) -> None:
    sf.query("SELECT Id FROM Organization")
    before = sf.api_usage["api-usage"].used
    composite(sf, [{"method": "GET", "url": f"{V}/sobjects/Account/describe", "referenceId": f"d{n}"}
                   for n in range(5)], all_or_none=False)
    assert sf.api_usage["api-usage"].used == before + 1


def test_more_than_25_subrequests_is_refused(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        composite(sf, [{"method": "GET", "url": f"{V}/limits", "referenceId": f"r{n}"} for n in range(26)],
                  all_or_none=False)
    assert error_of(caught.value)["errorCode"] == "LIMIT_EXCEEDED"


@pytest.mark.parametrize("subrequests", [
    [{"method": "GET", "url": f"{V}/limits", "referenceId": "same"},
     {"method": "GET", "url": f"{V}/limits", "referenceId": "same"}],
    [{"method": "GET", "url": f"{V}/limits", "referenceId": "bad-id"}],
    [{"method": "HEAD", "url": f"{V}/limits", "referenceId": "r"}],
    [{"method": "GET", "url": "/elsewhere", "referenceId": "r"}],
])
def test_malformed_composites_are_refused_whole(sf: Salesforce, subrequests: list[dict[str, Any]]) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        composite(sf, subrequests, all_or_none=False)
    assert error_of(caught.value)["errorCode"] == "INVALID_INPUT"


def test_unknown_resources_inside_answer_404_in_place(sf: Salesforce) -> None:
    results = composite(sf, [{"method": "GET", "url": f"{V}/nowhere", "referenceId": "r"},
                             {"method": "POST", "url": f"{V}/composite", "referenceId": "nested",
                              "body": {"compositeRequest": []}}], all_or_none=False)
    assert [r["httpStatusCode"] for r in results] == [404, 400]
