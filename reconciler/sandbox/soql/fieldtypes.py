"""What SOQL needs to know about a describe field type: how to compare it, sort it and return it as JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.sandbox.schema import TEXT_TYPES, FieldSpec

__all__ = ["TEXT_TYPES"]  # defined beside the schema, whose indexes collate these types as SOQL compares them
ID_TYPES = frozenset({"id", "reference"})
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent", "long"})
COMPOUND_TYPES = frozenset({"address", "location"})
_LONG_TEXT = 255  # textareas longer than this are "long text areas": not filterable, not sortable

# the type named in "value of filter criterion for field 'X' must be of type <type> ..."
_FILTER_TYPE_NAMES = {"boolean": "boolean", "date": "date", "datetime": "dateTime", "int": "int", "id": "id"}
_APEX_TYPES = {
    "id": "Id",
    "reference": "Id",
    "boolean": "Boolean",
    "int": "Integer",
    "long": "Long",
    "double": "Double",
    "percent": "Double",
    "currency": "Decimal",
    "date": "Date",
    "datetime": "Datetime",
    "time": "Time",
    "address": "Address",
    "location": "Location",
    "base64": "Blob",
}


def is_long_text(spec: FieldSpec) -> bool:
    return spec.type == "textarea" and (spec.length or 0) > _LONG_TEXT


def filterable(spec: FieldSpec) -> bool:
    return spec.filterable and not is_long_text(spec) and spec.type not in COMPOUND_TYPES | {"base64", "time"}


def sortable(spec: FieldSpec) -> bool:
    return not is_long_text(spec) and spec.type not in COMPOUND_TYPES | {"base64", "multipicklist"}


def filter_type_name(spec: FieldSpec) -> str:
    if spec.type in TEXT_TYPES:
        return "string"
    if spec.type in ("double", "currency", "percent"):
        return "double"
    return _FILTER_TYPE_NAMES.get(spec.type, spec.type)


def apex_type(spec: FieldSpec) -> str:
    return _APEX_TYPES.get(spec.type, "String")


def _to_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _to_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _to_float(value: Any) -> float | None:
    return None if value is None else float(value)


def json_converter(spec: FieldSpec) -> Callable[[Any], Any] | None:
    """SQLite column value -> the JSON value Salesforce returns for this field type (None: as stored)."""
    if spec.type == "boolean":
        return _to_bool
    if spec.type in ("int", "long"):
        return _to_int
    if spec.type in ("double", "currency", "percent"):
        return _to_float
    return None
