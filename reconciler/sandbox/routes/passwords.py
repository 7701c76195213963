"""sObject User Password (`/sobjects/User/{id}/password`, REST API v24.0+): GET whether the password has expired,
POST `{"NewPassword": ...}` to set it (204, no body), as the REST API documents (real-orgs.md §10.5)."""

from __future__ import annotations

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.routes.http import RestContext, RestRequest, RestResponse, not_found


def _user_id(sobject: str, rid: str) -> str:
    if sobject.lower() != "user":  # SelfServiceUser, the other documented owner of passwords, is not in the sandbox
        raise not_found()
    return rid


def status(ctx: RestContext, request: RestRequest, sobject: str, rid: str) -> RestResponse:
    return RestResponse(200, {"isExpired": ctx.session.password_expired(_user_id(sobject, rid))})


def set_password(ctx: RestContext, request: RestRequest, sobject: str, rid: str) -> RestResponse:
    new_password = request.json_object().get("NewPassword")
    if not isinstance(new_password, str) or not new_password:
        raise ApiError(400, "INVALID_NEW_PASSWORD", "NewPassword must be the new password, a non-empty string")
    ctx.session.change_password(_user_id(sobject, rid), new_password)
    return RestResponse(204)
