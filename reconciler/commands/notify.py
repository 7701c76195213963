"""`guestlist notify`: today's notices of access about to end, to each sponsor (else the group's owner)
(docs/decisions/notify.md). `--via stdout` reads the config only and writes nothing to any org; `--via
github-issue` opens one GitHub issue per notice (reconciler/notify/via_github.py); `--via chatter` and `--via
email` deliver through the org (reconciler/commands/notify_org.py, which gives their exit codes).

Exit codes: 0 the notices were shown or delivered (or there were none), 1 an error (an invalid config, a bad
option, a missing token or repository, the org unreachable) or a notice not delivered: partial delivery is never 0.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reconciler.commands.config import load_valid_config
from reconciler.commands.exitcodes import EXIT_OK
from reconciler.commands.options import OrgLogin, OutputFormat
from reconciler.errors import CommandError
from reconciler.notify.notices import DEFAULT_THRESHOLDS, Notice, notices

FORMATS = (OutputFormat.TEXT, OutputFormat.JSON)
CHANNELS = ("stdout", "github-issue", "chatter", "email")
ORG_CHANNELS = ("chatter", "email")  # through the org's standard actions (commands/notify_org.py)


@dataclass(frozen=True)
class NotifyOptions:
    path: Path
    thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
    within: int | None = None  # --expiring-within; None: the largest threshold
    via: str = "stdout"
    output_format: OutputFormat = OutputFormat.TEXT
    today: dt.date = field(default_factory=dt.date.today)
    org: str = "sandbox"  # --org, --sandbox-db and the login options: --via chatter|email only
    sandbox_db: Path | None = None
    login: OrgLogin = OrgLogin()


def parse_via(value: str) -> str:
    if value not in CHANNELS:
        raise CommandError(f"error: --via {value!r}: expected one of {', '.join(CHANNELS)}")
    return value


def run(options: NotifyOptions, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    from reconciler.notify.render import render_json, render_text

    out, err = stdout or sys.stdout, stderr or sys.stderr
    within = max(options.thresholds) if options.within is None else options.within
    if options.via in ORG_CHANNELS:
        from reconciler.commands import notify_org

        notify_org.check(options)
    desired = load_valid_config(options.path, options.today, err, "no notice was sent", expiring_within=within)
    found = notices(desired, options.today, options.thresholds, within)
    learn_people_of(found)
    if options.via == "github-issue":
        from reconciler.notify.via_github import deliver

        return deliver(found, options.today, out, err, as_json=options.output_format is OutputFormat.JSON,
                       env=os.environ)
    if options.via in ORG_CHANNELS:
        return notify_org.run(found, desired, options, out, err)
    render = render_json if options.output_format is OutputFormat.JSON else render_text
    out.write(render(found, options.today.isoformat()))
    out.flush()
    return EXIT_OK


def learn_people_of(found: list[Notice]) -> None:
    """The output guard masks the people noticed under --redact; recipients are colleagues and stay readable."""
    from reconciler import guard

    guard.learn_people((item.person for n in found for item in n.items),
                       (n.recipient for n in found if n.recipient))
