"""Standard invocable actions (`/actions/standard`, REST API v32.0+): the list of the two the sandbox has, and
`POST /actions/standard/{name}` with `{"inputs": [...]}`, answered with one result per input (real-orgs.md §14.1).
"""

from __future__ import annotations

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.actions import ACTIONS
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, not_found

_LABELS = {"chatterPost": ("Post to Chatter", "CHATTERPOST"), "emailSimple": ("Send Email", "EMAILSIMPLE")}
_STATUS = assumed("action-results-status")


def list_actions(ctx: RestContext, request: RestRequest) -> RestResponse:
    base = f"/services/data/v{ctx.version}/actions/standard"
    return RestResponse(200, {"actions": [{"label": label, "name": name, "type": kind, "url": f"{base}/{name}"}
                                          for name, (label, kind) in _LABELS.items()]})


def invoke(ctx: RestContext, request: RestRequest, name: str) -> RestResponse:
    if name not in ACTIONS:
        raise not_found()
    inputs = request.json_object().get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must hold \"inputs\": a list of input objects")
    return RestResponse(200, ctx.session.invoke_standard_action(name, inputs))
