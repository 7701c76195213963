"""SOQL text -> syntax tree (`nodes.Query`), or ApiError MALFORMED_QUERY pointing at the offending token."""

from __future__ import annotations

import functools
import re
from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.soql import nodes
from reconciler.sandbox.soql.errors import malformed, unexpected
from reconciler.sandbox.soql.grammar import soql_parser
from reconciler.sandbox.soql.literals import LiteralError, decode_string, parse_date, parse_datetime

# scale.md §1: a statement of at most 100,000 characters, a string literal of at most 4,000
MAX_STATEMENT = 100_000
MAX_STRING_LITERAL = 4_000
_LITERAL_LENGTH = assumed("soql-literal-length")

# SOQL the sandbox does not implement: named in the error instead of a bare "unexpected token".
_UNSUPPORTED = (
    (re.compile(r"\bGROUP\s+BY\b", re.I), "GROUP BY"),
    (re.compile(r"\bHAVING\b", re.I), "HAVING"),
    (re.compile(r"\bWITH\b", re.I), "WITH"),
    (re.compile(r"\bTYPEOF\b", re.I), "TYPEOF"),
    (re.compile(r"\bUSING\s+SCOPE\b", re.I), "USING SCOPE"),
    (re.compile(r"\bFOR\s+(VIEW|REFERENCE|UPDATE)\b", re.I), "FOR VIEW/REFERENCE/UPDATE"),
    (re.compile(r"\b(INCLUDES|EXCLUDES)\s*\(", re.I), "INCLUDES/EXCLUDES"),
    (re.compile(r"\bUPDATE\s+(TRACKING|VIEWSTAT)\b", re.I), "UPDATE TRACKING/VIEWSTAT"),
)
_BIND = re.compile(r":\s*[A-Za-z_]")
_STRINGS = re.compile(r"'(\\.|[^'\\])*'", re.S)


def _pos(item: Any) -> nodes.Pos:
    """The position of a token or of a rule's meta (NOWHERE when lark recorded none)."""
    line = getattr(item, "line", None)
    return nodes.Pos(line, getattr(item, "column", 1) or 1) if line else nodes.NOWHERE


class _LiteralFailure(Exception):
    def __init__(self, pos: nodes.Pos, text: str) -> None:
        super().__init__(text)
        self.pos = pos
        self.text = text


@v_args(meta=True)
class _ToNodes(Transformer):
    """lark parse tree -> frozen syntax-tree nodes."""

    # --- values
    def string(self, meta: Any, children: list[Token]) -> nodes.StringValue:
        token = children[0]
        try:
            value, like = decode_string(str(token))
        except LiteralError as exc:
            raise _LiteralFailure(_pos(token), str(exc)) from exc
        if len(value) > MAX_STRING_LITERAL:
            text = f"String literal too long: {len(value)} characters, the limit is {MAX_STRING_LITERAL}"
            raise _LiteralFailure(_pos(token), text)
        return nodes.StringValue(value, like, _pos(token))

    def number(self, meta: Any, children: list[Token]) -> nodes.NumberValue:
        text = str(children[0])
        value: int | float = float(text) if "." in text else int(text)
        return nodes.NumberValue(value, _pos(children[0]))

    def datetime(self, meta: Any, children: list[Token]) -> nodes.DateTimeValue:
        try:
            return nodes.DateTimeValue(parse_datetime(str(children[0])), _pos(children[0]))
        except LiteralError as exc:
            raise _LiteralFailure(_pos(children[0]), str(exc)) from exc

    def date(self, meta: Any, children: list[Token]) -> nodes.DateValue:
        try:
            return nodes.DateValue(parse_date(str(children[0])), _pos(children[0]))
        except LiteralError as exc:
            raise _LiteralFailure(_pos(children[0]), str(exc)) from exc

    def true(self, meta: Any, children: list[Token]) -> nodes.BooleanValue:
        return nodes.BooleanValue(True, _pos(meta))

    def false(self, meta: Any, children: list[Token]) -> nodes.BooleanValue:
        return nodes.BooleanValue(False, _pos(meta))

    def null(self, meta: Any, children: list[Token]) -> nodes.NullValue:
        return nodes.NullValue(_pos(meta))

    def date_literal(self, meta: Any, children: list[Token]) -> nodes.RelativeDate:
        return nodes.RelativeDate(str(children[0]).upper(), None, _pos(children[0]))

    def date_n_literal(self, meta: Any, children: list[Token]) -> nodes.RelativeDate:
        name, n = str(children[0]).split(":")
        return nodes.RelativeDate(name.upper(), int(n), _pos(children[0]))

    # --- select list
    def field_path(self, meta: Any, children: list[Token]) -> nodes.FieldRef:
        return nodes.FieldRef(tuple(str(c) for c in children), _pos(children[0]))

    def function(self, meta: Any, children: list[Any]) -> nodes.FunctionCall:
        name, arg, alias = children
        return nodes.FunctionCall(str(name).upper(), arg, str(alias) if alias is not None else None, _pos(name))

    def subquery(self, meta: Any, children: list[Any]) -> nodes.Subquery:
        return nodes.Subquery(children[0], _pos(meta))

    def select_list(self, meta: Any, children: list[Any]) -> tuple[Any, ...]:
        return tuple(children)

    # --- conditions
    def comparison(self, meta: Any, children: list[Any]) -> nodes.Comparison:
        field, op, value = children
        return nodes.Comparison(field, "!=" if str(op) == "<>" else str(op), value, field.pos)

    def like(self, meta: Any, children: list[Any]) -> nodes.Comparison:
        field, value = children
        return nodes.Comparison(field, "LIKE", value, field.pos)

    def values(self, meta: Any, children: list[Any]) -> tuple[Any, ...]:
        return tuple(children)

    def _in(self, children: list[Any], negated: bool) -> nodes.InList | nodes.InQuery:
        field, body = children
        if isinstance(body, nodes.Query):
            return nodes.InQuery(field, body, negated, field.pos)
        return nodes.InList(field, body, negated, field.pos)

    def in_(self, meta: Any, children: list[Any]) -> nodes.InList | nodes.InQuery:
        return self._in(children, False)

    def not_in(self, meta: Any, children: list[Any]) -> nodes.InList | nodes.InQuery:
        return self._in(children, True)

    def and_(self, meta: Any, children: list[Any]) -> nodes.And:
        return nodes.And(tuple(children), _pos(meta))

    def or_(self, meta: Any, children: list[Any]) -> nodes.Or:
        return nodes.Or(tuple(children), _pos(meta))

    def not_(self, meta: Any, children: list[Any]) -> nodes.Not:
        return nodes.Not(children[0], _pos(meta))

    def where(self, meta: Any, children: list[Any]) -> Any:
        return children[0]

    # --- clauses
    def order_item(self, meta: Any, children: list[Any]) -> nodes.OrderItem:
        field, direction, nulls = children
        descending = direction is not None and str(direction).upper() == "DESC"
        nulls_first = None if nulls is None else str(nulls).upper() == "FIRST"
        return nodes.OrderItem(field, descending, nulls_first, field.pos)

    def order_by(self, meta: Any, children: list[Any]) -> tuple[nodes.OrderItem, ...]:
        return tuple(children)

    def limit(self, meta: Any, children: list[Token]) -> int:
        return int(children[0])

    def offset(self, meta: Any, children: list[Token]) -> int:
        return int(children[0])

    def query(self, meta: Any, children: list[Any]) -> nodes.Query:
        select, sobject, alias, where, order_by, limit, offset = children
        return nodes.Query(
            select=select,
            sobject=str(sobject),
            alias=str(alias) if alias is not None else None,
            where=where,
            order_by=order_by or (),
            limit=limit,
            offset=offset,
            pos=_pos(meta),
            sobject_pos=_pos(sobject),
        )

    def start(self, meta: Any, children: list[Any]) -> nodes.Query:
        return children[0]


def _unsupported_feature(soql: str) -> tuple[int, str] | None:
    """The first SOQL feature outside the sandbox's grammar (outside string literals), with its offset."""
    blanked = _STRINGS.sub(lambda m: " " * len(m.group(0)), soql)
    found = [(m.start(), label) for pattern, label in _UNSUPPORTED for m in [pattern.search(blanked)] if m]
    bind = _BIND.search(blanked)
    if bind:
        found.append((bind.start(), "bind variables"))
    return min(found) if found else None


def _position_of(soql: str, offset: int) -> nodes.Pos:
    line = soql.count("\n", 0, offset) + 1
    column = offset - (soql.rfind("\n", 0, offset) + 1) + 1
    return nodes.Pos(line, column)


def _syntax_error(soql: str, error: UnexpectedInput) -> Exception:
    feature = _unsupported_feature(soql)
    if feature is not None:
        offset, label = feature
        if label == "bind variables":
            return malformed(soql, _position_of(soql, offset), "Bind variables only allowed in Apex code")
        return malformed(soql, _position_of(soql, offset), f"{label} is not supported by the guestlist sandbox")
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token = error.token
        return unexpected(soql, nodes.Pos(token.line or 1, token.column or 1), str(token))
    if isinstance(error, UnexpectedCharacters):
        return unexpected(soql, nodes.Pos(error.line, error.column), soql[error.pos_in_stream or 0])
    if isinstance(error, UnexpectedEOF | UnexpectedToken):
        return unexpected(soql, _position_of(soql, len(soql.rstrip())), "<EOF>")
    return malformed(soql, nodes.NOWHERE, str(error))  # pragma: no cover - lark raises only the above


@functools.lru_cache(maxsize=1024)
def parse(soql: str) -> nodes.Query:
    """Parse one SOQL query (cached per text); ApiError(400, MALFORMED_QUERY) when it is not valid SOQL."""
    if len(soql) > MAX_STATEMENT:
        raise ApiError(400, "MALFORMED_QUERY", f"SOQL statements can not be longer than {MAX_STATEMENT} characters.")
    try:
        tree: Tree = soql_parser().parse(soql)
        return _ToNodes().transform(tree)
    except UnexpectedInput as exc:
        raise _syntax_error(soql, exc) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, _LiteralFailure):
            raise malformed(soql, exc.orig_exc.pos, exc.orig_exc.text) from None
        raise
