"""Which files the sandbox opens: its own databases (new ones created and seeded, each a distinct org), never
another application's SQLite file or a file that is no database at all."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from reconciler.sandbox.errors import NotASandboxDatabase
from reconciler.sandbox.store import Store


def _foreign(path: Path) -> bytes:
    """Another application's SQLite database at `path`; its bytes."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.close()
    return path.read_bytes()


def _org_record(store: Store) -> str:
    with store.session(write=False) as s:
        return str(s.query("SELECT Id FROM Organization").records[0]["Id"])


def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    before = _foreign(path)
    with pytest.raises(NotASandboxDatabase) as refused:
        Store(path)
    assert str(refused.value) == (f"{path} is not a sandbox database (no sandbox marker, and it holds other tables: "
                                  "customers; name a new file to create a sandbox)")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal or -shm either


def test_a_file_that_is_no_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("shopping list\n" * 100)
    with pytest.raises(NotASandboxDatabase, match=r"notes.sqlite3 is not a sandbox database \(not an SQLite file"):
        Store(path)
    assert path.read_text() == "shopping list\n" * 100


def test_a_foreign_table_named_meta_is_no_marker(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE _meta (version INTEGER)")
    conn.close()
    with pytest.raises(NotASandboxDatabase, match="holds other tables: _meta;"):
        Store(path)


@pytest.mark.parametrize("make", ["zero bytes", "an empty database"])
def test_an_empty_file_is_created_and_seeded(tmp_path: Path, make: str) -> None:
    path = tmp_path / "org.sqlite3"
    path.touch()
    if make == "an empty database":  # a valid header, no tables
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE scratch (x)")
            conn.execute("DROP TABLE scratch")
        conn.close()
        assert path.stat().st_size > 0
    store = Store(path, seed="empty")
    with store.session(write=False) as s:
        assert s.scalar('SELECT count(*) FROM "User"') == 1
    store.close()


def _sandbox_changed(template: Path, tmp_path: Path, sql: str) -> Path:
    """A copy of a sandbox database changed behind the sandbox's back by one SQL statement."""
    path = tmp_path / "org.sqlite3"
    shutil.copyfile(template, path)
    with sqlite3.connect(path) as conn:
        conn.execute(sql)
    conn.close()
    return path


def test_a_database_of_a_newer_schema_is_refused(demo_template: Path, tmp_path: Path) -> None:
    path = _sandbox_changed(demo_template, tmp_path, "UPDATE _meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(NotASandboxDatabase, match=r"sandbox schema version '99'; this guestlist reads version 1"):
        Store(path)


def test_a_sandbox_made_before_the_marker_still_opens(demo_template: Path, tmp_path: Path) -> None:
    store = Store(_sandbox_changed(demo_template, tmp_path, "DELETE FROM _meta WHERE key = 'format'"))
    assert _org_record(store) == store.org_id
    store.close()


def test_each_new_database_is_a_distinct_org_that_keeps_its_id(tmp_path: Path) -> None:
    first, second = Store(tmp_path / "a.sqlite3", seed="empty"), Store(tmp_path / "b.sqlite3", seed="empty")
    assert first.org_id != second.org_id
    for store in (first, second):
        assert store.org_id.startswith("00D") and len(store.org_id) == 18
        assert _org_record(store) == store.org_id
        with store.session() as s:
            token = s.issue_token(s.meta("admin_user_id"))
        assert token.split("!")[0] == store.org_id[:15]
    with first.session(write=False) as a, second.session(write=False) as b:  # the rest of the seed is the same
        query = 'SELECT "Id", "Username" FROM "User"'
        assert [tuple(r) for r in a.conn.execute(query)] == [tuple(r) for r in b.conn.execute(query)]
    kept = first.org_id
    first.reset("demo")
    assert first.org_id == kept and _org_record(first) == kept
    first.close()
    reopened = Store(tmp_path / "a.sqlite3")
    assert reopened.org_id == kept
    for store in (reopened, second):
        store.close()
