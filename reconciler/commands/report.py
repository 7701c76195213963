"""`guestlist report`: the access review. Load the config, observe the org with the review's wider reads, one row
per person and grant, rendered as CSV (a spreadsheet: the review's evidence), markdown or JSON on stdout
(docs/decisions/access-review-report.md).

Exit codes: 0 the report was written, 1 an error (the config invalid, the org unreachable or refusing a read).
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reconciler.commands.clock import now
from reconciler.commands.config import load_valid_config
from reconciler.commands.exitcodes import EXIT_OK
from reconciler.commands.options import OrgLogin, OutputFormat, connect_org, sandbox_db_problem
from reconciler.errors import CommandError
from reconciler.gitinfo import config_commit
from reconciler.model import DesiredState, Snapshot
from reconciler.report.model import Header, Report

FORMATS = (OutputFormat.CSV, OutputFormat.MARKDOWN, OutputFormat.JSON)


@dataclass(frozen=True)
class ReportOptions:
    path: Path
    org: str = "sandbox"
    sandbox_db: Path | None = None
    output_format: OutputFormat = OutputFormat.MARKDOWN
    redact: bool = False
    today: dt.date = field(default_factory=dt.date.today)  # --as-of: expires and days left are judged on it
    login: OrgLogin = OrgLogin()  # --target-org, --auth-url-file, --expect-org


def run(options: ReportOptions, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    problem = sandbox_db_problem(options.org, options.sandbox_db, options.login)
    if problem:
        raise CommandError(f"error: {problem}")
    desired = load_valid_config(options.path, options.today, err, "no report was made")
    report = make_report(desired, options, err)
    learn_people_of(report)
    out.write(rendered(report, options))
    out.flush()
    return EXIT_OK


def make_report(desired: DesiredState, options: ReportOptions, err: TextIO | None = None) -> Report:
    """Connect, observe (review=True), build; org failures become CommandError (exit 1)."""
    from reconciler import __version__
    from reconciler.org.connect import OrgError
    from reconciler.org.observe import observe
    from reconciler.report.build import build_report

    try:
        with connect_org(options.org, options.sandbox_db, options.login, expect_org=desired.org.id,
                         err=err) as conn:
            snapshot: Snapshot = observe(conn, desired, review=True)
    except OrgError as exc:
        raise CommandError(f"error: {exc}; no report was made") from None
    commit = config_commit(options.path)  # the same helper as the journal's runner
    shown = "" if commit is None else commit["commit"] + (" + uncommitted changes" if commit["dirty"] else "")
    header = Header(snapshot.org.id, snapshot.org.name, options.today.isoformat(), now(), __version__,
                    str(options.path), shown)
    return build_report(desired, snapshot, options.today, header)


def learn_people_of(report: Report) -> None:
    """Tells the output guard who the report names, so that --redact masks the org's undeclared people too."""
    from reconciler import guard

    external = {part for row in report.rows if row.external for part in (row.person, row.name) if part}
    colleagues = {row.person for row in report.rows if not row.external}
    colleagues.update(name for row in report.rows for name in (row.sponsor, row.granted_by) if "@" in name)
    guard.learn_people(external, colleagues)


def rendered(report: Report, options: ReportOptions) -> str:
    from reconciler.report.render import redacted, render_csv, render_json, render_markdown

    shown = redacted(report) if options.redact else report
    if options.output_format is OutputFormat.CSV:
        return render_csv(shown)
    if options.output_format is OutputFormat.JSON:
        return render_json(shown)
    return render_markdown(shown)
