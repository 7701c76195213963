"""query / queryAll: run the SOQL once, answer the first page, keep the rest behind a nextRecordsUrl."""

from __future__ import annotations

import re
from typing import Any

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, flag
from reconciler.sandbox.soql import column_metadata

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_BATCH = 2000
_BATCH_OPTION = re.compile(r"(?:^|[,;\s])batchSize\s*=\s*(\d+)", re.IGNORECASE)


def batch_size(request: RestRequest) -> int | None:
    """The `Sforce-Query-Options: batchSize=N` header, clamped to 200..2000; None when absent."""
    match = _BATCH_OPTION.search(request.headers.get("Sforce-Query-Options", ""))
    if match is None:
        return None
    return max(MIN_BATCH, min(MAX_BATCH, int(match.group(1))))


def query(ctx: RestContext, request: RestRequest) -> RestResponse:
    return _run(ctx, request, "query", include_deleted=False)


def query_all(ctx: RestContext, request: RestRequest) -> RestResponse:
    return _run(ctx, request, "queryAll", include_deleted=True)


def query_more(ctx: RestContext, request: RestRequest, locator: str) -> RestResponse:
    return _more(ctx, request, "query", locator)


def query_all_more(ctx: RestContext, request: RestRequest, locator: str) -> RestResponse:
    return _more(ctx, request, "queryAll", locator)


def _run(ctx: RestContext, request: RestRequest, resource: str, *, include_deleted: bool) -> RestResponse:
    soql = request.query.get("q", "").strip()
    if not soql:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    if flag(request.query.get("columns"), "columns"):
        return RestResponse(200, column_metadata(ctx.schema, soql))
    result = ctx.session.query(soql, include_deleted=include_deleted, api_version=ctx.version)
    size = batch_size(request) or DEFAULT_BATCH
    records = result.records
    if len(records) <= size:
        return RestResponse(200, _page(result.total_size, records, None))
    locator = ctx.cursors.open(ctx.user_id, records, result.total_size, size)
    return RestResponse(200, _page(result.total_size, records[:size], _next_url(ctx, resource, locator, size)))


def _more(ctx: RestContext, request: RestRequest, resource: str, locator_and_offset: str) -> RestResponse:
    records, total, next_offset = ctx.cursors.page(ctx.user_id, locator_and_offset, batch_size(request))
    locator = locator_and_offset.rpartition("-")[0]
    next_url = None if next_offset is None else _next_url(ctx, resource, locator, next_offset)
    return RestResponse(200, _page(total, records, next_url))


def _next_url(ctx: RestContext, resource: str, locator: str, offset: int) -> str:
    return f"/services/data/v{ctx.version}/{resource}/{locator}-{offset}"


def _page(total: int, records: list[dict[str, Any]], next_url: str | None) -> dict[str, Any]:
    page: dict[str, Any] = {"totalSize": total, "done": next_url is None}
    if next_url is not None:
        page["nextRecordsUrl"] = next_url
    page["records"] = records
    return page
