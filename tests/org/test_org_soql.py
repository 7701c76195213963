"""SOQL literals and IN-list chunking (pure)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.org.soql import MAX_ENCODED_LENGTH, chunked_in, encoded_length, in_queries, quote

_UNESCAPE = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def parse_literal(text: str) -> tuple[str, str]:
    """A reference reader of one SOQL string literal at the start of `text`: (value, rest)."""
    assert text[0] == "'"
    out, i = [], 1
    while True:
        ch = text[i]
        if ch == "\\":
            out.append(_UNESCAPE[text[i + 1]])
            i += 2
        elif ch == "'":
            return "".join(out), text[i + 1 :]
        else:
            out.append(ch)
            i += 1


def parse_in(condition: str, field: str) -> list[str]:
    prefix = f"{field} IN ("
    assert condition.startswith(prefix) and condition.endswith(")")
    rest, values = condition[len(prefix) :], []
    while True:
        value, rest = parse_literal(rest)
        values.append(value)
        if rest == ")":
            return values
        assert rest[0] == ","
        rest = rest[1:]


def test_quote_escapes_the_reserved_characters() -> None:
    assert quote("Bob's BBQ") == r"'Bob\'s BBQ'"
    assert quote("a\\b") == r"'a\\b'"
    assert quote("line\nbreak\ttab") == r"'line\nbreak\ttab'"
    assert quote("") == "''"


@given(st.text())
def test_quote_round_trips_and_never_ends_the_literal_early(value: str) -> None:
    literal = quote(value)
    parsed, rest = parse_literal(literal)
    assert parsed == value
    assert rest == ""
    assert "\n" not in literal and "\r" not in literal


@given(st.lists(st.text(min_size=0, max_size=60)), st.integers(min_value=800, max_value=3000))
def test_chunks_cover_every_value_once_in_order_within_the_limit(values: list[str], max_len: int) -> None:
    # 800 > the longest value encoded: 60 characters of 4 UTF-8 bytes, 12 encoded characters each
    conditions = list(chunked_in("Email", values, max_len))
    seen = [v for c in conditions for v in parse_in(c, "Email")]
    assert seen == list(dict.fromkeys(values))
    assert all(encoded_length(c) <= max_len for c in conditions)


def test_no_values_no_queries() -> None:
    assert in_queries("SELECT Id FROM User WHERE {IN}", "Username", []) == []


def test_chunks_are_as_large_as_the_limit_allows() -> None:
    ids = [f"005{n:015d}" for n in range(5000)]
    queries = in_queries("SELECT Id, Username FROM User WHERE {IN} AND IsActive = true", "Id", ids)
    assert all(encoded_length(q) <= MAX_ENCODED_LENGTH for q in queries)
    # each id costs 18 characters + %27 twice + %2C: about 27 encoded characters, so ~370 per query
    assert len(queries) == pytest.approx(5000 * 27 / MAX_ENCODED_LENGTH, abs=2)
    assert all(q.endswith(" AND IsActive = true") for q in queries)
    assert [v for q in queries for v in re.findall(r"'(005\d+)'", q)] == ids


def test_non_ascii_is_measured_encoded() -> None:
    names = ["Société Générale Zürich " + str(n) for n in range(400)]
    for condition in chunked_in("Name", names, 2000):
        assert encoded_length(condition) <= 2000


def test_a_value_longer_than_any_query_is_refused() -> None:
    with pytest.raises(ValueError, match="too long"):
        list(chunked_in("Name", ["x" * 500], 100))


def test_template_needs_one_placeholder() -> None:
    with pytest.raises(ValueError):
        in_queries("SELECT Id FROM User", "Id", ["x"])
