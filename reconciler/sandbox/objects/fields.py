"""Field-level rules every sObject shares: known and writable fields, types, lengths, restricted picklists,
required fields, defaults and references. Each failure is the ApiError Salesforce answers with."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from reconciler.sandbox import ids
from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.objects.base import Row, Rules
    from reconciler.sandbox.schema import FieldSpec, ObjectSpec
    from reconciler.sandbox.store import Session

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_TEXT_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_datetime(moment: dt.datetime) -> str:
    """Salesforce's JSON datetime: '2026-11-22T04:15:19.000+0000' (UTC)."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def writable_fields(obj: ObjectSpec, values: Row, *, insert: bool) -> dict[str, Any]:
    """The values keyed by canonical field name; INVALID_FIELD for unknown names and
    INVALID_FIELD_FOR_INSERT_UPDATE for fields that are not createable (insert) or updateable (update)."""
    known: dict[str, Any] = {}
    refused: list[str] = []
    for key, value in values.items():
        if key == "attributes":
            continue
        spec = obj.field(key)
        if spec is None:
            raise ApiError(400, "INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}")
        if not (spec.createable if insert else spec.updateable):
            refused.append(spec.name)
        known[spec.name] = value
    if refused:
        raise ApiError(
            400,
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(refused)}. Please check the security settings of this "
            "field and verify that it is read/write for your profile or permission set.",
            refused,
        )
    return known


def _parser_error(spec: FieldSpec, value: Any) -> ApiError:
    kind = {"int": "int", "double": "double", "boolean": "boolean", "date": "date", "datetime": "datetime"}
    return ApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind.get(spec.type, 'string')} from {type(value).__name__.upper()} value "
        f"{value!r} or request may be missing a required field",
    )


def _label(spec: FieldSpec) -> str:
    return spec.describe()["label"]


def _coerce_scalar(spec: FieldSpec, value: Any) -> Any:
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(spec, value)
    if spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
            raise _parser_error(spec, value)
        return int(value)
    if spec.type in ("double", "currency", "percent"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _parser_error(spec, value)
        return float(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _parser_error(spec, value)
    return str(value)


def _coerce_temporal(spec: FieldSpec, text: str) -> str:
    try:
        if spec.type == "date":
            if not _DATE.match(text):
                raise ValueError(text)
            return dt.date.fromisoformat(text).isoformat()
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _parser_error(spec, text) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return format_datetime(moment)


def coerce(session: Session, rules: Rules, spec: FieldSpec, value: Any) -> Any:
    """The stored form of one incoming value: type, length, e-mail shape, restricted picklist, id shape.
    Empty strings are null, as in Salesforce."""
    if value is None or value == "":
        return None
    value = _coerce_scalar(spec, value)
    if spec.type in ("date", "datetime"):
        return _coerce_temporal(spec, value)
    if spec.type in ("reference", "id"):
        try:
            return ids.to18(value)
        except ValueError as exc:
            raise ApiError(
                400, "MALFORMED_ID", f"{_label(spec)}: id value of incorrect type: {value}", [spec.name]
            ) from exc
    if spec.type in _TEXT_TYPES:
        if spec.length and len(value) > spec.length:
            raise ApiError(
                400,
                "STRING_TOO_LONG",
                f"{_label(spec)}: data value too large: {value} (max length={spec.length})",
                [spec.name],
            )
        if spec.type == "email" and not EMAIL.match(value):
            raise ApiError(400, "INVALID_EMAIL_ADDRESS", f"{_label(spec)}: invalid email address: {value}", [spec.name])
        if spec.type == "picklist" and spec.restricted_picklist and value not in rules.picklist_values(session, spec):
            raise ApiError(
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{_label(spec)}: bad value for restricted picklist field: {value}",
                [spec.name],
            )
    return value


def complete_defaults(obj: ObjectSpec, values: Row) -> None:
    """Fill every absent field that has a default (booleans always: false unless the default is true)."""
    for spec in obj.defaulted_fields:
        if values.get(spec.name) is None:
            if spec.is_boolean:
                values[spec.name] = bool(spec.default)
            elif spec.default is not None and (spec.name not in values or not spec.nillable):
                values[spec.name] = spec.default  # an explicit null keeps a nillable field empty


def check_required(obj: ObjectSpec, values: Row) -> None:
    missing = [name for name in obj.required_fields if values.get(name) is None]
    if missing:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)


def check_not_nulled(obj: ObjectSpec, changes: Row) -> None:
    """An update may not blank a required field."""
    blanked = [
        name
        for name, value in changes.items()
        if value is None and (spec := obj.field(name)) and not spec.nillable and not spec.is_boolean
    ]
    if blanked:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(blanked)}]", blanked)


def check_references(session: Session, obj: ObjectSpec, values: Row) -> None:
    """Every reference points at an existing, undeleted record of an allowed type."""
    for name, value in values.items():
        spec = obj.field(name)
        if spec is None or spec.type != "reference" or value is None:
            continue
        target = session.schema.by_prefix(value[:3])
        if target is not None and spec.reference_to and target.name not in spec.reference_to:
            raise ApiError(
                400, "FIELD_INTEGRITY_EXCEPTION", f"{_label(spec)}: id value of incorrect type: {value}", [spec.name]
            )
        deleted = '"IsDeleted"' if target is not None and target.soft_delete else "0"
        found = (
            session.conn.execute(f'SELECT {deleted} FROM "{target.name}" WHERE "Id" = ?', (value,)).fetchone()
            if target is not None
            else None
        )
        if found is None:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [spec.name])
        if found[0]:
            raise ApiError(400, "ENTITY_IS_DELETED", "entity is deleted", [spec.name])
