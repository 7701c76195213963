"""The request and response shapes REST handlers work with, independent of WSGI (composite replays them)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

from werkzeug.datastructures import Headers, MultiDict

from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.routes.cursors import QueryCursors
    from reconciler.sandbox.schema import Schema

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
NOT_FOUND_MESSAGE = "The requested resource does not exist"


@dataclass(frozen=True)
class RestRequest:
    method: str
    path: str  # the part after /services/data/vXX.X, without a trailing slash ("" for the root)
    query: MultiDict[str, str]
    headers: Headers
    body: bytes = b""

    def json(self) -> Any:
        """The body as JSON; 400 JSON_PARSER_ERROR when it is not JSON."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "JSON_PARSER_ERROR", f"Unexpected character in the request body: {exc}") from None

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object; 400 when it is missing or another JSON type."""
        data = self.json()
        if not isinstance(data, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
        return data

    @classmethod
    def build(cls, method: str, path: str, query_string: str, headers: Mapping[str, str], body: bytes = b""
              ) -> RestRequest:
        """A request from parts (composite subrequests): `path` relative to /services/data/vXX.X."""
        query: MultiDict[str, str] = MultiDict()
        for key, values in parse_qs(query_string, keep_blank_values=True).items():
            for value in values:
                query.add(key, value)
        return cls(method.upper(), path, query, Headers(list(headers.items())), body)


@dataclass
class RestResponse:
    status: int
    body: Any = None  # JSON-serialisable, or bytes sent as they are (headers name the Content-Type); None with 204
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, exc: ApiError) -> RestResponse:
        return cls(exc.status, exc.body())


def bearer_token(authorization: str | None) -> str | None:
    """The token of `Authorization: Bearer <token>` (or the older `OAuth <token>`)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() or None if scheme.lower() in {"bearer", "oauth"} else None


class SessionLike(Protocol):
    """The part of the store's Session the REST handlers use (the fault wrapper has the same shape)."""

    actor_id: str | None
    conn: sqlite3.Connection  # the request's transaction (Bulk API 2.0 jobs are stored beside the org's data)

    def create(self, sobject: str, values: dict[str, Any]) -> str: ...
    def update(self, sobject: str, record_id: str, values: dict[str, Any]) -> None: ...
    def delete(self, sobject: str, record_id: str) -> None: ...
    def retrieve(self, sobject: str, record_id: str, fields: list[str] | None = None, *,
                 api_version: str = "59.0") -> dict[str, Any]: ...
    def query(self, soql: str, *, include_deleted: bool = False, api_version: str = "59.0") -> Any: ...
    def describe(self, sobject: str, api_version: str = "59.0") -> dict[str, Any]: ...
    def savepoint(self) -> Any: ...
    def dml_transaction(self) -> Any: ...
    def api_usage(self) -> tuple[int, int]: ...
    def chatter_settings(self) -> dict[str, bool | None]: ...
    def update_chatter_settings(self, values: dict[str, bool]) -> None: ...
    def change_password(self, user_id: str, password: str) -> None: ...
    def password_expired(self, user_id: str) -> bool: ...
    def reset_password(self, user_id: str) -> str: ...
    def invoke_standard_action(self, name: str, inputs: list[Any]) -> list[dict[str, Any]]: ...


@dataclass
class RestContext:
    """Everything a handler needs besides the request: the open transaction, the caller, the API version."""

    session: SessionLike
    schema: Schema
    version: str
    user_id: str
    cursors: QueryCursors
    # runs a composite subrequest (method, full /services/data/vXX.X/... url, headers, body) in this transaction
    subrequest: Callable[[RestContext, str, str, Mapping[str, str], bytes], RestResponse]
    in_composite: bool = False
    force_all_or_none: bool = False


_METHOD_ORDER = ("HEAD", "GET", "POST", "PUT", "PATCH", "DELETE")


def method_not_allowed(method: str, allowed: Iterable[str]) -> ApiError:
    """405 as the REST API words it: "HTTP Method 'PUT' not allowed. Allowed are HEAD,GET,POST"."""
    known = set(allowed)
    if "GET" in known:
        known.add("HEAD")
    ordered = [m for m in _METHOD_ORDER if m in known] + sorted(known - set(_METHOD_ORDER))
    return ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {','.join(ordered)}")


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", NOT_FOUND_MESSAGE)


def flag(value: object, name: str, default: bool = False) -> bool:
    """A boolean from JSON (true/false) or a query string ("true"/"false", any case)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise ApiError(400, "INVALID_FIELD", f"{name} must be true or false, got {value!r}")
