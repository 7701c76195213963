"""Compiled queries: the SQL to run and how each result row becomes a Salesforce JSON record.

A plan is immutable and holds no connection and no date: it is built once per query text (and cached) and run
many times. Relative date literals stay symbolic in the parameters (`DateBound`) until the plan runs.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox.schema import FieldSpec
from reconciler.sandbox.soql.where import resolve_params

FETCH_BATCH = 500  # parent rows per fetch, and per child-subquery query (well under SQLite's variable limit)
IDS_MARKER = "/*ids*/"

Row = Sequence[Any]


# --- output members: one per select item, nested for parent lookups ---------------------------------------------


@dataclass(frozen=True)
class FieldOut:
    name: str
    index: int
    convert: Callable[[Any], Any]
    spec: FieldSpec

    def emit(self, record: dict[str, Any], row: Row, run: _Run) -> None:
        record[self.name] = self.convert(row[self.index])


@dataclass(frozen=True)
class CompoundOut:
    """An address field: one JSON object built from its component columns (null when all are null)."""

    name: str
    parts: tuple[tuple[str, int, Callable[[Any], Any]], ...]  # (JSON key, column index, converter)
    spec: FieldSpec

    def emit(self, record: dict[str, Any], row: Row, run: _Run) -> None:
        values = {key: convert(row[index]) for key, index, convert in self.parts}
        record[self.name] = values if any(v is not None for v in values.values()) else None


@dataclass(frozen=True)
class ParentOut:
    """A parent lookup (Owner.Username): a nested record with its own attributes, or null when there is none."""

    name: str
    sobject: str
    id_index: int
    members: tuple[Member, ...]
    spec: FieldSpec  # the reference field (OwnerId)

    def emit(self, record: dict[str, Any], row: Row, run: _Run) -> None:
        parent_id = row[self.id_index]
        if parent_id is None:
            record[self.name] = None
            return
        nested = run.attributes(self.sobject, parent_id)
        for member in self.members:
            member.emit(nested, row, run)
        record[self.name] = nested


@dataclass(frozen=True)
class ChildOut:
    """A parent-to-child subquery: {totalSize, done, records} per parent, null when it has no child."""

    name: str
    plan: ChildPlan

    def emit(self, record: dict[str, Any], row: Row, run: _Run) -> None:
        children = run.children[self.name].get(row[0])
        record[self.name] = {"totalSize": len(children), "done": True, "records": children} if children else None


Member = FieldOut | CompoundOut | ParentOut | ChildOut


# --- plans ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildPlan:
    sobject: str
    sql: str  # with IDS_MARKER where the batch of parent ids goes (last parameters)
    params: tuple[Any, ...]
    members: tuple[Member, ...]
    parent_index: int  # column of the child's reference to the parent
    limit: int | None  # per parent


@dataclass(frozen=True)
class RecordsPlan:
    sobject: str
    sql: str
    params: tuple[Any, ...]
    members: tuple[Member, ...]
    children: tuple[ChildOut, ...]


@dataclass(frozen=True)
class CountPlan:
    """SELECT COUNT() ...: only a total."""

    sql: str
    params: tuple[Any, ...]


@dataclass(frozen=True)
class AggregatePlan:
    """SELECT COUNT(Id) n, MAX(CreatedDate) ...: one AggregateResult record."""

    sql: str
    params: tuple[Any, ...]
    outputs: tuple[tuple[str, Callable[[Any], Any]], ...]  # (alias or exprN, converter)
    offset: int
    limit: int | None


Plan = RecordsPlan | CountPlan | AggregatePlan


# --- running ---------------------------------------------------------------------------------------------------------


class _Run:
    """State of one execution: the URL prefix and the children fetched for the current batch of parents."""

    def __init__(self, api_version: str) -> None:
        self.base_url = f"/services/data/v{api_version}/sobjects/"
        self.children: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def attributes(self, sobject: str, record_id: str) -> dict[str, Any]:
        return {"attributes": {"type": sobject, "url": f"{self.base_url}{sobject}/{record_id}"}}

    def record(self, sobject: str, members: tuple[Member, ...], row: Row) -> dict[str, Any]:
        record = self.attributes(sobject, row[0])
        for member in members:
            member.emit(record, row, self)
        return record


def _fetch_children(
    conn: sqlite3.Connection, child: ChildPlan, parent_ids: list[str], params: list[Any], run: _Run
) -> dict[str, list[dict[str, Any]]]:
    sql = child.sql.replace(IDS_MARKER, ", ".join("?" * len(parent_ids)))
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(sql, [*params, *parent_ids]):
        records = grouped.setdefault(row[child.parent_index], [])
        if child.limit is None or len(records) < child.limit:
            records.append(run.record(child.sobject, child.members, row))
    return grouped


def iter_records(
    conn: sqlite3.Connection, plan: RecordsPlan, *, api_version: str, today: dt.date
) -> Iterator[dict[str, Any]]:
    """The records of a plan, fetched in batches; child subqueries run once per batch of parents."""
    run = _Run(api_version)
    child_params = {c.name: resolve_params(list(c.plan.params), today) for c in plan.children}
    cursor = conn.execute(plan.sql, resolve_params(list(plan.params), today))
    try:
        while rows := cursor.fetchmany(FETCH_BATCH):
            if plan.children:
                parent_ids = [row[0] for row in rows]
                run.children = {
                    c.name: _fetch_children(conn, c.plan, parent_ids, child_params[c.name], run) for c in plan.children
                }
            for row in rows:
                yield run.record(plan.sobject, plan.members, row)
    finally:
        cursor.close()


def count(conn: sqlite3.Connection, plan: CountPlan, *, today: dt.date) -> int:
    return int(conn.execute(plan.sql, resolve_params(list(plan.params), today)).fetchone()[0])


def aggregate(conn: sqlite3.Connection, plan: AggregatePlan, *, today: dt.date) -> list[dict[str, Any]]:
    row = conn.execute(plan.sql, resolve_params(list(plan.params), today)).fetchone()
    record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for (name, convert), value in zip(plan.outputs, row, strict=True):
        record[name] = convert(value)
    end = None if plan.limit is None else plan.offset + plan.limit
    return [record][plan.offset : end]
