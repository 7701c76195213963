"""User-defined validation rules: simple conditions on one field that reject inserts with
FIELD_CUSTOM_VALIDATION_EXCEPTION and the rule's message, as an org's validation rule (or trigger) would."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

DDL = (
    'CREATE TABLE IF NOT EXISTS "_rules" ("sobject" TEXT NOT NULL, "name" TEXT NOT NULL, "field" TEXT NOT NULL, '
    '"operator" TEXT NOT NULL, "value" TEXT, "message" TEXT NOT NULL, PRIMARY KEY ("sobject", "name"))'
)


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower()


# operator -> predicate(field value, rule value); the insert is rejected when the predicate holds
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equals": lambda v, x: _text(v) == _text(x),
    "not_equals": lambda v, x: _text(v) != _text(x),
    "contains": lambda v, x: _text(x) in _text(v),
    "starts_with": lambda v, x: _text(v).startswith(_text(x)),
    "ends_with": lambda v, x: _text(v).endswith(_text(x)),
    "is_blank": lambda v, x: v is None or v == "",
    "is_not_blank": lambda v, x: not (v is None or v == ""),
    "in": lambda v, x: _text(v) in {_text(i) for i in (x or [])},
}
_ERRORS = assumed("validation-rule-errors")


def add(session: Session, sobject: str, name: str, field: str, operator: str, value: Any, message: str) -> None:
    """Add (or replace) the rule `name` on `sobject`: inserts whose `field` satisfies `operator value` fail."""
    obj = session.obj(sobject)
    spec = obj.field(field)
    if spec is None:
        raise ApiError(400, "INVALID_FIELD", f"No such column '{field}' on entity '{obj.name}'", [field])
    if operator not in OPERATORS:
        raise ApiError(400, "INVALID_OPERATION", f"Unknown operator {operator!r}; one of {', '.join(OPERATORS)}")
    if not message.strip():
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "A validation rule needs an error message", ["message"])
    session.conn.execute(
        'INSERT OR REPLACE INTO "_rules" ("sobject", "name", "field", "operator", "value", "message") '
        "VALUES (?, ?, ?, ?, ?, ?)",
        (obj.name, name, spec.name, operator, json.dumps(value), message),
    )
    session.forget(_memo_key(obj.name))


def remove(session: Session, sobject: str, name: str) -> None:
    obj_name = session.obj(sobject).name
    session.conn.execute('DELETE FROM "_rules" WHERE "sobject" = ? AND "name" = ?', (obj_name, name))
    session.forget(_memo_key(obj_name))


def check(session: Session, obj_name: str, values: dict[str, Any]) -> None:
    """Raise FIELD_CUSTOM_VALIDATION_EXCEPTION for the first rule (by name) the new record breaks."""
    for field, predicate, operand, message in session.memo(_memo_key(obj_name), lambda: _load(session, obj_name)):
        if predicate(values.get(field), operand):
            raise ApiError(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", message)


def _memo_key(obj_name: str) -> str:
    return f"validation-rules:{obj_name}"


def _load(session: Session, obj_name: str) -> list[tuple[str, Callable[[Any, Any], bool], Any, str]]:
    """The rules of an sObject by name, as (field, predicate, operand, message)."""
    rows = session.conn.execute(
        'SELECT "name", "field", "operator", "value", "message" FROM "_rules" WHERE "sobject" = ? ORDER BY "name"',
        (obj_name,),
    ).fetchall()
    return [(r["field"], OPERATORS[r["operator"]], json.loads(r["value"]), r["message"]) for r in rows]
