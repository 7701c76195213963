"""The apply lock: one PermissionSet named `Guestlist_Apply_Lock` in the org, so that two applies (two CI runners,
a pipeline and an admin) never write at once. The org is the only thing every runner shares.

Creating the record is the atomic test-and-set: PermissionSet.Name must be unique in the org, so a second create
fails (DUPLICATE_DEVELOPER_NAME, or DUPLICATE_VALUE) while the first holder keeps it. The set has no permissions
and is never assigned. Its Description names the holder (user, host, pid, CI run) with a random token and the
lock's lifetime; the lock counts as live until its CreatedDate (the org's clock) plus that lifetime plus a margin
for clock skew, after which any apply may break it: delete it by Id, then create it again (only one create wins).
See docs/decisions/apply-lock.md for the failure modes and docs/reference/apply-lock.md for the facts.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from reconciler.org.writes import OUTCOME_UNKNOWN, QueryFailed, RecordError, Writer

LOCK_NAME = "Guestlist_Apply_Lock"  # letters, digits, single underscores: a valid PermissionSet API name
LOCK_LABEL = "guestlist apply lock (never assign)"
DEFAULT_TIMEOUT = 180  # seconds a second apply waits for the first
DEFAULT_TTL = 1800  # seconds a lock is trusted after its CreatedDate
CLOCK_SKEW = 120  # seconds of clock difference between this machine and the org that are tolerated
POLL_SECONDS = 2.0
HELD_CODES = frozenset({"DUPLICATE_DEVELOPER_NAME", "DUPLICATE_VALUE"})  # "the name is taken"
DESCRIPTION_MAX = 255  # PermissionSet.Description is string(255)


# Creating and deleting the lock's permission set needs this permission (real-orgs.md §10.4)
_PERMISSION_HINT = ('; the connected user needs "Manage Profiles and Permission Sets" '
                    "(PermissionsManageProfilesPermissionsets) to take the lock")


class LockHeld(Exception):
    """Another apply still holds the lock after the wait: the command refuses (exit 5)."""


class LockError(Exception):
    """The lock could not be taken or read because the org refused a request (not because it is held)."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Holder:
    """Who holds (or wants) the lock; `token` tells this apply's record from any other."""

    user: str
    host: str
    pid: int
    token: str
    ttl: int = DEFAULT_TTL
    run: str = ""

    @classmethod
    def here(cls, env: Mapping[str, str] | None = None, ttl: int = DEFAULT_TTL) -> Holder:
        env = os.environ if env is None else env
        try:
            user = getpass.getuser()
        except Exception:  # no user name on some CI containers
            user = "unknown"
        run = ""
        if env.get("GITHUB_SERVER_URL") and env.get("GITHUB_REPOSITORY") and env.get("GITHUB_RUN_ID"):
            run = f"{env['GITHUB_SERVER_URL']}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
        return cls(_word(user, 40), _word(socket.gethostname(), 60), os.getpid(), secrets.token_hex(8), ttl,
                   _word(run, 200))

    def description(self) -> str:
        text = (f"guestlist apply lock, never assign. user={self.user} host={self.host} pid={self.pid} "
                f"ttl={self.ttl} token={self.token}")
        if self.run and len(text) + len(self.run) + 5 <= DESCRIPTION_MAX:
            text += f" run={self.run}"
        return text[:DESCRIPTION_MAX]

    @classmethod
    def parse(cls, text: str | None) -> Holder | None:
        fields = dict(re.findall(r"\b(user|host|pid|ttl|token|run)=(\S+)", text or ""))
        if "token" not in fields:
            return None
        return cls(fields.get("user", "?"), fields.get("host", "?"), _int(fields.get("pid"), 0), fields["token"],
                   _int(fields.get("ttl"), DEFAULT_TTL), fields.get("run", ""))


def _word(text: str, limit: int) -> str:
    return re.sub(r"\s+", "_", text.strip())[:limit]


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


@dataclass(frozen=True)
class LockRecord:
    """The lock as the org has it."""

    id: str
    created: dt.datetime  # the org's clock
    created_by: str
    holder: Holder | None  # None: a record of that name guestlist didn't write (or whose Description was edited)

    @property
    def expires(self) -> dt.datetime:
        return self.created + dt.timedelta(seconds=self.holder.ttl if self.holder else DEFAULT_TTL)

    def expired(self, now: dt.datetime) -> bool:
        return now > self.expires + dt.timedelta(seconds=CLOCK_SKEW)

    def who(self) -> str:
        since = _show(self.created)
        if self.holder is None:
            return f"a permission set {LOCK_NAME} created by {self.created_by} at {since}"
        run = f", {self.holder.run}" if self.holder.run else ""
        return (f"{self.holder.user} on {self.holder.host} (pid {self.holder.pid}{run}, connected as "
                f"{self.created_by}) since {since}")


def _show(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse_datetime(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


class ApplyLock:
    """Acquire with a bounded wait, release once. `say` prints one line on stderr. The lock's requests go through
    their own Writer on the apply's connection, so they count in the connection's request total but not in the
    apply's writes or its journal."""

    def __init__(self, writer: Writer, holder: Holder, *, timeout: float = DEFAULT_TIMEOUT,
                 say: Callable[[str], None], clock: Callable[[], dt.datetime] = _utcnow,
                 sleep: Callable[[float], None] = time.sleep):
        self.writer = writer
        self.holder = holder
        self.timeout = timeout
        self.say = say
        self.clock = clock
        self.sleep = sleep
        self.record_id: str | None = None

    # -- acquire ---------------------------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the lock, waiting up to `timeout` seconds while another live apply holds it; break an expired
        one. Raises LockHeld when the wait ends with the lock still held, LockError when the org refuses."""
        deadline = self.clock() + dt.timedelta(seconds=self.timeout)
        waiting = False
        while True:
            record_id = self._create()
            if record_id is not None:
                self.record_id = record_id
                return
            current = self._read()
            if current is None:  # released between our create and our read: try again at once
                continue
            if current.holder is not None and current.holder.token == self.holder.token:
                self.record_id = current.id  # our own create, whose answer was lost
                return
            now = self.clock()
            if current.expired(now):
                self.say(f"Breaking the expired apply lock of {current.who()} (it expired at "
                         f"{_show(current.expires)}).")
                self._delete(current.id)
                continue
            if now >= deadline:
                raise LockHeld(
                    f"Refused: another guestlist apply holds the lock on this org: {current.who()}; it expires at "
                    f"{_show(current.expires)}. Nothing was written. Rerun when it has finished (apply re-reads "
                    f"the org), or wait longer with --lock-timeout SECONDS.")
            if not waiting:
                self.say(f"Waiting up to {self.timeout:g}s for the apply lock, held by {current.who()}.")
                waiting = True
            self.sleep(max(0.0, min(POLL_SECONDS, (deadline - now).total_seconds())))

    def _create(self) -> str | None:
        """The record's Id once created; None when the name is taken."""
        record = {"Name": LOCK_NAME, "Label": LOCK_LABEL, "Description": self.holder.description()}
        result = self.writer.create("PermissionSet", [record], self._find_mine)[0]
        if result.success:
            return result.id
        error = result.error or RecordError("UNKNOWN", "")
        if error.code in HELD_CODES:
            return None
        if error.code == OUTCOME_UNKNOWN:  # the answer was lost: whether it is ours is read below
            return None
        hint = _PERMISSION_HINT if error.code.startswith("INSUFFICIENT_ACCESS") else ""
        raise LockError(f"the org refused the apply lock (creating the permission set {LOCK_NAME}): {error}{hint}")

    def _find_mine(self, indices: Sequence[int]) -> Mapping[int, str]:
        current = self._lookup()  # QueryFailed goes to the Writer, which then reports OUTCOME_UNKNOWN
        mine = current is not None and current.holder is not None and current.holder.token == self.holder.token
        return {i: current.id for i in indices} if mine and current else {}

    def _read(self) -> LockRecord | None:
        try:
            return self._lookup()
        except QueryFailed as exc:
            raise LockError(f"the apply lock (permission set {LOCK_NAME}) can't be read: {exc.error}") from None

    def _lookup(self) -> LockRecord | None:
        rows = self.writer.query(f"SELECT Id, Description, CreatedDate, CreatedBy.Username FROM PermissionSet "
                                 f"WHERE Name = '{LOCK_NAME}'")
        if not rows:
            return None
        row = rows[0]
        created_by = (row.get("CreatedBy") or {}).get("Username") or "?"
        return LockRecord(row["Id"], _parse_datetime(row["CreatedDate"]), created_by,
                          Holder.parse(row.get("Description")))

    def _delete(self, record_id: str) -> bool:
        """True when this delete removed it, False when it was gone already. Raises LockError when refused."""
        result = self.writer.delete("PermissionSet", [record_id])[0]
        if not result.success:
            raise LockError(f"the apply lock (permission set {LOCK_NAME}, {record_id}) can't be deleted: "
                            f"{result.error}")
        return not result.already

    # -- release ---------------------------------------------------------------------------------------------

    def release(self) -> str | None:
        """Delete our record (once). A line to report when that went wrong, else None; never raises."""
        record_id, self.record_id = self.record_id, None
        if record_id is None:
            return None
        try:
            removed = self._delete(record_id)
        except Exception as exc:  # LockError, WriteStopped, a dropped connection: reported, never a traceback
            return (f"warning: the apply lock could not be released ({exc}); delete the permission set "
                    f"{LOCK_NAME} ({record_id}) in Setup, or the next apply breaks it when it expires")
        if not removed:
            return ("warning: the apply lock had already been removed while this apply ran (deleted by someone "
                    "else, or broken as expired): another apply may have written at the same time; run guestlist "
                    "plan to check the org")
        return None
