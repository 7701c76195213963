"""sObject resources: global describe, basic information, describe, and single-record create/read/update/delete."""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.ids import is_id, to18
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, not_found
from reconciler.sandbox.schema import ObjectSpec, Schema


def object_spec(schema: Schema, sobject: str) -> ObjectSpec:
    """The sObject named in a URL; 404 NOT_FOUND when the org has no such object (as Salesforce answers)."""
    spec = schema.get(sobject)
    if spec is None:
        raise not_found()
    return spec


def normalised_id(value: str) -> str:
    """An id as 18 characters when it is one (the store answers MALFORMED_ID or NOT_FOUND for anything else)."""
    return to18(value) if is_id(value) else value


def record_values(data: dict[str, Any]) -> dict[str, Any]:
    """Field values of a record body: everything but the `attributes` map."""
    return {k: v for k, v in data.items() if k != "attributes"}


def save_result(new_id: str) -> dict[str, Any]:
    return {"id": new_id, "success": True, "errors": []}


def sobject_url(version: str, sobject: str, rid: str) -> str:
    return f"/services/data/v{version}/sobjects/{sobject}/{rid}"


def global_describe(ctx: RestContext, request: RestRequest) -> RestResponse:
    objects = [spec.describe_global(ctx.version) for spec in sorted(ctx.schema, key=lambda s: s.name)]
    return RestResponse(200, {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": objects})


def basic_info(ctx: RestContext, request: RestRequest, sobject: str) -> RestResponse:
    spec = object_spec(ctx.schema, sobject)
    return RestResponse(200, {"objectDescribe": spec.describe_global(ctx.version), "recentItems": []})


def describe(ctx: RestContext, request: RestRequest, sobject: str) -> RestResponse:
    return RestResponse(200, ctx.session.describe(object_spec(ctx.schema, sobject).name, ctx.version))


def create(ctx: RestContext, request: RestRequest, sobject: str) -> RestResponse:
    spec = object_spec(ctx.schema, sobject)
    new_id = ctx.session.create(spec.name, record_values(request.json_object()))
    return RestResponse(201, save_result(new_id), {"Location": sobject_url(ctx.version, spec.name, new_id)})


def retrieve(ctx: RestContext, request: RestRequest, sobject: str, rid: str) -> RestResponse:
    spec = object_spec(ctx.schema, sobject)
    fields = [f.strip() for f in request.query.get("fields", "").split(",") if f.strip()] or None
    return RestResponse(200, ctx.session.retrieve(spec.name, rid, fields, api_version=ctx.version))


def update(ctx: RestContext, request: RestRequest, sobject: str, rid: str) -> RestResponse:
    spec = object_spec(ctx.schema, sobject)
    ctx.session.update(spec.name, rid, record_values(request.json_object()))
    return RestResponse(204)


def delete(ctx: RestContext, request: RestRequest, sobject: str, rid: str) -> RestResponse:
    spec = object_spec(ctx.schema, sobject)
    ctx.session.delete(spec.name, rid)
    return RestResponse(204)

