"""`guestlist export`: the org's current state as guestlist YAML, to adopt an existing org (docs/decisions/export.md).

YAML goes only to stdout (`--out -`, the default) or to files (`--out DIR`, `--split` for one file per group);
warnings, progress, the request count and the reminder that the files hold people's emails go to stderr. Files that
exist are never overwritten without `--force`. Exit codes: 0 written, 1 an error (docs/decisions/exit-codes.md).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reconciler import guard
from reconciler.commands.exitcodes import EXIT_OK
from reconciler.commands.options import OrgLogin, connect_org, file_in_the_way, sandbox_db_problem
from reconciler.commands.progress import ReadProgress, progress_bar, watched
from reconciler.errors import CommandError
from reconciler.export.model import Export
from reconciler.export.read import SECTIONS, Selection, read_export
from reconciler.export.write import SINGLE_FILE, render_one, render_split
from reconciler.org.export_reads import Progress

STDOUT = "-"
FIXED_FILES = ("org.yaml", "people.yaml", "access.yaml")  # --split's files besides groups/
PRIVACY = "note: the export holds people's names and emails: keep the repository it goes into private"


@dataclass(frozen=True)
class ExportOptions:
    out: str = STDOUT  # a directory, or "-" for stdout
    org: str = "sandbox"
    sandbox_db: Path | None = None
    split: bool = False
    sections: frozenset[str] = frozenset(SECTIONS)
    groups: str = "*"
    authoritative: bool = False
    force: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    login: OrgLogin = OrgLogin()  # --target-org, --auth-url-file, --expect-org


def parse_only(text: str | None) -> frozenset[str]:
    """`--only groups,chatter_users`: the sections to export (all when None)."""
    if text is None:
        return frozenset(SECTIONS)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in SECTIONS]
    if unknown or not chosen:
        shown = ", ".join(repr(part) for part in unknown) or repr(text)
        raise CommandError(f"error: --only {shown}: choose among {', '.join(SECTIONS)} (comma-separated)")
    return frozenset(chosen)


def parse_out(directory: str | None, out: str | None) -> str:
    """Where to write: the PATH argument or --out (not two different places); stdout when neither is given.
    Refused under GUESTLIST_REDACT/--redact for stdout: masked people would make the YAML a placeholder."""
    if directory is not None and out is not None and directory != out:
        raise CommandError(f"error: the export goes to one place: {directory} or --out {out}, not both")
    chosen = directory or out or STDOUT
    if chosen == STDOUT and guard.redacting():
        raise CommandError("error: redaction is on (GUESTLIST_REDACT), and it would mask the people in the YAML "
                           "printed: write the export to files with --out DIR instead")
    return chosen


def run(options: ExportOptions, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    check_options(options)
    with progress_on(err) as progress:
        export, requests = read_org(options, progress)
    for warning in export.warnings():
        print(f"warning: {warning}", file=err)
    print(f"exported {summary(export)}", file=err)
    if options.out == STDOUT:
        out.write(render_one(export, options.today))
        out.flush()
    else:
        written = write_files(export, options)
        print(f"wrote {len(written)} file(s) to {options.out}: {', '.join(written)}", file=err)
    print(PRIVACY, file=err)
    print(f"API requests used: {requests}.", file=err)
    return EXIT_OK


@contextmanager
def progress_on(err: TextIO) -> Iterator[Progress]:
    """A rich bar per read on stderr when a person watches it (a terminal, not CI), gone once the reads are done;
    nothing when stderr is a file or a pipe, so no bar ever mixes into a log or the YAML."""
    if not watched(err):
        yield lambda what, done, total: None
        return
    with progress_bar(err) as bar:
        yield ReadProgress(bar)


def summary(export: Export) -> str:
    """What the export holds, counted: "3 groups (16 members), 2 Chatter Free users, ..."."""
    parts = []
    if export.groups is not None:
        members = sum(len(group.members) for group in export.groups)
        parts.append(f"{len(export.groups)} group(s) ({members} member(s) and invitation(s))")
    if export.chatter_users is not None:
        parts.append(f"{len(export.chatter_users)} Chatter Free user(s)")
    if export.external_users is not None:
        parts.append(f"{len(export.external_users)} external user(s)")
    if export.permission_sets is not None:
        parts.append(f"{len(export.permission_sets)} permission set(s)")
    if export.chatter is not None:
        parts.append(f"{len(export.chatter)} Chatter setting(s)")
    return ", ".join(parts) or "nothing"


def check_options(options: ExportOptions) -> None:
    """Refuses what can never work before the org is read."""
    if options.split and options.out == STDOUT:
        raise CommandError("error: --split writes one file per group: give a directory with --out DIR")
    problem = sandbox_db_problem(options.org, options.sandbox_db, options.login)
    if problem:
        raise CommandError(f"error: {problem}")
    if options.out == STDOUT:
        return
    directory = Path(options.out)
    if directory.exists() and not directory.is_dir():
        raise CommandError(f"error: --out {directory} is a file: name a directory to write the export into")
    blocker = file_in_the_way(directory)
    if blocker is not None:
        raise CommandError(f"error: --out {directory}: {blocker} is a file, not a directory")


def read_org(options: ExportOptions, progress: Progress) -> tuple[Export, int]:
    """Connect and read; the request count covers everything this command sent to the org. Files in the way of
    the ones every export writes are refused once connected (the org is right), before the reads."""
    from reconciler.org.connect import OrgError, SessionExpired
    from reconciler.org.export_reads import ExportReader
    from reconciler.org.observe import CANNOT_RENEW

    try:
        conn = connect_org(options.org, options.sandbox_db, options.login)
    except OrgError as exc:
        raise CommandError(f"error: {exc}") from None
    selection = Selection(options.sections, options.groups, options.authoritative, options.today)
    with conn:
        refuse_overwrite(options, FIXED_FILES if options.split else (SINGLE_FILE,))
        try:
            try:
                export = read_export(ExportReader(conn, progress), selection)
            except SessionExpired as expired:  # reads change nothing: renew once and read again, as plan does
                if conn.reauthenticate is None:
                    raise SessionExpired(f"{expired}; {CANNOT_RENEW}") from None
                conn.reauthenticate()
                export = read_export(ExportReader(conn, progress), selection)
        except OrgError as exc:
            raise CommandError(f"error: {exc}") from None
        return export, conn.counter.total


def refuse_overwrite(options: ExportOptions, names: tuple[str, ...] | list[str]) -> None:
    if options.out == STDOUT or options.force:
        return
    directory = Path(options.out)
    existing = [name for name in names if (directory / name).exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise CommandError(f"error: --out {directory}: {directory / existing[0]} already exists{more}; "
                           "pass --force to overwrite, or choose another directory")


def write_files(export: Export, options: ExportOptions) -> list[str]:
    """Writes the files (each through a temporary file and a rename); returns their paths below --out."""
    files = render_split(export, options.today) if options.split else {SINGLE_FILE: render_one(export, options.today)}
    refuse_overwrite(options, list(files))
    directory = Path(options.out)
    for name, text in files.items():
        path = directory / name
        temporary = path.with_name(f".{path.name}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise CommandError(f"error: cannot write {path}: {exc.strerror or exc}") from None
    return list(files)
