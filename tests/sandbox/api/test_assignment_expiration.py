"""PermissionSetAssignment.ExpirationDate as the sandbox imitates it (real-orgs.md §15): createable and updateable,
refused for a set holding a permission whose assignments can't expire, when the org setting is off, or when not in
the future (assumptions psa-expiration-refused, psa-expiration-past); the assignment ends when the org's clock
passes it (psa-expiry-removal, tested through the CLI in tests/apply/test_assignment_expiry_cli.py)."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import connect, error_of

FUTURE = "2099-07-01T00:00:00.000+0000"


def _id(sf: Salesforce, soql: str) -> str:
    return str(sf.query(soql)["records"][0]["Id"])


def _erin(sf: Salesforce) -> str:
    return _id(sf, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")


def _set(sf: Salesforce, name: str, *permissions: str) -> str:
    return str(sf.PermissionSet.create({"Name": name, "Label": name, **dict.fromkeys(permissions, True)})["id"])


def _refused(call: object) -> dict[str, object]:
    with pytest.raises(SalesforceError) as caught:
        call()  # type: ignore[operator]
    return error_of(caught.value)


def test_an_expiration_date_is_written_and_changed(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    assignment = sf.PermissionSetAssignment.create({"AssigneeId": _erin(sf), "PermissionSetId": _set(sf, "Temp"),
                                                    "ExpirationDate": "2099-07-01T00:00:00Z"})["id"]
    assert sf.PermissionSetAssignment.get(assignment)["ExpirationDate"] == FUTURE
    sf.PermissionSetAssignment.update(assignment, {"ExpirationDate": "2099-08-01T00:00:00.000+0000"})
    assert sf.PermissionSetAssignment.get(assignment)["ExpirationDate"] == "2099-08-01T00:00:00.000+0000"
    sf.PermissionSetAssignment.update(assignment, {"ExpirationDate": None})
    assert sf.PermissionSetAssignment.get(assignment)["ExpirationDate"] is None


@pytest.mark.parametrize("permission", ["PermissionsManageUsers", "PermissionsAssignPermissionSets",
                                        "PermissionsManageProfilesPermissionsets"])
def test_a_set_with_a_user_admin_permission_cannot_expire(fresh: RunningSandbox, permission: str) -> None:
    sf = connect(fresh.info)
    admins = _set(sf, "Admins", permission)
    error = _refused(lambda: sf.PermissionSetAssignment.create(
        {"AssigneeId": _erin(sf), "PermissionSetId": admins, "ExpirationDate": FUTURE}))
    assert (error["errorCode"], error["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["ExpirationDate"])
    assignment = sf.PermissionSetAssignment.create({"AssigneeId": _erin(sf), "PermissionSetId": admins})["id"]
    error = _refused(lambda: sf.PermissionSetAssignment.update(assignment, {"ExpirationDate": FUTURE}))
    assert error["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_a_past_expiration_date_is_refused(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    error = _refused(lambda: sf.PermissionSetAssignment.create(
        {"AssigneeId": _erin(sf), "PermissionSetId": _set(sf, "Temp"), "ExpirationDate": "2020-01-01T00:00:00Z"}))
    assert (error["errorCode"], error["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["ExpirationDate"])


def test_with_the_org_setting_off_an_expiration_date_is_refused(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    temp = _set(sf, "Temp")
    fresh.admin.set_assignment_expiration(False)
    error = _refused(lambda: sf.PermissionSetAssignment.create(
        {"AssigneeId": _erin(sf), "PermissionSetId": temp, "ExpirationDate": FUTURE}))
    assert (error["errorCode"], error["fields"]) == ("FIELD_INTEGRITY_EXCEPTION", ["ExpirationDate"])
    sf.PermissionSetAssignment.create({"AssigneeId": _erin(sf), "PermissionSetId": temp})  # without: as ever
    fresh.admin.set_assignment_expiration(True)
    assert sf.PermissionSetAssignment.create({"AssigneeId": _id(sf, "SELECT Id FROM User WHERE Username = "
                                                                   "'dan@acme.com'"),
                                              "PermissionSetId": temp, "ExpirationDate": FUTURE})["success"]
