"""Syntax tree + schema -> a Plan: one parameterised SQLite statement (parent lookups as LEFT JOINs), plus one
statement per child subquery that runs once per batch of parent rows (never once per row).

This is also where the query is checked against the schema: unknown objects (INVALID_TYPE), fields and
relationships (INVALID_FIELD), values of the wrong type (INVALID_QUERY_FILTER_OPERATOR) and SOQL the sandbox
does not implement (MALFORMED_QUERY).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.schema import FieldSpec, ObjectSpec, Schema
from reconciler.sandbox.soql import nodes
from reconciler.sandbox.soql.errors import malformed, soql_error, unknown_child_relationship, unsupported_sobject
from reconciler.sandbox.soql.fieldtypes import NUMBER_TYPES, TEXT_TYPES, json_converter, sortable
from reconciler.sandbox.soql.plan import (
    IDS_MARKER,
    AggregatePlan,
    ChildOut,
    ChildPlan,
    CompoundOut,
    CountPlan,
    FieldOut,
    Member,
    ParentOut,
    Plan,
    RecordsPlan,
)
from reconciler.sandbox.soql.scope import Column, Scope
from reconciler.sandbox.soql.where import ConditionCompiler

_DEFAULT_ORDER = assumed("soql-default-order")
_CASE = assumed("soql-case-folding")
_OFFSET = assumed("soql-offset-limit")

MAX_OFFSET = 2000
AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "MIN", "MAX", "SUM", "AVG"})
_ADDRESS_PARTS = (  # JSON key -> component field suffix, in the (alphabetical) order Salesforce returns them
    ("city", "City"),
    ("country", "Country"),
    ("geocodeAccuracy", "GeocodeAccuracy"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
    ("postalCode", "PostalCode"),
    ("state", "State"),
    ("street", "Street"),
)


@dataclass(frozen=True)
class ColumnInfo:
    """One column of the `columns=true` answer (see columns.py)."""

    name: str
    display_name: str
    spec: FieldSpec | None
    aggregate: bool = False
    joins: tuple[ColumnInfo, ...] = ()


@dataclass(frozen=True)
class Compiled:
    plan: Plan
    sobject: ObjectSpec
    columns: tuple[ColumnInfo, ...]
    id_selected: bool


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class _ParentBuilder:
    """A parent lookup being assembled: its members in first-use order (frozen into ParentOut at the end)."""

    name: str
    sobject: str
    id_index: int
    spec: FieldSpec
    members: dict[str, Any] = field(default_factory=dict)

    def freeze(self) -> ParentOut:
        members = tuple(m.freeze() if isinstance(m, _ParentBuilder) else m for m in self.members.values())
        return ParentOut(self.name, self.sobject, self.id_index, members, self.spec)


class _SelectBuilder:
    """Select columns of one scope and the output members they feed."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.columns: list[str] = [f'{scope.base}."Id"']
        self.members: dict[str, Any] = {}
        self.infos: list[ColumnInfo] = []
        self._seen: set[tuple[str, ...]] = set()

    def add_column(self, sql: str) -> int:
        if sql in self.columns:  # e.g. Id, selected and also the record's key
            return self.columns.index(sql)
        self.columns.append(sql)
        return len(self.columns) - 1

    def add_field(self, ref: nodes.FieldRef) -> None:
        column = self.scope.resolve(ref)
        key = tuple(part.lower() for part in column.canonical)
        if key in self._seen:
            raise malformed(self.scope.soql, ref.pos, f"duplicate field selected: {'.'.join(column.canonical)}")
        self._seen.add(key)
        container = self.members
        for depth in range(1, len(column.relationship_path) + 1):
            join = self.scope.join_for(column.relationship_path[:depth])
            name = column.relationship_path[depth - 1]
            parent = container.get(name.lower())
            if parent is None:
                parent = _ParentBuilder(name, join.sobject.name, self.add_column(f'{join.alias}."Id"'), join.via)
                container[name.lower()] = parent
            container = parent.members
        container[column.spec.name.lower()] = self._leaf(column)
        self.infos.append(_column_info(column))

    def _leaf(self, column: Column) -> FieldOut | CompoundOut:
        spec = column.spec
        if spec.type == "address":
            prefix = spec.name[: -len("Address")]
            parts = []
            for key, suffix in _ADDRESS_PARTS:
                part = column.owner.field(prefix + suffix)
                if part is not None:
                    index = self.add_column(f'{column.table_alias}."{part.name}"')
                    parts.append((key, index, json_converter(part)))
            return CompoundOut(spec.name, tuple(parts), spec)
        return FieldOut(spec.name, self.add_column(column.sql), json_converter(spec), spec)

    def add_child(self, child: ChildOut, info: ColumnInfo, pos: nodes.Pos) -> None:
        if child.name.lower() in self.members:
            raise malformed(self.scope.soql, pos, f"duplicate field selected: {child.name}")
        self.members[child.name.lower()] = child
        self.infos.append(info)

    def frozen_members(self) -> tuple[Member, ...]:
        return tuple(m.freeze() if isinstance(m, _ParentBuilder) else m for m in self.members.values())


def _column_info(column: Column) -> ColumnInfo:
    """The field, nested under each lookup of its path (Owner -> Username)."""
    info = ColumnInfo(column.spec.name, column.spec.name, column.spec)
    for name in reversed(column.relationship_path):
        info = ColumnInfo(name, name, None, False, (info,))
    return info


class Compiler:
    """Compiles one parsed query against the schema (a fresh instance per query)."""

    def __init__(self, schema: Schema, soql: str, include_deleted: bool,
                 row_filters: tuple[tuple[str, str], ...] = ()) -> None:
        self.schema = schema
        self.soql = soql
        self.include_deleted = include_deleted
        self.row_filters = row_filters
        self._subqueries = 0

    # --- entry point -------------------------------------------------------------------------------------------------

    def compile(self, query: nodes.Query) -> Compiled:
        sobject = self._sobject(query.sobject, query.sobject_pos)
        scope = Scope(self.schema, self.soql, sobject, query.alias, "t")
        functions = [item for item in query.select if isinstance(item, nodes.FunctionCall)]
        for function in functions:
            self._check_function(function)
        if functions:
            return self._aggregate(query, scope, functions)
        return self._records(query, scope)

    def _sobject(self, name: str, pos: nodes.Pos) -> ObjectSpec:
        sobject = self.schema.get(name)
        if sobject is None or not sobject.queryable:
            raise unsupported_sobject(self.soql, pos, name)
        return sobject

    # --- plain queries -----------------------------------------------------------------------------------------------

    def _records(self, query: nodes.Query, scope: Scope) -> Compiled:
        select = _SelectBuilder(scope)
        children: list[ChildOut] = []
        for item in query.select:
            if isinstance(item, nodes.Subquery):
                child, info = self._child(item, scope.sobject)
                select.add_child(child, info, item.pos)
                children.append(child)
            elif isinstance(item, nodes.FieldRef):
                select.add_field(item)
        conditions, params = self._where(query.where, scope)
        order = self._order_by(query.order_by, scope)
        limit_sql, limit_params = self._limit_offset(query)
        sql = (
            f"SELECT {', '.join(select.columns)} FROM {scope.from_sql()}"
            f"{_where_sql(conditions)} ORDER BY {order}{limit_sql}"
        )
        plan = RecordsPlan(scope.sobject.name, sql, (*params, *limit_params), select.frozen_members(), tuple(children))
        id_selected = any(isinstance(i, nodes.FieldRef) and i.path[-1].lower() == "id" for i in query.select)
        return Compiled(plan, scope.sobject, tuple(select.infos), id_selected)

    def _child(self, item: nodes.Subquery, parent: ObjectSpec) -> tuple[ChildOut, ColumnInfo]:
        query = item.query
        relationship = parent.child_relationship(query.sobject)
        if relationship is None:
            raise unknown_child_relationship(self.soql, query.sobject_pos, query.sobject)
        child_object = self._sobject(relationship.child_object, query.sobject_pos)
        scope = Scope(self.schema, self.soql, child_object, query.alias, f"c{self._next_subquery()}_")
        select = _SelectBuilder(scope)
        for sub in query.select:
            if isinstance(sub, nodes.Subquery):
                raise malformed(self.soql, sub.pos, "nested subqueries are not supported by the guestlist sandbox")
            if isinstance(sub, nodes.FunctionCall):
                raise malformed(self.soql, sub.pos, f"{sub.text} is not supported in a subquery")
            select.add_field(sub)
        if query.offset is not None:
            raise malformed(self.soql, query.pos, "OFFSET in a subquery is not supported by the guestlist sandbox")
        parent_index = select.add_column(f'{scope.base}."{relationship.field}"')
        conditions, params = self._where(query.where, scope)
        conditions.append(f'{scope.base}."{relationship.field}" IN ({IDS_MARKER})')
        order = self._order_by(query.order_by, scope)
        sql = f"SELECT {', '.join(select.columns)} FROM {scope.from_sql()}{_where_sql(conditions)} ORDER BY {order}"
        plan = ChildPlan(child_object.name, sql, tuple(params), select.frozen_members(), parent_index, query.limit)
        info = ColumnInfo(relationship.name, relationship.name, None, True, tuple(select.infos))
        return ChildOut(relationship.name, plan), info

    def _next_subquery(self) -> int:
        self._subqueries += 1
        return self._subqueries

    # --- WHERE and semi-joins ----------------------------------------------------------------------------------------

    def _where(self, condition: nodes.Condition | None, scope: Scope, nested: bool = False) -> tuple[list[str], list]:
        conditions: list[str] = []
        params: list[Any] = []
        if condition is not None:
            compiler = ConditionCompiler(scope, None if nested else self._semi_join)
            conditions.append(compiler.compile(condition))
            params = compiler.params
        if scope.sobject.soft_delete and not self.include_deleted:
            conditions.append(f'{scope.base}."IsDeleted" = 0')
        conditions.extend(condition.format(t=scope.base) for sobject, condition in self.row_filters
                          if sobject == scope.sobject.name)
        return conditions, params

    def _semi_join(self, query: nodes.Query) -> tuple[str, list[Any]]:
        sobject = self._sobject(query.sobject, query.sobject_pos)
        if len(query.select) != 1 or not isinstance(query.select[0], nodes.FieldRef):
            raise malformed(self.soql, query.pos, "a semi join sub-select must select exactly one id field")
        for clause, present in (("ORDER BY", query.order_by), ("LIMIT", query.limit), ("OFFSET", query.offset)):
            if present:
                text = f"{clause} in a semi join sub-select is not supported by the guestlist sandbox"
                raise malformed(self.soql, query.pos, text)
        scope = Scope(self.schema, self.soql, sobject, query.alias, f"s{self._next_subquery()}_")
        column = scope.resolve(query.select[0])
        if column.spec.type not in ("id", "reference"):
            text = f"a semi join sub-select must select an id field, not '{column.spec.name}'"
            raise malformed(self.soql, query.select[0].pos, text)
        conditions, params = self._where(query.where, scope, nested=True)
        conditions.insert(0, f"{column.sql} IS NOT NULL")
        return f"SELECT {column.sql} FROM {scope.from_sql()}{_where_sql(conditions)}", params

    # --- ORDER BY, LIMIT, OFFSET -------------------------------------------------------------------------------------

    def _order_by(self, items: tuple[nodes.OrderItem, ...], scope: Scope) -> str:
        terms: list[str] = []
        for item in items:
            column = scope.resolve(item.field)
            if not sortable(column.spec):
                text = f"field '{column.spec.name}' can not be sorted in a query call"
                raise soql_error("INVALID_FIELD", self.soql, item.pos, text)
            nulls = "NULLS LAST" if item.nulls_first is False else "NULLS FIRST"
            terms.append(f"{_sort_key(column)} {'DESC' if item.descending else 'ASC'} {nulls}")
        terms.append(f'{scope.base}."Id" ASC')  # a stable tie-break, and the order when none is given
        return ", ".join(terms)

    def _limit_offset(self, query: nodes.Query) -> tuple[str, list[int]]:
        if query.offset is not None and query.offset > MAX_OFFSET:
            raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        if query.limit is None and query.offset is None:
            return "", []
        return " LIMIT ? OFFSET ?", [-1 if query.limit is None else query.limit, query.offset or 0]

    # --- aggregate queries -------------------------------------------------------------------------------------------

    def _check_function(self, function: nodes.FunctionCall) -> None:
        if function.name not in AGGREGATES:
            raise malformed(self.soql, function.pos, f"{function.name}() is not supported by the guestlist sandbox")
        if function.arg is None and function.name != "COUNT":
            raise malformed(self.soql, function.pos, f"{function.name}() needs a field")

    def _aggregate(self, query: nodes.Query, scope: Scope, functions: list[nodes.FunctionCall]) -> Compiled:
        for item in query.select:
            if isinstance(item, nodes.FieldRef):
                raise malformed(self.soql, item.pos, f"Field must be grouped or aggregated: {item.text}")
            if isinstance(item, nodes.Subquery):
                raise malformed(self.soql, item.pos, "subqueries cannot be combined with aggregate functions")
        if query.order_by:
            ordered = query.order_by[0]
            raise malformed(self.soql, ordered.pos,
                            f"Ordered field must be grouped or aggregated: {ordered.field.text}")
        count_all = [f for f in functions if f.arg is None]
        if count_all and len(query.select) > 1:
            raise malformed(self.soql, count_all[0].pos, "COUNT() must be the only element in the SELECT list")
        if count_all:
            return self._count(query, scope)
        expressions: list[str] = []
        outputs: list[tuple[str, Callable[[Any], Any] | None]] = []
        infos: list[ColumnInfo] = []
        unnamed = 0
        for function in functions:
            assert function.arg is not None  # checked by _check_function
            column = scope.resolve(function.arg)
            expressions.append(self._aggregate_sql(function, column))
            name = function.alias
            if name is None:
                name, unnamed = f"expr{unnamed}", unnamed + 1
            if any(existing.lower() == name.lower() for existing, _ in outputs):
                raise malformed(self.soql, function.pos, f"duplicate alias: {name}")
            outputs.append((name, _aggregate_converter(function.name, column.spec)))
            infos.append(ColumnInfo(name, function.text, column.spec, True))
        conditions, params = self._where(query.where, scope)
        self._limit_offset(query)  # validates OFFSET
        sql = f"SELECT {', '.join(expressions)} FROM {scope.from_sql()}{_where_sql(conditions)}"
        plan = AggregatePlan(sql, tuple(params), tuple(outputs), query.offset or 0, query.limit)
        return Compiled(plan, scope.sobject, tuple(infos), False)

    def _aggregate_sql(self, function: nodes.FunctionCall, column: Column) -> str:
        spec = column.spec
        numeric_only = function.name in ("SUM", "AVG") and spec.type not in NUMBER_TYPES
        unordered = function.name in ("MIN", "MAX") and (spec.type == "boolean" or not sortable(spec))
        if numeric_only or unordered:
            text = f"field {spec.name} does not support aggregate operator {function.name}"
            raise malformed(self.soql, function.pos, text)
        collate = " COLLATE NOCASE" if spec.type in TEXT_TYPES else ""  # MAX('Zed', 'smith') is 'Zed'
        if function.name == "COUNT_DISTINCT":
            return f"COUNT(DISTINCT {column.sql}{collate})"
        return f"{function.name}({column.sql}{collate})"

    def _count(self, query: nodes.Query, scope: Scope) -> Compiled:
        conditions, params = self._where(query.where, scope)
        limit_sql, limit_params = self._limit_offset(query)
        inner = f"FROM {scope.from_sql()}{_where_sql(conditions)}"
        sql = f"SELECT COUNT(*) FROM (SELECT 1 {inner}{limit_sql})" if limit_sql else f"SELECT COUNT(*) {inner}"
        return Compiled(CountPlan(sql, (*params, *limit_params)), scope.sobject, (), False)


def _where_sql(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _sort_key(column: Column) -> str:
    """What ORDER BY sorts on: upper-cased text, picklists in value order (assumed("soql-case-folding"))."""
    spec = column.spec
    if spec.type == "picklist" and spec.picklist_values:
        whens = " ".join(f"WHEN {column.sql} = {_quote(v)} THEN {i}" for i, v in enumerate(spec.picklist_values))
        return f"CASE WHEN {column.sql} IS NULL THEN NULL {whens} ELSE {len(spec.picklist_values)} END"
    if spec.type in TEXT_TYPES:
        return f"upper({column.sql})"
    return column.sql


def _aggregate_converter(function: str, spec: FieldSpec) -> Callable[[Any], Any] | None:
    if function in ("COUNT", "COUNT_DISTINCT"):
        return int
    if function == "AVG" or (function == "SUM" and spec.type not in ("int", "long")):
        return lambda v: None if v is None else float(v)
    return json_converter(spec)


def compile_query(schema: Schema, soql: str, query: nodes.Query, include_deleted: bool,
                  row_filters: tuple[tuple[str, str], ...] = ()) -> Compiled:
    return Compiler(schema, soql, include_deleted, row_filters).compile(query)
