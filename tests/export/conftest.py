"""Fixtures of the export tests: a copy of a session-wide seeded demo (or empty) sandbox database per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.sandbox.store import Store


def _template(factory: pytest.TempPathFactory, seed: str) -> Path:
    path = factory.mktemp(f"export-{seed}") / "org.sqlite3"
    Store(path, seed=seed).close()  # type: ignore[arg-type]
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, "demo")


@pytest.fixture
def demo_db(tmp_path: Path, demo_template: Path) -> Path:
    db = tmp_path / "org" / "org.sqlite3"
    db.parent.mkdir()
    shutil.copyfile(demo_template, db)
    return db
