"""Fixtures for the CI templates' tests: a config repository (a copy of desired/), its own sandbox org, and a
runner whose `uses:` steps and `gh` are recorded stand-ins."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.examples.gha import Runner
from tests.examples.standins import Recorder, install_from_this_checkout, write_fake_gh

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / "examples" / "github"
REPOSITORY = "acme/salesforce-access"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The config repository a template is copied into: desired/ at its root."""
    path = tmp_path / "repo"
    shutil.copytree(ROOT / "desired", path / "desired")
    return path


@pytest.fixture
def org_db(tmp_path: Path) -> Path:
    return tmp_path / "org" / "sandbox.sqlite3"


@pytest.fixture
def recorder(repo: Path) -> Recorder:
    return Recorder(repo)


@pytest.fixture
def runner(tmp_path: Path, recorder: Recorder, org_db: Path) -> Runner:
    org_db.parent.mkdir(parents=True, exist_ok=True)
    fake_bin = tmp_path / "fake-bin"
    write_fake_gh(fake_bin)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "GUESTLIST_", "SF_"))}
    env["PATH"] = f"{fake_bin}{os.pathsep}{env.get('PATH', '')}"
    env["FAKE_GH_STATE"] = str(tmp_path / "gh-state.json")
    return Runner(tmp_path / "runs", recorder.stubs(), {"install": install_from_this_checkout}, env,
                  repository=REPOSITORY)


@pytest.fixture
def sandbox_env(org_db: Path) -> dict[str, str]:
    """The templates' org options, pointed at the built-in sandbox org instead of SF_* credentials."""
    return {"GUESTLIST_ORG": "sandbox", "GUESTLIST_SANDBOX_DB": str(org_db)}


def gh_state(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "gh-state.json"
    return json.loads(path.read_text()) if path.exists() else {"issues": [], "calls": []}


def pull_request_event(number: int = 7, head_repo: str = REPOSITORY) -> dict[str, Any]:
    return {"pull_request": {"number": number, "head": {"repo": {"full_name": head_repo}}},
            "repository": {"full_name": REPOSITORY, "private": False}}


def push_event(private: bool) -> dict[str, Any]:
    return {"ref": "refs/heads/main", "repository": {"full_name": REPOSITORY, "private": private}}
