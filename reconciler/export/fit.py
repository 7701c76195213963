"""Whether a value read from the org fits the config format: the published JSON Schema judges, so an export never
writes a value that `guestlist validate` would refuse."""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from reconciler.config.schema import schema


@cache
def _validator(definition: str, dotted: str) -> Draft202012Validator:
    """The validator of one property of `$defs.<definition>` ("information.title" follows nested properties)."""
    node: dict[str, Any] = schema()["$defs"][definition]
    for part in dotted.split("."):
        node = node["properties"][part]
    return Draft202012Validator({"$defs": schema()["$defs"], **node})


def fits(definition: str, key: str, value: Any) -> bool:
    """True when `value` is valid for the property `key` of `$defs.<definition>` ("group", "member", ...)."""
    return bool(_validator(definition, key).is_valid(value))


def limit(definition: str, key: str) -> str:
    """The property's length limit in words, for a note ("at most 1000 characters"), or ''."""
    node: dict[str, Any] = schema()["$defs"][definition]
    for part in key.split("."):
        node = node["properties"][part]
    return f"at most {node['maxLength']} characters" if "maxLength" in node else ""
