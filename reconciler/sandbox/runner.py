"""Start a sandbox org in this process: the store, its certificates, and the HTTPS server in a background thread.

    with start_sandbox(Path(".guestlist/sandbox.sqlite3")) as sandbox:
        session = requests.Session(); session.verify = sandbox.info.ca_file; session.trust_env = False
        sf = Salesforce(instance_url=sandbox.info.instance_url, session_id=sandbox.info.access_token,
                        session=session)
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from types import TracebackType

from reconciler.sandbox.admin import Admin, connection
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.auth import NEW_ORG_LOGINS, LoginPolicy
from reconciler.sandbox.faults import FaultPlan
from reconciler.sandbox.server import HttpsServer
from reconciler.sandbox.store import SeedName, Store
from reconciler.sandbox.tls import ensure_certificates

HOST = "127.0.0.1"


@dataclass(frozen=True)
class SandboxInfo:
    instance_url: str   # https://127.0.0.1:<port>
    access_token: str   # for the connected user (the seed's System Administrator)
    ca_file: str        # PEM of the CA that signed the server certificate (kept next to the database)
    username: str

    def to_json(self) -> str:
        return json.dumps(asdict(self))


class RunningSandbox:
    """A sandbox serving in a background thread; stop() (or leaving the `with` block) shuts it down."""

    def __init__(self, store: Store, app: SandboxApp, server: HttpsServer, info: SandboxInfo) -> None:
        self.store = store
        self.app = app
        self.info = info
        self._server = server

    @property
    def admin(self) -> Admin:
        """The sandbox-only controls (the same the `/_sandbox/` path offers)."""
        return self.app.admin

    @property
    def port(self) -> int:
        return self._server.port

    def reset(self, seed: SeedName = "demo") -> SandboxInfo:
        """A fresh seed; `info` gets a new access token for the connected user (also returned)."""
        fresh = self.app.admin.reset(seed)
        self.info = replace(self.info, access_token=fresh["access_token"], username=fresh["username"])
        return self.info

    def stop(self) -> None:
        self._server.stop()
        self.store.close()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()


def start_sandbox(db_path: Path, *, port: int = 0, seed: SeedName = "demo", latency_ms: int = 0,
                  faults: FaultPlan | None = None, threads: int = 16,
                  sleep: Callable[[float], None] = time.sleep,
                  logins: LoginPolicy = NEW_ORG_LOGINS,
                  clock: Callable[[], dt.datetime] | None = None) -> RunningSandbox:
    """Open (or create and seed) the database, mint or reuse its certificates, and serve on 127.0.0.1:`port`
    (0: a free port). Returns once the server listens. `seed` only matters for a new database; `sleep` is how
    injected latency waits; `logins` turns on the password logins a new org has off; `clock` is the org's time (tests
    move it; default: now). NotASandboxDatabase when
    `db_path` is another application's file."""
    db_path = Path(db_path)
    store = Store(db_path, seed=seed, clock=clock)
    try:
        tls = ensure_certificates(db_path)
        plan = faults or FaultPlan()
        if latency_ms:
            plan = replace(plan, latency_ms=latency_ms)
        app = SandboxApp(store, faults=plan, sleep=sleep, logins=logins)
        server = HttpsServer(app, cert_file=tls.cert_file, key_file=tls.key_file, host=HOST, port=port,
                             threads=threads)
        server.start()
    except BaseException:
        store.close()
        raise
    connected = connection(store)
    info = SandboxInfo(f"https://{HOST}:{server.port}", connected["access_token"], str(tls.ca_file),
                       connected["username"])
    return RunningSandbox(store, app, server, info)
