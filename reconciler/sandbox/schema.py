"""The sandbox's sObject schema, built from the real describe data in `describe/`, and the SQLite DDL it implies.

Account, Contact, Lead and User come from full describes; the other objects from a partial describe (names, types,
nillable, defaults, picklists, references) completed with the create/update flags of the derived v64 model.
Storage: one table per sObject named exactly like it, one column per field named exactly like it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reconciler.sandbox.assumptions import assumed

DESCRIBE_DIR = Path(__file__).parent / "describe"

OBJECT_NAMES: tuple[str, ...] = (
    "Organization",
    "UserLicense",
    "Profile",
    "UserRole",
    "User",
    "PermissionSet",
    "PermissionSetAssignment",
    "PermissionSetLicense",
    "PermissionSetLicenseAssign",
    "Account",
    "Contact",
    "Lead",
    "Network",
    "CollaborationGroup",
    "CollaborationGroupMember",
    "CollaborationInvitation",
)
FULL_DESCRIBE = frozenset({"Account", "Contact", "Lead", "User"})
AUDIT_FIELDS = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp")

_SQL_TYPES = {"boolean": "INTEGER", "int": "INTEGER", "double": "REAL", "currency": "REAL", "percent": "REAL"}
# Compound fields (address, location) get a TEXT column that stays null: see assumed("compound-fields").
_COMPOUND = assumed("compound-fields")
_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "time": "xsd:time",
    "base64": "xsd:base64Binary",
    "address": "urn:address",
    "location": "urn:location",
}
_DEFAULT_LENGTHS = {
    "id": 18,
    "reference": 18,
    "string": 255,
    "textarea": 255,
    "email": 80,
    "phone": 40,
    "url": 1024,
    "picklist": 255,
    "multipicklist": 4099,
    "combobox": 255,
}
# Lengths the reference gives for partially described objects (see assumed("partial-lengths")).
_KNOWN_LENGTHS = {
    ("CollaborationGroup", "Name"): 40,
    ("CollaborationGroup", "InformationTitle"): 30,
    ("CollaborationGroup", "Description"): 1000,
    ("CollaborationGroup", "InformationBody"): 4000,
    ("CollaborationInvitation", "InvitedUserEmail"): 240,
    ("CollaborationInvitation", "OptionalMessage"): 255,
    ("PermissionSet", "Name"): 80,
    ("PermissionSet", "Label"): 80,
    ("UserRole", "Name"): 80,
    ("UserRole", "DeveloperName"): 80,
    ("UserRole", "RollupDescription"): 80,
    ("UserLicense", "Name"): 40,
    ("UserLicense", "MasterLabel"): 80,
    ("UserLicense", "LicenseDefinitionKey"): 40,
    ("Organization", "Name"): 80,
}
_PARTIAL_LENGTHS = assumed("partial-lengths")
_PARTIAL_RESTRICTED = assumed("partial-restricted-picklists")
_PARTIAL_DEFAULTED = assumed("partial-defaulted")
_EXPERIENCE_FLAGS = assumed("experience-cloud-flags")
_NETWORK = assumed("network-object")
# no v64 model: every field read-only (`assumed("network-object")`), but for the _MISSING_FLAGS ones
NO_DERIVED_FLAGS = frozenset({"Network", "PermissionSetLicense", "PermissionSetLicenseAssign"})

# (object, field) -> (createable, updateable) for fields the derived v64 model lacks
_MISSING_FLAGS = {
    ("User", "IsPortalEnabled"): (False, True),
    ("User", "PortalRole"): (True, False),
    ("CollaborationGroup", "NetworkId"): (True, False),
    ("CollaborationGroupMember", "NetworkId"): (False, False),
    ("UserRole", "PortalRole"): (False, False),
    # ObjRef PermissionSetLicenseAssign: AssigneeId and PermissionSetLicenseId are Create (real-orgs.md §15)
    ("PermissionSetLicenseAssign", "AssigneeId"): (True, False),
    ("PermissionSetLicenseAssign", "PermissionSetLicenseId"): (True, False),
}
# (object, field) -> effective default on create, where it differs from the describe defaultValue
_DEFAULT_OVERRIDES: dict[tuple[str, str], Any] = {("User", "IsActive"): True}
_ISACTIVE_DEFAULT = assumed("user-isactive-default")

# Object-level updateable flags newer than the v48 global describe: PermissionSetAssignment supports update()
# (ObjRef, §7) since ExpirationDate (v57) and IsRevoked (v64) became updateable.
_OBJECT_UPDATEABLE = {"PermissionSetAssignment": True}

_CHILD_RELATIONSHIPS = (  # (parent, relationship name, child, child field); see assumed("child-relationship-names")
    ("Account", "ChildAccounts", "Account", "ParentId"),
    ("Account", "Contacts", "Contact", "AccountId"),
    ("Account", "Users", "User", "AccountId"),
    ("CollaborationGroup", "GroupMembers", "CollaborationGroupMember", "CollaborationGroupId"),
    ("Network", "NetworkCollaborationGroups", "CollaborationGroup", "NetworkId"),
    ("PermissionSet", "Assignments", "PermissionSetAssignment", "PermissionSetId"),
    ("PermissionSetLicense", "PermissionSetLicenseAssignments", "PermissionSetLicenseAssign", "PermissionSetLicenseId"),
    ("User", "GroupMemberships", "CollaborationGroupMember", "MemberId"),
    ("User", "ManagedUsers", "User", "ManagerId"),
    ("User", "PermissionSetAssignments", "PermissionSetAssignment", "AssigneeId"),
    ("UserRole", "Users", "User", "UserRoleId"),
)
_CHILD_NAMES = assumed("child-relationship-names")


def _label(name: str) -> str:
    """A readable label from an API name: 'CollaborationGroupId' -> 'Collaboration Group ID'."""
    base = name[:-2] + " ID" if name.endswith("Id") and len(name) > 2 else name
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", base).replace("I D", "ID")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    sql_type: str
    length: int | None
    nillable: bool
    createable: bool
    updateable: bool
    defaulted_on_create: bool
    default: Any
    picklist_values: tuple[str, ...]
    restricted_picklist: bool
    reference_to: tuple[str, ...]
    relationship_name: str | None
    filterable: bool = True
    label: str = ""
    unique: bool = False
    id_lookup: bool = False
    calculated: bool = False
    picklist_defaults: tuple[str, ...] = ()

    @property
    def is_boolean(self) -> bool:
        return self.type == "boolean"

    @property
    def required_on_create(self) -> bool:
        """Createable, not nillable, not defaulted, not a boolean: absent on create -> REQUIRED_FIELD_MISSING."""
        return self.createable and not self.nillable and not self.defaulted_on_create and not self.is_boolean

    def describe(self) -> dict[str, Any]:
        """The describe JSON of the field, with the keys a real `GET /sobjects/X/describe` field carries."""
        is_ref = self.type == "reference"
        text_like = self.sql_type == "TEXT" and self.type not in ("id", "reference", "datetime", "date", "time")
        return {
            "aggregatable": self.type not in ("textarea", "address", "location"),
            "aiPredictionField": False,
            "autoNumber": False,
            "byteLength": (self.length or 0) * 3 if text_like or self.type in ("id", "reference") else 0,
            "calculated": self.calculated,
            "calculatedFormula": None,
            "cascadeDelete": False,
            "caseSensitive": False,
            "compoundFieldName": None,
            "controllerName": None,
            "createable": self.createable,
            "custom": False,
            "defaultValue": self.default if self.type in ("boolean", "picklist") else None,
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted_on_create,
            "dependentPicklist": False,
            "deprecatedAndHidden": False,
            "digits": 9 if self.type == "int" else 0,
            "displayLocationInDecimal": False,
            "encrypted": False,
            "externalId": False,
            "extraTypeInfo": None,
            "filterable": self.filterable,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": self.type not in ("textarea", "double", "address", "location", "datetime"),
            "highScaleNumber": False,
            "htmlFormatted": False,
            "idLookup": self.id_lookup,
            "inlineHelpText": None,
            "label": self.label or _label(self.name),
            "length": self.length or 0,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name == "Name",
            "namePointing": is_ref and len(self.reference_to) > 1,
            "nillable": self.nillable,
            "permissionable": self.nillable and self.createable,
            "picklistValues": [
                {"active": True, "defaultValue": v in self.picklist_defaults, "label": v, "validFor": None, "value": v}
                for v in self.picklist_values
            ],
            "polymorphicForeignKey": is_ref and len(self.reference_to) > 1,
            "precision": 18 if self.type in ("double", "currency", "percent") else 0,
            "queryByDistance": False,
            "referenceTargetField": None,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": None,
            "restrictedDelete": False,
            "restrictedPicklist": self.restricted_picklist,
            "scale": 0,
            "searchPrefilterable": False,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "sortable": self.type not in ("textarea", "address", "location"),
            "type": self.type,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": False,
        }


@dataclass(frozen=True)
class ChildRelationship:
    name: str
    child_object: str
    field: str

    def describe(self) -> dict[str, Any]:
        return {
            "cascadeDelete": False,
            "childSObject": self.child_object,
            "deprecatedAndHidden": False,
            "field": self.field,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": self.name,
            "restrictedDelete": False,
        }


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    createable: bool
    updateable: bool
    deletable: bool
    queryable: bool
    fields: Mapping[str, FieldSpec]
    child_relationships: Mapping[str, ChildRelationship]
    soft_delete: bool
    global_extras: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def field(self, name: str) -> FieldSpec | None:
        return self.fields.get(name.lower())

    def relationship(self, name: str) -> FieldSpec | None:
        """The reference field whose relationship name matches, case-insensitively ('owner' -> OwnerId)."""
        wanted = name.lower()
        for spec in self.fields.values():
            if spec.relationship_name and spec.relationship_name.lower() == wanted:
                return spec
        return None

    def child_relationship(self, name: str) -> ChildRelationship | None:
        return self.child_relationships.get(name.lower())

    # Per-object facts the write path needs on every record, computed once (the spec is immutable).

    @functools.cached_property
    def boolean_fields(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields.values() if f.is_boolean)

    @functools.cached_property
    def required_fields(self) -> tuple[str, ...]:
        """Fields that must have a value after defaults on create, in describe order."""
        return tuple(f.name for f in self.fields.values() if f.required_on_create)

    @functools.cached_property
    def defaulted_fields(self) -> tuple[FieldSpec, ...]:
        """Fields with a default on create: every boolean and every field with a default value."""
        return tuple(f for f in self.fields.values() if f.is_boolean or f.default is not None)

    @functools.cached_property
    def audit_fields(self) -> tuple[str, ...]:
        """The audit fields (CreatedDate, ..., SystemModstamp) this object has."""
        return tuple(name for name in AUDIT_FIELDS if name.lower() in self.fields)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields.values()]

    def _urls(self, api_version: str) -> dict[str, str]:
        base = f"/services/data/v{api_version}/sobjects/{self.name}"
        urls = {
            "rowTemplate": base + "/{ID}",
            "defaultValues": base + "/defaultValues?recordTypeId&fields",
            "describe": base + "/describe",
            "sobject": base,
        }
        if self.name == "User":
            urls["passwordUtilities"] = base + "/{ID}/password"
        return urls

    def describe_global(self, api_version: str) -> dict[str, Any]:
        """The object's entry in `GET /sobjects/` (global describe)."""
        entry: dict[str, Any] = {
            "activateable": False,
            "createable": self.createable,
            "custom": False,
            "customSetting": False,
            "deepCloneable": False,
            "deletable": self.deletable,
            "deprecatedAndHidden": False,
            "feedEnabled": False,
            "hasSubtypes": False,
            "isInterface": False,
            "isSubtype": False,
            "keyPrefix": self.key_prefix,
            "label": self.label,
            "labelPlural": self.label_plural,
            "layoutable": False,
            "mergeable": False,
            "mruEnabled": False,
            "queryable": self.queryable,
            "replicateable": True,
            "retrieveable": True,
            "searchable": False,
            "triggerable": False,
            "undeletable": self.soft_delete,
            "updateable": self.updateable,
        }
        entry.update({k: v for k, v in self.global_extras.items() if k in entry or k.startswith("associate")})
        entry["name"] = self.name
        entry["urls"] = self._urls(api_version)
        return dict(sorted(entry.items()))

    def describe(self, api_version: str) -> dict[str, Any]:
        """The full describe JSON (`GET /sobjects/X/describe`)."""
        result = self.describe_global(api_version)
        result.update(
            {
                "actionOverrides": [],
                "childRelationships": [c.describe() for c in self.child_relationships.values()],
                "compactLayoutable": False,
                "fields": [f.describe() for f in self.fields.values()],
                "listviewable": None,
                "lookupLayoutable": None,
                "namedLayoutInfos": [],
                "networkScopeFieldName": None,
                "recordTypeInfos": [],
                "searchLayoutable": False,
                "sobjectDescribeOption": "FULL",
                "supportedScopes": [{"label": "All " + self.label_plural.lower(), "name": "everything"}],
            }
        )
        return result


class Schema:
    """All sObjects of the sandbox, looked up case-insensitively."""

    def __init__(self, objects: list[ObjectSpec]) -> None:
        self._objects = {o.name.lower(): o for o in objects}
        self._by_prefix = {o.key_prefix: o for o in objects}

    def get(self, sobject: str) -> ObjectSpec | None:
        return self._objects.get(sobject.lower())

    def by_prefix(self, key_prefix: str) -> ObjectSpec | None:
        """The object whose ids start with `key_prefix` (case-sensitive, like ids)."""
        return self._by_prefix.get(key_prefix)

    def __iter__(self) -> Iterator[ObjectSpec]:
        return iter(self._objects.values())

    def ddl(self) -> list[str]:
        """CREATE TABLE and CREATE INDEX statements for every object (idempotent: IF NOT EXISTS)."""
        statements: list[str] = []
        for obj in self:
            columns = [
                f'"{f.name}" {f.sql_type}' + (" PRIMARY KEY" if f.name == "Id" else "") for f in obj.fields.values()
            ]
            statements.append(f'CREATE TABLE IF NOT EXISTS "{obj.name}" ({", ".join(columns)})')
            for f in obj.fields.values():
                if f.type == "reference":
                    statements.append(_index(obj, (f.name,)))
            statements.extend(_index(obj, cols) for cols in _NATURAL_KEYS.get(obj.name, ()))
        return statements


# The describe types SOQL compares as text: case-insensitively (soql/where.py compiles `col COLLATE NOCASE`).
TEXT_TYPES = frozenset(
    {"string", "picklist", "multipicklist", "combobox", "email", "phone", "url", "textarea", "encryptedstring"}
)

# Natural keys get an index; a name in lower case is indexed as lower("Name") for the case-insensitive uniqueness
# checks of the rules (SQLite uses an expression index only for the same expression). A text field is indexed
# COLLATE NOCASE, the collation SOQL's compiled comparisons use, so `Username IN (...)` and `Email = '...'` are
# index lookups, not table scans (SQLite uses an index only for a comparison of the same collation; scale.md §5).
_NATURAL_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "User": (("Username",), ("username",), ("communitynickname",), ("Email",), ("email",)),
    "CollaborationGroup": (("Name",), ("name",)),
    "CollaborationGroupMember": (("CollaborationGroupId", "MemberId"),),
    "CollaborationInvitation": (("InvitedUserEmail",), ("inviteduseremail",)),
    "PermissionSet": (("Name",), ("name",)),
    "PermissionSetAssignment": (("AssigneeId", "PermissionSetId"),),
    "PermissionSetLicenseAssign": (("AssigneeId", "PermissionSetLicenseId"),),
    "Profile": (("Name",),),
    "UserLicense": (("Name",),),
    "Account": (("Name",),),
    "Contact": (("Email",), ("email",)),  # lower(Email): the duplicate rule's lookup (objects/duplicates.py)
    "Lead": (("Email",), ("email",)),
}


def _index(obj: ObjectSpec, columns: tuple[str, ...]) -> str:
    """CREATE INDEX on fields; an all-lower-case name stands for lower() of the field of that name."""
    fields = [obj.fields[c.lower()] for c in columns]
    parts = [f'lower("{f.name}")' if c.islower() else _indexed_column(f) for c, f in zip(columns, fields, strict=True)]
    suffix = "_ci" if any(c.islower() for c in columns) else "_nocase" if any("NOCASE" in p for p in parts) else ""
    name = f"ix_{obj.name}_{'_'.join(columns)}{suffix}"  # a new name: an older org's file gets the index on open
    return f'CREATE INDEX IF NOT EXISTS "{name}" ON "{obj.name}" ({", ".join(parts)})'


def _indexed_column(field: FieldSpec) -> str:
    return f'"{field.name}" COLLATE NOCASE' if field.type in TEXT_TYPES else f'"{field.name}"'


def _read(relative: str) -> dict[str, Any]:
    return json.loads((DESCRIBE_DIR / relative).read_text(encoding="utf-8"))


def _picklist(raw: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    values = tuple(p["value"] for p in raw.get("picklistValues") or [] if p.get("active", True))
    defaults = tuple(p["value"] for p in raw.get("picklistValues") or [] if p.get("defaultValue"))
    return values, defaults


def _effective_default(obj: str, raw: dict[str, Any], picklist_defaults: tuple[str, ...]) -> Any:
    if (obj, raw["name"]) in _DEFAULT_OVERRIDES:
        return _DEFAULT_OVERRIDES[(obj, raw["name"])]
    if raw["type"] == "boolean":
        return raw.get("defaultValue") is True
    if raw["type"] == "picklist":
        return picklist_defaults[0] if picklist_defaults else raw.get("defaultValue")
    return raw.get("defaultValue")


def _full_field(obj: str, raw: dict[str, Any]) -> FieldSpec:
    values, defaults = _picklist(raw)
    return FieldSpec(
        name=raw["name"],
        type=raw["type"],
        sql_type=_SQL_TYPES.get(raw["type"], "TEXT"),
        length=raw.get("length") or _DEFAULT_LENGTHS.get(raw["type"]),
        nillable=raw["nillable"],
        createable=raw["createable"],
        updateable=raw["updateable"],
        defaulted_on_create=raw["defaultedOnCreate"],
        default=_effective_default(obj, raw, defaults),
        picklist_values=values,
        restricted_picklist=bool(raw.get("restrictedPicklist")),
        reference_to=tuple(raw.get("referenceTo") or ()),
        relationship_name=raw.get("relationshipName"),
        unique=bool(raw.get("unique")),
        id_lookup=bool(raw.get("idLookup")),
        calculated=bool(raw.get("calculated")),
        picklist_defaults=defaults,
    )


def _partial_field(obj: str, raw: dict[str, Any], derived: dict[str, Any] | None) -> FieldSpec:
    name, ftype = raw["name"], raw["type"]
    if derived is not None:
        createable, updateable = derived["createable"], derived["updateable"]
    else:
        fallback = (True, True) if name.startswith("Permissions") else (False, False)
        createable, updateable = _MISSING_FLAGS.get((obj, name), fallback)
    values, defaults = _picklist(raw)
    system = name == "Id" or name in AUDIT_FIELDS or name == "OwnerId"
    defaulted = system or (ftype == "boolean" and not raw["nillable"]) or raw.get("defaultValue") is not None
    return FieldSpec(
        name=name,
        type=ftype,
        sql_type=_SQL_TYPES.get(ftype, "TEXT"),
        length=_KNOWN_LENGTHS.get((obj, name), _DEFAULT_LENGTHS.get(ftype)),
        nillable=raw["nillable"],
        createable=createable,
        updateable=updateable,
        defaulted_on_create=defaulted,
        default=_effective_default(obj, raw, defaults),
        picklist_values=values,
        restricted_picklist=ftype == "picklist",
        reference_to=tuple(raw.get("referenceTo") or ()),
        relationship_name=raw.get("relationshipName"),
        id_lookup=name in ("Id", "Name"),
        picklist_defaults=defaults,
    )


def _object_fields(name: str) -> list[FieldSpec]:
    if name in FULL_DESCRIBE:
        specs = [_full_field(name, raw) for raw in _read(f"{name}.json")["fields"]]
        if name == "User":
            extra = _read("supplementary/User.experience-cloud-org.partial.json")["fields"]
            supplementary = {f["name"]: f for f in extra}
            specs += [_partial_field(name, supplementary[n], None) for n in ("IsPortalEnabled", "PortalRole")]
        return specs
    model = [] if name in NO_DERIVED_FLAGS else _read(f"derived-v64/{name}.json")["fields"]
    derived = {f["name"]: f for f in model}
    return [_partial_field(name, raw, derived.get(raw["name"])) for raw in _read(f"{name}.json")["fields"]]


def _global_entries() -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    for version in ("48.0", "52.0"):  # later captures win
        for entry in _read(f"GlobalDescribe.v{version}.json")["sobjects"]:
            entries[entry["name"]] = entry
    return entries


def _build_object(name: str, entry: dict[str, Any]) -> ObjectSpec:
    head = _read(f"{name}.json")
    specs = _object_fields(name)
    children = {
        rel.lower(): ChildRelationship(rel, child, fld)
        for parent, rel, child, fld in _CHILD_RELATIONSHIPS
        if parent == name
    }
    return ObjectSpec(
        name=name,
        label=head.get("label") or entry.get("label", name),
        label_plural=entry.get("labelPlural", name + "s"),
        key_prefix=head.get("keyPrefix") or entry["keyPrefix"],
        createable=head.get("createable", entry.get("createable", False)),
        updateable=_OBJECT_UPDATEABLE.get(name, head.get("updateable", entry.get("updateable", False))),
        deletable=head.get("deletable", entry.get("deletable", False)),
        queryable=head.get("queryable", True),
        fields=MappingProxyType({f.name.lower(): f for f in specs}),
        child_relationships=MappingProxyType(children),
        soft_delete=any(f.name == "IsDeleted" for f in specs),
        global_extras=MappingProxyType({k: v for k, v in entry.items() if k not in ("urls", "name")}),
    )


@functools.cache
def load_schema() -> Schema:
    """The sandbox schema (built once per process)."""
    entries = _global_entries()
    return Schema([_build_object(name, entries.get(name, {})) for name in OBJECT_NAMES])
