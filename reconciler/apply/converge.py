"""After writing: read back exactly what the apply touched and say what, if anything, is still different.

Created and updated records are re-read by id and every field written is compared; deleted records must be
gone; settings are re-read through the Metadata API. Reads cost about one query per sObject per ~300 ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.apply.execute import ChangeResult
from reconciler.apply.steps import METADATA_OBJECTS
from reconciler.org.soql import in_queries
from reconciler.org.writes import QueryFailed, Writer
from reconciler.plan.change import Action


@dataclass(frozen=True)
class Difference:
    key: str
    problem: str  # "Name is 'x', expected 'y'", "still present", "missing"

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
    for sobject, group in by_sobject.items():
        try:
            if sobject in METADATA_OBJECTS:
                differences += _verify_settings(writer, sobject, group)
            else:
                differences += _verify_records(writer, sobject, group)
        except QueryFailed as exc:
            unverified.append(f"{sobject}: could not be read back ({exc.error})")
    return Verification(tuple(differences), tuple(unverified))


def _verify_settings(writer: Writer, sobject: str, group: Sequence[ChangeResult]) -> list[Difference]:
    actual = writer.read_settings(sobject, "Chatter")
    return [
        Difference(r.change.key, f"{name} is {actual.get(name)!r}, expected {value!r}")
        for r in group
        for name, value in r.written.items()
        if not _same(value, actual.get(name))
    ]


def _verify_records(writer: Writer, sobject: str, group: Sequence[ChangeResult]) -> list[Difference]:
    fields = sorted({name for r in group if r.change.action is not Action.DELETE for name in r.written} - {"Id"})
    ids = sorted({r.record_id for r in group if r.record_id})
    found: dict[str, dict[str, Any]] = {}
    select = ", ".join(["Id", *fields])
    for soql in in_queries(f"SELECT {select} FROM {sobject} WHERE {{IN}}", "Id", ids):
        for record in writer.query(soql):
            found[record["Id"]] = record
    differences = []
    for result in group:
        record = found.get(result.record_id or "")
        if result.change.action is Action.DELETE:
            if record is not None:
                differences.append(Difference(result.change.key, "still present"))
            continue
        if record is None:
            differences.append(Difference(result.change.key, f"{sobject} {result.record_id} not found"))
            continue
        for name, value in result.written.items():
            if not _same(value, record.get(name)):
                differences.append(Difference(result.change.key, f"{name} is {record.get(name)!r}, expected {value!r}"))
    return differences
