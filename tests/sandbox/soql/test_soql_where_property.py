"""Property: for random WHERE trees (AND/OR/NOT over comparisons, LIKE, IN, nulls, parent lookups), the SQLite
translation selects exactly the rows a plain Python evaluator of SOQL's two-valued logic selects."""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reconciler.sandbox.schema import load_schema
from reconciler.sandbox.soql import run_query

from .fixture_org import OrgBuilder, create_tables

NAMES = [None, "acme", "Acme", "ACME", "beta", "Gamma", "a_b", "a%b", "zeta"]
EMPLOYEES = [None, 0, 5, 10]
REVENUES = [None, -2.0, 1.5]
INDUSTRIES = [None, "Banking", "Energy"]

# field -> (SOQL path, the values a literal may take, kind)
FIELDS: dict[str, tuple[str, list[Any], str]] = {
    "Name": ("Name", ["acme", "ACME", "beta", "gamma", "a_b", "zz", ""], "text"),
    "NumberOfEmployees": ("NumberOfEmployees", [0, 5, 7, 10], "number"),
    "AnnualRevenue": ("AnnualRevenue", [-2.0, 0, 1.5], "number"),
    "Industry": ("Industry", ["Banking", "banking", "Energy", "Retail"], "text"),
    "Parent.Name": ("Parent.Name", ["acme", "beta", "zeta"], "text"),
    "Parent.NumberOfEmployees": ("Parent.NumberOfEmployees", [0, 5, 10], "number"),
}
LIKE_PATTERNS = ["a%", "%a", "A_B", "a\\_b", "a\\%b", "%", "_", "%e%", "ACME"]


@dataclass(frozen=True)
class Row:
    id: str
    values: dict[str, Any]  # field path -> value, parent fields included (None when no parent)


def _rows() -> Iterator[dict[str, Any]]:
    combos = itertools.product(NAMES, EMPLOYEES, REVENUES, INDUSTRIES)
    for index, (name, employees, revenue, industry) in enumerate(combos):
        if index % 7 == 0:  # a spread-out sample of the combinations: 62 rows
            yield {"Name": name, "NumberOfEmployees": employees, "AnnualRevenue": revenue, "Industry": industry}


@pytest.fixture(scope="module")
def accounts() -> Iterator[tuple[sqlite3.Connection, list[Row]]]:
    schema = load_schema()
    conn = sqlite3.connect(":memory:")
    create_tables(conn, schema)
    builder = OrgBuilder(conn, schema)
    made: list[tuple[str, dict[str, Any], str | None]] = []
    for index, values in enumerate(_rows()):
        parent = made[index // 3][0] if index % 3 and made else None  # some rows have a parent, some don't
        made.append((builder.add("Account", **values, ParentId=parent), values, parent))
    by_id = {record_id: values for record_id, values, _ in made}
    rows = []
    for record_id, values, parent in made:
        parent_values = by_id.get(parent) if parent else None
        full = dict(values)
        full["Parent.Name"] = parent_values["Name"] if parent_values else None
        full["Parent.NumberOfEmployees"] = parent_values["NumberOfEmployees"] if parent_values else None
        rows.append(Row(record_id, full))
    conn.commit()
    yield conn, rows
    conn.close()


# --- the condition trees -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    field: str
    op: str  # = != < <= > >= LIKE IN NOTIN
    value: Any  # a literal, None, or a tuple for IN lists


@dataclass(frozen=True)
class Node:
    kind: str  # AND OR NOT
    children: tuple[Any, ...]


def _literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(value)


@st.composite
def leaves(draw: st.DrawFn) -> Leaf:
    field = draw(st.sampled_from(sorted(FIELDS)))
    _, values, kind = FIELDS[field]
    op = draw(st.sampled_from(["=", "!=", "<", "<=", ">", ">=", "IN", "NOTIN"] + (["LIKE"] if kind == "text" else [])))
    if op in ("IN", "NOTIN"):
        items = draw(st.lists(st.sampled_from([*values, None]), min_size=1, max_size=3))
        return Leaf(field, op, tuple(items))
    if op == "LIKE":
        return Leaf(field, op, draw(st.sampled_from(LIKE_PATTERNS)))
    if op in ("=", "!="):
        return Leaf(field, op, draw(st.sampled_from([*values, None])))
    return Leaf(field, op, draw(st.sampled_from(values)))


conditions = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.builds(lambda c: Node("NOT", (c,)), inner),
        st.builds(lambda cs: Node("AND", tuple(cs)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda cs: Node("OR", tuple(cs)), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)


def to_soql(condition: Leaf | Node) -> str:
    if isinstance(condition, Node):
        if condition.kind == "NOT":
            return f"NOT ({to_soql(condition.children[0])})"
        return f" {condition.kind} ".join(f"({to_soql(c)})" for c in condition.children)
    path = FIELDS[condition.field][0]
    if condition.op in ("IN", "NOTIN"):
        values = ", ".join(_literal(v) for v in condition.value)
        return f"{path} {'NOT IN' if condition.op == 'NOTIN' else 'IN'} ({values})"
    if condition.op == "LIKE":  # patterns are written in SOQL's own escapes already
        return f"{path} LIKE '{condition.value}'"
    return f"{path} {condition.op} {_literal(condition.value)}"


# --- the reference evaluator: SOQL semantics written plainly -------------------------------------------------------


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _like(pattern: str) -> Callable[[str], bool]:
    regex = ""
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            regex += re.escape(next(chars))
        elif char == "%":
            regex += ".*"
        elif char == "_":
            regex += "."
        else:
            regex += re.escape(char)
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return lambda text: compiled.fullmatch(text) is not None


def _compare(op: str, left: Any, right: Any) -> bool:
    left, right = _fold(left), _fold(right)
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def evaluate(condition: Leaf | Node, row: Row) -> bool:
    if isinstance(condition, Node):
        results = [evaluate(c, row) for c in condition.children]
        return {"NOT": lambda: not results[0], "AND": lambda: all(results), "OR": lambda: any(results)}[
            condition.kind
        ]()
    value = row.values[condition.field]
    if condition.op in ("IN", "NOTIN"):
        found = any(
            (value is None and v is None) or (value is not None and v is not None and _compare("=", value, v))
            for v in condition.value
        )
        return found if condition.op == "IN" else not found
    if condition.value is None:  # only = and != are generated with null
        return (value is None) == (condition.op == "=")
    if value is None:  # a comparison with a null field is false; != is its negation
        return condition.op == "!="
    if condition.op == "LIKE":
        return _like(condition.value)(value)
    return _compare(condition.op, value, condition.value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(condition=conditions)
@example(condition=Node("OR", (Leaf("Name", "=", "acme"), Leaf("Name", "=", "acme"))))  # SQLite OR-to-IN pitfall
@example(condition=Node("NOT", (Leaf("Parent.Name", "LIKE", "a\\_b"),)))
def test_sqlite_translation_matches_two_valued_logic(
    accounts: tuple[sqlite3.Connection, list[Row]], condition: Leaf | Node
) -> None:
    conn, rows = accounts
    soql = f"SELECT Id FROM Account WHERE {to_soql(condition)}"
    selected = {r["Id"] for r in run_query(conn, load_schema(), soql).records}
    expected = {row.id for row in rows if evaluate(condition, row)}
    assert selected == expected, soql


def test_the_evaluator_is_not_trivially_agreeing(accounts: tuple[sqlite3.Connection, list[Row]]) -> None:
    """A sanity check of the fixture: the rows do differ on nulls, case and parents."""
    _, rows = accounts
    assert len(rows) > 40
    assert any(r.values["Parent.Name"] is None for r in rows) and any(r.values["Parent.Name"] for r in rows)
    name_ne = Leaf("Name", "!=", "acme")
    assert sum(evaluate(name_ne, r) for r in rows if r.values["Name"] is None) > 0
    assert not evaluate(Leaf("Name", "=", "acme"), Row("x", {"Name": "ACMEX"}))
