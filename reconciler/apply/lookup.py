"""Never twice: find records by their natural key (a change's `lookup`) before a create is sent again.

One query per sObject and chunk of keys: `WHERE f1 IN (...) AND f2 IN (...)`, then exact matching in Python
(strings compared case-insensitively, as SOQL does). Invitations count only while pending (Status = 'Sent'), groups
only while internal (NetworkId = null): a site's group may bear a new group's name (real-orgs.md §1.2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.org.soql import LITERALS_BUDGET, encoded_length, quote
from reconciler.org.writes import FindExisting, QueryFailed, RecordError, Writer

# conditions every match must meet besides the natural key
EXTRA_CONDITIONS: dict[str, dict[str, Any]] = {"CollaborationInvitation": {"Status": "Sent"}}
# conditions on a field only some orgs have, dropped where the org has no such field (INVALID_FIELD): guestlist's
# groups are internal ones (NetworkId null, real-orgs.md §1.4); an org without Experience Cloud lacks NetworkId, and
# then every group is internal (real-orgs.md §1.3), so the condition holds there without being asked
OPTIONAL_CONDITIONS: dict[str, dict[str, Any]] = {"CollaborationGroup": {"NetworkId": None}}


def soql_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return quote(str(value))


def _norm(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _matches(record: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(_norm(record.get(name)) == _norm(value) for name, value in wanted.items())


def _chunks(keys: Sequence[Mapping[str, Any]]) -> list[list[int]]:
    """Index chunks whose literals, URL-encoded, stay within LITERALS_BUDGET (so no query grows too long)."""
    out: list[list[int]] = [[]]
    size = 0
    for i, key in enumerate(keys):
        cost = sum(encoded_length(soql_literal(v)) + 3 for v in key.values())
        if out[-1] and size + cost > LITERALS_BUDGET:
            out.append([])
            size = 0
        out[-1].append(i)
        size += cost
    return [chunk for chunk in out if chunk]


def find_by_natural_key(writer: Writer, sobject: str, keys: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Ids of the records matching each key (by index). Raises QueryFailed when a key can't be looked up."""
    if any(not key for key in keys):
        raise QueryFailed(RecordError("NO_LOOKUP", f"no natural key to look up a {sobject}"))
    extra = {**EXTRA_CONDITIONS.get(sobject, {}), **OPTIONAL_CONDITIONS.get(sobject, {})}
    found: dict[int, str] = {}
    by_fields: dict[tuple[str, ...], list[int]] = {}
    for i, key in enumerate(keys):
        by_fields.setdefault(tuple(sorted(key)), []).append(i)
    for fields, indices in by_fields.items():
        for chunk in _chunks([keys[i] for i in indices]):
            members = [indices[j] for j in chunk]
            conditions = {k: v for k, v in extra.items() if k not in fields}
            where = [f"{name} IN ({', '.join(dict.fromkeys(soql_literal(keys[i][name]) for i in members))})"
                     for name in fields]
            records, missing = _query_without_missing(writer, sobject, fields, where, conditions)
            for name in missing:  # the org lacks the field: not asked again in this lookup
                extra.pop(name, None)
                conditions.pop(name, None)
            for i in members:
                wanted = {**keys[i], **conditions}
                match = next((r for r in records if _matches(r, wanted)), None)
                if match is not None:
                    found[i] = match["Id"]
    return found


def _query_without_missing(writer: Writer, sobject: str, fields: Sequence[str], where: Sequence[str],
                           conditions: Mapping[str, Any]) -> tuple[list[dict[str, Any]], set[str]]:
    """The records matching `where` and `conditions`, and the optional fields the org turned out not to have (the
    query is sent again without them, one more request)."""
    missing: set[str] = set()
    while True:
        asked = {k: v for k, v in conditions.items() if k not in missing}
        clauses = [*where, *(f"{name} = {soql_literal(value)}" for name, value in asked.items())]
        select = ", ".join(dict.fromkeys(("Id", *fields, *asked)))
        try:
            return writer.query(f"SELECT {select} FROM {sobject} WHERE {' AND '.join(clauses)}"), missing
        except QueryFailed as exc:
            lacking = {name for name in OPTIONAL_CONDITIONS.get(sobject, {}) if name in asked
                       and exc.error.code == "INVALID_FIELD" and name in exc.error.message}
            if not lacking:
                raise
            missing |= lacking


def finder(writer: Writer, sobject: str, keys: Sequence[Mapping[str, Any]]) -> FindExisting:
    """The `find_existing` of Writer.create for records whose natural keys are `keys` (same order)."""

    def find(indices: Sequence[int]) -> Mapping[int, str]:
        subset = [keys[i] for i in indices]
        return {indices[j]: record_id for j, record_id in find_by_natural_key(writer, sobject, subset).items()}

    return find
