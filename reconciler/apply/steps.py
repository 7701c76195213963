"""The execution planner: the plan's ordered changes -> batches of requests.

A batch is one request: one sObject, one operation, at most 200 records (sObject Collections) or the whole
ChatterSettings component (Metadata API). Since a request never holds two sObject types, setup objects (User,
PermissionSetAssignment) and non-setup ones (Contact, Account) never share a transaction (MIXED_DML_OPERATION).

Changes of the same (sObject, operation) are kept together whenever their dependencies allow, so N similar
changes cost ceil(N/200) requests: a class of changes is emitted as soon as every change in it is ready (all it
depends on emitted earlier), in the order classes first appear in the plan. Only a class tangled in a dependency
cycle with another is split, emitting its ready changes first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.org.writes import MAX_RECORDS
from reconciler.plan.change import Action, Change

METADATA_OBJECTS = frozenset({"ChatterSettings"})  # written through the Metadata API, one component
_Class = tuple[str, Action, bool]  # the changes one request may carry: sObject, operation, allowSave


@dataclass(frozen=True)
class Batch:
    sobject: str
    action: Action
    changes: tuple[Change, ...]
    allow_duplicates: bool = False  # sent with the duplicate rule's allowSave (only such changes share the request)

    @property
    def is_metadata(self) -> bool:
        return self.sobject in METADATA_OBJECTS


class DependencyCycle(ValueError):
    """Changes that depend on each other in a circle: the plan is inconsistent (a planner bug)."""


def dependencies(change: Change) -> tuple[str, ...]:
    """Keys of the changes this one needs first: depends_on plus the changes whose created ids it uses."""
    return tuple(dict.fromkeys((*change.depends_on, *change.refs.values())))


def plan_batches(changes: Sequence[Change], size: int = MAX_RECORDS) -> list[Batch]:
    keys = {c.key for c in changes}
    waiting: dict[str, set[str]] = {c.key: {d for d in dependencies(c) if d in keys and d != c.key} for c in changes}
    dependents: dict[str, list[str]] = defaultdict(list)
    for key, deps in waiting.items():
        for dep in deps:
            dependents[dep].append(key)
    classes: dict[_Class, list[Change]] = {}  # insertion order = first appearance in the plan
    for change in changes:
        classes.setdefault((change.sobject, change.action, change.allow_duplicates), []).append(change)

    batches: list[Batch] = []
    while classes:
        chosen = _next_emission(classes, waiting)
        if chosen is None:
            stuck = sorted(k for cls in classes.values() for k in (c.key for c in cls))[:5]
            raise DependencyCycle("changes depend on each other in a cycle: " + ", ".join(stuck))
        cls_key, ready = chosen
        remaining = [c for c in classes[cls_key] if waiting[c.key]]
        if remaining:
            classes[cls_key] = remaining
        else:
            del classes[cls_key]
        sobject, action, allow_duplicates = cls_key
        step = size if sobject not in METADATA_OBJECTS else len(ready)
        for start in range(0, len(ready), step):
            batches.append(Batch(sobject, action, tuple(ready[start:start + step]), allow_duplicates))
        for change in ready:
            for dependent in dependents.get(change.key, ()):
                waiting[dependent].discard(change.key)
    return batches


def _next_emission(classes: dict[_Class, list[Change]], waiting: dict[str, set[str]]) \
        -> tuple[_Class, list[Change]] | None:
    """The first class (in plan order) whose changes are all ready; else the first with any ready change."""
    partial = None
    for cls_key, members in classes.items():
        ready = [c for c in members if not waiting[c.key]]
        if len(ready) == len(members):
            return cls_key, ready
        if ready and partial is None:
            partial = (cls_key, ready)
    return partial
