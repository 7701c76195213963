"""Composite (`POST composite`): up to 25 subrequests in one transaction and one API call, with references.

A subrequest may use `@{ref.field}` (also `@{ref.records[0].Id}`) in its url or body to read the body of an
earlier subrequest. allOrNone=true: the first failure rolls everything back; every other subrequest then answers
400 PROCESSING_HALTED (salesforce-api.md §13 item 10d), and sObject Collections inside run all-or-none too.
allOrNone=false: a failure stops only the subrequests that reference it. Only an allOrNone=true request is one
transaction, in which setup objects (User, ...) and other objects can't both be written (MIXED_DML_OPERATION).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import replace
from typing import Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, flag

MAX_SUBREQUESTS = 25
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
REFERENCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
REFERENCE = re.compile(r"@\{([A-Za-z0-9][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)\}")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")
HALTED = ApiError(
    400, "PROCESSING_HALTED", "The transaction was rolled back since another operation in the same transaction failed."
)


class _RollBack(Exception):
    """Raised inside the composite's savepoint to undo every subrequest."""


class _Unresolved(Exception):
    def __init__(self, expression: str, reference_id: str) -> None:
        super().__init__(expression)
        self.expression = expression
        self.reference_id = reference_id


def composite(ctx: RestContext, request: RestRequest) -> RestResponse:
    body = request.json_object()
    subrequests = body.get("compositeRequest")
    all_or_none = flag(body.get("allOrNone"), "allOrNone")
    subrequests = _validate(subrequests)
    sub_ctx = replace(ctx, in_composite=True, force_all_or_none=all_or_none)
    outcomes: dict[str, RestResponse] = {}
    answers: list[RestResponse | None] = [None] * len(subrequests)
    failed_at: int | None = None
    try:
        with ctx.session.savepoint(), _one_transaction(ctx, all_or_none):
            for index, sub in enumerate(subrequests):
                answer = _run_one(sub_ctx, request, sub, outcomes)
                answers[index] = outcomes[sub["referenceId"]] = answer
                if all_or_none and _failed(answer):
                    failed_at = index
                    raise _RollBack
    except _RollBack:
        answers = [answers[i] if i == failed_at else RestResponse.error(HALTED) for i in range(len(subrequests))]
    return RestResponse(
        200,
        {
            "compositeResponse": [
                {
                    "body": answer.body,
                    "httpHeaders": answer.headers,
                    "httpStatusCode": answer.status,
                    "referenceId": sub["referenceId"],
                }
                for sub, answer in zip(subrequests, answers, strict=True)
                if answer is not None
            ]
        },
    )


def _one_transaction(ctx: RestContext, all_or_none: bool) -> contextlib.AbstractContextManager[Any]:
    """allOrNone=true makes the subrequests one Salesforce transaction; otherwise each is its own."""
    return ctx.session.dml_transaction() if all_or_none else contextlib.nullcontext()


def _run_one(
    ctx: RestContext, request: RestRequest, sub: dict[str, Any], outcomes: dict[str, RestResponse]
) -> RestResponse:
    try:
        url = _resolve_text(sub["url"], outcomes)
        body = _resolve(sub.get("body"), outcomes)
    except _Unresolved as missing:
        assumed("composite-errors")
        return RestResponse.error(
            ApiError(
                400,
                "PROCESSING_HALTED",
                f"Invalid reference specified. No value for {missing.expression} found in {missing.reference_id}. "
                f"Provided referenceId ('{missing.reference_id}') might be incorrect or the referenced subrequest "
                "might have failed.",
            )
        )
    headers = {
        **{k: v for k, v in request.headers.items() if k.lower() in {"sforce-query-options"}},
        **(sub.get("httpHeaders") or {}),
    }
    payload = b"" if body is None else json.dumps(body).encode()
    return ctx.subrequest(ctx, sub["method"], url, headers, payload)


def _failed(answer: RestResponse) -> bool:
    if answer.status >= 400:
        return True
    return isinstance(answer.body, list) and any(isinstance(r, dict) and r.get("success") is False for r in answer.body)


def _validate(subrequests: Any) -> list[dict[str, Any]]:
    assumed("composite-errors")
    if not isinstance(subrequests, list) or not subrequests:
        raise ApiError(400, "INVALID_INPUT", "compositeRequest must be a non-empty list of subrequests")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"A composite request can have at most {MAX_SUBREQUESTS} subrequests; it has {len(subrequests)}",
        )
    seen: set[str] = set()
    for index, sub in enumerate(subrequests):
        where = f"compositeRequest[{index}]"
        if not isinstance(sub, dict):
            raise ApiError(400, "INVALID_INPUT", f"{where} must be an object")
        if sub.get("method") not in METHODS:
            raise ApiError(400, "INVALID_INPUT", f"{where}.method must be one of {', '.join(sorted(METHODS))}")
        if not isinstance(sub.get("url"), str) or not sub["url"].startswith("/services/data/"):
            raise ApiError(400, "INVALID_INPUT", f"{where}.url must be a /services/data/vXX.X/... path")
        reference_id = sub.get("referenceId")
        if not isinstance(reference_id, str) or not REFERENCE_ID.match(reference_id):
            raise ApiError(
                400,
                "INVALID_INPUT",
                f"{where}.referenceId must be letters, digits and underscores, starting with a letter or digit",
            )
        if reference_id in seen:
            raise ApiError(400, "INVALID_INPUT", f"{where}.referenceId {reference_id!r} is used twice")
        if "httpHeaders" in sub and not isinstance(sub["httpHeaders"], dict):
            raise ApiError(400, "INVALID_INPUT", f"{where}.httpHeaders must be an object")
        seen.add(reference_id)
    return subrequests


def _resolve(value: Any, outcomes: dict[str, RestResponse]) -> Any:
    """Replace references in a JSON body: a string that is exactly one reference takes the referenced value."""
    if isinstance(value, dict):
        return {k: _resolve(v, outcomes) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, outcomes) for v in value]
    if isinstance(value, str):
        whole = REFERENCE.fullmatch(value)
        return _lookup(whole, outcomes) if whole else _resolve_text(value, outcomes)
    return value


def _resolve_text(text: str, outcomes: dict[str, RestResponse]) -> str:
    return REFERENCE.sub(lambda m: str(_lookup(m, outcomes)), text)


def _lookup(match: re.Match[str], outcomes: dict[str, RestResponse]) -> Any:
    reference_id, path = match.group(1), match.group(2)
    expression = reference_id + path
    answer = outcomes.get(reference_id)
    if answer is None or _failed(answer):
        raise _Unresolved(expression, reference_id)
    value: Any = answer.body
    for name, index in _STEP.findall(path):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            raise _Unresolved(expression, reference_id)
    return value
