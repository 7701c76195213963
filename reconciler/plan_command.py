"""`guestlist plan`: load the config, observe the org, diff, render; `--out` saves the plan for apply.

Exit codes: 0 success (with --detailed-exitcode: no changes), 2 changes present (--detailed-exitcode only),
1 an error or a blocker. Errors are one clear line on stderr, never a traceback; with --format json stdout also
gets one JSON object for them (`{"format_version": 1, "ok": false, "error": {...}}`, docs/plan-json.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from rich.console import Console

from reconciler import dates
from reconciler.errors import CommandError
from reconciler.model import DesiredState
from reconciler.plan.change import Plan

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


@dataclass(frozen=True)
class PlanOptions:
    path: Path
    org: str = "sandbox"
    sandbox_db: Path | None = None
    output_format: str = "text"
    out: Path | None = None
    detailed_exitcode: bool = False
    redact: bool = False
    today: str | None = None


class PlanAbort(CommandError):
    """A user-facing error of plan (and of the config-loading step apply shares): exit 1; `code` names the kind
    of error in the JSON error document."""

    def __init__(self, message: str, code: str = "bad-option", problems: tuple[dict[str, object], ...] = ()) -> None:
        super().__init__(message, EXIT_ERROR, code, problems)

    @property
    def code(self) -> str:
        return self.json_code


def parse_today(value: str | None) -> dt.date:
    try:
        return dates.parse_today(value)
    except dates.BadDate as exc:
        raise PlanAbort(f"error: {exc}") from None


def parse_format(value: str) -> OutputFormat:
    try:
        return OutputFormat(value)
    except ValueError:
        choices = ", ".join(f.value for f in OutputFormat)
        raise PlanAbort(f"error: --format {value!r} is not one of {choices}") from None


def run(options: PlanOptions, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        output_format = parse_format(options.output_format)
    except PlanAbort as abort:  # not knowing the format, nothing goes to stdout
        print(str(abort), file=err)
        return EXIT_ERROR
    try:
        today = parse_today(options.today)
        check_out_path(options.out)
        check_sandbox_db_path(options)
        desired = load_config_or_report(options.path, today, err)
        plan = make_plan(desired, options, today)
        if options.out is not None:
            save_plan(plan, options.out, err)
    except PlanAbort as abort:
        print(str(abort), file=err)
        if output_format is OutputFormat.JSON:
            from reconciler.render.json import render_error_json

            out.write(render_error_json(abort.code, str(abort).removeprefix("error: "), abort.problems))
            out.flush()
        return EXIT_ERROR
    learn_people_of(plan)
    write_plan(redact_plan(plan) if options.redact else plan, output_format, out)
    if plan.blocked:
        return EXIT_ERROR
    if options.detailed_exitcode and plan.differs:  # a manual step left is a difference too
        return EXIT_CHANGES
    return EXIT_OK


def load_config_or_report(path: Path, today: dt.date, err: TextIO) -> DesiredState:
    """The desired state; every problem (errors and warnings) goes to `err` as `file:line:col: severity rule:
    message`, and a config with errors raises PlanAbort carrying them."""
    from reconciler.config import load_desired

    loaded = load_desired(path, today)
    learn_people_of(loaded.draft)
    for problem in loaded.problems:
        print(str(problem), file=err)
    if loaded.desired is None:
        raise PlanAbort("error: the config has problems (listed above); no plan was made", "invalid-config",
                        tuple(problem.to_json() for problem in loaded.problems))
    return loaded.desired


def make_plan(desired: DesiredState, options: PlanOptions, today: dt.date) -> Plan:
    """Connect, observe, diff; the request count covers everything this command sent to the org."""
    from reconciler.org.connect import DEFAULT_SANDBOX_DB, OrgError, connect
    from reconciler.org.observe import observe
    from reconciler.plan.build import build_plan

    try:
        conn = connect(options.org, sandbox_db=options.sandbox_db or DEFAULT_SANDBOX_DB)
    except OrgError as exc:
        raise PlanAbort(f"error: {exc}", error_code(exc)) from None
    try:
        with conn:
            snapshot = observe(conn, desired, today=today)
            plan = build_plan(desired, snapshot, today)
            return dataclasses.replace(plan, generated=_now(), api_requests=conn.counter.total)
    except OrgError as exc:
        raise PlanAbort(f"error: {exc}", error_code(exc)) from None


def error_code(exc: Exception) -> str:
    """The JSON error code of an org failure (docs/plan-json.md)."""
    from reconciler.org.connect import ApiLimitExceeded, ConnectError

    if isinstance(exc, ApiLimitExceeded):
        return "api-limit-exceeded"
    return "connect-failed" if isinstance(exc, ConnectError) else "org-error"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def save_plan(plan: Plan, path: Path, err: TextIO) -> None:
    """Writes the plan for `guestlist apply --plan` (never redacted: apply needs the real values). A plan with
    blockers is not saved: apply could not execute it."""
    if plan.blocked:
        print(f"note: the plan has blockers, so it was not saved to {path}", file=err)
        return
    text = json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise PlanAbort(f"error: cannot write the plan to {path}: {exc.strerror or exc}",
                        "cannot-write-plan") from None


def check_out_path(path: Path | None) -> None:
    """Refuses an --out path that can never be written before the org is read. Missing directories are not
    created: in a pipeline they are a typo more often than an intention."""
    if path is None:
        return
    if path.is_dir():
        raise PlanAbort(f"error: --out {path} is a directory: name the file to write, e.g. {path / 'plan.json'}")
    blocker = file_in_the_way(path)
    if blocker is not None:
        raise PlanAbort(f"error: --out {path}: {blocker} is a file, not a directory")
    if not path.parent.is_dir():
        raise PlanAbort(f"error: --out {path}: the directory {path.parent} does not exist (create it first)")


def check_sandbox_db_path(options: PlanOptions) -> None:
    """Refuses a sandbox database that can't be created because a file stands where a directory must be."""
    problem = sandbox_db_problem(options.org, options.sandbox_db)
    if problem:
        raise PlanAbort(f"error: {problem}", "connect-failed")


def sandbox_db_problem(org: str, sandbox_db: Path | None) -> str | None:
    """Why the sandbox org's database can't be created (a file where a directory must be), or None; the same
    check for plan and apply, made before anything is read."""
    if org != "sandbox":
        return None
    from reconciler.org.connect import DEFAULT_SANDBOX_DB

    db = sandbox_db or DEFAULT_SANDBOX_DB
    blocker = file_in_the_way(db)
    if blocker is None:
        return None
    return (f"{blocker} is a file, not a directory, so the sandbox org's database {db} can't be created; "
            f"move {blocker} away or pass --sandbox-db PATH")


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` when it is not a directory (so `path` can never be created)."""
    for ancestor in path.parents:
        try:
            if ancestor.exists():
                return None if ancestor.is_dir() else ancestor
        except OSError:
            return None
    return None


def learn_people_of(source: DesiredState | Plan) -> None:
    """Tells the output guard who the config or the plan names, so --redact masks them in every line printed."""
    from reconciler import guard
    from reconciler.render.redact import declared_people, plan_people

    guard.learn_people(*(plan_people(source) if isinstance(source, Plan) else declared_people(source)))


def redact_plan(plan: Plan) -> Plan:
    from reconciler.render.redact import redact

    return redact(plan)


def write_plan(plan: Plan, output_format: OutputFormat, out: TextIO) -> None:
    if output_format is OutputFormat.JSON:
        from reconciler.render.json import render_json

        out.write(render_json(plan))
    elif output_format is OutputFormat.MARKDOWN:
        from reconciler.render.markdown import render_markdown

        out.write(render_markdown(plan))
    else:
        from reconciler.render.text import print_text

        print_text(plan, Console(file=out, soft_wrap=True, highlight=False))
    out.flush()


def render_for_terminal(plan: Plan, *, color: bool) -> str:
    """The text form as one string (ANSI colours when `color`), for commands that print the plan themselves."""
    from reconciler.render.text import print_text

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, soft_wrap=True, highlight=False, width=200)
    print_text(plan, console)
    return buffer.getvalue().rstrip("\n")
