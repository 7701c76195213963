"""Is a plan executable as it stands? Checked before the first request that uses it (a saved plan is data that
may have been edited or damaged; a fresh one guards against planner bugs).

Names that go into SOQL or request bodies unquoted (sObjects, field names) must be plain API names, values must
be JSON scalars, every update and delete must name a Salesforce id, every ref must name a create of the plan, and
the changes must not depend on each other in a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from reconciler.apply.steps import METADATA_OBJECTS, DependencyCycle, plan_batches
from reconciler.plan.change import Action, Change, Kind

API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
_SCALARS = (str, int, float, bool, type(None))
SOBJECT_OF_KIND = {Kind.SETTING: "ChatterSettings", Kind.CONTACT: "Contact", Kind.USER: "User",
                   Kind.GROUP: "CollaborationGroup", Kind.PERMISSION_SET_ASSIGNMENT: "PermissionSetAssignment",
                   Kind.MEMBER: "CollaborationGroupMember", Kind.INVITATION: "CollaborationInvitation"}
_SHOWN = 10


class PlanInconsistent(ValueError):
    """The plan can't be executed safely; the message lists why (one line per problem, at most ten)."""


def check_integrity(changes: tuple[Change, ...]) -> None:
    """Raise PlanInconsistent naming every problem (the first ten)."""
    problems = list(_problems(changes))
    if not problems:
        try:
            plan_batches(changes)
        except DependencyCycle as exc:
            problems.append(str(exc))
    if problems:
        shown = [f"  - {p}" for p in problems[:_SHOWN]]
        if len(problems) > _SHOWN:
            shown.append(f"  ... and {len(problems) - _SHOWN} more")
        raise PlanInconsistent("\n".join(shown))


def _problems(changes: tuple[Change, ...]) -> Iterator[str]:
    creates = {c.key for c in changes if c.action is Action.CREATE}
    seen: set[str] = set()
    for change in changes:
        key = change.key
        if not isinstance(key, str) or not key:
            yield f"a change has no key ({key!r})"
            continue
        if key in seen:
            yield f"{key}: appears twice"
        seen.add(key)
        yield from _change_problems(change, creates)


def _change_problems(change: Change, creates: set[str]) -> Iterator[str]:
    key = change.key
    if not isinstance(change.sobject, str) or not API_NAME.match(change.sobject):
        yield f"{key}: sobject {change.sobject!r} is not an API name"
        return
    if change.sobject != SOBJECT_OF_KIND.get(change.kind):
        yield f"{key}: a {change.kind.value} change writes {SOBJECT_OF_KIND.get(change.kind)}, not {change.sobject}"
        return
    for name in ("values", "lookup", "refs"):
        mapping = getattr(change, name)
        if not isinstance(mapping, Mapping):
            yield f"{key}: {name} is not an object"
            continue
        yield from (f"{key}: {name} field {field!r} is not an API name" for field in mapping
                    if not isinstance(field, str) or not API_NAME.match(field))
        yield from (f"{key}: {name}.{field} is {_kind(value)}, not a single value" for field, value in mapping.items()
                    if not isinstance(value, _SCALARS))
    if isinstance(change.refs, Mapping):
        yield from (f"{key}: refs.{field} names {target!r}, which the plan does not create"
                    for field, target in change.refs.items() if target not in creates)
    if change.allow_duplicates and (change.kind, change.action) != (Kind.CONTACT, Action.CREATE):
        yield f"{key}: allow_duplicates (the duplicate rule's allowSave) is for a contact create only"
    if not all(isinstance(d, str) for d in change.depends_on):
        yield f"{key}: depends_on holds something other than change keys"
    if change.action is Action.CREATE and change.sobject not in METADATA_OBJECTS \
            and isinstance(change.lookup, Mapping) and isinstance(change.values, Mapping):
        yield from _lookup_problems(change)
    needs_id = change.action is not Action.CREATE and change.sobject not in METADATA_OBJECTS
    if needs_id and not (isinstance(change.record_id, str) and RECORD_ID.match(change.record_id)):
        article = "an" if change.action is Action.UPDATE else "a"
        yield f"{key}: {article} {change.action.value} needs a Salesforce record id, not {change.record_id!r}"


def _lookup_problems(change: Change) -> Iterator[str]:
    """A create's lookup (its natural key, apply/lookup.py) must be there and name, as plain values, what the
    create itself writes: otherwise a lost answer would be sent twice, or the stale check could never match."""
    key = change.key
    if not change.lookup:
        yield f"{key}: a create needs a lookup (its natural key), so that a lost answer is not sent twice"
        return
    for name, value in change.lookup.items():
        if name in change.refs:
            if value is not None:
                yield f"{key}: lookup.{name} is filled by refs.{name} when applied, not {value!r}"
            continue
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "" \
                or (isinstance(value, str) and _CONTROL.search(value)):
            yield f"{key}: lookup.{name} is {value!r}, not a plain value"
        elif name not in change.values:
            yield f"{key}: lookup.{name} is not a field the create writes, so it can never match its record"
        elif _fold(change.values[name]) != _fold(value):
            yield f"{key}: lookup.{name} is {value!r} but the create writes {change.values[name]!r}, so it can " \
                  "never match its record"


_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _kind(value: Any) -> str:
    kinds: dict[type, str] = {dict: "an object", list: "a list", tuple: "a list"}
    return kinds.get(type(value), type(value).__name__)
