"""What bench/scale.py measures, one job each: a child process's wall time and peak memory, a sandbox served with a
recorder of page chains, the read floor counted in the org's database, and the pure diff's time exponent."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.sandbox.admin import connection  # noqa: E402
from reconciler.sandbox.app import SandboxApp  # noqa: E402
from reconciler.sandbox.auth import NEW_ORG_LOGINS  # noqa: E402
from reconciler.sandbox.faults import FaultPlan  # noqa: E402
from reconciler.sandbox.routes.query import DEFAULT_BATCH  # noqa: E402
from reconciler.sandbox.server import HttpsServer  # noqa: E402
from reconciler.sandbox.soql.engine import run_query  # noqa: E402
from reconciler.sandbox.store import Store  # noqa: E402
from reconciler.sandbox.tls import ensure_certificates  # noqa: E402

WRITE_BATCH = 200  # records a sObject Collections request carries (salesforce-api.md)


@dataclass(frozen=True)
class Run:
    """One child process: exit code, output, wall seconds and peak resident memory (MB)."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float


def run_child(argv: list[str], env: dict[str, str], out_dir: Path, name: str, timeout: float = 7200) -> Run:
    """Runs `argv` and waits for it with os.wait4, so that the peak RSS is this child's own (RUSAGE_CHILDREN
    keeps the maximum over every child so far)."""
    stdout, stderr = out_dir / f"{name}.out", out_dir / f"{name}.err"
    started = time.perf_counter()
    with stdout.open("w") as out, stderr.open("w") as err:
        child = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    return Run(child.returncode, stdout.read_text(), stderr.read_text(), seconds, usage.ru_maxrss / 1024)


class PageChains:
    """WSGI middleware: how long the longest chain of query pages is (each nextRecordsUrl can only be fetched once
    the page naming it has arrived), and how many requests were answered."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.depth: dict[str, int] = {}
        self.longest = 0
        self.requests = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path: str = environ.get("PATH_INFO", "")
        body = b"".join(self.app(environ, start_response))
        self.requests += 1
        if "/query" in path:
            depth = self.depth.pop(path.rstrip("/"), 0) + 1
            self.longest = max(self.longest, depth)
            if b'"nextRecordsUrl"' in body:
                following = json.loads(body).get("nextRecordsUrl")
                if following:
                    self.depth[following.rstrip("/")] = depth
        return [body]  # answered before the server looks at the environ (a dropped connection)


@dataclass
class Served:
    """A sandbox serving one database, with its page-chain recorder."""

    instance_url: str
    access_token: str
    ca_file: str
    store: Store
    chains: PageChains


@contextmanager
def serve(db: Path, latency_ms: int = 0) -> Iterator[Served]:
    """start_sandbox's parts (reconciler/sandbox/runner.py), with PageChains between the server and the app."""
    store = Store(db, seed="empty")
    server = None
    try:
        tls = ensure_certificates(db)
        app = SandboxApp(store, faults=FaultPlan(latency_ms=latency_ms) if latency_ms else FaultPlan(),
                         logins=NEW_ORG_LOGINS)
        chains = PageChains(app)
        server = HttpsServer(chains, cert_file=tls.cert_file, key_file=tls.key_file, host="127.0.0.1", port=0)
        server.start()
        connected = connection(store)
        yield Served(f"https://127.0.0.1:{server.port}", connected["access_token"], str(tls.ca_file), store, chains)
    finally:
        if server is not None:
            server.stop()
        store.close()


def read_floor(store: Store) -> dict[str, int]:
    """{sObject: distinct rows the plan of a config matching the whole org needs}, counted in the org's database
    through the sandbox's SOQL engine (independently of how observe writes its reads)."""
    counts = {
        "User": "SELECT COUNT() FROM User",
        "CollaborationGroup": "SELECT COUNT() FROM CollaborationGroup WHERE NetworkId = null",
        "CollaborationGroupMember": "SELECT COUNT() FROM CollaborationGroupMember WHERE "
                                    "CollaborationGroup.NetworkId = null",
        "CollaborationInvitation": "SELECT COUNT() FROM CollaborationInvitation WHERE Status = 'Sent'",
        "Contact": "SELECT COUNT() FROM Contact",
        "Account": "SELECT COUNT() FROM Account",
        "PermissionSetAssignment": "SELECT COUNT() FROM PermissionSetAssignment WHERE "
                                   "PermissionSet.IsOwnedByProfile = false",
        "Organization": "SELECT COUNT() FROM Organization",
        "Profile": "SELECT COUNT() FROM Profile",
        "UserLicense": "SELECT COUNT() FROM UserLicense",
        "PermissionSet": "SELECT COUNT() FROM PermissionSet WHERE IsOwnedByProfile = false",
    }
    with store.session(write=False) as s:
        rows = {sobject: run_query(s.conn, store.schema, soql).total_size for sobject, soql in counts.items()}
    return {sobject: n for sobject, n in rows.items() if n}


# not queries: the connected user's identity (userinfo) and ChatterSettings (one Metadata API read)
OTHER_READS = 2


def pages(rows: int, batch: int = DEFAULT_BATCH) -> int:
    return max(1, math.ceil(rows / batch))


def diff_seconds(memberships: int) -> float:
    """The pure diff's time on an org of `memberships` group memberships (40 a group, 4 per user) whose config
    matches it but for 5% of them (a removal and an add each): the best of a few runs."""
    from reconciler.plan import build_plan
    from tests.plan.builders import TODAY, OrgBuilder, desired, group, user_member

    org = OrgBuilder()
    users = [org.user(f"u{n:07d}@acme.com", profile="Chatter Free User") for n in range(max(1, memberships // 4))]
    groups = []
    for g in range(max(1, memberships // 40)):
        observed = org.group(f"Group {g:06d}")
        wanted = []
        for k in range(40):
            user = users[(g * 40 + k) % len(users)]
            if k % 20 == 0:  # 5%: this member leaves, another comes
                wanted.append(user_member(users[(g * 40 + k + len(users) // 2) % len(users)].username))
            else:
                wanted.append(user_member(user.username))
            org.member(observed, user)
        groups.append(group(f"Group {g:06d}", *wanted))
    snapshot, state = org.build(), desired(groups=tuple(groups))
    best = math.inf
    for _ in range(3 if memberships <= 50_000 else 1):
        started = time.perf_counter()
        build_plan(state, snapshot, TODAY)
        best = min(best, time.perf_counter() - started)
    return best


def exponent(small: int, large: int) -> tuple[float, float, float]:
    """(seconds at `small`, seconds at `large`, the exponent k in time ~ memberships^k)."""
    first, second = diff_seconds(small), diff_seconds(large)
    return first, second, math.log(second / first) / math.log(large / small)
