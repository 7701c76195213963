"""The standard Contact and Lead duplicate rules, on by default as in a new org, and Sforce-Duplicate-Rule-Header
(real-orgs.md §3.1 to real-orgs.md §3.4), through simple-salesforce against a served sandbox."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from tests.sandbox.api.conftest import error_of

_numbers = itertools.count()
ALLOW_SAVE = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def _email() -> str:
    return f"ada.{next(_numbers)}@partner.example"


def _account(sf: Salesforce) -> str:
    return sf.Account.create({"Name": f"Duplicate Rules {next(_numbers)}"})["id"]


def _contact(sf: Salesforce, email: str, **values: Any) -> dict[str, Any]:
    return sf.Contact.create({"LastName": "Lovelace", "FirstName": "Ada", "Email": email,
                              "AccountId": _account(sf), **values})


def _count(sf: Salesforce, sobject: str, email: str) -> int:
    return int(sf.query(f"SELECT Id FROM {sobject} WHERE Email = '{email}'")["totalSize"])


def test_a_contact_duplicating_a_contact_is_refused_with_the_rule_and_the_match(sf: Salesforce) -> None:
    email = _email()
    first = _contact(sf, email)["id"]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        _contact(sf, email.upper(), FirstName="ada")  # case does not matter
    error = error_of(refused.value)
    assert (error["errorCode"], error["message"]) == ("DUPLICATES_DETECTED", "Use one of these records?")
    result = error["duplicateResult"]
    assert (result["duplicateRule"], result["duplicateRuleEntityType"], result["allowSave"]) == (
        "Standard_Contact_Duplicate_Rule", "Contact", True)
    [match] = result["matchResults"]
    assert (match["entityType"], match["rule"], match["size"]) == ("Contact", "Standard_Contact_Match_Rule_v1_1", 1)
    assert [m["record"]["Id"] for m in match["matchRecords"]] == [first]
    assert set(match["matchRecords"][0]["record"]) == {"attributes", "Id"}  # includeRecordDetails defaults false
    assert _count(sf, "Contact", email) == 1


def test_a_lead_with_the_same_person_blocks_a_new_contact_and_the_reverse(sf: Salesforce) -> None:
    email = _email()
    lead = sf.Lead.create({"LastName": "Lovelace", "FirstName": "Ada", "Email": email, "Company": "Analytical"})
    with pytest.raises(SalesforceMalformedRequest) as refused:
        _contact(sf, email)
    [match] = error_of(refused.value)["duplicateResult"]["matchResults"]
    assert (match["entityType"], match["rule"], match["matchRecords"][0]["record"]["Id"]) == (
        "Lead", "Standard_Lead_Match_Rule_v1_0", lead["id"])

    other = _email()
    _contact(sf, other)
    with pytest.raises(SalesforceMalformedRequest) as lead_refused:
        sf.Lead.create({"LastName": "Lovelace", "Email": other, "Company": "Analytical"})  # no first name: matches
    assert error_of(lead_refused.value)["duplicateResult"]["duplicateRule"] == "Standard_Lead_Duplicate_Rule"


def test_allow_save_creates_the_duplicate_and_record_details_return_its_fields(sf: Salesforce) -> None:
    email = _email()
    _contact(sf, email)
    created = sf.Contact.create({"LastName": "Lovelace", "FirstName": "Ada", "Email": email}, headers=ALLOW_SAVE)
    assert created["success"] and _count(sf, "Contact", email) == 2

    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.Contact.create({"LastName": "Lovelace", "Email": email},
                          headers={"Sforce-Duplicate-Rule-Header": "allowSave=false; includeRecordDetails=true"})
    records = [m["record"] for m in error_of(refused.value)["duplicateResult"]["matchResults"][0]["matchRecords"]]
    assert len(records) == 2 and all(r["Email"] == email and r["LastName"] == "Lovelace" for r in records)


def test_other_names_with_the_same_email_are_not_duplicates(sf: Salesforce) -> None:
    email = _email()
    _contact(sf, email)
    assert _contact(sf, email, FirstName="Grace", LastName="Hopper")["success"]
    assert _contact(sf, _email())["success"]


def test_collections_report_the_duplicate_per_record_and_save_the_rest(sf: Salesforce) -> None:
    email, fresh = _email(), _email()
    existing = _contact(sf, email)["id"]
    records = [{"attributes": {"type": "Contact"}, "LastName": "Lovelace", "FirstName": "Ada", "Email": address}
               for address in (email, fresh)]
    refused, saved = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
    assert saved["success"] and not refused["success"]
    [error] = refused["errors"]
    assert (error["statusCode"], error["message"]) == ("DUPLICATES_DETECTED", "Use one of these records?")
    assert error["duplicateResult"]["matchResults"][0]["matchRecords"][0]["record"]["Id"] == existing

    again = [{"attributes": {"type": "Contact"}, "LastName": "Lovelace", "FirstName": "Ada", "Email": email}]
    [allowed] = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": again},
                           headers=ALLOW_SAVE)
    assert allowed["success"] and _count(sf, "Contact", email) == 2


def test_updates_are_not_checked(sf: Salesforce) -> None:
    email = _email()
    _contact(sf, email)
    other = _contact(sf, _email())["id"]
    assert sf.Contact.update(other, {"Email": email}) == 204


def test_records_saved_together_are_not_compared_with_each_other(sf: Salesforce) -> None:
    email = _email()
    twins = [{"attributes": {"type": "Contact"}, "LastName": "Lovelace", "FirstName": "Ada", "Email": email}] * 2
    saved = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": twins})
    assert all(r["success"] for r in saved) and _count(sf, "Contact", email) == 2
    with pytest.raises(SalesforceMalformedRequest):  # a later request is compared with both
        _contact(sf, email)
