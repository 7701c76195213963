"""Fixtures of the apply tests that run against the sandbox org over real HTTPS.

Each test gets its own running demo org (a copy of a session-wide seeded database: copying beats seeding), and
connects the way a real org is connected: `--org env` with the JWT bearer flow (tests/logins.py), so that an expired
session can be renewed as it is with real credentials.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.org.connect import OrgConnection, connect
from reconciler.sandbox.faults import FaultPlan
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from reconciler.sandbox.store import Store
from tests.logins import jwt_env
from tests.plan.test_cli_scenarios import config  # noqa: F401  (the fixture: a copy of desired/ to edit)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("apply-template") / "org.sqlite3"
    Store(path, seed="demo").close()
    return path


@pytest.fixture
def sandbox(tmp_path: Path, demo_template: Path) -> Iterator[RunningSandbox]:
    db = tmp_path / "org" / "org.sqlite3"
    db.parent.mkdir()
    shutil.copyfile(demo_template, db)
    with start_sandbox(db) as running:
        yield running


def org_env(sandbox: RunningSandbox) -> dict[str, str]:
    """`--org env` variables for the sandbox: a JWT bearer login as the admin, the sandbox's CA."""
    return jwt_env(sandbox.info)


@pytest.fixture
def conn(sandbox: RunningSandbox) -> Iterator[OrgConnection]:
    with connect("env", env=org_env(sandbox)) as connection:
        yield connection


def inject(sandbox: RunningSandbox, *specs: str) -> None:
    sandbox.admin.set_faults(FaultPlan.from_specs(list(specs)))
