"""Building SOQL safely: string literals, and IN-lists split so that no query grows too long.

A query travels as `GET /services/data/vNN.N/query/?q=<url-encoded SOQL>`. Salesforce accepts 100,000 characters
of SOQL, but the URI is limited to 16,384 bytes, and headers count beside it (scale.md §1). So each query is kept
under MAX_ENCODED_LENGTH characters *after* URL encoding: the URI limit less the request line around `q` and a
margin for the headers (assumption `uri-header-margin` in plan/assumptions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import quote_plus

URI_LIMIT = 16_384  # bytes (scale.md §1)
# the longest request line around the query: any API version vNN.N, `queryAll` rather than `query`
REQUEST_LINE = "GET /services/data/v99.9/queryAll/?q= HTTP/1.1\r\n"
HEADERS_MARGIN = 2_048  # Authorization, Host, User-Agent, Accept*, Sforce-* headers, with room to spare
MAX_ENCODED_LENGTH = URI_LIMIT - len(REQUEST_LINE) - HEADERS_MARGIN
# what a hand-built statement (apply/lookup.py) keeps for SELECT ... FROM ... WHERE around its IN-lists' literals
STATEMENT_FRAME = 600
LITERALS_BUDGET = MAX_ENCODED_LENGTH - STATEMENT_FRAME
IN_PLACEHOLDER = "{IN}"

# SOQL's escape sequences for quoted strings (SOQL and SOSL Reference, "Quoted String Escape Sequences").
_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"})


def quote(value: str) -> str:
    """A SOQL string literal for `value`: backslash and single quote escaped, control characters spelled out."""
    return "'" + value.translate(_ESCAPES) + "'"


def encoded_length(text: str) -> int:
    """Length of `text` once form-encoded into the query string (what requests sends for params={"q": ...})."""
    return len(quote_plus(text))


def chunked_in(field: str, values: Iterable[str], max_len: int) -> Iterator[str]:
    """`field IN ('a','b',...)` conditions covering every distinct value once, in first-seen order, each no
    longer than `max_len` characters after URL encoding. Yields nothing for no values."""
    head = f"{field} IN ("
    base = encoded_length(head) + encoded_length(")")
    chunk: list[str] = []
    size = base
    for value in dict.fromkeys(values):
        literal = quote(value)
        cost = encoded_length(literal) + (encoded_length(",") if chunk else 0)
        if base + encoded_length(literal) > max_len:
            raise ValueError(f"a single value is too long for a query: {value[:40]!r}...")
        if size + cost > max_len:
            yield head + ",".join(chunk) + ")"
            chunk, size = [], base
            cost = encoded_length(literal)
        chunk.append(literal)
        size += cost
    if chunk:
        yield head + ",".join(chunk) + ")"


def in_queries(template: str, field: str, values: Iterable[str], max_len: int = MAX_ENCODED_LENGTH) -> list[str]:
    """The queries `template` (which holds `{IN}` once) expands to, one per IN-list chunk of `values`.

    >>> in_queries("SELECT Id FROM User WHERE {IN} AND IsActive = true", "Username", ["a@x.com"])
    ["SELECT Id FROM User WHERE Username IN ('a@x.com') AND IsActive = true"]
    """
    if template.count(IN_PLACEHOLDER) != 1:
        raise ValueError(f"the template must hold {IN_PLACEHOLDER} exactly once: {template!r}")
    budget = max_len - encoded_length(template.replace(IN_PLACEHOLDER, ""))
    return [template.replace(IN_PLACEHOLDER, condition) for condition in chunked_in(field, values, budget)]
