"""Field-level rules and CRUD shapes shared by every sObject."""

from __future__ import annotations

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.store import Session, Store, make_id

from .conftest import Clock, named, raises, user_id


def _group(s: Session, name: str = "Field Tests", **extra: object) -> str:
    return s.create("CollaborationGroup", {"Name": name, "CollaborationType": "Private", **extra})


def test_create_and_retrieve(s: Session) -> None:
    group = _group(s, Description="About things")
    record = s.retrieve("CollaborationGroup", group, api_version="60.0")
    assert record["attributes"] == {
        "type": "CollaborationGroup",
        "url": f"/services/data/v60.0/sobjects/CollaborationGroup/{group}",
    }
    assert list(record)[1:] == s.schema.get("CollaborationGroup").field_names  # type: ignore[union-attr]
    assert record["Description"] == "About things"
    assert record["CanHaveGuests"] is False and record["IsArchived"] is False  # booleans default false
    assert record["OwnerId"] == s.actor_id and record["MemberCount"] == 1
    assert s.retrieve("CollaborationGroup", group[:15], ["Name", "ownerid"]) == {
        "attributes": record["attributes"] | {"url": record["attributes"]["url"].replace("v60.0", "v59.0")},
        "Name": "Field Tests",
        "OwnerId": s.actor_id,
    }


def test_field_names_are_case_insensitive_on_input(s: Session) -> None:
    group = s.create("collaborationgroup", {"name": "lower", "collaborationtype": "Public"})
    assert s.retrieve("CollaborationGroup", group)["Name"] == "lower"


def test_audit_fields(demo: Store, clock: Clock) -> None:
    with demo.session() as s:
        s.actor_id = named(s, "User", "alice@acme.com", "Username")
        group = _group(s)
    clock.advance(minutes=5)
    with demo.session() as s:
        s.actor_id = named(s, "User", "bob@acme.com", "Username")
        s.update("CollaborationGroup", group, {"Description": "changed"})
        row = s.retrieve("CollaborationGroup", group)
    assert row["CreatedDate"] == "2026-11-22T12:00:00.000+0000"
    assert row["LastModifiedDate"] == row["SystemModstamp"] == "2026-11-22T12:05:00.000+0000"
    assert row["CreatedById"] != row["LastModifiedById"] == s.actor_id


def test_unknown_sobject(s: Session) -> None:
    with pytest.raises(ApiError) as error:
        s.create("Widget__c", {"Name": "x"})
    assert (error.value.status, error.value.code) == (404, "NOT_FOUND")


def test_unknown_field(s: Session) -> None:
    with raises("INVALID_FIELD") as error:
        s.create("Account", {"Name": "x", "Colour": "red"})
    assert error.value.message == "No such column 'Colour' on sobject of type Account"


def test_read_only_and_create_only_fields(s: Session) -> None:
    with raises("INVALID_FIELD_FOR_INSERT_UPDATE") as error:
        _group(s, MemberCount=5, GroupEmail="g@acme.com")
    assert error.value.fields == ["MemberCount", "GroupEmail"]
    assert error.value.message.startswith("Unable to create/update fields: MemberCount, GroupEmail.")
    member = s.rows("CollaborationGroupMember")[0]
    with raises("INVALID_FIELD_FOR_INSERT_UPDATE") as error:
        s.update("CollaborationGroupMember", member["Id"], {"MemberId": member["MemberId"]})
    assert error.value.fields == ["MemberId"]


def test_string_too_long(s: Session) -> None:
    with raises("STRING_TOO_LONG") as error:
        _group(s, "x" * 41)
    assert error.value.fields == ["Name"] and "(max length=40)" in error.value.message
    assert _group(s, "y" * 40)


def test_restricted_picklist(s: Session) -> None:
    with raises("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST") as error:
        s.create("CollaborationGroup", {"Name": "Bad", "CollaborationType": "Secret"})
    assert error.value.fields == ["CollaborationType"]
    assert error.value.message.endswith("bad value for restricted picklist field: Secret")


def test_required_fields(s: Session) -> None:
    with raises("REQUIRED_FIELD_MISSING") as error:
        s.create("CollaborationGroup", {"Description": "no name"})
    assert error.value.fields == ["Name", "CollaborationType"]
    assert error.value.message == "Required fields are missing: [Name, CollaborationType]"
    group = _group(s)
    with raises("REQUIRED_FIELD_MISSING"):
        s.update("CollaborationGroup", group, {"Name": ""})


def test_wrong_json_types(s: Session) -> None:
    with raises("JSON_PARSER_ERROR"):
        _group(s, IsBroadcast="maybe")
    with raises("JSON_PARSER_ERROR"):
        _group(s, Name=["list"])
    assert s.retrieve("CollaborationGroup", _group(s, IsBroadcast="true"))["IsBroadcast"] is True


def test_email_fields(s: Session) -> None:
    with raises("INVALID_EMAIL_ADDRESS") as error:
        s.create("Contact", {"LastName": "X", "Email": "not-an-email"})
    assert error.value.fields == ["Email"]


def test_references(s: Session) -> None:
    with raises("MALFORMED_ID") as error:
        _group(s, OwnerId="nope")
    assert error.value.fields == ["OwnerId"]
    account = s.create("Account", {"Name": "Wrong type"})
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        _group(s, OwnerId=account)
    missing_user = make_id("005", 987654)
    with raises("INVALID_CROSS_REFERENCE_KEY") as error:
        _group(s, OwnerId=missing_user)
    assert error.value.fields == ["OwnerId"]
    with raises("INVALID_CROSS_REFERENCE_KEY"):
        s.create("CollaborationGroup", {"Name": "Net", "CollaborationType": "Public", "NetworkId": "0DB" + "0" * 12})


def test_references_to_deleted_records(s: Session) -> None:
    account = s.create("Account", {"Name": "Soon deleted"})
    s.delete("Account", account)
    with raises("ENTITY_IS_DELETED"):
        s.create("Contact", {"LastName": "Late", "AccountId": account})


def test_15_character_ids_are_accepted(s: Session) -> None:
    owner = user_id(s, "bob@acme.com")
    group = _group(s, OwnerId=owner[:15])
    assert s.retrieve("CollaborationGroup", group)["OwnerId"] == owner
    s.update("CollaborationGroup", group[:15], {"Description": "via 15"})
    assert s.retrieve("CollaborationGroup", group)["Description"] == "via 15"


def test_soft_and_hard_delete(s: Session) -> None:
    account = s.create("Account", {"Name": "Soft"})
    s.delete("Account", account)
    assert s.fetch("Account", account) is None
    assert s.fetch("Account", account, include_deleted=True)["IsDeleted"] is True  # type: ignore[index]
    with pytest.raises(ApiError) as error:
        s.retrieve("Account", account)
    assert (error.value.status, error.value.code) == (404, "NOT_FOUND")
    with pytest.raises(ApiError) as error:
        s.delete("Account", account)
    assert (error.value.status, error.value.code) == (404, "ENTITY_IS_DELETED")
    group = _group(s)
    member = s.rows("CollaborationGroupMember", '"CollaborationGroupId" = ?', (group,))
    s.delete("CollaborationGroup", group)
    assert s.fetch("CollaborationGroup", group, include_deleted=True) is None
    assert s.fetch("CollaborationGroupMember", member[0]["Id"]) is None


def test_missing_and_malformed_ids(s: Session) -> None:
    group = _group(s)
    for bad in ("123", "not an id at all"):
        with raises("MALFORMED_ID"):
            s.update("CollaborationGroup", bad, {"Description": "x"})
        with pytest.raises(ApiError) as error:
            s.retrieve("CollaborationGroup", bad)
        assert error.value.status == 404
    with pytest.raises(ApiError) as error:
        s.update("Account", group, {"Name": "x"})  # an id of another object
    assert (error.value.status, error.value.code) == (404, "NOT_FOUND")


def test_unsupported_operations(s: Session) -> None:
    with pytest.raises(ApiError) as error:
        s.delete("User", user_id(s, "bob@acme.com"))
    assert (error.value.status, error.value.code) == (405, "METHOD_NOT_ALLOWED")
    assert error.value.message == "HTTP Method 'DELETE' not allowed. Allowed are HEAD,GET,PATCH"
    with pytest.raises(ApiError) as error:
        s.create("UserLicense", {"Name": "More"})
    assert error.value.status == 405
    invitation = s.rows("CollaborationInvitation")[0]["Id"]
    with pytest.raises(ApiError) as error:
        s.update("CollaborationInvitation", invitation, {"OptionalMessage": "x"})
    assert error.value.message == "HTTP Method 'PATCH' not allowed. Allowed are HEAD,GET,DELETE"


def test_unknown_field_on_retrieve(s: Session) -> None:
    with raises("INVALID_FIELD"):
        s.retrieve("User", s.actor_id, ["Username", "Shoe_Size__c"])  # type: ignore[arg-type]


def test_id_in_update_body_is_ignored_when_it_is_the_record(s: Session) -> None:
    group = _group(s)
    s.update("CollaborationGroup", group, {"Id": group, "Description": "ok"})
    with raises("INVALID_FIELD_FOR_INSERT_UPDATE"):
        s.update("CollaborationGroup", group, {"Id": s.actor_id})


def test_datetimes_are_normalised(s: Session) -> None:
    invite = named(s, "PermissionSet", "Invite_Customers_To_Chatter")
    assignment = s.create(
        "PermissionSetAssignment",
        {
            "AssigneeId": user_id(s, "erin@acme.com"),
            "PermissionSetId": invite,
            "ExpirationDate": "2099-01-31T10:00:00Z",
        },
    )
    assert s.retrieve("PermissionSetAssignment", assignment)["ExpirationDate"] == "2099-01-31T10:00:00.000+0000"
    with raises("JSON_PARSER_ERROR"):
        s.update("PermissionSetAssignment", assignment, {"ExpirationDate": "next tuesday"})


def test_validation_rules_reject_inserts(s: Session) -> None:
    s.add_validation_rule("Account", "No_Test_Accounts", "Name", "starts_with", "test", "No test accounts please")
    with raises("FIELD_CUSTOM_VALIDATION_EXCEPTION") as error:
        s.create("Account", {"Name": "Test Corp"})
    assert error.value.message == "No test accounts please" and error.value.fields == []
    assert s.create("Account", {"Name": "Real Corp"})
    s.remove_validation_rule("Account", "No_Test_Accounts")
    assert s.create("Account", {"Name": "Test Corp"})
    with raises("INVALID_FIELD"):
        s.add_validation_rule("Account", "Bad", "Nope", "equals", "x", "m")
    with raises("INVALID_OPERATION"):
        s.add_validation_rule("Account", "Bad", "Name", "resembles", "x", "m")
