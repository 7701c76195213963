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
# Each member makes a `step(record, row)` that writes its key into the record; steps are built once per run.

Step = Callable[[dict[str, Any], Row], None]


@dataclass(frozen=True)
class FieldOut:
    name: str
    index: int
    convert: Callable[[Any], Any] | None  # None: the SQLite value is already the JSON value
    spec: FieldSpec


@dataclass(frozen=True)
class CompoundOut:
    """An address field: one JSON object built from its component columns (null when all are null)."""

    name: str
    parts: tuple[tuple[str, int, Callable[[Any], Any] | None], ...]  # (JSON key, column index, converter)
    spec: FieldSpec

    def step(self, run: _Run) -> Step:
        name, parts = self.name, self.parts

        def compound(record: dict[str, Any], row: Row) -> None:
            values = {key: row[i] if convert is None else convert(row[i]) for key, i, convert in parts}
            record[name] = values if any(v is not None for v in values.values()) else None

        return compound


@dataclass(frozen=True)
class ParentOut:
    """A parent lookup (Owner.Username): a nested record with its own attributes, or null when there is none."""

    name: str
    sobject: str
    id_index: int
    members: tuple[Member, ...]
    spec: FieldSpec  # the reference field (OwnerId)

    def step(self, run: _Run) -> Step:
        name, sobject, id_index = self.name, self.sobject, self.id_index
        prefix = f"{run.base_url}{sobject}/"
        steps = steps_for(self.members, run)

        def parent(record: dict[str, Any], row: Row) -> None:
            parent_id = row[id_index]
            if parent_id is None:
                record[name] = None
                return
            nested: dict[str, Any] = {"attributes": {"type": sobject, "url": prefix + parent_id}}
            for step in steps:
                step(nested, row)
            record[name] = nested

        return parent


@dataclass(frozen=True)
class ChildOut:
    """A parent-to-child subquery: {totalSize, done, records} per parent, null when it has no child."""

    name: str
    plan: ChildPlan

    def step(self, run: _Run) -> Step:
        name = self.name

        def child(record: dict[str, Any], row: Row) -> None:
            children = run.children[name].get(row[0])
            record[name] = {"totalSize": len(children), "done": True, "records": children} if children else None

        return child


Member = FieldOut | CompoundOut | ParentOut | ChildOut


def _fields_step(fields: list[FieldOut]) -> Step:
    """One step for a run of consecutive plain fields (the common case: a loop, not a call per field)."""
    items = tuple((f.name, f.index, f.convert) for f in fields)

    def plain(record: dict[str, Any], row: Row) -> None:
        for name, index, convert in items:
            record[name] = row[index] if convert is None else convert(row[index])

    return plain


def steps_for(members: tuple[Member, ...], run: _Run) -> list[Step]:
    """The steps writing `members` into a record, in select order."""
    steps: list[Step] = []
    fields: list[FieldOut] = []
    for member in members:
        if isinstance(member, FieldOut):
            fields.append(member)
            continue
        if fields:
            steps.append(_fields_step(fields))
            fields = []
        steps.append(member.step(run))
    if fields:
        steps.append(_fields_step(fields))
    return steps


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
    outputs: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # (alias or exprN, converter)
    offset: int
    limit: int | None


Plan = RecordsPlan | CountPlan | AggregatePlan


# --- running ---------------------------------------------------------------------------------------------------------


class _Run:
    """State of one execution: the URL prefix and the children fetched for the current batch of parents."""

    def __init__(self, api_version: str) -> None:
        self.base_url = f"/services/data/v{api_version}/sobjects/"
        self.children: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def shaper(self, sobject: str, members: tuple[Member, ...]) -> Callable[[Row], dict[str, Any]]:
        """row -> record, for rows whose first column is the record's Id."""
        prefix = f"{self.base_url}{sobject}/"
        steps = steps_for(members, self)

        def shape(row: Row) -> dict[str, Any]:
            record: dict[str, Any] = {"attributes": {"type": sobject, "url": prefix + row[0]}}
            for step in steps:
                step(record, row)
            return record

        return shape


def _fetch_children(
    conn: sqlite3.Connection,
    child: ChildPlan,
    parent_ids: list[str],
    params: list[Any],
    shape: Callable[[Row], dict[str, Any]],
) -> dict[str, list[dict[str, Any]]]:
    sql = child.sql.replace(IDS_MARKER, ", ".join("?" * len(parent_ids)))
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(sql, [*params, *parent_ids]):
        records = grouped.setdefault(row[child.parent_index], [])
        if child.limit is None or len(records) < child.limit:
            records.append(shape(row))
    return grouped


def iter_records(
    conn: sqlite3.Connection, plan: RecordsPlan, *, api_version: str, today: dt.date
) -> Iterator[dict[str, Any]]:
    """The records of a plan, fetched in batches; child subqueries run once per batch of parents."""
    run = _Run(api_version)
    shape = run.shaper(plan.sobject, plan.members)
    children = [
        (c.name, c.plan, resolve_params(list(c.plan.params), today), run.shaper(c.plan.sobject, c.plan.members))
        for c in plan.children
    ]
    cursor = conn.execute(plan.sql, resolve_params(list(plan.params), today))
    try:
        while rows := cursor.fetchmany(FETCH_BATCH):
            if children:
                parent_ids = [row[0] for row in rows]
                run.children = {
                    name: _fetch_children(conn, child, parent_ids, params, child_shape)
                    for name, child, params, child_shape in children
                }
            for row in rows:
                yield shape(row)
    finally:
        cursor.close()


def count(conn: sqlite3.Connection, plan: CountPlan, *, today: dt.date) -> int:
    return int(conn.execute(plan.sql, resolve_params(list(plan.params), today)).fetchone()[0])


def aggregate(conn: sqlite3.Connection, plan: AggregatePlan, *, today: dt.date) -> list[dict[str, Any]]:
    row = conn.execute(plan.sql, resolve_params(list(plan.params), today)).fetchone()
    record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for (name, convert), value in zip(plan.outputs, row, strict=True):
        record[name] = value if convert is None else convert(value)
    end = None if plan.limit is None else plan.offset + plan.limit
    return [record][plan.offset : end]
