"""The body of `guestlist apply`: plan (or load a saved plan and check it is still true), show it, pass the
gates, confirm, write in batches with a journal, read back, report. Exit 0 applied or nothing to do, 1 error or
partial failure, 3 refused by a safety gate, 4 a saved plan that is no longer true (stale or made for another org:
plan again), 5 another apply holds the org's lock (lock.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from reconciler.apply.converge import Verification, verify
from reconciler.apply.execute import Execution, Executor, Progress
from reconciler.apply.explain import explain
from reconciler.apply.gates import check_gates
from reconciler.apply.integrity import PlanInconsistent, check_integrity
from reconciler.apply.journal import DEFAULT_JOURNAL, Journal, JournalError, email_requests, runner
from reconciler.apply.lock import DEFAULT_TIMEOUT, ApplyLock, Holder, LockError, LockHeld
from reconciler.apply.planfile import load_plan_file
from reconciler.apply.report import manual_left_line, outcome_lines, usage_line, verification_lines
from reconciler.apply.stale import appeared_records, moved_records, shorten, unwanted_changes, wrong_org
from reconciler.commands.clock import now
from reconciler.commands.config import load_valid_config
from reconciler.commands.exitcodes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_REFUSED, EXIT_STALE
from reconciler.commands.options import (
    OrgLogin,
    OutputFormat,
    connect_org,
    file_in_the_way,
    sandbox_db_problem,
)
from reconciler.commands.terminal import learn_people_of, shown, write_plan
from reconciler.errors import CommandError
from reconciler.org.writes import RetryPolicy, Writer, WriteStopped
from reconciler.plan.change import Change, Kind, Plan

if TYPE_CHECKING:
    from reconciler.model import DesiredState, Snapshot
    from reconciler.org.connect import OrgConnection

PROGRESS_THRESHOLD = 200  # changes: smaller applies finish before a bar would help


@dataclass(frozen=True)
class ApplyOptions:
    path: Path
    org: str = "sandbox"
    sandbox_db: Path | None = None
    yes: bool = False
    plan_file: Path | None = None
    force: bool = False
    allow_irreversible: bool = False
    journal: Path = DEFAULT_JOURNAL
    today: dt.date = field(default_factory=dt.date.today)
    lock_timeout: float = DEFAULT_TIMEOUT  # seconds to wait for another apply's lock; 0: refuse at once
    login: OrgLogin = OrgLogin()  # --target-org, --auth-url-file, --expect-org
    undo_out: Path | None = None  # --undo-out: the undo plan here too (always: <journal's folder>/undo/<time>.json)


@dataclass
class Console:
    out: TextIO
    err: TextIO
    stdin: TextIO

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def warn(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    @property
    def interactive(self) -> bool:
        return _isatty(self.stdin) and _isatty(self.out)


def _isatty(stream: TextIO) -> bool:
    from reconciler.commands.progress import is_terminal

    return is_terminal(stream)


def run(options: ApplyOptions, *, out: TextIO | None = None, err: TextIO | None = None,
        stdin: TextIO | None = None, policy: RetryPolicy | None = None) -> int:
    """The command; `policy` replaces the default retry policy (tests use one that does not sleep)."""
    from reconciler.org.connect import OrgError

    console = Console(out or sys.stdout, err or sys.stderr, stdin or sys.stdin)
    try:
        _check_local_paths(options)
        saved = load_plan_file(options.plan_file) if options.plan_file else None
        desired = load_valid_config(options.path, options.today, console.err, "nothing was written")
        with connect_org(options.org, options.sandbox_db, options.login, expect_org=desired.org.id,
                         err=console.err) as conn:
            writer = Writer(conn, policy=policy)
            lock = ApplyLock(Writer(conn, policy=policy), Holder.here(), timeout=options.lock_timeout,
                             say=console.warn)
            try:
                lock.acquire()  # before the org is read, so a second apply plans on what the first wrote
                plan, snapshot = _current_plan(conn, desired, options, saved, writer)
                return _apply(plan, snapshot, options, conn, writer, console, lock, desired)
            finally:
                _release(lock, console)
    except LockHeld as held:
        console.warn(str(held))
        return EXIT_LOCKED
    except LockError as exc:
        console.warn(f"error: {exc}; nothing was written")
        return EXIT_ERROR
    except CommandError as abort:  # apply's own, and those of the steps it shares with plan (the config)
        console.warn(str(abort))
        return abort.exit_code
    except OrgError as exc:
        console.warn(f"error: {exc}")
        return EXIT_ERROR
    except WriteStopped as stop:  # while checking a saved plan, before any write
        console.warn(f"error: {stop.error.code}: {explain('', stop.error)}; nothing was written")
        return EXIT_ERROR


def _check_local_paths(options: ApplyOptions) -> None:
    """Refuses, before the org is read, a sandbox database, journal or undo file that can't be created because a
    file stands where a directory must be, or a directory where the file goes (a plain line naming it)."""
    problem = sandbox_db_problem(options.org, options.sandbox_db, options.login)
    if problem:
        raise CommandError(f"error: {problem}; nothing was written")
    _refuse_unwritable(options.journal, "--journal", "the journal", "append to", "journal.jsonl", "--journal PATH")
    if options.undo_out is not None:
        _refuse_unwritable(options.undo_out, "--undo-out", "the undo plan", "write", "undo.json", "another --undo-out")


def _refuse_unwritable(path: Path, flag: str, what: str, verb: str, example: str, other: str) -> None:
    """Refuses a file `path` that can't be written: a file stands where a folder of it must be, or it is a folder."""
    blocker = file_in_the_way(path)
    if blocker is not None:
        raise CommandError(f"error: {blocker} is a file, not a directory, so {what} {path} can't be written; move "
                           f"{blocker} away or pass {other}; nothing was written")
    if path.is_dir():
        raise CommandError(f"error: {flag} {path} is a directory: name the file to {verb}, e.g. {path / example}; "
                           f"nothing was written")


def _current_plan(conn: OrgConnection, desired: DesiredState, options: ApplyOptions, saved: Plan | None,
                  writer: Writer) -> tuple[Plan, Snapshot]:
    """A fresh plan, or the saved one after checking that the org still is as it was when it was made, and the
    org as read for it. Both hold back the email changes the journal says await confirmation (real-orgs.md §4)."""
    from reconciler.org.observe import observe
    from reconciler.plan.build import build_plan

    # a saved plan's users are read whatever the config says: an undo reactivates users it no longer declares
    snapshot = observe(conn, desired, user_ids=_user_ids(saved.changes) if saved else ())
    requested = email_requests(options.journal, snapshot.org.id)
    if saved is None:
        plan = build_plan(desired, snapshot, options.today, email_requests=requested)
        try:
            check_integrity(plan.changes)
        except PlanInconsistent as exc:
            raise CommandError(f"error: guestlist made an inconsistent plan (a bug: please report it); nothing was "
                             f"written:\n{exc}") from None
        return dataclasses.replace(plan, generated=now()), snapshot
    problem = wrong_org(saved, snapshot.org)
    if problem:
        raise CommandError(f"Refused: {problem}; nothing was written.", EXIT_STALE)
    moved = moved_records(saved, snapshot) + appeared_records(writer, saved.changes, frozenset(saved.fingerprints))
    if moved:
        _refuse_saved("the org changed since this plan was made", moved)
    fresh = build_plan(desired, snapshot, dt.date.fromisoformat(saved.today), email_requests=requested)
    unwanted = unwanted_changes(saved, fresh) if not saved.undoes else \
        [f"the config has a blocker now: {blocker.message}" for blocker in fresh.blockers]  # an undo: see undo.md
    if unwanted:
        _refuse_saved(f"the config at {options.path} plans differently now", unwanted)
    return saved, snapshot


def _user_ids(changes: Iterable[Change]) -> list[str]:
    """The users these changes write to."""
    return [c.record_id for c in changes if c.kind is Kind.USER and c.record_id]


def _refuse_saved(why: str, problems: list[str]) -> None:
    """The saved plan is no longer true: exit 4, so a pipeline can tell "plan again" from "broken" (exit 1)."""
    lines = [f"Refused: {why}; nothing was written:", *(f"  - {line}" for line in shorten(problems)),
             "Make a new plan (guestlist plan --out ...), review it, and apply that."]
    raise CommandError("\n".join(lines), EXIT_STALE)


def _release(lock: ApplyLock, console: Console) -> None:
    problem = lock.release()
    if problem:
        console.warn(problem)


def _apply(plan: Plan, snapshot: Snapshot, options: ApplyOptions, conn: OrgConnection, writer: Writer,
           console: Console, lock: ApplyLock, desired: DesiredState) -> int:
    from reconciler import guard

    learn_people_of(plan)
    write_plan(shown(plan, guard.redacting()), OutputFormat.TEXT, console.out, color=console.interactive)
    if plan.blocked:
        console.warn("error: the plan has blockers (listed above); nothing was written")
        return EXIT_ERROR
    if not plan.has_changes:
        console.say("Nothing to write." if plan.manual_steps else "Nothing to do.")
        if plan.manual_steps:
            console.say(manual_left_line(len(plan.manual_steps)))
        _release(lock, console)  # before the count, so that the count includes it
        console.say(usage_line(conn.counter.total, 0, conn.api_usage, writer.allowance_spent))
        return EXIT_ERROR if plan.manual_steps else EXIT_OK
    refusals = check_gates(plan, force=options.force, allow_irreversible=options.allow_irreversible)
    if refusals:
        for refusal in refusals:
            console.warn("\n".join(refusal.lines()))
        console.warn("Nothing was written.")
        return EXIT_REFUSED
    try:
        journal = Journal(options.journal, plan.org.id).open()
    except JournalError as exc:
        raise CommandError(f"error: {exc}; nothing was written") from None
    with journal:
        _confirm(plan, options, console)
        execution, verification, writes = _execute(plan, options, writer, journal, console, conn)
    console.say("")
    console.say("\n".join(outcome_lines(execution)))
    _save_undo(plan, snapshot, execution, options, conn, desired, console)
    not_applied = sum(1 for r in execution.results if not r.outcome.succeeded)
    console.say("\n".join(verification_lines(verification, not_applied, len(plan.manual_steps))))
    _release(lock, console)
    console.say(usage_line(conn.counter.total, writes, conn.api_usage, writer.allowance_spent))
    done = execution.complete and verification.converged and not plan.manual_steps
    return EXIT_OK if done else EXIT_ERROR


def _save_undo(plan: Plan, before: Snapshot, execution: Execution, options: ApplyOptions, conn: OrgConnection,
               desired: DesiredState, console: Console) -> None:
    """Writes the undo plan of what this apply wrote (nothing written: no undo) and names it. The org is read
    again with every user the apply wrote, declared or not, so that undo can check and write each back."""
    from reconciler.apply.execute import Outcome
    from reconciler.apply.undo import undo_plan
    from reconciler.org.observe import observe

    if not execution.by_outcome(Outcome.APPLIED):
        return
    generated = now()
    written = [r.change.record_id or r.record_id or "" for r in execution.by_outcome(Outcome.APPLIED)
               if r.change.kind is Kind.USER]
    undo = undo_plan(plan, execution.results, before, observe(conn, desired, user_ids=written), generated)
    stamp = generated.replace(":", "").replace("-", "")
    folder = options.journal.parent / "undo"
    name = next(f"{stamp}{n or ''}.json" for n in range(1000) if not (folder / f"{stamp}{n or ''}.json").exists())
    paths = [folder / name, *([options.undo_out] if options.undo_out else [])]
    text = json.dumps(undo.to_json(), indent=2, ensure_ascii=False) + "\n"
    for path in paths:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            console.warn(f"error: cannot write the undo plan {path}: {exc.strerror or exc}")
            continue
        irreversible = sum(1 for w in undo.warnings if w.code == "irreversible")
        console.say(f"Undo: {path} ({len(undo.changes)} change(s); {irreversible} can't be undone, listed in it); "
                    f"apply it with guestlist apply --plan {path}")


def _execute(plan: Plan, options: ApplyOptions, writer: Writer, journal: Journal, console: Console,
             conn: OrgConnection) -> tuple[Execution, Verification, int]:
    """Write, read back, journal. An interruption or an unexpected failure is journaled and reported in one
    line (the journal holds every outcome so far; a rerun re-reads the org)."""
    from reconciler.org.requests import redact

    try:
        journal.event("apply", changes=len(plan.changes), plan_generated=plan.generated,
                      saved_plan=bool(options.plan_file), runner=runner(conn, options.path),
                      **({"undoes": plan.undoes} if plan.undoes else {}))
        with _progress(len(plan.changes), console) as advance:
            execution = Executor(writer, journal, advance).run(plan.changes)
        verification = _verify(writer, execution)
        by_operation = {f"{sobject} {operation}": n for (sobject, operation), n in
                        sorted(writer.requests_by_operation.items())}
        journal.event("done", complete=execution.complete, converged=verification.converged,
                      stopped=execution.stopped.code if execution.stopped else None, write_requests=by_operation)
    except JournalError as exc:  # disk full, file size limit: one line with what reached the org, exit 1
        raise CommandError(f"error: {exc}; the apply stopped there; {_written_so_far(journal)}") from None
    except KeyboardInterrupt:
        _last_event(journal, "interrupted")
        raise CommandError(f"interrupted: {options.journal} lists what was written; rerun apply to finish "
                         "(it re-reads the org first)", EXIT_INTERRUPTED) from None
    except Exception as exc:  # the command's boundary: one line, secrets redacted, never a traceback
        _last_event(journal, "crashed", error=type(exc).__name__)
        message = redact(f"{type(exc).__name__}: {exc}", conn.secrets())
        raise CommandError(f"error: apply failed unexpectedly ({message}); {options.journal} lists what was "
                         "written; rerun apply (it re-reads the org first)") from None
    return execution, verification, sum(by_operation.values())


def _last_event(journal: Journal, event: str, **fields: object) -> None:
    """Journal how the apply ended, if the journal can still be written (the message says the rest)."""
    with suppress(JournalError):
        journal.event(event, **fields)


def _written_so_far(journal: Journal) -> str:
    """What reached the org before the journal failed (the journal file can't say it now)."""
    if not journal.written:
        return "nothing was written to the org"
    counts = {action: sum(1 for a, _ in journal.written if a == action) for action in ("create", "update", "delete")}
    done = ", ".join(f"{n} {verb}" for action, verb in (("create", "created"), ("update", "updated"),
                                                         ("delete", "deleted")) if (n := counts[action]))
    keys = ", ".join(key for _, key in journal.written[:5]) + (" ..." if len(journal.written) > 5 else "")
    return f"written to the org by then: {done} ({keys}); rerun apply to finish (it re-reads the org first)"


def _verify(writer: Writer, execution: Execution) -> Verification:
    if execution.stopped is not None:  # the org refuses requests now: say so instead of trying
        return Verification((), (f"nothing was read back: the apply stopped ({execution.stopped.code})",))
    return verify(writer, execution.results)


def _confirm(plan: Plan, options: ApplyOptions, console: Console) -> None:
    if options.yes:
        return
    if not console.interactive:
        raise CommandError("error: apply needs --yes when it does not run on a terminal (it can't ask); "
                         "nothing was written")
    console.out.write(f"\nApply {len(plan.changes)} change(s) to {plan.org.name} ({plan.org.id})? "
                      "Only 'yes' is accepted: ")
    console.out.flush()
    answer = console.stdin.readline().strip()
    if answer != "yes":
        raise CommandError("Apply cancelled; nothing was written.")


@contextmanager
def _progress(total: int, console: Console) -> Iterator[Progress]:
    """A progress bar on stderr for long applies, only when stderr is a terminal."""
    if total < PROGRESS_THRESHOLD or not _isatty(console.err):
        yield lambda n: None
        return
    from reconciler.commands.progress import progress_bar

    with progress_bar(console.err, "applying") as bar:
        task = bar.add_task("apply", total=total)
        advance: Callable[[int], None] = lambda n: bar.advance(task, n)  # noqa: E731
        yield advance
