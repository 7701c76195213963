"""Bulk API 2.0 query jobs (scale.md §3): create, poll, page the CSV results by locator, abort, delete, list.

A job runs at once when it is created (its SOQL through the same engine as REST query); its result lines wait in
the org's database (objects/bulk_jobs.py) until the job is deleted or the org is reset.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from reconciler.sandbox import ids
from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects import bulk_jobs
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, not_found

JOB_PREFIX = "750"  # the key prefix of Bulk API job ids (salesforce-api.md §11)
CSV_CONTENT_TYPE = "text/csv"
DEFAULT_MAX_RECORDS = 50_000
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
_UNSUPPORTED = re.compile(r"\bGROUP\s+BY\b|\bOFFSET\b|\bTYPEOF\b|\b(?:COUNT|SUM|AVG|MIN|MAX|COUNT_DISTINCT)\s*\(|"
                          r"\(\s*SELECT\b", re.IGNORECASE)


def create(ctx: RestContext, request: RestRequest) -> RestResponse:
    body = request.json_object()
    operation = body.get("operation")
    if operation not in {"query", "queryAll"}:
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
    soql = str(body.get("query") or "").strip()
    if not soql:
        raise ApiError(400, "INVALIDJOB", "InvalidJob : query is required")
    delimiter = str(body.get("columnDelimiter") or "COMMA")
    line_ending = str(body.get("lineEnding") or "LF")
    if delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : unsupported columnDelimiter {delimiter!r} or lineEnding "
                       f"{line_ending!r}")
    if str(body.get("contentType") or "CSV") != "CSV":
        raise ApiError(400, "INVALIDJOB", "InvalidJob : contentType must be CSV")
    assumed("bulk2-errors-at-create")
    assumed("bulk2-request-counting")
    if _UNSUPPORTED.search(soql):
        raise ApiError(400, "INVALIDJOB", "InvalidJob : Bulk API 2.0 does not support GROUP BY, OFFSET, TYPEOF, "
                       "aggregate functions or parent-to-child subqueries")
    result = ctx.session.query(soql, include_deleted=operation == "queryAll", api_version=ctx.version)
    columns, rows = _table(result.records)
    now = ctx.session.now if hasattr(ctx.session, "now") else ""
    job_id = _new_job_id()
    info: dict[str, Any] = {
        "id": job_id, "operation": operation, "object": _object_of(soql), "createdById": ctx.user_id,
        "createdDate": now, "systemModstamp": now, "state": "UploadComplete", "concurrencyMode": "Parallel",
        "contentType": "CSV", "apiVersion": float(ctx.version), "lineEnding": line_ending,
        "columnDelimiter": delimiter,
    }
    separator, ending = DELIMITERS[delimiter], LINE_ENDINGS[line_ending]
    bulk_jobs.add(ctx.session.conn, {**info, "state": "JobComplete", "jobType": "V2Query", "retries": 0,
                                "totalProcessingTime": 0},
                  _csv_line(columns, separator, ending), (_csv_line(row, separator, ending) for row in rows))
    return RestResponse(200, info)


def _job(ctx: RestContext, job_id: str) -> dict[str, Any]:
    found = bulk_jobs.info(ctx.session.conn, job_id)
    if found is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return found


def job_info(ctx: RestContext, request: RestRequest, job_id: str) -> RestResponse:
    return RestResponse(200, _job(ctx, job_id))


def list_jobs(ctx: RestContext, request: RestRequest) -> RestResponse:
    records = [{k: v for k, v in info.items() if k != "numberRecordsProcessed"}
               for info in bulk_jobs.all_infos(ctx.session.conn)]
    return RestResponse(200, {"done": True, "records": records, "nextRecordsUrl": None})


def abort(ctx: RestContext, request: RestRequest, job_id: str) -> RestResponse:
    info = _job(ctx, job_id)
    if request.json_object().get("state") != "Aborted":
        raise ApiError(400, "INVALIDJOB", "InvalidJob : a query job can only be set to the state Aborted")
    if info["state"] in {"JobComplete", "Failed"}:
        assumed("bulk2-abort-finished")
        raise ApiError(400, "INVALIDJOB", f"InvalidJob : Job in state {info['state']} cannot be aborted")
    info["state"] = "Aborted"
    bulk_jobs.set_info(ctx.session.conn, job_id, info)
    return RestResponse(200, info)


def delete(ctx: RestContext, request: RestRequest, job_id: str) -> RestResponse:
    if not bulk_jobs.remove(ctx.session.conn, job_id):
        raise not_found()
    return RestResponse(204)


def results(ctx: RestContext, request: RestRequest, job_id: str) -> RestResponse:
    """One set of the job's rows as CSV, with Sforce-Locator ("null" after the last set) and
    Sforce-NumberOfRecords (salesforce-api.md §9.8)."""
    info = _job(ctx, job_id)
    if f"{info['apiVersion']:.1f}" != ctx.version:
        raise ApiError(409, "API_VERSION_MISMATCH",
                       "Use the same API version to get query results that you used to create the query")
    if info["state"] != "JobComplete":
        raise ApiError(412, "JOB_NOT_COMPLETE", "can only download query results of successfully completed bulk "
                       f"job with status: JOB_COMPLETE. Current status: {info['state']}")
    total = int(info["numberRecordsProcessed"])
    offset = _offset(request.query.get("locator", ""), total)
    header, chunk, _ = bulk_jobs.page(ctx.session.conn, job_id, offset, _max_records(request.query.get("maxRecords")))
    end = offset + len(chunk)
    locator = _locator(end) if end < total else "null"
    headers = {"Content-Type": CSV_CONTENT_TYPE, "Sforce-Locator": locator, "Sforce-NumberOfRecords": str(len(chunk))}
    return RestResponse(200, (header + "".join(chunk)).encode("utf-8"), headers)


# --- rendering -------------------------------------------------------------------------------------------------

def _table(records: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Columns (relationship fields as `Profile.Name`) and rows, in the query's field order."""
    flat = [_flatten(r) for r in records]
    columns: list[str] = []
    for row in flat:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns, [[row.get(c) for c in columns] for row in flat]


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _csv_line(values: list[Any], delimiter: str, line_ending: str) -> str:
    """Every value in double quotes (the docs' example), a null as an empty cell, booleans as true/false."""
    assumed("bulk2-csv-values")
    return delimiter.join(_cell(v) for v in values) + line_ending


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return '"' + str(value).replace('"', '""') + '"'


def _locator(offset: int) -> str:
    """A pseudo-random-looking string as API 49.0+ sends (the docs' example `MTAwMDA` is base64 of "10000")."""
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str, total: int) -> int:
    if not locator or locator == "null":
        return 0
    try:
        offset = int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except ValueError:
        offset = -1
    if not 0 <= offset <= total:
        raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}")
    return offset


def _max_records(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_MAX_RECORDS
    if not value.isdigit() or int(value) < 1:
        raise ApiError(400, "INVALIDPARAMETER", f"maxRecords must be a positive integer, got {value!r}")
    return int(value)


def _object_of(soql: str) -> str:
    match = re.search(r"\bFROM\s+(\w+)", soql, re.IGNORECASE)
    return match.group(1) if match else ""


def _new_job_id() -> str:
    id15 = JOB_PREFIX + ids.encode(secrets.randbelow(62**12), 12)
    return id15 + ids.checksum(id15)
