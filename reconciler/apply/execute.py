"""Execute a plan's changes: batches in dependency order, created ids fed to later changes, per-record outcomes.

A change whose dependency did not succeed is skipped (and says which); everything else proceeds. When the org
stops the apply (API allowance spent, session gone) the rest is reported as not attempted. The changes have passed
`integrity.check_integrity` (API names, record ids, refs, no cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.apply.journal import Journal, safe_before
from reconciler.apply.lookup import finder
from reconciler.apply.steps import Batch, dependencies, plan_batches
from reconciler.kinds import KINDS
from reconciler.kinds.spec import CreateStep
from reconciler.org.writes import OUTCOME_UNKNOWN, RecordError, RecordResult, Writer, WriteStopped
from reconciler.plan.change import Action, Change
from reconciler.plan.email_change import request_digest


class Outcome(StrEnum):
    APPLIED = "applied"
    ALREADY_DONE = "already_done"  # the org was already so (found by lookup, already deleted): nothing written twice
    FAILED = "failed"
    SKIPPED = "skipped"  # a change it depends on did not succeed
    NOT_ATTEMPTED = "not_attempted"  # the apply stopped before it
    UNKNOWN = "unknown"  # the answer was lost and no lookup could settle it

    @property
    def succeeded(self) -> bool:
        return self in (Outcome.APPLIED, Outcome.ALREADY_DONE)


@dataclass(frozen=True)
class ChangeResult:
    change: Change
    outcome: Outcome
    record_id: str | None = None
    error: RecordError | None = None
    note: str | None = None
    written: Mapping[str, Any] = field(default_factory=dict)  # the values sent, refs resolved (for verification)


@dataclass(frozen=True)
class StepResult:
    """The outcome of a request sent after a create (a user's welcome mail: KindSpec.create_steps)."""

    change: Change
    step: CreateStep
    record_id: str
    error: RecordError | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


@dataclass
class Execution:
    results: list[ChangeResult] = field(default_factory=list)
    stopped: RecordError | None = None  # why the apply stopped early
    steps: list[StepResult] = field(default_factory=list)

    def by_outcome(self, outcome: Outcome) -> list[ChangeResult]:
        return [r for r in self.results if r.outcome is outcome]

    @property
    def complete(self) -> bool:
        return (self.stopped is None and all(r.outcome.succeeded for r in self.results)
                and all(s.succeeded for s in self.steps))


Progress = Callable[[int], None]


class Executor:
    def __init__(self, writer: Writer, journal: Journal, progress: Progress | None = None):
        self.writer = writer
        self.journal = journal
        self.progress = progress or (lambda n: None)
        self._outcomes: dict[str, ChangeResult] = {}
        self._ids: dict[str, str] = {}
        self._execution = Execution()

    def run(self, changes: Sequence[Change]) -> Execution:
        for batch in plan_batches(changes):
            if self._execution.stopped is not None:
                for change in batch.changes:
                    self._record(ChangeResult(change, Outcome.NOT_ATTEMPTED, note="the apply stopped before it"))
            else:
                self._run_batch(batch)
            self.progress(len(batch.changes))
        return self._execution

    def _run_batch(self, batch: Batch) -> None:
        ready: list[tuple[Change, dict[str, Any], dict[str, Any]]] = []
        for change in batch.changes:
            blocker = self._blocker(change)
            if blocker is not None:
                self._record(ChangeResult(change, Outcome.SKIPPED, note=blocker))
                continue
            try:
                values, lookup = change.resolve(self._ids)
            except KeyError as missing:
                self._record(ChangeResult(change, Outcome.SKIPPED, note=f"needs the id of {missing.args[0]}, "
                                                                       "which was not created"))
                continue
            ready.append((change, values, lookup))
        if not ready:
            return
        try:
            answers = self._send(batch, ready)
        except WriteStopped as stop:
            self._execution.stopped = stop.error
            self.journal.event("stopped", error=stop.error.code)
            for (change, values, _), answer in zip(ready, _padded(stop.partial, len(ready)), strict=True):
                if answer is not None:
                    self._record(_result(change, values, answer))
                elif stop.in_doubt and change.action is Action.CREATE:
                    self._record(ChangeResult(change, Outcome.UNKNOWN, error=RecordError(OUTCOME_UNKNOWN, ""),
                                              note="its request lost its answer as the apply stopped"))
                else:
                    self._record(ChangeResult(change, Outcome.NOT_ATTEMPTED, error=stop.error,
                                              note="the apply stopped before it"))
            return
        for (change, values, _), answer in zip(ready, answers, strict=True):
            self._record(_result(change, values, answer))
        if batch.action is Action.CREATE:
            self._create_steps([change for change, _, _ in ready])

    def _create_steps(self, created: Sequence[Change]) -> None:
        """The requests due right after these creates (KindSpec.create_steps), one per record, each sent once."""
        for change in created:
            result = self._outcomes[change.key]
            for step in KINDS[change.kind].create_steps:
                if change.after.get(step.word) is not True or not result.outcome.succeeded or not result.record_id:
                    continue
                if self._execution.stopped is not None:
                    self._step(change, step, result.record_id, RecordError("NOT_ATTEMPTED", "the apply stopped"))
                    continue
                try:
                    answer = self.writer.call_resource(change.sobject, result.record_id, step.resource, step.method)
                except WriteStopped as stop:
                    self._execution.stopped = stop.error
                    self.journal.event("stopped", error=stop.error.code)
                    self._step(change, step, result.record_id, stop.error)
                    continue
                self._step(change, step, result.record_id, answer.error)

    def _step(self, change: Change, step: CreateStep, record_id: str, error: RecordError | None) -> None:
        self._execution.steps.append(StepResult(change, step, record_id, error))
        outcome = Outcome.APPLIED if error is None else (
            Outcome.UNKNOWN if error.code == OUTCOME_UNKNOWN else Outcome.FAILED)
        self.journal.record(change.key, step.word, outcome.value, record_id,
                            error_code=error.code if error else None)

    def _send(self, batch: Batch, ready: list[tuple[Change, dict[str, Any], dict[str, Any]]]) -> list[RecordResult]:
        if batch.is_metadata:
            merged: dict[str, Any] = {}
            for _, values, _ in ready:
                merged.update(values)
            answer = self.writer.update_settings(batch.sobject, "Chatter", merged)
            return [answer] * len(ready)
        if batch.action is Action.CREATE:
            records = [values for _, values, _ in ready]
            keys = [lookup for _, _, lookup in ready]
            return self.writer.create(batch.sobject, records, finder(self.writer, batch.sobject, keys),
                                      allow_duplicates=batch.allow_duplicates)
        if batch.action is Action.UPDATE:
            return self.writer.update(batch.sobject, [{"Id": c.record_id, **values} for c, values, _ in ready])
        return self.writer.delete(batch.sobject, [c.record_id or "" for c, _, _ in ready])

    def _blocker(self, change: Change) -> str | None:
        for key in dependencies(change):
            result = self._outcomes.get(key)
            if result is not None and not result.outcome.succeeded:
                return f"depends on {key}, which {_verb(result.outcome)}"
        return None

    def _record(self, result: ChangeResult) -> None:
        self._outcomes[result.change.key] = result
        if result.outcome.succeeded and result.record_id:
            self._ids[result.change.key] = result.record_id
        self._execution.results.append(result)
        record_id = result.record_id or result.change.record_id  # an update or delete names its record anyway
        self.journal.record(result.change.key, result.change.action.value, result.outcome.value, record_id,
                            error_code=result.error.code if result.error else None, note=result.note,
                            email_requested=_email_requested(result),
                            before=safe_before(result.change) if result.outcome is Outcome.APPLIED else None)


def _email_requested(result: ChangeResult) -> str | None:
    """The digest of the address an applied user update asked the person to confirm (real-orgs.md §4.1)."""
    change, email = result.change, result.written.get("Email")
    if result.outcome is not Outcome.APPLIED or change.action is not Action.UPDATE or change.sobject != "User":
        return None
    return request_digest(change.key, email) if isinstance(email, str) else None


def _result(change: Change, values: Mapping[str, Any], answer: RecordResult) -> ChangeResult:
    record_id = answer.id if change.action is Action.CREATE else change.record_id
    if answer.success:
        outcome = Outcome.ALREADY_DONE if answer.already else Outcome.APPLIED
        note = None
        if answer.already:
            note = "already in the org (found by lookup)" if change.action is Action.CREATE else "already gone"
        return ChangeResult(change, outcome, record_id, note=note, written=values)
    error = answer.error or RecordError("UNKNOWN", "")
    outcome = Outcome.UNKNOWN if error.code == OUTCOME_UNKNOWN else Outcome.FAILED
    return ChangeResult(change, outcome, record_id, error=error, written=values)


def _padded(items: Sequence[RecordResult | None], length: int) -> list[RecordResult | None]:
    return [*items[:length], *([None] * (length - len(items)))]


def _verb(outcome: Outcome) -> str:
    return {
        Outcome.FAILED: "failed",
        Outcome.SKIPPED: "was skipped",
        Outcome.NOT_ATTEMPTED: "was not attempted",
        Outcome.UNKNOWN: "has an unknown outcome",
    }.get(outcome, outcome.value)
