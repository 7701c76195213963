"""The schema built from the real describe data, its describe JSON, and the assumptions table."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from reconciler.sandbox.assumptions import ASSUMPTIONS
from reconciler.sandbox.schema import OBJECT_NAMES, load_schema

SANDBOX = Path(__file__).parents[3] / "reconciler" / "sandbox"


def test_objects_and_key_prefixes() -> None:
    schema = load_schema()
    prefixes = {o.name: o.key_prefix for o in schema}
    assert prefixes == {
        "Organization": "00D",
        "UserLicense": "100",
        "Profile": "00e",
        "UserRole": "00E",
        "User": "005",
        "PermissionSet": "0PS",
        "PermissionSetAssignment": "0Pa",
        "PermissionSetLicense": "0PL",
        "PermissionSetLicenseAssign": "2LA",
        "Account": "001",
        "Contact": "003",
        "Lead": "00Q",
        "CollaborationGroup": "0F9",
        "CollaborationGroupMember": "0FB",
        "CollaborationInvitation": "0H1",
        "Network": "0DB",
    }
    assert schema.get("collaborationgroup") is schema.get("CollaborationGroup")
    assert schema.by_prefix("0F9").name == "CollaborationGroup"  # type: ignore[union-attr]
    soft_deleted = ["PermissionSetLicense", "PermissionSetLicenseAssign", "Account", "Contact", "Lead"]
    assert [o.name for o in schema if o.soft_delete] == soft_deleted  # IsDeleted in the describe data


def test_flags_from_the_describe_data() -> None:
    schema = load_schema()
    cgm = schema.get("CollaborationGroupMember")
    assert cgm is not None
    assert [(f.name, f.createable, f.updateable) for f in cgm.fields.values() if f.createable or f.updateable] == [
        ("CollaborationGroupId", True, False),
        ("MemberId", True, False),
        ("CollaborationRole", True, True),
        ("NotificationFrequency", True, True),
    ]
    user = schema.get("User")
    assert user is not None and not user.deletable
    assert user.field("IsPortalEnabled").updateable and not user.field("IsPortalEnabled").createable  # type: ignore[union-attr]
    assert user.field("PortalRole").picklist_values == ("Executive", "Manager", "Worker", "PersonAccount")  # type: ignore[union-attr]
    assert user.field("isactive").default is True  # type: ignore[union-attr]
    invitation = schema.get("CollaborationInvitation")
    assert invitation is not None and not invitation.updateable
    assert not invitation.field("InviterId").createable  # type: ignore[union-attr]
    assert invitation.field("SharedEntityId").reference_to == ("CollaborationGroup", "User")  # type: ignore[union-attr]
    assert schema.get("CollaborationGroup").field("Name").length == 40  # type: ignore[union-attr]


def test_relationships() -> None:
    schema = load_schema()
    assert schema.get("CollaborationGroup").relationship("OWNER").name == "OwnerId"  # type: ignore[union-attr]
    assert schema.get("User").relationship("profile").name == "ProfileId"  # type: ignore[union-attr]
    child = schema.get("CollaborationGroup").child_relationship("groupmembers")  # type: ignore[union-attr]
    assert (child.child_object, child.field) == ("CollaborationGroupMember", "CollaborationGroupId")  # type: ignore[union-attr]
    assert schema.get("User").child_relationship("PermissionSetAssignments") is not None  # type: ignore[union-attr]


def test_describe_json() -> None:
    described = load_schema().get("User").describe("59.0")  # type: ignore[union-attr]
    json.dumps(described)
    assert described["keyPrefix"] == "005" and described["name"] == "User" and described["labelPlural"] == "Users"
    assert described["urls"]["describe"] == "/services/data/v59.0/sobjects/User/describe"
    username = next(f for f in described["fields"] if f["name"] == "Username")
    assert username["idLookup"] is True and username["length"] == 80 and username["soapType"] == "xsd:string"
    profile = next(f for f in described["fields"] if f["name"] == "ProfileId")
    assert profile["referenceTo"] == ["Profile"] and profile["relationshipName"] == "Profile"
    assert profile["soapType"] == "tns:ID" and profile["label"] == "Profile ID"
    assert {"GroupMemberships", "PermissionSetAssignments"} <= {
        c["relationshipName"] for c in described["childRelationships"]
    }


def test_ddl_builds_every_table() -> None:
    conn = sqlite3.connect(":memory:")
    for statement in load_schema().ddl():
        conn.execute(statement)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(OBJECT_NAMES)
    types = {r[1]: r[2] for r in conn.execute('PRAGMA table_info("CollaborationGroup")')}
    assert (types["CanHaveGuests"], types["MemberCount"], types["Name"]) == ("INTEGER", "INTEGER", "TEXT")


def test_every_assumption_is_used_and_every_use_is_listed() -> None:
    source = "\n".join(p.read_text() for p in SANDBOX.rglob("*.py") if p.name != "assumptions.py")
    used = set(re.findall(r'assumed\("([^"]+)"\)', source))
    listed = {a.key for a in ASSUMPTIONS}
    assert used == listed
    assert all(a.topic and a.behaviour and a.source_ref for a in ASSUMPTIONS)
