"""A notice as a GitHub issue: its title, which names the notice (recipient, days left, date) and nothing that can
change during the day, so a re-run finds it open; and its markdown body, which @mentions nobody."""

from __future__ import annotations

import datetime as dt

from reconciler.notify.notices import Notice

LABEL = "guestlist-expiry"
NOBODY = "nobody named (no sponsor, no group owner)"


def issue_title(notice: Notice, today: dt.date) -> str:
    """`guestlist: access ends 2099-03-31 (in 7 days), notice to bob@acme.com`: one title per notice and day."""
    ends = today + dt.timedelta(days=notice.days_left)
    days = f"{notice.days_left} day{'' if notice.days_left == 1 else 's'}"
    return f"guestlist: access ends {ends.isoformat()} (in {days}), notice to {notice.recipient or NOBODY}"


def issue_body(notice: Notice, today: dt.date) -> str:
    """Markdown: who is told and why, one table row per grant. Every value from the config is a code span, so a
    name with `@` in it mentions nobody and a `|` does not break the table."""
    if notice.recipient:
        to = (f"**For:** {_code(notice.recipient)}, the sponsor named in the config (else the group's owner). "
              "guestlist knows no GitHub logins, so nobody is @mentioned: please pass this on.")
    else:
        to = ("**For:** nobody: the config names no sponsor and no group owner for this access. Add a `sponsor`, "
              "or let the access end.")
    rows = [f"| {_code(item.person)} | {_code(item.grant)} | {item.expires.isoformat()} | {_code(str(item.source))} |"
            for item in notice.items]
    return "\n".join([
        to, "",
        f"{notice.subject}:", "",
        "| person | access | expires | declared in |",
        "|---|---|---|---|",
        *rows, "",
        "To keep the access, move its `expires` in the config (a reviewed pull request); otherwise guestlist "
        "removes it after that day.", "",
        f"_Opened by `guestlist notify --via github-issue` on {today.isoformat()}: one issue per recipient and "
        f"threshold, labelled `{LABEL}`._",
    ]) + "\n"


def _code(text: str) -> str:
    """`text` as a markdown code span inside a table cell (backticks swapped for quotes, pipes escaped)."""
    return "`" + text.replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"
