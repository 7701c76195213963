"""The read planner's mechanics (docs/decisions/read-planner.md): a read keyed by values runs as IN-list chunks,
sent in parallel on a bounded pool, or as one paged scan with a filter, whichever takes fewer requests; either way
records become snapshot values as each page arrives, so no read's whole result is held as API records.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from enum import StrEnum
from typing import Any, TypeVar

from simple_salesforce import Salesforce

PAGE_SIZE = 2_000  # records a query page holds by default, and at most (scale.md §2)
# IN-list chunks in flight at once, beside observe's 4 reads: 8 requests at most, well under the org's concurrent
# limit (scale.md §4) and requests' 10 pooled connections a host (read-planner.md, "The pool")
CHUNK_WORKERS = 4

Record = dict[str, Any]
T = TypeVar("T")


class Strategy(StrEnum):
    """How keyed reads run: AUTO chooses per read by the rule in `scan_or_in_lists`; the others force one way
    (tests compare the snapshots both ways give)."""

    AUTO = "auto"
    IN_LISTS = "in-lists"
    SCAN = "scan"


def rows(sf: Salesforce, soql: str, convert: Callable[[Record], T | None]) -> list[T]:
    """`soql`'s records converted as their pages arrive (query_all_iter fetches the next page on demand); a record
    `convert` maps to None is dropped."""
    return [item for record in sf.query_all_iter(soql) if (item := convert(record)) is not None]


def in_list_rows(sf: Salesforce, pool: Executor, queries: Sequence[str],
                 convert: Callable[[Record], T | None]) -> list[T]:
    """The converted records of every query, the queries sent in parallel on `pool`, results in query order."""
    if len(queries) <= 1:
        return [item for soql in queries for item in rows(sf, soql, convert)]
    futures: list[Future[list[T]]] = [pool.submit(rows, sf, soql, convert) for soql in queries]
    try:
        return [item for future in futures for item in future.result()]
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def scan_pages(first: Record) -> float:
    """The pages a query takes in all, told by its first page: totalSize over the first page's size."""
    if first.get("done", True):
        return 1
    held, total = len(first.get("records") or ()), int(first.get("totalSize") or 0)
    if total <= held:  # an unknown size (-1): assume the scan is long
        return math.inf
    return math.ceil(total / max(1, held))


def scan_or_in_lists(sf: Salesforce, scan: str, keep: Callable[[Record], T | None],
                     in_lists: Callable[[], list[T]], in_list_requests: int, strategy: Strategy) -> list[T]:
    """One paged scan (`scan`, each record filtered and converted by `keep`) when it takes no more requests than
    the IN-lists would (`in_list_requests`: their query count, a lower bound), else `in_lists()`.

    With one IN-list query or none, the IN-lists win outright. Otherwise the scan's first page is the probe: its
    totalSize says how many pages the scan takes, at no extra request when the scan goes on; when the scan would
    take more, that one request is the price of knowing (cheaper than a COUNT() first, which always costs one)."""
    if strategy is Strategy.IN_LISTS or (strategy is Strategy.AUTO and in_list_requests <= 1):
        return in_lists()
    first = dict(sf.query(scan))
    if strategy is Strategy.AUTO and scan_pages(first) > in_list_requests:
        return in_lists()
    return [item for record in _pages(sf, first) if (item := keep(record)) is not None]


def _pages(sf: Salesforce, page: Record) -> Iterator[Record]:
    while True:
        yield from page.get("records") or ()
        if page.get("done", True) or not page.get("nextRecordsUrl"):
            return
        page = dict(sf.query_more(page["nextRecordsUrl"], identifier_is_url=True))
