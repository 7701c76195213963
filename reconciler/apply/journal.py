"""The journal: one JSON line per write outcome, appended and flushed as it happens, so an interrupted apply
still leaves an exact record. It holds keys, ids, Salesforce error codes, who ran the apply, and the before-values
of each change written except private ones (names, emails, messages: docs/decisions/undo.md); never credentials."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import IO, TYPE_CHECKING, Any

from reconciler.gitinfo import config_commit
from reconciler.guard import mask_secrets
from reconciler.plan.email_change import NO_REQUESTS, EmailRequest, EmailRequests

if TYPE_CHECKING:
    from reconciler.org.connect import OrgConnection
    from reconciler.plan.change import Change

DEFAULT_JOURNAL = Path(".guestlist/journal.jsonl")


def runner(conn: OrgConnection, config: Path) -> dict[str, Any]:
    """Who ran the apply: the connected user, and the config's git commit when it is in a repository."""
    found: dict[str, Any] = {"user": conn.user_info.get("preferred_username") or "", "user_id": conn.user_id}
    commit = config_commit(config)
    if commit is not None:
        found["git"] = commit
    return found


def safe_before(change: Change) -> dict[str, Any]:
    """The change's before-values the journal may hold: every word but private fields and email addresses."""
    from reconciler.kinds import KINDS

    spec = KINDS[change.kind]
    private = {f.word for f in (*spec.fields, *spec.other_fields) if f.private} | {"email", "user", "username"}
    return {word: value for word, value in change.before.items() if word not in private}


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JournalError(Exception):
    """The journal file can't be opened or written (apply refuses to write to the org without one)."""


_WRITTEN = frozenset({"applied"})  # outcomes that wrote to the org


class Journal:
    def __init__(self, path: Path, org_id: str, *, clock: Callable[[], str] = _utc_now):
        self.path = path
        self.org_id = org_id
        self._clock = clock
        self._file: IO[str] | None = None
        self.written: list[tuple[str, str]] = []  # (action, key) of every change written, even if its line failed

    def open(self) -> Journal:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise JournalError(f"cannot write the journal {self.path}: {exc.strerror or exc}") from None
        return self

    def __enter__(self) -> Journal:
        return self.open() if self._file is None else self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            self.open()
        assert self._file is not None
        try:
            self._file.write(mask_secrets(json.dumps(entry, ensure_ascii=False, separators=(",", ":"))) + "\n")
            self._file.flush()
        except OSError as exc:  # disk full, file size limit, the file made unwritable: say so, once
            file, self._file = self._file, None
            with contextlib.suppress(OSError):
                file.close()
            raise JournalError(f"the journal {self.path} could not be written: {exc.strerror or exc}") from None

    def event(self, event: str, **fields: Any) -> None:
        """A run-level line: apply started or finished, stopped early, ..."""
        self._write({"time": self._clock(), "org": self.org_id, "event": event, **fields})

    def record(self, key: str, action: str, outcome: str, record_id: str | None = None, *,
               error_code: str | None = None, note: str | None = None, email_requested: str | None = None,
               before: dict[str, Any] | None = None) -> None:
        """The outcome of one change: applied, already_done, failed, skipped, not_attempted or unknown.
        `email_requested`: the digest of an email address this change asked the person to confirm."""
        entry: dict[str, Any] = {"time": self._clock(), "org": self.org_id, "key": key, "action": action,
                                 "outcome": outcome, "record_id": record_id}
        if outcome in _WRITTEN:
            self.written.append((action, key))
        if error_code:
            entry["error"] = error_code
        if note:
            entry["note"] = note
        if email_requested:
            entry["email_requested"] = email_requested
        if before is not None:
            entry["before"] = before
        self._write(entry)


def email_requests(path: Path, org_id: str) -> EmailRequests:
    """The email changes applies journaled at `path` for this org (none when the file is missing or unreadable;
    lines that aren't journal entries are skipped): what the planner holds back while they await confirmation."""
    found: dict[str, list[EmailRequest]] = {}
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                request = _email_request(line, org_id)
                if request is not None:
                    found.setdefault(request[0], []).append(request[1])
    except OSError:
        return NO_REQUESTS
    return EmailRequests(MappingProxyType({key: tuple(found[key]) for key in sorted(found)}))


def _email_request(line: str, org_id: str) -> tuple[str, EmailRequest] | None:
    if '"email_requested"' not in line:
        return None
    try:
        entry = json.loads(line)
        if entry.get("org") != org_id or entry.get("outcome") != "applied":
            return None
        return str(entry["key"]), EmailRequest(str(entry["email_requested"]),
                                               dt.date.fromisoformat(str(entry["time"])[:10]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
