"""WHERE conditions -> one SQLite boolean expression with `?` parameters.

SOQL uses two-valued logic: a comparison with a null field is simply false, so `Name != 'x'` and
`NOT (Name = 'x')` both match rows whose Name is null (assumed("soql-null-logic")). SQL's three-valued logic
differs only under negation, so negations are pushed down to the field expressions (De Morgan) and a negated
expression that could be NULL is written `(col IS NULL OR NOT (...))`. Positive expressions keep their plain,
index-friendly SQL form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.sandbox import ids
from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.soql import nodes
from reconciler.sandbox.soql.errors import bad_filter, malformed, soql_error, unexpected
from reconciler.sandbox.soql.fieldtypes import ID_TYPES, NUMBER_TYPES, TEXT_TYPES, filter_type_name, filterable
from reconciler.sandbox.soql.literals import date_range, format_date, format_datetime, is_relative_date
from reconciler.sandbox.soql.scope import Column, Scope

_NULL_LOGIC = assumed("soql-null-logic")
_FILTER_ERRORS = assumed("soql-filter-errors")
_CASE = assumed("soql-case-folding")


@dataclass(frozen=True)
class DateBound:
    """A parameter fixed only when the query runs: one end of a relative date literal's range."""

    name: str
    n: int | None
    end: bool  # False: the first day of the range; True: the day after its last day
    datetime: bool  # compared with a datetime field (else a date field)


@dataclass(frozen=True)
class _Sql:
    text: str
    total: bool  # never NULL (so NOT needs no null guard)
    column: str  # the column expression, for the null guard


# compiles the subquery of IN (SELECT ...) -> (SQL selecting one non-null id column, its params)
SemiJoinCompiler = Callable[[nodes.Query], tuple[str, list[Any]]]


class ConditionCompiler:
    """Compiles the conditions of one scope; `params` collects the `?` values in text order."""

    def __init__(self, scope: Scope, semi_join: SemiJoinCompiler | None) -> None:
        self.scope = scope
        self.soql = scope.soql
        self.params: list[Any] = []
        self._semi_join = semi_join

    def compile(self, condition: nodes.Condition, negate: bool = False) -> str:
        if isinstance(condition, nodes.Not):
            return self.compile(condition.operand, not negate)
        if isinstance(condition, nodes.And | nodes.Or):
            conjunction = isinstance(condition, nodes.And) != negate
            parts = [self.compile(operand, negate) for operand in condition.operands]
            return "(" + (" AND " if conjunction else " OR ").join(parts) + ")"
        sql = self._predicate(condition)
        if not negate:
            return sql.text
        return _negated(sql).text

    # --- predicates (positive form) --------------------------------------------------------------------------

    def _predicate(self, predicate: nodes.Comparison | nodes.InList | nodes.InQuery) -> _Sql:
        column = self.scope.resolve(predicate.field)
        if not filterable(column.spec):
            text = f"field '{column.spec.name}' can not be filtered in query call"
            raise soql_error("INVALID_FIELD", self.soql, predicate.field.pos, text)
        if isinstance(predicate, nodes.InQuery):
            return self._in_query(predicate, column)
        if isinstance(predicate, nodes.InList):
            return self._in_list(predicate, column)
        if predicate.op == "LIKE":
            return self._like(predicate, column)
        return self._comparison(predicate, column)

    def _comparison(self, predicate: nodes.Comparison, column: Column) -> _Sql:
        op, value = predicate.op, predicate.value
        if isinstance(value, nodes.NullValue):
            if op == "=":
                return _Sql(f"{column.sql} IS NULL", True, column.sql)
            if op == "!=":
                return _Sql(f"{column.sql} IS NOT NULL", True, column.sql)
            return _Sql("0", True, column.sql)  # an ordering comparison with null is false
        if column.spec.type == "boolean" and op not in ("=", "!="):
            raise bad_filter(self.soql, predicate.pos, "invalid operator on boolean field")
        if isinstance(value, nodes.RelativeDate):
            if not is_relative_date(value.name, value.n):
                raise self._unknown_literal(value)
            if column.spec.type not in ("date", "datetime"):
                raise self._type_error(value, column)
            return self._date_range(op, value, column)
        self.params.append(self._param(value, column))
        operand = _compared(column)
        if op == "!=":
            return _Sql(f"({column.sql} IS NULL OR {operand} != ?)", True, column.sql)
        return _Sql(f"{operand} {op} ?", False, column.sql)

    def _date_range(self, op: str, value: nodes.RelativeDate, column: Column) -> _Sql:
        as_datetime = column.spec.type == "datetime"
        start = DateBound(value.name, value.n, False, as_datetime)
        end = DateBound(value.name, value.n, True, as_datetime)
        c = column.sql
        if op in ("=", "!="):
            self.params.extend((start, end))
            inside = _Sql(f"({c} >= ? AND {c} < ?)", False, c)
            return inside if op == "=" else _Sql(f"({c} IS NULL OR NOT ({c} >= ? AND {c} < ?))", True, c)
        bound, sql_op = {"<": (start, "<"), "<=": (end, "<"), ">": (end, ">="), ">=": (start, ">=")}[op]
        self.params.append(bound)
        return _Sql(f"{c} {sql_op} ?", False, c)

    def _like(self, predicate: nodes.Comparison, column: Column) -> _Sql:
        if column.spec.type in ID_TYPES:
            raise bad_filter(self.soql, predicate.pos, "invalid operator on id field")
        if column.spec.type not in TEXT_TYPES:
            raise bad_filter(self.soql, predicate.pos, f"invalid operator on {filter_type_name(column.spec)} field")
        value = predicate.value
        if not isinstance(value, nodes.StringValue):
            raise self._type_error(value, column)
        self.params.append(value.like)
        return _Sql(f"{column.sql} LIKE ? ESCAPE '\\'", False, column.sql)

    def _in_list(self, predicate: nodes.InList, column: Column) -> _Sql:
        values = [v for v in predicate.values if not isinstance(v, nodes.NullValue)]
        has_null = len(values) < len(predicate.values)
        for value in values:
            if isinstance(value, nodes.RelativeDate):
                raise malformed(self.soql, value.pos, "date literals in IN lists are not supported by the sandbox")
        params = [self._param(value, column) for value in values]
        parts: list[str] = []
        if params:
            parts.append(f"{_compared(column)} IN ({', '.join('?' * len(params))})")
            self.params.extend(params)
        if has_null:
            parts.append(f"{column.sql} IS NULL")
        text = parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"
        positive = _Sql(text, has_null, column.sql)
        return _negated(positive) if predicate.negated else positive

    def _in_query(self, predicate: nodes.InQuery, column: Column) -> _Sql:
        if column.spec.type not in ID_TYPES:
            text = f"semi join sub-selects are only supported on id fields, not on '{column.spec.name}'"
            raise malformed(self.soql, predicate.pos, text)
        if self._semi_join is None:
            raise malformed(self.soql, predicate.pos, "Nesting of semi join sub-selects is not supported")
        sql, params = self._semi_join(predicate.query)
        self.params.extend(params)
        positive = _Sql(f"{column.sql} IN ({sql})", False, column.sql)
        return _negated(positive) if predicate.negated else positive

    # --- values ----------------------------------------------------------------------------------------------

    def _param(self, value: nodes.Value, column: Column) -> Any:
        """The SQL parameter for a literal compared with this column; INVALID_QUERY_FILTER_OPERATOR on a misfit."""
        ftype = column.spec.type
        if isinstance(value, nodes.RelativeDate) and not is_relative_date(value.name, value.n):
            raise self._unknown_literal(value)
        if ftype in TEXT_TYPES and isinstance(value, nodes.StringValue):
            return value.value
        if ftype in ID_TYPES and isinstance(value, nodes.StringValue):
            try:
                return ids.to18(value.value)
            except ValueError:
                raise bad_filter(self.soql, value.pos, f"invalid ID field: {value.value}") from None
        if ftype == "boolean" and isinstance(value, nodes.BooleanValue):
            return int(value.value)
        if ftype in NUMBER_TYPES and isinstance(value, nodes.NumberValue):
            return value.value
        if ftype == "date" and isinstance(value, nodes.DateValue):
            return format_date(value.value)
        if ftype == "datetime" and isinstance(value, nodes.DateTimeValue):
            return format_datetime(value.value)
        raise self._type_error(value, column)

    def _unknown_literal(self, value: nodes.RelativeDate) -> Exception:
        if "FISCAL" in value.name:
            return malformed(self.soql, value.pos, f"{value} (fiscal date literal) is not supported by the sandbox")
        return unexpected(self.soql, value.pos, str(value))

    def _type_error(self, value: nodes.Value, column: Column) -> Exception:
        quoted = column.spec.type in TEXT_TYPES | ID_TYPES
        text = (
            f"value of filter criterion for field '{column.spec.name}' must be of type "
            f"{filter_type_name(column.spec)} and should {'' if quoted else 'not '}be enclosed in quotes"
        )
        return bad_filter(self.soql, value.pos, text)


def _compared(column: Column) -> str:
    """The column as the left operand of a comparison: text compares case-insensitively.

    The collation goes on the column, never on the value: SQLite 3.40 rewrites `x = ? COLLATE NOCASE OR x = ?
    COLLATE NOCASE` into a lookup of the column's case-sensitive index and loses rows (found by the property test).
    """
    return f"{column.sql} COLLATE NOCASE" if column.spec.type in TEXT_TYPES else column.sql


def _negated(positive: _Sql) -> _Sql:
    """NOT in two-valued logic: where the positive form could be NULL (a null column), the negation is true."""
    if positive.total:
        return _Sql(f"NOT ({positive.text})", True, positive.column)
    return _Sql(f"({positive.column} IS NULL OR NOT ({positive.text}))", True, positive.column)


def resolve_params(params: list[Any], today: dt.date) -> list[Any]:
    """The parameters with each DateBound replaced by its value on `today`."""
    if not any(isinstance(p, DateBound) for p in params):
        return params
    resolved: list[Any] = []
    for p in params:
        if isinstance(p, DateBound):
            start, end = date_range(p.name, p.n, today)
            day = end if p.end else start
            p = f"{day.isoformat()}T00:00:00.000+0000" if p.datetime else format_date(day)
        resolved.append(p)
    return resolved
