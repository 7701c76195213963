"""Query cursors: a query runs once, its rows wait here and are handed out page by page (nextRecordsUrl).

Memory is bounded: at most `max_cursors` cursors and `max_rows` rows in all; the least recently used cursor goes
first, and a cursor idle for `ttl_s` seconds expires (Salesforce: 15 minutes). A cursor outlives its last page
until then, so a client that lost a response can ask for the same page again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.ids import checksum, encode

LOCATOR_PREFIX = "01g"  # the key prefix of real query locators (salesforce-api.md §9.1)


@dataclass
class _Cursor:
    owner: str                     # the user who ran the query: nobody else can page through it
    records: list[dict[str, Any]]
    total_size: int
    batch_size: int
    touched: float


@dataclass
class QueryCursors:
    max_cursors: int = 200
    max_rows: int = 2_000_000
    ttl_s: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _cursors: OrderedDict[str, _Cursor] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def open(self, owner: str, records: list[dict[str, Any]], total_size: int, batch_size: int) -> str:
        """Keep `records` for `owner` and return the new locator id."""
        locator = self._new_locator()
        with self._lock:
            self._expire()
            self._cursors[locator] = _Cursor(owner, records, total_size, batch_size, self.clock())
            while len(self._cursors) > 1 and (len(self._cursors) > self.max_cursors or self._rows() > self.max_rows):
                self._cursors.popitem(last=False)
        return locator

    def page(self, owner: str, locator_and_offset: str, batch_size: int | None
             ) -> tuple[list[dict[str, Any]], int, int | None]:
        """(records, total size, next offset or None) for `<locator>-<offset>` of `owner`'s cursor; 400
        INVALID_QUERY_LOCATOR for an unknown, expired or someone else's locator or an offset past the end."""
        assumed("query-locator-errors")
        locator, _, offset_text = locator_and_offset.rpartition("-")
        with self._lock:
            self._expire()
            cursor = self._cursors.get(locator)
            if (cursor is None or cursor.owner != owner or not offset_text.isdigit()
                    or int(offset_text) > len(cursor.records)):
                raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            self._cursors.move_to_end(locator)
            cursor.touched = self.clock()
        offset = int(offset_text)
        end = offset + (batch_size or cursor.batch_size)
        next_offset = end if end < len(cursor.records) else None
        return cursor.records[offset:end], cursor.total_size, next_offset

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._cursors)

    def _rows(self) -> int:
        return sum(len(c.records) for c in self._cursors.values())

    def _expire(self) -> None:
        deadline = self.clock() - self.ttl_s
        for locator in [k for k, c in self._cursors.items() if c.touched < deadline]:
            del self._cursors[locator]

    @staticmethod
    def _new_locator() -> str:
        id15 = LOCATOR_PREFIX + encode(secrets.randbelow(62**12), 12)
        return id15 + checksum(id15)
