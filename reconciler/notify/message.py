"""The words a notice is sent with through the org (`--via chatter|email`): who, which grant, which date, how
many days are left, and what to do. Pure: the same lines `--via stdout` shows, with the request to act."""

from __future__ import annotations

from reconciler.notify.notices import Notice
from reconciler.notify.render import item_line

# Chatter post text: 10,000 characters in API 222.0, 5,000 in older docs (real-orgs.md §14.2): the lower one
MAX_TEXT = 5_000
WHAT_TO_DO = ("To keep this access, extend its `expires` date in the guestlist YAML by a pull request (the file "
              "and line are given above). To let it end, do nothing: guestlist removes it on that date.")


def body(notice: Notice, max_chars: int = MAX_TEXT, prefix: str = "") -> str:
    """The plain text: `prefix` (a mention), the subject, one line per grant (as many as fit in `max_chars`, then
    how many more), and what to do."""
    lines = [f"- {item_line(item)}" for item in notice.items]
    shown = len(lines)
    while shown > 1 and len(_text(notice, prefix, lines[:shown], len(lines) - shown)) > max_chars:
        shown -= 1
    return _text(notice, prefix, lines[:shown], len(lines) - shown)


def _text(notice: Notice, prefix: str, lines: list[str], more: int) -> str:
    if more:
        lines = [*lines, f"- ... and {more} more (guestlist notify --via stdout lists them all)"]
    return f"{prefix}{notice.subject}\n\n" + "\n".join(lines) + f"\n\n{WHAT_TO_DO}"
