"""The `columns=true` metadata the sf CLI reads, stable order for paging, and compile-once caching."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.schema import load_schema
from reconciler.sandbox.soql import column_metadata, compile_soql, parse, stream_query
from reconciler.sandbox.soql.compiler import compile_query

from .fixture_org import OrgBuilder, create_tables

SCHEMA = load_schema()


def cli_columns(metadata: dict) -> list[str]:
    """What `sf data query` makes of the answer (salesforcecli/plugin-data retrieveColumns, in short)."""

    def flat(column: dict) -> list[str]:
        joins = column["joinColumns"]
        return (
            [f"{column['columnName']}.{sub}" for join in joins for sub in flat(join)]
            if joins
            else [column["columnName"]]
        )

    names: list[str] = []
    for column in metadata["columnMetadata"]:
        if column["joinColumns"] and column["aggregate"]:
            names.append(f"{column['columnName']}[{', '.join(n for j in column['joinColumns'] for n in flat(j))}]")
        elif column["joinColumns"]:
            names.extend(flat(column))
        elif column["aggregate"]:
            names.append(column["displayName"] if column["columnName"].startswith("expr") else column["columnName"])
        else:
            names.append(column["columnName"])
    return names


def test_columns_of_fields_lookups_and_subqueries() -> None:
    metadata = column_metadata(
        SCHEMA,
        "SELECT id, Name, Owner.Username, (SELECT Member.Username, CollaborationRole FROM GroupMembers) "
        "FROM CollaborationGroup",
    )
    assert (metadata["entityName"], metadata["keyPrefix"], metadata["idSelected"], metadata["groupBy"]) == (
        "CollaborationGroup",
        "0F9",
        True,
        False,
    )
    assert cli_columns(metadata) == [
        "Id",
        "Name",
        "Owner.Username",
        "GroupMembers[Member.Username, CollaborationRole]",
    ]
    id_column, name_column, owner, members = metadata["columnMetadata"]
    assert id_column == {
        "aggregate": False,
        "apexType": "Id",
        "booleanType": False,
        "columnName": "Id",
        "custom": False,
        "displayName": "Id",
        "foreignKeyName": None,
        "insertable": False,
        "joinColumns": [],
        "numberType": False,
        "textType": False,
        "updatable": False,
    }
    assert (name_column["apexType"], name_column["textType"], name_column["insertable"]) == ("String", True, True)
    assert (owner["columnName"], owner["apexType"], owner["aggregate"]) == ("Owner", None, False)
    assert owner["joinColumns"][0]["columnName"] == "Username"
    assert (members["columnName"], members["aggregate"]) == ("GroupMembers", True)


def test_columns_of_aggregates() -> None:
    metadata = column_metadata(SCHEMA, "SELECT COUNT(Id), MAX(CreatedDate) latest FROM User")
    count, latest = metadata["columnMetadata"]
    assert (count["columnName"], count["displayName"], count["aggregate"], count["apexType"]) == (
        "expr0",
        "COUNT(Id)",
        True,
        "Integer",
    )
    assert (latest["columnName"], latest["displayName"], latest["apexType"]) == (
        "latest",
        "MAX(CreatedDate)",
        "Datetime",
    )
    assert cli_columns(metadata) == ["COUNT(Id)", "latest"]
    assert column_metadata(SCHEMA, "SELECT COUNT() FROM User")["columnMetadata"] == []


def test_columns_of_a_bad_query_is_the_same_error() -> None:
    with pytest.raises(ApiError) as caught:
        column_metadata(SCHEMA, "SELECT Nope FROM User")
    assert caught.value.code == "INVALID_FIELD"


# --- paging-relevant stability and caching ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def many_users() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    create_tables(conn, SCHEMA)
    builder = OrgBuilder(conn, SCHEMA)
    for i in range(1200):  # more than two fetch batches, with many equal sort keys
        builder.add("User", Username=f"u{i}@acme.com", LastName=["Lee", "lee", "Kim", None][i % 4], IsActive=True)
    conn.commit()
    return conn


def ids(conn: sqlite3.Connection, soql: str) -> list[str]:
    _, records = stream_query(conn, SCHEMA, soql)
    return [r["Id"] for r in records]


def test_default_order_is_by_id(many_users: sqlite3.Connection) -> None:
    everyone = ids(many_users, "SELECT Id FROM User")
    assert everyone == sorted(everyone) and len(everyone) == 1200


def test_ties_break_by_id_so_pages_never_overlap_or_skip(many_users: sqlite3.Connection) -> None:
    full = ids(many_users, "SELECT Id FROM User ORDER BY LastName")
    pages = [
        ids(many_users, f"SELECT Id FROM User ORDER BY LastName LIMIT 200 OFFSET {o}") for o in range(0, 1200, 200)
    ]
    assert [i for page in pages for i in page] == full
    assert len(set(full)) == 1200
    _, records = stream_query(many_users, SCHEMA, "SELECT Id, LastName FROM User ORDER BY LastName")
    keys = [((r["LastName"] or "").upper(), r["Id"]) for r in records]
    assert keys == sorted(keys)  # nulls first, 'Lee' and 'lee' together, then Id within equal names


def test_repeated_runs_give_the_same_order(many_users: sqlite3.Connection) -> None:
    soql = "SELECT Id, LastName FROM User ORDER BY LastName DESC NULLS LAST"
    assert ids(many_users, soql) == ids(many_users, soql)


def test_streaming_yields_lazily(many_users: sqlite3.Connection) -> None:
    total, records = stream_query(many_users, SCHEMA, "SELECT Id FROM User")
    assert total is None
    first = next(records)
    assert first["attributes"]["type"] == "User"
    assert sum(1 for _ in records) == 1199


def test_compiled_once_per_query_text() -> None:
    soql = "SELECT Id, Owner.Username FROM CollaborationGroup WHERE Name LIKE 'A%'"
    assert compile_soql(SCHEMA, soql) is compile_soql(SCHEMA, soql)
    assert compile_soql(SCHEMA, soql) is not compile_soql(SCHEMA, soql, include_deleted=True)


def test_one_statement_per_query_with_lookups(many_users: sqlite3.Connection) -> None:
    statements: list[str] = []
    many_users.set_trace_callback(statements.append)
    try:
        assert len(ids(many_users, "SELECT Id, Profile.UserLicense.Name, Manager.Username FROM User")) == 1200
    finally:
        many_users.set_trace_callback(None)
    assert len(statements) == 1 and statements[0].count("LEFT JOIN") == 3


def test_parsing_and_compiling_from_many_threads_agree_with_one_thread() -> None:
    texts = [
        f"SELECT Id, Owner.Username FROM CollaborationGroup WHERE Name = 'g{i}' OR MemberCount > {i}" for i in range(64)
    ]
    expected = [compile_query(SCHEMA, t, parse.__wrapped__(t), False).plan for t in texts]

    def work(text: str) -> object:
        return compile_query(SCHEMA, text, parse.__wrapped__(text), False).plan

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(work, texts)) == expected
