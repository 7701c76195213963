"""Orgs the CLI tests of `guestlist plan` talk to: the demo seed as a database, and one running copy of it per
test module (planning never writes, so a module shares it)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from reconciler.sandbox.store import Store


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan-demo") / "sandbox.sqlite3"
    Store(path, seed="demo").close()
    return path


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Iterator[RunningSandbox]:
    db = tmp_path_factory.mktemp("plan-running") / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    with start_sandbox(db) as running:
        yield running


def env_of(org: RunningSandbox) -> dict[str, str]:
    """`--org env` variables that reach `org` with an access token."""
    return {
        "SF_INSTANCE_URL": org.info.instance_url,
        "SF_ACCESS_TOKEN": org.info.access_token,
        "SF_CA_FILE": org.info.ca_file,
    }
