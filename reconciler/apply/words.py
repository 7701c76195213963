"""Salesforce field values said in guestlist's words, for what apply reports ("notify is daily, expected weekly").

A field guestlist's YAML names is said by that name, its value translated as the kind registry (reconciler/kinds) says;
any other field (an id, a default guestlist fills in) keeps its Salesforce name in parentheses.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from reconciler.kinds import KINDS
from reconciler.kinds.field import Field

# sObject -> Salesforce field -> the registry's Field, which says how guestlist names and translates it
FIELDS: dict[str, dict[str, Field]] = {
    spec.sobject: {field.sf_field: field for field in spec.every_field} for spec in KINDS.values()
}


def say_value(value: Any) -> str:
    """A value as the YAML would hold it: daily, true, 'text'; "empty" for None or ''."""
    if value is None or value == "":
        return "empty"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return repr(str(value))


def say_field(sobject: str, field: str, actual: Any, expected: Any) -> str:
    """"notify is daily, expected weekly"; "alias (Alias) is 'ann', expected 'anna'" for a field not in the YAML."""
    word = FIELDS.get(sobject, {}).get(field)
    if word is None:
        return f"field ({field}) is {say_value(actual)}, expected {say_value(expected)}"
    name = word.word if word.in_config else f"{word.word} ({field})"
    return f"{name} is {say_value(word.from_sf(actual))}, expected {say_value(word.from_sf(expected))}"
