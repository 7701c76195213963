"""PermissionSetLicense and PermissionSetLicenseAssign through simple-salesforce (real-orgs.md §15): the seeded
licence and the set bound to it, assigning and removing a licence (seats counted), a second assignment refused, and
a set bound to a licence giving it to its assignee."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import connect, error_of


def one(sf: Salesforce, soql: str) -> dict[str, Any]:
    records = sf.query(soql)["records"]
    assert len(records) == 1, (soql, records)
    return records[0]


def licence(sf: Salesforce) -> dict[str, Any]:
    return one(sf, "SELECT Id, DeveloperName, MasterLabel, Status, TotalLicenses, UsedLicenses "
                   "FROM PermissionSetLicense WHERE DeveloperName = 'LightningConsolePsl'")


def user_id(sf: Salesforce, username: str) -> str:
    return str(one(sf, f"SELECT Id FROM User WHERE Username = '{username}'")["Id"])


def holders(sf: Salesforce, psl_id: str) -> set[str]:
    rows = sf.query(f"SELECT Assignee.Username FROM PermissionSetLicenseAssign "
                    f"WHERE PermissionSetLicenseId = '{psl_id}'")["records"]
    return {r["Assignee"]["Username"] for r in rows}


def test_a_new_org_has_a_licence_and_a_set_bound_to_it(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    psl = licence(sf)
    assert psl["Id"].startswith("0PL") and psl["Status"] == "Active"
    assert (psl["MasterLabel"], psl["UsedLicenses"]) == ("Lightning Console", 0)
    bound = one(sf, "SELECT LicenseId FROM PermissionSet WHERE Name = 'Console_Agents'")
    assert bound["LicenseId"] == psl["Id"]
    describe = sf.PermissionSetLicenseAssign.describe()
    assert describe["keyPrefix"] == "2LA" and describe["createable"] and not describe["updateable"]
    created = {f["name"] for f in describe["fields"] if f["createable"]}
    assert created == {"AssigneeId", "PermissionSetLicenseId"}


def test_assigning_a_licence_takes_a_seat_and_a_second_assignment_is_refused(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    psl = licence(sf)
    erin = user_id(sf, "erin@acme.com")
    row = sf.PermissionSetLicenseAssign.create({"AssigneeId": erin, "PermissionSetLicenseId": psl["Id"]})
    assert row["id"].startswith("2LA")
    assert licence(sf)["UsedLicenses"] == 1 and holders(sf, psl["Id"]) == {"erin@acme.com"}
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.PermissionSetLicenseAssign.create({"AssigneeId": erin, "PermissionSetLicenseId": psl["Id"]})
    assert error_of(caught.value)["errorCode"] == "DUPLICATE_VALUE"
    sf.PermissionSetLicenseAssign.delete(row["id"])
    assert licence(sf)["UsedLicenses"] == 0 and holders(sf, psl["Id"]) == set()


def test_a_licence_without_seats_left_is_refused(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    psl = licence(sf)
    users = sf.query("SELECT Id FROM User WHERE IsActive = true AND UserType = 'Standard'")["records"]
    assert len(users) > psl["TotalLicenses"]
    for user in users[: psl["TotalLicenses"]]:
        sf.PermissionSetLicenseAssign.create({"AssigneeId": user["Id"], "PermissionSetLicenseId": psl["Id"]})
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.PermissionSetLicenseAssign.create({"AssigneeId": users[-1]["Id"], "PermissionSetLicenseId": psl["Id"]})
    assert error_of(caught.value)["errorCode"] == "LICENSE_LIMIT_EXCEEDED"
    console = one(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Console_Agents'")["Id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.PermissionSetAssignment.create({"AssigneeId": users[-1]["Id"], "PermissionSetId": console})
    assert error_of(caught.value)["errorCode"] == "LICENSE_LIMIT_EXCEEDED"


def test_assigning_a_bound_set_gives_its_licence(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    psl = licence(sf)
    console = one(sf, "SELECT Id FROM PermissionSet WHERE Name = 'Console_Agents'")["Id"]
    sf.PermissionSetAssignment.create({"AssigneeId": user_id(sf, "erin@acme.com"), "PermissionSetId": console})
    assert holders(sf, psl["Id"]) == {"erin@acme.com"} and licence(sf)["UsedLicenses"] == 1


def test_the_licence_itself_is_read_only(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    with pytest.raises(Exception) as caught:
        sf.PermissionSetLicense.create({"DeveloperName": "X", "MasterLabel": "X"})
    assert "METHOD_NOT_ALLOWED" in str(caught.value)
