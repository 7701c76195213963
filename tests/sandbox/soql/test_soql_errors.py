"""Queries the sandbox refuses: the error code and message Salesforce would answer with."""

from __future__ import annotations

import dataclasses

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.schema import Schema
from reconciler.sandbox.soql import run_query

from .fixture_org import Org

FIELD_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
OBJECT_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)
RELATIONSHIP_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate names."
)


def refusal(org: Org, soql: str, **kwargs: object) -> ApiError:
    with pytest.raises(ApiError) as caught:
        org.query(soql, **kwargs)
    assert caught.value.status == 400
    return caught.value


def test_unknown_sobject_is_invalid_type_with_the_real_text(org: Org) -> None:
    error = refusal(org, "SELECT Id, Name FROM Foo")
    assert error.code == "INVALID_TYPE"
    assert error.message == (
        "\nSELECT Id, Name FROM Foo\n                     ^\nERROR at Row:1:Column:22\n"
        f"sObject type 'Foo' is not supported. {OBJECT_HINT}"
    )
    assert error.body() == [{"message": error.message, "errorCode": "INVALID_TYPE", "fields": []}]


def test_unknown_field_is_invalid_field_with_the_real_text(org: Org) -> None:
    error = refusal(org, "SELECT Id, FullName FROM Account")
    assert error.code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Id, FullName FROM Account\n           ^\nERROR at Row:1:Column:12\n"
        f"No such column 'FullName' on entity 'Account'. {FIELD_HINT}"
    )


@pytest.mark.parametrize(
    ("soql", "code", "text"),
    [
        ("SELECT Owner.Nope FROM CollaborationGroup", "INVALID_FIELD", "No such column 'Nope' on entity 'User'."),
        ("SELECT Id FROM User WHERE Nope = 'x'", "INVALID_FIELD", "No such column 'Nope' on entity 'User'."),
        ("SELECT Id FROM User ORDER BY Nope", "INVALID_FIELD", "No such column 'Nope' on entity 'User'."),
        ("SELECT COUNT(Nope) FROM User", "INVALID_FIELD", "No such column 'Nope' on entity 'User'."),
        ("SELECT Boss.Name FROM User", "INVALID_FIELD", "Didn't understand relationship 'Boss' in field path."),
        ("SELECT Id FROM User WHERE Boss.Name = 'x'", "INVALID_FIELD", "Didn't understand relationship 'Boss'"),
        (
            "SELECT Id, (SELECT Id FROM Members) FROM CollaborationGroup",
            "INVALID_TYPE",
            "Didn't understand relationship 'Members' in FROM part of query call.",
        ),
        (
            "SELECT Id FROM User WHERE Id IN (SELECT Id FROM Foo)",
            "INVALID_TYPE",
            "sObject type 'Foo' is not supported.",
        ),
    ],
)
def test_unknown_names_anywhere(org: Org, soql: str, code: str, text: str) -> None:
    error = refusal(org, soql)
    assert error.code == code
    assert text in error.message


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (
            "IsActive = 'true'",
            "value of filter criterion for field 'IsActive' must be of type boolean and should not "
            "be enclosed in quotes",
        ),
        (
            "CreatedDate > '2024-01-01'",
            "value of filter criterion for field 'CreatedDate' must be of type dateTime "
            "and should not be enclosed in quotes",
        ),
        ("CreatedDate > 2024-01-01", "value of filter criterion for field 'CreatedDate' must be of type dateTime"),
        (
            "LastName = 5",
            "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes",
        ),
        ("LastName = TODAY", "value of filter criterion for field 'LastName' must be of type string"),
        ("Id = 'abc'", "invalid ID field: abc"),
        ("ProfileId IN ('00e000000000001', 'nope')", "invalid ID field: nope"),
        ("Id LIKE '005%'", "invalid operator on id field"),
        ("IsActive LIKE 'x'", "invalid operator on boolean field"),
        ("IsActive > false", "invalid operator on boolean field"),
    ],
)
def test_filter_values_of_the_wrong_type(org: Org, where: str, text: str) -> None:
    error = refusal(org, f"SELECT Id FROM User WHERE {where}")
    assert error.code == "INVALID_QUERY_FILTER_OPERATOR"
    assert error.message.endswith(text) or text in error.message


def test_long_text_areas_cannot_be_filtered_or_sorted(org: Org) -> None:
    error = refusal(org, "SELECT Id FROM Account WHERE Description = 'x'")
    assert (error.code, error.message.rsplit("\n", 1)[1]) == (
        "INVALID_FIELD",
        "field 'Description' can not be filtered in query call",
    )
    error = refusal(org, "SELECT Id FROM Account ORDER BY Description")
    assert error.message.endswith("field 'Description' can not be sorted in a query call")


@pytest.mark.parametrize(
    ("soql", "text"),
    [
        ("SELECT Id, Id FROM User", "duplicate field selected: Id"),
        ("SELECT Owner.Username, owner.username FROM CollaborationGroup", "duplicate field selected: Owner.Username"),
        ("SELECT Name, COUNT(Id) FROM User", "Field must be grouped or aggregated: Name"),
        ("SELECT COUNT(), COUNT(Id) FROM User", "COUNT() must be the only element in the SELECT list"),
        ("SELECT COUNT(Id) FROM User ORDER BY Name", "Ordered field must be grouped or aggregated: Name"),
        ("SELECT COUNT(Id) n, MAX(Name) n FROM User", "duplicate alias: n"),
        ("SELECT SUM(Name) FROM User", "field Name does not support aggregate operator SUM"),
        ("SELECT FIELDS(ALL) FROM User", "FIELDS() is not supported by the guestlist sandbox"),
        ("SELECT toLabel(Name) FROM User", "TOLABEL() is not supported by the guestlist sandbox"),
        ("SELECT MAX() FROM User", "MAX() needs a field"),
        ("SELECT Id FROM User WHERE CreatedDate = THIS_FISCAL_YEAR", "THIS_FISCAL_YEAR (fiscal date literal) is not"),
        ("SELECT Id FROM User WHERE CreatedDate = SOMEDAY", "unexpected token: 'SOMEDAY'"),
        ("SELECT Id FROM User WHERE CreatedDate = LAST_N_FORTNIGHTS:2", "unexpected token: 'LAST_N_FORTNIGHTS:2'"),
        ("SELECT Id FROM User WHERE CreatedDate IN (TODAY)", "date literals in IN lists are not supported"),
        ("SELECT Id FROM User WHERE LastName IN (SELECT LastName FROM Contact)", "semi join sub-selects are only"),
        ("SELECT Id FROM User WHERE Id IN (SELECT Id, Name FROM User)", "must select exactly one id field"),
        ("SELECT Id FROM User WHERE Id IN (SELECT Name FROM User)", "must select an id field, not 'Name'"),
        (
            "SELECT Id FROM User WHERE Id IN (SELECT ManagerId FROM User WHERE Id IN (SELECT AssigneeId "
            "FROM PermissionSetAssignment))",
            "Nesting of semi join sub-selects is not supported",
        ),
        ("SELECT Id FROM User WHERE Id IN (SELECT ManagerId FROM User ORDER BY Name)", "ORDER BY in a semi join"),
        (
            "SELECT Id, (SELECT Id, (SELECT Id FROM GroupMembers) FROM Assignments) FROM PermissionSet",
            "nested subqueries are not supported",
        ),
        ("SELECT Id, (SELECT COUNT() FROM GroupMembers) FROM CollaborationGroup", "COUNT() is not supported in a"),
        ("SELECT Id, (SELECT Id FROM GroupMembers OFFSET 1) FROM CollaborationGroup", "OFFSET in a subquery"),
        ("SELECT COUNT(Id), (SELECT Id FROM GroupMembers) FROM CollaborationGroup", "subqueries cannot be combined"),
        ("SELECT RecordType.Name FROM Account", "leads to RecordType, which the guestlist sandbox does not have"),
    ],
)
def test_unsupported_or_invalid_shapes_are_malformed(org: Org, soql: str, text: str) -> None:
    error = refusal(org, soql)
    assert error.code == "MALFORMED_QUERY"
    assert text in error.message


def test_offset_above_2000(org: Org) -> None:
    error = refusal(org, "SELECT Id FROM User LIMIT 10 OFFSET 2001")
    assert (error.code, error.message) == ("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000")
    assert org.query("SELECT Id FROM User OFFSET 2000").records == []


def test_errors_point_at_the_offending_part(org: Org) -> None:
    soql = "SELECT Id\nFROM User\nWHERE IsActive = true AND Nope = 1"
    error = refusal(org, soql)
    assert "\nERROR at Row:3:Column:27\n" in error.message
    assert error.message.startswith("\nWHERE IsActive = true AND Nope = 1\n" + " " * 26 + "^\n")


def test_polymorphic_lookups_between_two_sandbox_objects_are_refused(org: Org) -> None:
    invitation = org.schema.get("CollaborationInvitation")
    assert invitation is not None
    shared = invitation.fields["sharedentityid"]
    assert set(shared.reference_to) == {"CollaborationGroup", "User"}  # no relationship name in the describe data
    fields = dict(invitation.fields, sharedentityid=dataclasses.replace(shared, relationship_name="SharedEntity"))
    named = dataclasses.replace(invitation, fields=fields)
    schema = Schema([named if o.name == "CollaborationInvitation" else o for o in org.schema])
    with pytest.raises(ApiError) as caught:
        run_query(org.conn, schema, "SELECT SharedEntity.Name FROM CollaborationInvitation")
    assert caught.value.code == "MALFORMED_QUERY"
    assert "Polymorphic relationship 'SharedEntity' is not supported" in caught.value.message


def test_a_lookup_with_one_target_in_the_sandbox_is_followed(org: Org) -> None:
    """PermissionSet.LicenseId refers to PermissionSetLicense or UserLicense: in a sandbox with only UserLicense,
    License is followed to it."""
    schema = Schema([o for o in org.schema if o.name != "PermissionSetLicense"])
    result = run_query(org.conn, schema, "SELECT Name, License.Name FROM PermissionSet WHERE License.Name = null")
    assert result.total_size == 2
