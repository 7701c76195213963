"""Fixtures of the sandbox API tests: running sandboxes over real HTTPS, reached through simple-salesforce.

Databases are copied from session-wide seeded templates (seeding takes longer than copying a file). `sandbox` is
one running demo org per test module, for tests that only read or that tolerate each other's writes; `fresh`
is a new org per test, for tests whose assertions depend on the state. Both refuse password logins, as a new org
does, unless the test module sets `LOGINS = PASSWORD_LOGINS` (it logs in as several users through SOAP `login()`
or the OAuth username-password flow, as older clients do: `guestlist sandbox serve --soap-login --password-flow`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from reconciler.sandbox.auth import NEW_ORG_LOGINS, LoginPolicy
from reconciler.sandbox.runner import RunningSandbox, SandboxInfo, start_sandbox
from reconciler.sandbox.store import Store

API_VERSION = "59.0"
PASSWORD_LOGINS = LoginPolicy(soap_login=True, password_flow=True)


def _logins(request: pytest.FixtureRequest) -> LoginPolicy:
    return getattr(request.module, "LOGINS", NEW_ORG_LOGINS)


def client_session(info: SandboxInfo) -> requests.Session:
    """The session recipe of clients.md §1.2: verify the sandbox's CA and ignore REQUESTS_CA_BUNDLE & co."""
    session = requests.Session()
    session.verify = info.ca_file
    session.trust_env = False
    return session


def admin_session(info: SandboxInfo, token: str | None = None) -> requests.Session:
    """A client session that sends a bearer token (the connected administrator's by default) on every request, as
    the `/_sandbox/` controls require."""
    session = client_session(info)
    session.headers["Authorization"] = f"Bearer {token or info.access_token}"
    return session


def connect(info: SandboxInfo, *, token: str | None = None, version: str = API_VERSION) -> Salesforce:
    """simple-salesforce exactly as guestlist's org code builds it: instance URL + token + our session."""
    return Salesforce(instance_url=info.instance_url, session_id=token or info.access_token,
                      session=client_session(info), version=version)


class AdminClient:
    """The sandbox-only `/_sandbox/` controls, over HTTPS (tests use them to set up and to inspect), with the
    connected administrator's session (`token`: another one)."""

    def __init__(self, info: SandboxInfo, *, token: str | None = None) -> None:
        self.base = info.instance_url + "/_sandbox"
        self.http = admin_session(info, token)

    def call(self, method: str, path: str, json: Any = None) -> Any:
        response = self.http.request(method, self.base + path, json=json, timeout=30)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def faults(self, *rules: str | dict[str, Any], seed: int = 0) -> dict[str, Any]:
        return self.call("PUT", "/faults", {"rules": list(rules), "seed": seed})

    def counters(self) -> dict[str, Any]:
        return self.call("GET", "/counters")


def _template(tmp_path_factory: pytest.TempPathFactory, seed: str) -> Path:
    path = tmp_path_factory.mktemp(f"api-template-{seed}") / "org.sqlite3"
    Store(path, seed=seed).close()  # type: ignore[arg-type]  # closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {seed: _template(tmp_path_factory, seed) for seed in ("demo", "empty")}


@pytest.fixture(scope="session")
def start(templates: dict[str, Path]) -> Callable[..., RunningSandbox]:
    """start(directory, seed="demo", **start_sandbox options): a sandbox on a copy of the seeded template."""

    def _start(directory: Path, seed: str = "demo", **options: Any) -> RunningSandbox:
        db = directory / "org.sqlite3"
        if not db.exists():
            directory.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(templates[seed], db)
        return start_sandbox(db, **options)

    return _start


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, start: Callable[..., RunningSandbox],
            request: pytest.FixtureRequest) -> Iterator[RunningSandbox]:
    with start(tmp_path_factory.mktemp("module-org"), logins=_logins(request)) as running:
        yield running


@pytest.fixture
def fresh(tmp_path: Path, start: Callable[..., RunningSandbox], request: pytest.FixtureRequest
          ) -> Iterator[RunningSandbox]:
    with start(tmp_path / "org", logins=_logins(request)) as running:
        yield running


@pytest.fixture
def fresh_new_org(tmp_path: Path, start: Callable[..., RunningSandbox]) -> Iterator[RunningSandbox]:
    """A new org per test with the logins of a new real org, whatever the module's LOGINS."""
    with start(tmp_path / "org", logins=NEW_ORG_LOGINS) as running:
        yield running


@pytest.fixture
def sf(sandbox: RunningSandbox) -> Salesforce:
    return connect(sandbox.info)


@pytest.fixture
def admin(sandbox: RunningSandbox) -> Iterator[AdminClient]:
    client = AdminClient(sandbox.info)
    yield client
    client.call("DELETE", "/faults")


def error_of(exc: Any) -> dict[str, Any]:
    """The one error of a simple-salesforce exception's parsed body (a REST error array)."""
    content = exc.content
    assert isinstance(content, list) and len(content) == 1, content
    return dict(content[0])
