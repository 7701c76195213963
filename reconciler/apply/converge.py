"""After writing: read back exactly what the apply touched and say what, if anything, is still different.

Created and updated records are re-read by id and every field written is compared; deleted records must be
gone; settings are re-read through the Metadata API. Only the records the apply wrote are read, never a parent's
other children (reading 1,000 new users by their profiles read all ~200,000 users of those profiles): about one
query per sObject per ~370 ids.
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
    awaiting: tuple[Difference, ...] = ()  # email changes the org holds until the person confirms (not a failure)

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
    awaiting: list[Difference] = []
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
                for difference, pending in _verify_records(writer, sobject, group):
                    (awaiting if pending else differences).append(difference)
        except QueryFailed as exc:
            unverified.append(f"{sobject}: could not be read back ({exc.error})")
        except WriteStopped as exc:  # the org refuses requests now: stop reading at once
            unverified.append(f"{', '.join(names[position:])}: not read back, the org stopped answering ({exc.error})")
            break
    return Verification(tuple(differences), tuple(unverified), tuple(awaiting))


def _verify_settings(writer: Writer, sobject: str, group: Sequence[ChangeResult]) -> list[Difference]:
    actual = writer.read_settings(sobject, "Chatter")
    return [
        Difference(r.change.key, say_field(sobject, name, actual.get(name), value))
        for r in group
        for name, value in r.written.items()
        if not _same(value, actual.get(name))
    ]


def _awaits_confirmation(sobject: str, name: str) -> bool:
    """A written User.Email reads back unchanged until the person confirms it (real-orgs.md §4.1)."""
    return sobject == "User" and name == "Email"


def _verify_records(writer: Writer, sobject: str, group: Sequence[ChangeResult]) -> list[tuple[Difference, bool]]:
    """Each difference found, and whether it is an email change awaiting the person's confirmation."""
    fields = sorted({name for r in group if r.change.action is not Action.DELETE for name in r.written} - {"Id"})
    select = f"SELECT {', '.join(['Id', *fields])} FROM {sobject} WHERE {{IN}}"
    found: dict[str, dict[str, Any]] = {}
    wanted = {r.record_id for r in group if r.record_id}
    for soql in in_queries(select, "Id", sorted(wanted)):
        for row in writer.query(soql):
            found[row["Id"]] = row
    differences: list[tuple[Difference, bool]] = []
    for result in group:
        record = found.get(result.record_id or "")
        if result.change.action is Action.DELETE:
            if record is not None:
                differences.append((Difference(result.change.key, "still present"), False))
            continue
        if record is None:
            differences.append((Difference(result.change.key, f"not found in the org (record {result.record_id})"),
                                False))
            continue
        for name, value in result.written.items():
            if not _same(value, record.get(name)):
                pending = result.change.action is Action.UPDATE and _awaits_confirmation(sobject, name)
                differences.append((Difference(result.change.key, say_field(sobject, name, record.get(name), value)),
                                    pending))
    return differences
