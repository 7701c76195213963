"""The fixture org, shared by every SOQL test (built once per session, read-only)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from reconciler.sandbox.schema import load_schema

from .fixture_org import Org, build_org, create_tables


@pytest.fixture(scope="session")
def org() -> Iterator[Org]:
    schema = load_schema()
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    create_tables(conn, schema)
    ids = build_org(conn, schema)
    yield Org(conn, schema, ids)
    conn.close()
