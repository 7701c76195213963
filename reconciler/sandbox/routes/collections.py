"""sObject Collections (`composite/sobjects`): up to 200 records per request, results in request order.

allOrNone=false: each record is written atomically by the store, so one failure leaves the others saved.
allOrNone=true: every record still runs and reports its own error, but if any failed the whole batch is rolled
back and the records that had succeeded report ALL_OR_NONE_OPERATION_ROLLED_BACK (salesforce-api.md §9.5).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.ids import is_id, to18
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, flag
from reconciler.sandbox.routes.sobjects import normalised_id, object_spec, record_values, save_result
from reconciler.sandbox.schema import ObjectSpec

MAX_RECORDS = 200
MAX_CHUNKS = 10
ROLLED_BACK = ApiError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)

Operation = Callable[[], dict[str, Any]]


class _RollBack(Exception):
    """Raised inside the batch savepoint to undo every record of an allOrNone batch."""


def create(ctx: RestContext, request: RestRequest) -> RestResponse:
    all_or_none, records = _batch_body(ctx, request)

    def operation(record: dict[str, Any]) -> Operation:
        def run() -> dict[str, Any]:
            spec = _record_type(ctx, record)
            assumed("collections-record-errors")
            if any(key.lower() == "id" for key in record):
                raise ApiError(400, "INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"])
            return save_result(ctx.session.create(spec.name, record_values(record)))

        return run

    operations = [operation(r) for r in records]
    types = [_type_name(r) for r in records]
    return RestResponse(200, run_batch(ctx, operations, all_or_none, with_ids=[None] * len(records), types=types))


def update(ctx: RestContext, request: RestRequest) -> RestResponse:
    all_or_none, records = _batch_body(ctx, request)
    ids = [_id_of(r) for r in records]

    def operation(record: dict[str, Any], raw_id: str | None) -> Operation:
        def run() -> dict[str, Any]:
            spec = _record_type(ctx, record)
            if not raw_id:
                assumed("collections-record-errors")
                raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
            values = {k: v for k, v in record_values(record).items() if k.lower() != "id"}
            ctx.session.update(spec.name, raw_id, values)
            return save_result(normalised_id(raw_id))

        return run

    operations = [operation(r, i) for r, i in zip(records, ids, strict=True)]
    types = [_type_name(r) for r in records]
    return RestResponse(200, run_batch(ctx, operations, all_or_none, with_ids=ids, types=types))


def delete(ctx: RestContext, request: RestRequest) -> RestResponse:
    ids = [i.strip() for i in request.query.get("ids", "").split(",") if i.strip()]
    if not ids:
        raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
    _check_size(len(ids))
    all_or_none = ctx.force_all_or_none or flag(request.query.get("allOrNone"), "allOrNone")

    def operation(raw_id: str) -> Operation:
        def run() -> dict[str, Any]:
            spec = _type_of_id(ctx, raw_id)
            ctx.session.delete(spec.name, raw_id)
            return save_result(normalised_id(raw_id))

        return run

    operations = [operation(i) for i in ids]
    return RestResponse(200, run_batch(ctx, operations, all_or_none, with_ids=ids, types=[i[:3] for i in ids]))


def retrieve(ctx: RestContext, request: RestRequest, sobject: str) -> RestResponse:
    """GET composite/sobjects/X?ids=..&fields=..: the records in id order, null where there is none."""
    spec = object_spec(ctx.schema, sobject)
    ids = [i.strip() for i in request.query.get("ids", "").split(",") if i.strip()]
    fields = [f.strip() for f in request.query.get("fields", "").split(",") if f.strip()]
    if not ids or not fields:
        raise ApiError(400, "MISSING_ARGUMENT", "ids and fields parameters are required")
    _check_size(len(ids))
    records: list[dict[str, Any] | None] = []
    for raw_id in ids:
        if not is_id(raw_id) or not to18(raw_id).startswith(spec.key_prefix):
            records.append(None)
            continue
        try:
            records.append(ctx.session.retrieve(spec.name, to18(raw_id), fields, api_version=ctx.version))
        except ApiError as exc:
            if exc.status != 404:
                raise
            records.append(None)
    return RestResponse(200, records)


def run_batch(
    ctx: RestContext,
    operations: list[Operation],
    all_or_none: bool,
    with_ids: Sequence[str | None],
    types: Sequence[str | None],
) -> list[dict[str, Any]]:
    """Run each operation (atomic on its own); apply allOrNone; the per-record results in order. The request is
    one transaction either way (allOrNone=false allows partial success), so it may not mix setup objects and
    others."""
    _check_chunks(types)
    results: list[dict[str, Any]] = []
    try:
        with ctx.session.dml_transaction(), ctx.session.savepoint():
            for operation, raw_id in zip(operations, with_ids, strict=True):
                try:  # each store write is atomic on its own: a failed record leaves nothing behind
                    results.append(operation())
                except ApiError as exc:
                    results.append(_failure(raw_id, exc))
            if all_or_none and not all(r["success"] for r in results):
                raise _RollBack
    except _RollBack:
        results = [
            _failure(raw_id, ROLLED_BACK) if r["success"] else r for r, raw_id in zip(results, with_ids, strict=True)
        ]
    return results


def _failure(raw_id: str | None, exc: ApiError) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [exc.record_error()]}
    if raw_id:
        result = {"id": normalised_id(raw_id), **result}
    return result


def _batch_body(ctx: RestContext, request: RestRequest) -> tuple[bool, list[dict[str, Any]]]:
    body = request.json_object()
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "records must be a list of sObjects")
    _check_size(len(records))
    return ctx.force_all_or_none or flag(body.get("allOrNone"), "allOrNone"), records


def _check_size(count: int) -> None:
    if count > MAX_RECORDS:
        raise ApiError(
            400,
            "EXCEEDED_ID_LIMIT",
            f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call",
        )


def _check_chunks(types: Sequence[str | None]) -> None:
    """Salesforce processes a collection in chunks of consecutive records of one type, at most 10 (§9.5)."""
    chunks = sum(1 for i, sobject in enumerate(types) if i == 0 or sobject != types[i - 1])
    if chunks > MAX_CHUNKS:
        assumed("collections-chunks")
        raise ApiError(
            400,
            "INVALID_BATCH_REQUEST",
            f"Cannot have more than {MAX_CHUNKS} chunks in a single operation. Please rearrange the data to reduce "
            f"chunking. (This request has {chunks}: records of one type must be next to each other.)",
        )


def _type_name(record: dict[str, Any]) -> str | None:
    """The record's attributes.type as sent (lower case: type names are case-insensitive), None when absent."""
    attributes = record.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, dict) else None
    return sobject.lower() if isinstance(sobject, str) else None


def _record_type(ctx: RestContext, record: dict[str, Any]) -> ObjectSpec:
    attributes = record.get("attributes")
    sobject = attributes.get("type") if isinstance(attributes, dict) else None
    assumed("collections-record-errors")
    if not isinstance(sobject, str) or not sobject:
        raise ApiError(400, "INVALID_TYPE", "Each record needs attributes.type: the sObject type")
    spec = ctx.schema.get(sobject)
    if spec is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
    return spec


def _id_of(record: dict[str, Any]) -> str | None:
    for key, value in record.items():
        if key.lower() == "id" and isinstance(value, str):
            return value
    return None


def _type_of_id(ctx: RestContext, raw_id: str) -> ObjectSpec:
    spec = ctx.schema.by_prefix(raw_id[:3]) if is_id(raw_id) else None
    if spec is None:
        raise ApiError(400, "MALFORMED_ID", f"malformed id {raw_id}", ["Id"])
    return spec
