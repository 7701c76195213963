"""The SOQL syntax tree: what the parser produces and the compiler consumes (no schema knowledge yet).

Every node carries the position of its first token (1-based line and column) so that later errors (unknown
field, wrong value type) can point at the query text the way Salesforce does. Positions never take part in
equality: two queries that differ only in layout have equal trees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


NOWHERE = Pos(1, 1)


def _pos() -> Pos:
    return field(default=NOWHERE, compare=False, repr=False)  # type: ignore[return-value]


# --- values ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StringValue:
    value: str  # decoded, for = != < > IN
    like: str  # the same literal as an SQLite LIKE pattern with ESCAPE '\'
    pos: Pos = _pos()


@dataclass(frozen=True)
class NumberValue:
    value: int | float
    pos: Pos = _pos()


@dataclass(frozen=True)
class BooleanValue:
    value: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class NullValue:
    pos: Pos = _pos()


@dataclass(frozen=True)
class DateValue:
    value: dt.date
    pos: Pos = _pos()


@dataclass(frozen=True)
class DateTimeValue:
    value: dt.datetime  # timezone-aware
    pos: Pos = _pos()


@dataclass(frozen=True)
class RelativeDate:
    """A date literal such as TODAY or LAST_N_DAYS:7: a range of days resolved when the query runs."""

    name: str  # upper case, without the ":n"
    n: int | None
    pos: Pos = _pos()

    def __str__(self) -> str:
        return self.name if self.n is None else f"{self.name}:{self.n}"


Value = StringValue | NumberValue | BooleanValue | NullValue | DateValue | DateTimeValue | RelativeDate


# --- select list -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldRef:
    path: tuple[str, ...]  # as written: ("Owner", "Username")
    pos: Pos = _pos()

    @property
    def text(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class FunctionCall:
    """COUNT(), COUNT(Id) n, MAX(CreatedDate) ... (and functions the sandbox refuses, kept for a clear error)."""

    name: str  # upper case
    arg: FieldRef | None
    alias: str | None
    pos: Pos = _pos()

    @property
    def text(self) -> str:
        return f"{self.name}({self.arg.text if self.arg else ''})"


@dataclass(frozen=True)
class Subquery:
    """A parent-to-child subquery in the select list: (SELECT MemberId FROM GroupMembers)."""

    query: Query
    pos: Pos = _pos()


SelectItem = FieldRef | FunctionCall | Subquery


# --- conditions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str  # = != < <= > >= LIKE   ('<>' is read as '!=')
    value: Value
    pos: Pos = _pos()


@dataclass(frozen=True)
class InList:
    field: FieldRef
    values: tuple[Value, ...]
    negated: bool  # NOT IN
    pos: Pos = _pos()


@dataclass(frozen=True)
class InQuery:
    """A semi-join (IN) or anti-join (NOT IN): Id IN (SELECT AssigneeId FROM PermissionSetAssignment ...)."""

    field: FieldRef
    query: Query
    negated: bool
    pos: Pos = _pos()


@dataclass(frozen=True)
class Not:
    operand: Condition
    pos: Pos = _pos()


@dataclass(frozen=True)
class And:
    operands: tuple[Condition, ...]
    pos: Pos = _pos()


@dataclass(frozen=True)
class Or:
    operands: tuple[Condition, ...]
    pos: Pos = _pos()


Condition = Comparison | InList | InQuery | Not | And | Or


# --- the query ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool = False
    nulls_first: bool | None = None  # None: not written (Salesforce sorts nulls first)
    pos: Pos = _pos()


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    alias: str | None = None
    where: Condition | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    pos: Pos = _pos()
    sobject_pos: Pos = _pos()
