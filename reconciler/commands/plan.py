"""`guestlist plan`: load the config, observe the org, diff, render; `--out` saves the plan for apply.

Exit codes: 0 success (with --detailed-exitcode: no changes), 2 changes present (--detailed-exitcode only),
1 an error or a blocker. Errors are one clear line on stderr, never a traceback; with --format json stdout also
gets one JSON object for them (`{"format_version": 1, "ok": false, "error": {...}}`, docs/plan-json.md).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reconciler.apply.journal import DEFAULT_JOURNAL, email_requests
from reconciler.commands.clock import now
from reconciler.commands.config import load_valid_config
from reconciler.commands.exitcodes import EXIT_CHANGES, EXIT_ERROR, EXIT_OK
from reconciler.commands.options import (
    DEFAULT_MAX_CHARS,
    OrgLogin,
    OutputFormat,
    connect_org,
    file_in_the_way,
    sandbox_db_problem,
)
from reconciler.commands.terminal import learn_people_of, shown, write_plan
from reconciler.errors import CommandError
from reconciler.expiry import DEFAULT_EXPIRING_WITHIN
from reconciler.model import DesiredState, Source
from reconciler.plan.build import build_plan
from reconciler.plan.change import Plan

FORMATS = (OutputFormat.TEXT, OutputFormat.MARKDOWN, OutputFormat.JSON, OutputFormat.GITHUB)


@dataclass(frozen=True)
class PlanOptions:
    path: Path
    org: str = "sandbox"
    sandbox_db: Path | None = None
    output_format: OutputFormat = OutputFormat.TEXT
    out: Path | None = None
    detailed_exitcode: bool = False
    redact: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    max_chars: int = DEFAULT_MAX_CHARS  # markdown only: the comment's size limit
    login: OrgLogin = OrgLogin()  # --target-org, --auth-url-file, --expect-org
    expiring_within: int = DEFAULT_EXPIRING_WITHIN  # days: access ending this soon is an access-expiring warning
    journal: Path | None = None  # read only, the email changes apply requested (real-orgs.md §4); None: the default


def run(options: PlanOptions, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        check_out_path(options.out)
        check_journal_path(options.journal)
        check_sandbox_db_path(options)
        desired = load_valid_config(options.path, options.today, err, "no plan was made",
                                    expiring_within=options.expiring_within)
        plan = make_plan(desired, options, err)
        if options.out is not None:
            save_plan(plan, options.out, err)
    except CommandError as abort:
        return report(abort, options.output_format, out, err)
    learn_people_of(plan)
    write_plan(shown(plan, options.redact), options.output_format, out, max_chars=options.max_chars,
               containers=declared_containers(desired))
    if plan.blocked:
        return EXIT_ERROR
    if options.detailed_exitcode and plan.differs:  # a manual step left is a difference too
        return EXIT_CHANGES
    return EXIT_OK


def declared_containers(desired: DesiredState) -> dict[str, Source]:
    """Where the config declares each group and managed permission set (for --format github's annotations)."""
    from reconciler.render.github import container_key

    found = {container_key("group", g.name): g.source for g in desired.groups}
    found.update((container_key("permission_set", p.name), p.source) for p in desired.permission_sets)
    return found


def report(abort: CommandError, output_format: str, out: TextIO, err: TextIO) -> int:
    """The error on `err`; under --format json also as a JSON error document on `out` (a format that could not
    be parsed gets nothing on `out`). Returns the exit code."""
    print(str(abort), file=err)
    if output_format == OutputFormat.JSON:
        from reconciler.render.json import render_error_json

        out.write(render_error_json(abort.json_code, str(abort).removeprefix("error: "), abort.problems))
        out.flush()
    return abort.exit_code


def make_plan(desired: DesiredState, options: PlanOptions, err: TextIO | None = None) -> Plan:
    """Connect, observe, diff; the request count covers everything this command sent to the org."""
    from reconciler.org.connect import OrgError
    from reconciler.org.observe import observe

    try:
        conn = connect_org(options.org, options.sandbox_db, options.login, expect_org=desired.org.id, err=err)
    except OrgError as exc:
        raise CommandError(f"error: {exc}", json_code=error_code(exc)) from None
    try:
        with conn:
            snapshot = observe(conn, desired)
            requested = email_requests(options.journal or DEFAULT_JOURNAL, snapshot.org.id)
            plan = build_plan(desired, snapshot, options.today, options.expiring_within, email_requests=requested)
            return dataclasses.replace(plan, generated=now(), api_requests=conn.counter.total)
    except OrgError as exc:
        raise CommandError(f"error: {exc}", json_code=error_code(exc)) from None


def error_code(exc: Exception) -> str:
    """The JSON error code of an org failure (docs/plan-json.md)."""
    from reconciler.org.connect import ApiLimitExceeded, ConnectError

    if isinstance(exc, ApiLimitExceeded):
        return "api-limit-exceeded"
    return "connect-failed" if isinstance(exc, ConnectError) else "org-error"


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
        raise CommandError(f"error: cannot write the plan to {path}: {exc.strerror or exc}",
                           json_code="cannot-write-plan") from None


def check_out_path(path: Path | None) -> None:
    """Refuses an --out path that can never be written before the org is read. Missing directories are not
    created: in a pipeline they are a typo more often than an intention."""
    if path is None:
        return
    if path.is_dir():
        raise CommandError(f"error: --out {path} is a directory: name the file to write, e.g. {path / 'plan.json'}")
    blocker = file_in_the_way(path)
    if blocker is not None:
        raise CommandError(f"error: --out {path}: {blocker} is a file, not a directory")
    if not path.parent.is_dir():
        raise CommandError(f"error: --out {path}: the directory {path.parent} does not exist (create it first)")


def check_journal_path(path: Path | None) -> None:
    """Refuses a --journal that can't be apply's journal file; a missing one is fine (nothing was requested), and
    so is an unreadable default one (.guestlist/journal.jsonl)."""
    if path is None:
        return
    if path.is_dir():
        raise CommandError(f"error: --journal {path} is a directory: name apply's journal file, e.g. "
                           f"{path / 'journal.jsonl'}; no plan was made")
    blocker = file_in_the_way(path)
    if blocker is not None:
        raise CommandError(f"error: --journal {path}: {blocker} is a file, not a directory; no plan was made")


def check_sandbox_db_path(options: PlanOptions) -> None:
    """Refuses a sandbox database that can't be created because a file stands where a directory must be."""
    problem = sandbox_db_problem(options.org, options.sandbox_db, options.login)
    if problem:
        raise CommandError(f"error: {problem}", json_code="connect-failed")
