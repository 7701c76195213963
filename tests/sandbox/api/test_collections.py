"""sObject Collections (`composite/sobjects`) through simple-salesforce's restful(): order, allOrNone, limits."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox.api.conftest import error_of

_names = itertools.count()


def account(name: str | None = None, **values: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "Account"}, **values}
    if name is not None:
        record["Name"] = name
    return record


def unique(label: str) -> str:
    return f"{label} {next(_names)}"


def post(sf: Salesforce, records: list[dict[str, Any]], all_or_none: bool) -> list[dict[str, Any]]:
    return sf.restful("composite/sobjects", method="POST", json={"allOrNone": all_or_none, "records": records})


def names_in_org(sf: Salesforce, names: list[str]) -> set[str]:
    quoted = ", ".join(f"'{n}'" for n in names)
    return {r["Name"] for r in sf.query(f"SELECT Name FROM Account WHERE Name IN ({quoted})")["records"]}


def test_partial_success_reports_each_record_in_order(sf: Salesforce) -> None:
    first, third = unique("Partial"), unique("Partial")
    results = post(sf, [account(first), account(Industry="Energy"), account(third)], all_or_none=False)
    assert [r["success"] for r in results] == [True, False, True]
    assert "id" not in results[1]
    assert results[1]["errors"] == [{"statusCode": "REQUIRED_FIELD_MISSING", "message": results[1]["errors"][0]
                                     ["message"], "fields": ["Name"]}]
    assert names_in_org(sf, [first, third]) == {first, third}


def test_all_or_none_rolls_everything_back(sf: Salesforce) -> None:
    first, third = unique("AllOrNone"), unique("AllOrNone")
    results = post(sf, [account(first), account(Industry="Energy"), account(third)], all_or_none=True)
    assert [r["success"] for r in results] == [False, False, False]
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert results[2]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert all("id" not in r for r in results)
    assert names_in_org(sf, [first, third]) == set()


def test_all_or_none_with_no_failure_saves_all(sf: Salesforce) -> None:
    names = [unique("Whole") for _ in range(3)]
    results = post(sf, [account(n) for n in names], all_or_none=True)
    assert all(r["success"] and r["id"].startswith("001") for r in results)
    assert names_in_org(sf, names) == set(names)


def test_more_than_200_records_is_refused_whole(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        post(sf, [account(unique("Too many")) for _ in range(201)], all_or_none=False)
    error = error_of(caught.value)
    assert error["errorCode"] == "EXCEEDED_ID_LIMIT" and "200" in error["message"]


def test_malformed_records_fail_alone(sf: Salesforce) -> None:
    good = unique("Good")
    results = post(sf, [{"Name": "no type"}, account(good), account("with id", Id="001000000000000AAA"),
                        {"attributes": {"type": "Nope"}, "Name": "x"}], all_or_none=False)
    assert [r["success"] for r in results] == [False, True, False, False]
    assert [r["errors"][0]["statusCode"] for r in results if not r["success"]] == [
        "INVALID_TYPE", "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_TYPE"]


def test_mixed_types_in_one_request(sf: Salesforce) -> None:
    name = unique("Mixed")
    results = post(sf, [account(name), {"attributes": {"type": "Contact"}, "LastName": name}], all_or_none=True)
    assert [r["id"][:3] for r in results] == ["001", "003"]


def test_update_in_order_with_partial_success(sf: Salesforce) -> None:
    ids = [r["id"] for r in post(sf, [account(unique("Upd")) for _ in range(2)], all_or_none=True)]
    results = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": [
        account(id=ids[0], Industry="Energy"),
        account(id=ids[1], Name=None),
        account(Industry="Energy"),
    ]})
    assert [r["success"] for r in results] == [True, False, False]
    assert results[0]["id"] == ids[0] and results[1]["id"] == ids[1]
    assert results[2]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert sf.Account.get(ids[0])["Industry"] == "Energy"


def test_delete_by_ids(sf: Salesforce) -> None:
    ids = [r["id"] for r in post(sf, [account(unique("Del")) for _ in range(2)], all_or_none=True)]
    results = sf.restful("composite/sobjects", method="DELETE",
                         params={"ids": ",".join([ids[0], "001000000000000AAA", ids[1][:15]]), "allOrNone": "false"})
    assert [(r["success"], r["id"]) for r in results] == [(True, ids[0]), (False, "001000000000000AAA"),
                                                           (True, ids[1])]
    assert results[1]["errors"][0]["statusCode"] == "NOT_FOUND"
    assert sf.query(f"SELECT Id FROM Account WHERE Id IN ('{ids[0]}', '{ids[1]}')")["totalSize"] == 0


def test_delete_all_or_none_keeps_everything(sf: Salesforce) -> None:
    ids = [r["id"] for r in post(sf, [account(unique("Keep")) for _ in range(2)], all_or_none=True)]
    results = sf.restful("composite/sobjects", method="DELETE",
                         params={"ids": ",".join([*ids, "garbage"]), "allOrNone": "true"})
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "ALL_OR_NONE_OPERATION_ROLLED_BACK", "MALFORMED_ID"]
    assert sf.query(f"SELECT Id FROM Account WHERE Id IN ('{ids[0]}', '{ids[1]}')")["totalSize"] == 2


def test_retrieve_a_collection(sf: Salesforce) -> None:
    ids = [r["id"] for r in post(sf, [account(unique("Get")) for _ in range(2)], all_or_none=True)]
    records = sf.restful("composite/sobjects/Account",
                         params={"ids": f"{ids[0]},001000000000000AAA,{ids[1]}", "fields": "Id,Name"})
    assert records[1] is None
    assert [r["Id"] for r in (records[0], records[2])] == ids
