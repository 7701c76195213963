"""Structure: the JSON Schema (schemas/guestlist.schema.json) applied to one parsed file, errors located and named.

Each JSON Schema keyword maps to one rule id (additionalProperties -> unknown-key, type -> wrong-type, ...); a
subschema may name its own rule with the non-standard keyword `x-rule` and its message with `errorMessage` (which
editors such as VS Code also display). Unknown keys and values get a "did you mean" suggestion (hints.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from reconciler.config.hints import VALUE_HINTS, member_identity, similar, suggest_key, wrong_type_hint
from reconciler.config.problems import Problem, problem
from reconciler.config.yamlfile import Document, PathKey

SCHEMA_FILE = "guestlist.schema.json"
_OWN_RULE_KEYWORDS = {"pattern", "anyOf", "oneOf"}
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "no value (null)",
}


@cache
def schema() -> dict[str, Any]:
    """The published JSON Schema (reconciler/config/guestlist.schema.json links to schemas/)."""
    text = resources.files("reconciler.config").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def check_structure(document: Document) -> tuple[list[Problem], set[PathKey]]:
    """Every schema violation in the document, at the line of the offending key or value, and the data paths
    whose value is unusable (an unknown key does not make its mapping unusable)."""
    errors = [e for e in _validator().iter_errors(document.data) if not _already_reported(e, document)]
    typos = _suggestions(errors)
    found: list[Problem] = []
    for error in errors:
        path = tuple(error.absolute_path)
        if error.validator == "oneOf" and typos.get(path, set()) & {"user", "customer"}:
            continue  # "usr: bob@acme.com" is reported once, as the unknown key it is
        found.extend(_problems(error, document, skip=typos.get(path, set())))
    broken = {_broken(e) for e in errors if e.validator != "additionalProperties"} | document.unreadable
    return found, broken


def _already_reported(error: ValidationError, document: Document) -> bool:
    """An error about a value the reader could not read (a bad tag) would only repeat that problem."""
    path = tuple(error.absolute_path)
    return any(path[:cut] in document.unreadable for cut in range(len(path) + 1))


def _suggestions(errors: list[ValidationError]) -> dict[PathKey, set[str]]:
    """For each mapping with unknown keys: the known keys they look like (typos)."""
    typos: dict[PathKey, set[str]] = {}
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            for key in set(error.instance) - set(known):
                meant = suggest_key(str(key), known)
                typos.setdefault(tuple(error.absolute_path), set()).update([meant] if meant else [])
    return typos


def describe(path: PathKey) -> str:
    """`groups[2].members[0].role` for a data path."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the top level"


def _problems(error: ValidationError, document: Document, skip: set[str]) -> Iterator[Problem]:
    path: PathKey = tuple(error.absolute_path)
    keyword = error.validator
    subschema = error.schema if isinstance(error.schema, dict) else {}
    own_rule = subschema.get("x-rule") if keyword in _OWN_RULE_KEYWORDS else None
    where = describe(path)
    if keyword == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(subschema.get("properties", {}))
        for key in sorted(set(error.instance) - set(known), key=str):
            yield problem("unknown-key", document.key_at((*path, key)), _unknown_key(key, known, where))
    elif keyword == "required" and isinstance(error.instance, dict):
        for key in error.validator_value:
            if key not in error.instance and key not in skip:
                yield problem("missing-key", document.at(path), f"{where}: missing required key '{key}'")
    elif _about_key_name(error):
        name = str(error.instance)
        rule = subschema.get("x-rule", "too-long" if keyword == "maxLength" else "schema")
        detail = subschema.get("errorMessage", error.message)
        yield problem(rule, document.key_at((*path, name)), f"{where}: '{name}': {detail}")
    elif own_rule:
        if not _has_type(error.instance, subschema.get("type")):
            return  # the type error says it already
        if own_rule == "member-identity" and isinstance(error.instance, dict):
            yield problem(own_rule, document.at(path), f"{where}: {member_identity(error.instance)}")
            return
        shown = "" if isinstance(error.instance, dict | list) else f" {_shown(error.instance)}:"
        hint = VALUE_HINTS[own_rule](error.instance) if own_rule in VALUE_HINTS else ""
        message = f"{where}:{shown} {subschema.get('errorMessage', error.message)}{hint}"
        yield problem(own_rule, document.at(path), message)
    else:
        rule, message = _plain(error)
        yield problem(rule, document.at(path), f"{where}: {message}")


def _about_key_name(error: ValidationError) -> bool:
    """An error of `propertyNames`: its instance is a key of the mapping at the error's path."""
    return len(error.schema_path) >= 2 and list(error.schema_path)[-2] == "propertyNames"


def _broken(error: ValidationError) -> PathKey:
    path = tuple(error.absolute_path)
    return (*path, str(error.instance)) if _about_key_name(error) else path


def _has_type(instance: Any, wanted: str | None) -> bool:
    checks = {"object": dict, "array": list, "string": str}
    return wanted not in checks or isinstance(instance, checks[wanted])


def _plain(error: ValidationError) -> tuple[str, str]:
    keyword, value, instance = error.validator, error.validator_value, error.instance
    if keyword == "type":
        types = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        member = isinstance(error.schema, dict) and error.schema.get("x-rule") == "member-identity"
        return "wrong-type", f"expected {wanted}, got {_type_of(instance)}{wrong_type_hint(types, instance, member)}"
    if keyword == "const":
        return "invalid-value", f"must be {value}, not {_shown(instance)}"
    if keyword == "enum":
        allowed = list(value)
        message = f"{_shown(instance)} is not one of: {', '.join(str(v) for v in allowed)}"
        close = similar(str(instance), [str(v) for v in allowed]) if isinstance(instance, str) else None
        if close:
            message += f" (did you mean '{close}'?)"
        return "invalid-value", message
    if keyword == "maxLength":
        return "too-long", f"{_shown(instance)} is {len(instance)} characters; at most {value} allowed"
    if keyword == "minLength":
        return "too-short", "must not be empty"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return "out-of-range", f"{instance} is out of range ({keyword} {value})"
    return "schema", error.message


def _unknown_key(key: Any, known: list[str], where: str) -> str:
    message = f"unknown key '{key}' in {where}"
    close = suggest_key(str(key), known)
    if close:
        return f"{message} (did you mean '{close}'?)"
    return f"{message}; expected one of: {', '.join(known)}"


def _type_of(instance: Any) -> str:
    if instance is None:
        return "no value"
    if isinstance(instance, bool):
        return f"{str(instance).lower()}"
    if isinstance(instance, dict):
        return "a mapping"
    if isinstance(instance, list):
        return "a list"
    if isinstance(instance, int | float):
        return f"the number {instance}"
    return f"the text {_shown(instance)}"


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text[:60] + "..." if len(text) > 60 else text) if isinstance(value, str) else text
