"""Running SOQL against the sandbox's SQLite database: parse and compile once per query text, run many times."""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.schema import Schema
from reconciler.sandbox.soql.compiler import Compiled, compile_query
from reconciler.sandbox.soql.parser import parse
from reconciler.sandbox.soql.plan import AggregatePlan, CountPlan, aggregate, count, iter_records


@dataclass(frozen=True)
class QueryResult:
    """A query's full answer: records in Salesforce JSON shape (paging is the server's job)."""

    records: list[dict[str, Any]]
    total_size: int


class _SchemaKey:
    """Hashes a Schema by identity, so compiled plans are cached per schema object without needing it hashable."""

    __slots__ = ("schema",)

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def __hash__(self) -> int:
        return id(self.schema)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SchemaKey) and other.schema is self.schema


RowFilters = tuple[tuple[str, str], ...]  # (sObject, SQL condition on the table alias "{t}"): rows the user sees


@functools.lru_cache(maxsize=1024)
def _compiled(key: _SchemaKey, soql: str, include_deleted: bool, row_filters: RowFilters) -> Compiled:
    return compile_query(key.schema, soql, parse(soql), include_deleted, row_filters)


def compile_soql(schema: Schema, soql: str, *, include_deleted: bool = False, row_filters: RowFilters = ()) -> Compiled:
    """The checked, compiled form of a query (cached per schema, text, include_deleted and row filters); raises
    ApiError. `row_filters` keep out the rows the querying user may not see (objects/visibility.py)."""
    return _compiled(_SchemaKey(schema), soql, include_deleted, row_filters)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def stream_query(
    conn: sqlite3.Connection,
    schema: Schema,
    soql: str,
    *,
    include_deleted: bool = False,
    api_version: str = "59.0",
    today: dt.date | None = None,
    row_filters: RowFilters = (),
) -> tuple[int | None, Iterator[dict[str, Any]]]:
    """(total, records) without holding every record: total is None for record queries (count as you go).

    For SELECT COUNT() the total is known and the iterator is empty. Errors (ApiError) are raised here, before
    the first record, so a caller can answer 400 before streaming anything.
    """
    compiled = compile_soql(schema, soql, include_deleted=include_deleted, row_filters=row_filters)
    day = today or _today()
    plan = compiled.plan
    if isinstance(plan, CountPlan):
        return count(conn, plan, today=day), iter(())
    if isinstance(plan, AggregatePlan):
        records = aggregate(conn, plan, today=day)
        return len(records), iter(records)
    return None, iter_records(conn, plan, api_version=api_version, today=day)


def run_query(
    conn: sqlite3.Connection,
    schema: Schema,
    soql: str,
    *,
    include_deleted: bool = False,
    api_version: str = "59.0",
    today: dt.date | None = None,
    row_filters: RowFilters = (),
) -> QueryResult:
    """Run one SOQL query; ApiError(400, MALFORMED_QUERY | INVALID_FIELD | INVALID_TYPE | ...) when it is refused.

    `today` fixes the day relative date literals (TODAY, LAST_N_DAYS:n) are evaluated on (default: today, UTC).
    """
    total, records = stream_query(
        conn, schema, soql, include_deleted=include_deleted, api_version=api_version, today=today,
        row_filters=row_filters,
    )
    materialised = list(records)
    return QueryResult(materialised, len(materialised) if total is None else total)
