"""The options several commands share, each parsed in one place: `--today` (a calendar date), `--format` (one of
a command's formats) and `--org`/`--sandbox-db` (where the org is, checked before anything is read). A bad value
raises CommandError with one line saying which option and why (exit 1, docs/decisions/exit-codes.md)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.config.hints import calendar_problem
from reconciler.errors import CommandError

if TYPE_CHECKING:
    from reconciler.org.connect import OrgConnection

_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")
# plan --format markdown: the comment's size limit; GitHub refuses comments over 65,536 characters
# (docs/reference/ecosystem.md §3.1)
DEFAULT_MAX_CHARS = 60_000


class OutputFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"
    GITHUB = "github"  # GitHub Actions workflow-command annotations (render/github.py)


def parse_today(text: str | None) -> dt.date:
    """The date expiry is judged on: `text` (strictly YYYY-MM-DD), or the local date when it is None."""
    if text is None:
        return dt.date.today()
    if not _DATE_SHAPE.fullmatch(text):
        raise CommandError(f"error: --today {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-22")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"error: --today {text!r} is not a date: {calendar_problem(text)}") from None


def parse_format(value: str, allowed: Sequence[OutputFormat]) -> OutputFormat:
    """`value` as one of the formats a command writes (`allowed`, in the order the message lists them)."""
    if value in allowed:
        return OutputFormat(value)
    raise CommandError(f"error: --format {value!r} is not one of {', '.join(allowed)}")


def sandbox_db_problem(org: str, sandbox_db: Path | None) -> str | None:
    """Why the sandbox org's database can't be created (a file where a directory must be), or None; checked by
    every command that reaches an org, before anything is read."""
    if org != "sandbox":
        return None
    from reconciler.org.connect import DEFAULT_SANDBOX_DB

    db = sandbox_db or DEFAULT_SANDBOX_DB
    blocker = file_in_the_way(db)
    if blocker is None:
        return None
    return (f"{blocker} is a file, not a directory, so the sandbox org's database {db} can't be created; "
            f"move {blocker} away or pass --sandbox-db PATH")


def connect_org(org: str, sandbox_db: Path | None) -> OrgConnection:
    """The org `--org` names (`--sandbox-db`, or the default database, for the built-in sandbox org). Raises
    OrgError (an unknown name, credentials missing or refused, the org unreachable)."""
    from reconciler.org.connect import DEFAULT_SANDBOX_DB, connect

    return connect(org, sandbox_db=sandbox_db or DEFAULT_SANDBOX_DB)


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` when it is not a directory (so `path` can never be created)."""
    for ancestor in path.parents:
        try:
            if ancestor.exists():
                return None if ancestor.is_dir() else ancestor
        except OSError:
            return None
    return None
