"""`guestlist notify --via chatter|email`: today's notices delivered through the org's standard actions, after
connecting with the same `--org` options as plan and report (docs/decisions/notify.md).

Prints one line per notice on stdout (to whom, what, and the org's reference) and one `error:` line on stderr per
notice not delivered (a recipient the org lacks or has inactive, nobody to tell, the org refusing it). It connects
even on a day without notices, so a daily run finds broken credentials before a notice is due. Exit codes: 0 every
notice was delivered (or there were none), 1 any notice was not delivered (the others are still sent), or an
error before anything was sent (an invalid config, a bad option, the org unreachable or the recipients' users
unreadable).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from reconciler.commands.exitcodes import EXIT_ERROR, EXIT_OK
from reconciler.commands.options import OutputFormat, connect_org, sandbox_db_problem
from reconciler.errors import CommandError
from reconciler.model import DesiredState
from reconciler.notify.notices import Notice
from reconciler.notify.via_org import Delivery, deliver

if TYPE_CHECKING:
    from reconciler.commands.notify import NotifyOptions


def check(options: NotifyOptions) -> None:
    """Refuses, before the config is read, a sandbox database that can't be created."""
    problem = sandbox_db_problem(options.org, options.sandbox_db, options.login)
    if problem:
        raise CommandError(f"error: {problem}")


def run(found: Sequence[Notice], desired: DesiredState, options: NotifyOptions, out: TextIO, err: TextIO) -> int:
    from reconciler.org.connect import OrgError

    today = options.today.isoformat()
    try:
        with connect_org(options.org, options.sandbox_db, options.login, expect_org=desired.org.id,
                         err=err) as conn:
            deliveries = deliver(conn, found, options.via)
    except OrgError as exc:
        raise CommandError(f"error: {exc}; no notice was sent") from None
    if options.output_format is OutputFormat.JSON:
        out.write(render_json(deliveries, options.via, today))
    elif not deliveries:
        out.write(f"no notices on {today}: no access ends on a threshold day; nothing sent\n")
    else:
        out.write("".join(f"sent by {options.via} to {d.notice.recipient}: {d.notice.subject} ({d.detail})\n"
                          for d in deliveries if d.sent))
    out.flush()
    failed = [d for d in deliveries if not d.sent]
    for d in failed:
        print(f"error: not sent by {options.via} to {d.notice.recipient or 'nobody'}: {d.notice.subject}: "
              f"{d.detail}", file=err)
    if failed:
        print(f"error: {len(failed)} of {len(deliveries)} notices not delivered", file=err)
    return EXIT_ERROR if failed else EXIT_OK


def render_json(deliveries: Sequence[Delivery], via: str, today: str) -> str:
    return json.dumps({"today": today, "via": via, "deliveries": [
        {"recipient": d.notice.recipient, "days_left": d.notice.days_left, "subject": d.notice.subject,
         "people": sorted({i.person for i in d.notice.items}), "sent": d.sent, "detail": d.detail}
        for d in deliveries]}, indent=2) + "\n"
