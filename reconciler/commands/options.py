"""The options several commands share, each parsed in one place: `--today` (a calendar date), `--format` (one of
a command's formats), `--org`/`--sandbox-db` (where the org is, checked before anything is read) and the ways to
log in besides `--org` (`-o/--target-org`, `--auth-url-file`, `--expect-org`: `parse_login`). A bad value raises
CommandError with one line saying which option and why (exit 1, docs/decisions/exit-codes.md)."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

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
    CSV = "csv"  # guestlist report: a spreadsheet (report/render.py)


def parse_today(text: str | None, option: str = "--today") -> dt.date:
    """The date expiry is judged on: `text` (strictly YYYY-MM-DD), or the local date when it is None; `option` is
    the flag a bad value is reported under (report's is --as-of)."""
    if text is None:
        return dt.date.today()
    if not _DATE_SHAPE.fullmatch(text):
        raise CommandError(f"error: {option} {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-22")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"error: {option} {text!r} is not a date: {calendar_problem(text)}") from None


def parse_format(value: str, allowed: Sequence[OutputFormat]) -> OutputFormat:
    """`value` as one of the formats a command writes (`allowed`, in the order the message lists them)."""
    if value in allowed:
        return OutputFormat(value)
    raise CommandError(f"error: --format {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True)
class OrgLogin:
    """How to log in besides `--org` (reconciler.org.connect.Login holds the same, checked)."""

    target_org: str | None = None
    auth_url_file: str | None = None
    expect_org: str | None = None

    @property
    def names_an_org(self) -> bool:
        return self.target_org is not None or self.auth_url_file is not None


def parse_login(org: str, target_org: str | None, auth_url_file: str | None, expect_org: str | None) -> OrgLogin:
    """The login options, refused when two of them name an org: `--target-org` goes with the default `--org`
    (or `--org sf`), `--auth-url-file` with the default `--org` only."""
    target_org = None if target_org is None else target_org.strip()
    if target_org == "":
        raise CommandError("error: --target-org needs an alias or a username")
    if auth_url_file == "":
        raise CommandError("error: --auth-url-file needs a path (or - for stdin)")
    if target_org is not None and auth_url_file is not None:
        raise CommandError("error: --target-org and --auth-url-file both name an org: use one")
    if target_org is not None and org not in ("sandbox", "sf"):
        raise CommandError(f"error: --target-org and --org {org} both name an org: use one")
    if auth_url_file is not None and org != "sandbox":
        raise CommandError(f"error: --auth-url-file and --org {org} both name an org: use one")
    if expect_org is not None:
        from reconciler.org.connect import ConnectError, org_id_18

        try:
            org_id_18(expect_org, "--expect-org")
        except ConnectError as exc:
            raise CommandError(f"error: {exc}") from None
    return OrgLogin(target_org, auth_url_file, expect_org)


def sandbox_db_problem(org: str, sandbox_db: Path | None, login: OrgLogin = OrgLogin()) -> str | None:
    """Why the sandbox org's database can't be created (a file where a directory must be), or None; checked by
    every command that reaches an org, before anything is read."""
    if org != "sandbox" or login.names_an_org:
        return None
    from reconciler.org.connect import DEFAULT_SANDBOX_DB

    db = sandbox_db or DEFAULT_SANDBOX_DB
    blocker = file_in_the_way(db)
    if blocker is None:
        return None
    return (f"{blocker} is a file, not a directory, so the sandbox org's database {db} can't be created; "
            f"move {blocker} away or pass --sandbox-db PATH")


def connect_org(org: str, sandbox_db: Path | None, login: OrgLogin = OrgLogin(), *, expect_org: str | None = None,
                err: TextIO | None = None) -> OrgConnection:
    """The org `--org` or `login` names (`--sandbox-db`, or the default database, for the built-in sandbox org),
    pinned to `login.expect_org` or else `expect_org` (the config's `org.id`); says on `err` (stderr) where it
    connected. Raises OrgError (an unknown name, credentials missing or refused, the org unreachable, another
    org than the pinned one)."""
    from reconciler.org.connect import DEFAULT_SANDBOX_DB, Login, connect, org_id_18

    pin = login.expect_org or expect_org
    if pin is not None and login.expect_org is None:
        pin = org_id_18(pin, "org.id in the config")
    conn = connect(org, sandbox_db=sandbox_db or DEFAULT_SANDBOX_DB,
                   login=Login(login.target_org, login.auth_url_file, pin))
    print(conn.describe(), file=err or sys.stderr, flush=True)
    return conn


def file_in_the_way(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` when it is not a directory (so `path` can never be created)."""
    for ancestor in path.parents:
        try:
            if ancestor.exists():
                return None if ancestor.is_dir() else ancestor
        except OSError:
            return None
    return None
