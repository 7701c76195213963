"""Fixtures of the sandbox data-layer tests: fresh stores copied from session-wide seeded templates."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.store import Session, Store


class Clock:
    """A controllable clock: every session reads `now`; `advance` moves it."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 22, 12, 0, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def _template(tmp_path_factory: pytest.TempPathFactory, seed: str) -> Path:
    path = tmp_path_factory.mktemp(f"template-{seed}") / "org.sqlite3"
    store = Store(path, seed=seed)  # type: ignore[arg-type]
    store.close()  # the last connection checkpoints the WAL into the main file
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, "demo")


@pytest.fixture(scope="session")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory, "empty")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _open(template: Path, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    path = tmp_path / "org.sqlite3"
    shutil.copyfile(template, path)
    store = Store(path, clock=clock)
    yield store
    store.close()


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    yield from _open(demo_template, tmp_path, clock)


@pytest.fixture
def empty(empty_template: Path, tmp_path: Path, clock: Clock) -> Iterator[Store]:
    yield from _open(empty_template, tmp_path, clock)


@pytest.fixture
def s(demo: Store) -> Iterator[Session]:
    """A session (one transaction) on the demo org, acting as its administrator."""
    with demo.session() as session:
        session.actor_id = session.meta("admin_user_id")
        yield session


def raises(code: str) -> pytest.RaisesContext[ApiError]:
    """`with raises("DUPLICATE_VALUE") as error: ...` (the ApiError is `error.value`)."""
    return pytest.raises(ApiError, match=rf"^{code}: ")


def user_id(session: Session, username: str) -> str:
    found = session.scalar('SELECT "Id" FROM "User" WHERE "Username" = ?', (username,))
    assert found, username
    return found


def named(session: Session, obj: str, name: str, column: str = "Name") -> str:
    found = session.scalar(f'SELECT "Id" FROM "{obj}" WHERE "{column}" = ?', (name,))
    assert found, name
    return found


def new_user_values(session: Session, username: str, profile: str = "Standard User", **extra: object) -> dict:
    return {
        "Username": username,
        "Email": username,
        "LastName": username.split("@")[0].title(),
        "Alias": username[:8],
        "TimeZoneSidKey": "Europe/London",
        "LocaleSidKey": "en_GB",
        "EmailEncodingKey": "UTF-8",
        "LanguageLocaleKey": "en_US",
        "ProfileId": named(session, "Profile", profile),
        **extra,
    }
