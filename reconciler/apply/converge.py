"""After writing: read back exactly what the apply touched and say what, if anything, is still different.

Created and updated records are re-read by id and every field written is compared; deleted records must be
gone; settings are re-read through the Metadata API. Reads cost about one query per sObject per ~300 ids, or,
for many creates under a few parents (members of groups), a page per 2,000 rows of those parents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.apply.execute import ChangeResult
from reconciler.apply.steps import METADATA_OBJECTS
from reconciler.apply.words import say_field
from reconciler.org.soql import in_queries
from reconciler.org.writes import QueryFailed, Writer, WriteStopped
from reconciler.plan.change import Action


@dataclass(frozen=True)
class Difference:
    key: str
    problem: str  # in guestlist's words: "notify is daily, expected weekly", "still present", ...

    def __str__(self) -> str:
        return f"{self.key}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    differences: tuple[Difference, ...]
    unverified: tuple[str, ...] = ()  # why some records could not be read back

    @property
    def converged(self) -> bool:
        return not self.differences and not self.unverified


def _same(expected: Any, actual: Any) -> bool:
    if expected in (None, "") and actual in (None, ""):
        return True
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.casefold() == actual.casefold()
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or expected == actual
    return expected == actual


def verify(writer: Writer, results: Sequence[ChangeResult]) -> Verification:
    """Compare the org with what the successful changes wrote."""
    differences: list[Difference] = []
    unverified: list[str] = []
    by_sobject: dict[str, list[ChangeResult]] = defaultdict(list)
    for result in results:
        if result.outcome.succeeded:
            by_sobject[result.change.sobject].append(result)
    names = list(by_sobject)
    for position, sobject in enumerate(names):
        group = by_sobject[sobject]
        try:
            if sobject in METADATA_OBJECTS:
                differences += _verify_settings(writer, sobject, group)
            else:
                differences += _verify_records(writer, sobject, group)
        except QueryFailed as exc:
            unverified.append(f"{sobject}: could not be read back ({exc.error})")
        except WriteStopped as exc:  # the org refuses requests now: stop reading at once
            unverified.append(f"{', '.join(names[position:])}: not read back, the org stopped answering ({exc.error})")
            break
    return Verification(tuple(differences), tuple(unverified))


BY_PARENT_ABOVE = 600  # creates of one sObject; fewer are read back by id (about 300 ids a query)
MAX_PARENTS = 50


def _shared_parent(group: Sequence[ChangeResult]) -> str | None:
    """A reference field every create of the group wrote, with few distinct values (e.g. CollaborationGroupId for
    10,000 new members of 10 groups): reading by it costs a page per 2,000 rows instead of a query per ~300 ids."""
    creates = [r for r in group if r.change.action is Action.CREATE]
    if len(creates) <= BY_PARENT_ABOVE:
        return None
    candidates = [name for name, value in creates[0].written.items() if _looks_like_id(value)]
    best = None
    for name in candidates:
        distinct = {r.written.get(name) for r in creates}
        if None not in distinct and len(distinct) <= MAX_PARENTS and (best is None or len(distinct) < best[1]):
            best = (name, len(distinct))
    return best[0] if best else None


def _looks_like_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 18 and value.isalnum()


def _verify_settings(writer: Writer, sobject: str, group: Sequence[ChangeResult]) -> list[Difference]:
    actual = writer.read_settings(sobject, "Chatter")
    return [
        Difference(r.change.key, say_field(sobject, name, actual.get(name), value))
        for r in group
        for name, value in r.written.items()
        if not _same(value, actual.get(name))
    ]


def _verify_records(writer: Writer, sobject: str, group: Sequence[ChangeResult]) -> list[Difference]:
    fields = sorted({name for r in group if r.change.action is not Action.DELETE for name in r.written} - {"Id"})
    select = f"SELECT {', '.join(['Id', *fields])} FROM {sobject} WHERE {{IN}}"
    found: dict[str, dict[str, Any]] = {}
    wanted = {r.record_id for r in group if r.record_id}
    parent = _shared_parent(group)
    if parent is not None:  # many creates under few parents: read the parents' records, 2,000 a page
        values = sorted({str(r.written[parent]) for r in group if r.change.action is Action.CREATE})
        for soql in in_queries(select, parent, values):
            found.update((record["Id"], record) for record in writer.query(soql) if record["Id"] in wanted)
    for soql in in_queries(select, "Id", sorted(wanted - set(found))):
        for row in writer.query(soql):
            found[row["Id"]] = row
    differences = []
    for result in group:
        record = found.get(result.record_id or "")
        if result.change.action is Action.DELETE:
            if record is not None:
                differences.append(Difference(result.change.key, "still present"))
            continue
        if record is None:
            differences.append(Difference(result.change.key, f"not found in the org (record {result.record_id})"))
            continue
        for name, value in result.written.items():
            if not _same(value, record.get(name)):
                differences.append(Difference(result.change.key, say_field(sobject, name, record.get(name), value)))
    return differences
