"""The sandbox org's WSGI application: routing, authentication, API accounting, error answers, fault injection.

Areas by path (a leading `/<x>.salesforce.com` segment is ignored, clients.md §1.3; trailing slashes too):
`/services/data[/vXX.X/...]` REST, `/services/oauth2/...` and `/id/...` OAuth, `/services/Soap/u|m/...` SOAP
login and Metadata API, `/_sandbox/...` sandbox-only controls (admin.py; an administrator's session only). A
REST request is authenticated and counted against the daily allowance in one short transaction, then served in
another, which commits only when the answer is a success (so a failed request changes nothing but the usage
count).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from reconciler.sandbox.admin import Admin, RequestCounters
from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.auth import NEW_ORG_LOGINS, LoginPolicy
from reconciler.sandbox.errors import CONCURRENT_LIMIT, DAILY_LIMIT, INVALID_SESSION, ApiError
from reconciler.sandbox.faults import FaultInjector, FaultKind, FaultPlan, FaultRule, LockedRowSession
from reconciler.sandbox.objects import access
from reconciler.sandbox.objects.duplicates import HEADER as DUPLICATE_RULE_HEADER
from reconciler.sandbox.objects.duplicates import DuplicateRuleHeader
from reconciler.sandbox.routes import (
    actions,
    bulk2,
    collections,
    composite,
    metadata,
    oauth,
    passwords,
    query,
    rest,
    soap_login,
    sobjects,
)
from reconciler.sandbox.routes.cursors import QueryCursors
from reconciler.sandbox.routes.http import (
    JSON_CONTENT_TYPE,
    RestContext,
    RestRequest,
    RestResponse,
    bearer_token,
    method_not_allowed,
    not_found,
)
from reconciler.sandbox.server import DROP_CONNECTION
from reconciler.sandbox.soap import CONTENT_TYPE as XML_CONTENT_TYPE
from reconciler.sandbox.soap import METADATA, PARTNER_FAULT, SoapFault, parse_call
from reconciler.sandbox.store import Store

LOG = logging.getLogger("reconciler.sandbox")
MAX_BODY_BYTES = 64 * 1024 * 1024
_LOGIN_PREFIX = re.compile(r"^/[^/]*\.salesforce\.com(?=/)")
_DATA_PATH = re.compile(r"^/services/data/v(\d+\.\d+)(/.*)?$")
_SOAP_PATH = re.compile(r"^/services/Soap/([um])/(\d+\.\d+)(?:/[^/]+)?$")
_IDENTITY_PATH = re.compile(r"^/id/([0-9A-Za-z]{15,18})/([0-9A-Za-z]{15,18})$")
SOAP_INVALID_SESSION = "Invalid Session ID found in SessionHeader: Illegal Session"

Handler = Callable[..., RestResponse]
# (path relative to /services/data/vXX.X, method, handler); the counter key is "<METHOD> <path>"
REST_ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("/", "GET", rest.resources),
    ("/limits", "GET", rest.limits),
    ("/query", "GET", query.query),
    ("/query/<locator>", "GET", query.query_more),
    ("/queryAll", "GET", query.query_all),
    ("/queryAll/<locator>", "GET", query.query_all_more),
    ("/sobjects", "GET", sobjects.global_describe),
    ("/sobjects/<sobject>", "GET", sobjects.basic_info),
    ("/sobjects/<sobject>", "POST", sobjects.create),
    ("/sobjects/<sobject>/describe", "GET", sobjects.describe),
    ("/sobjects/<sobject>/<rid>", "GET", sobjects.retrieve),
    ("/sobjects/<sobject>/<rid>", "PATCH", sobjects.update),
    ("/sobjects/<sobject>/<rid>", "DELETE", sobjects.delete),
    ("/sobjects/<sobject>/<rid>/password", "GET", passwords.status),
    ("/sobjects/<sobject>/<rid>/password", "POST", passwords.set_password),
    ("/sobjects/<sobject>/<rid>/password", "DELETE", passwords.reset_password),
    ("/composite/sobjects", "POST", collections.create),
    ("/composite/sobjects", "PATCH", collections.update),
    ("/composite/sobjects", "DELETE", collections.delete),
    ("/composite/sobjects/<sobject>", "GET", collections.retrieve),
    ("/composite", "POST", composite.composite),
    ("/jobs/query", "POST", bulk2.create),
    ("/jobs/query", "GET", bulk2.list_jobs),
    ("/jobs/query/<job_id>", "GET", bulk2.job_info),
    ("/jobs/query/<job_id>", "PATCH", bulk2.abort),
    ("/jobs/query/<job_id>", "DELETE", bulk2.delete),
    ("/jobs/query/<job_id>/results", "GET", bulk2.results),
    ("/actions/standard", "GET", actions.list_actions),
    ("/actions/standard/<name>", "POST", actions.invoke),
)


class _Failed(Exception):
    """Carries a failure answer out of a transaction (or savepoint) so that its changes are rolled back."""

    def __init__(self, answer: RestResponse) -> None:
        super().__init__(answer.status)
        self.answer = answer


class SandboxApp:
    """The WSGI callable. Shares one Store, one fault injector, the query cursors and the request counters."""

    def __init__(self, store: Store, *, faults: FaultPlan | None = None, cursors: QueryCursors | None = None,
                 sleep: Callable[[float], None] = time.sleep, logins: LoginPolicy = NEW_ORG_LOGINS) -> None:
        self.store = store
        self.logins = logins
        self._sleep = sleep  # how injected latency waits (tests record the delays instead of waiting)
        self.injector = FaultInjector(faults or FaultPlan())
        self.cursors = cursors or QueryCursors()
        self.counters = RequestCounters()
        self.admin = Admin(store, self.injector, self.cursors, self.counters)
        self._routes = {f"{method} {path}": handler for path, method, handler in REST_ROUTES}
        self._map = Map([Rule(path, methods=[method], endpoint=f"{method} {path}")
                         for path, method, handler in REST_ROUTES], strict_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        request.max_content_length = MAX_BODY_BYTES
        try:
            response = self._respond(request)
        except RequestEntityTooLarge:
            error = ApiError(413, "REQUEST_ENTITY_TOO_LARGE",
                             f"The request body is larger than the sandbox accepts ({MAX_BODY_BYTES} bytes)")
            response = _json(413, error.body(), {"Connection": "close"})
        except Exception:
            error_id = secrets.token_hex(6)
            LOG.exception("sandbox: unexpected error %s on %s %s", error_id, request.method, request.path)
            response = _json(500, _unknown_exception(error_id).body())
        return response(environ, start_response)

    # --- the pipeline ------------------------------------------------------------------------------------------

    def _respond(self, request: Request) -> Response:
        path = _LOGIN_PREFIX.sub("", request.path, count=1).rstrip("/") or "/"
        body = request.get_data(cache=True)   # always read the body: the connection is kept alive
        if not path.startswith("/_sandbox"):
            self.counters.count(self._counter_key(request.method, path, body))
        decision = self.injector.decide(request.method, path)
        if decision.delay_s > 0:
            self._sleep(decision.delay_s)
        fault = decision.fault
        if fault is not None and fault.kind is FaultKind.DROP_BEFORE_COMMIT:
            request.environ[DROP_CONNECTION] = True
            return Response(status=500)   # never sent: the connection is closed instead
        if fault is not None and fault.kind in _EARLY_FAULTS:
            return self._injected(fault, path)
        response = self._route(request, path, body, fault)
        if fault is not None and fault.kind is FaultKind.DROP_AFTER_COMMIT:
            request.environ[DROP_CONNECTION] = True
        return response

    def _route(self, request: Request, path: str, body: bytes, fault: FaultRule | None) -> Response:
        method = request.method
        if path == "/_sandbox" or path.startswith("/_sandbox/"):
            answer = self.admin.handle(RestRequest(method, path, request.args, request.headers, body))
            return _json(answer.status, answer.body, answer.headers)
        if path == "/services/data":
            if method not in {"GET", "HEAD"}:
                return _json(405, method_not_allowed(method, ["GET"]).body())
            return _json(200, rest.versions())
        if data := _DATA_PATH.match(path):
            return self._serve_rest(request, data.group(1), data.group(2) or "/", body, fault)
        if path in {"/services/oauth2/token", "/services/oauth2/userinfo"} or _IDENTITY_PATH.match(path):
            return self._serve_oauth(request, path, body)
        if soap := _SOAP_PATH.match(path):
            if method != "POST":
                return _json(405, method_not_allowed(method, ["POST"]).body())
            if soap.group(1) == "u":
                return self._serve_login(request, soap.group(2), body)
            return self._serve_metadata(body, fault)
        return _json(404, not_found().body())

    def _counter_key(self, method: str, path: str, body: bytes) -> str:
        """What the request counters call this request: "GET /query", "POST /services/Soap/m readMetadata"..."""
        if (data := _DATA_PATH.match(path)) and rest.supported(data.group(1)):
            request = RestRequest(method, (data.group(2) or "/").rstrip("/") or "/", MultiDict(), Headers())
            try:
                return self._match(request)[0]
            except ApiError:
                return f"{method} (unknown)"
        if soap := _SOAP_PATH.match(path):
            if soap.group(1) == "u":
                return f"{method} /services/Soap/u login"
            try:
                return f"{method} /services/Soap/m {parse_call(body, namespace=METADATA).operation}"
            except SoapFault:
                return f"{method} /services/Soap/m (malformed)"
        if path.startswith("/id/"):
            return f"{method} /id"
        known = path == "/services/data" or path.startswith("/services/oauth2/")
        return f"{method} {path}" if known else f"{method} (unknown)"

    def _injected(self, fault: FaultRule, path: str) -> Response:
        """The answer of a failure fault that replaces the request (nothing is executed or counted)."""
        assumed("injected-error-bodies")
        soap = path.startswith("/services/Soap/")
        if fault.kind is FaultKind.EXPIRED_SESSION:
            self.admin.expire_sessions()
            error = INVALID_SESSION
        elif fault.kind is FaultKind.LIMIT_EXCEEDED:
            error = DAILY_LIMIT
        elif fault.kind is FaultKind.CONCURRENT_LIMIT:
            error = CONCURRENT_LIMIT
        elif fault.kind is FaultKind.ERROR_503:
            error = ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable; please try again later")
        else:
            error = _unknown_exception(secrets.token_hex(6))
        if soap:
            message = SOAP_INVALID_SESSION if error is INVALID_SESSION else error.message
            status = 503 if error.status == 503 else 500
            namespace = PARTNER_FAULT if path.startswith("/services/Soap/u/") else METADATA
            return _xml(status, SoapFault(error.code, message, namespace=namespace).to_xml())
        headers = {}
        if path.startswith("/services/data/"):
            headers["Sforce-Limit-Info"] = _limit_info(self._usage())
        return _json(error.status, error.body(), headers)

    # --- REST ------------------------------------------------------------------------------------------------

    def _serve_rest(self, request: Request, version: str, path: str, body: bytes, fault: FaultRule | None
                    ) -> Response:
        if not rest.supported(version):
            return _json(404, not_found().body())
        rest_request = RestRequest(request.method, path.rstrip("/") or "/", request.args, request.headers, body)
        try:
            user_id, usage = self._authorize(bearer_token(request.headers.get("Authorization")))
        except ApiError as exc:
            return _json(exc.status, exc.body(), {"Sforce-Limit-Info": _limit_info(self._usage())})
        try:
            # a GET reads in a DEFERRED transaction, so readers run side by side under WAL (scale.md §5)
            with self.store.session(write=request.method not in _READ_METHODS) as session:
                session.actor_id = user_id
                session.duplicate_rule_header = DuplicateRuleHeader.parse(request.headers.get(DUPLICATE_RULE_HEADER))
                session.api_version = version
                work: Any = session
                if fault is not None and fault.kind is FaultKind.LOCK_ROW:
                    work = LockedRowSession(session, fault.record)
                context = RestContext(work, self.store.schema, version, user_id, self.cursors, self._subrequest)
                answer = _api_refusal(session) or self._dispatch(context, rest_request)
                if answer.status >= 400:
                    raise _Failed(answer)
        except _Failed as failed:
            answer = failed.answer
        headers = {**answer.headers, "Sforce-Limit-Info": _limit_info(usage)}
        if answer.status == 204:
            return Response(status=204, headers=headers)
        if isinstance(answer.body, bytes):
            return Response(answer.body, status=answer.status, headers=headers)
        return _json(answer.status, answer.body, headers)

    def _dispatch(self, context: RestContext, request: RestRequest) -> RestResponse:
        try:
            endpoint, values = self._match(request)
            if context.in_composite and endpoint == "POST /composite":
                raise ApiError(400, "INVALID_INPUT", "A composite request cannot contain another composite request")
            return self._routes[endpoint](context, request, **values)
        except ApiError as exc:
            return RestResponse.error(exc)

    def _match(self, request: RestRequest) -> tuple[str, dict[str, Any]]:
        try:
            endpoint, values = self._map.bind("sandbox").match(request.path, request.method)
        except NotFound:
            raise not_found() from None
        except MethodNotAllowed as exc:
            raise method_not_allowed(request.method, exc.valid_methods or []) from None
        return str(endpoint), dict(values)

    def _subrequest(self, context: RestContext, method: str, url: str, headers: Mapping[str, str], body: bytes
                    ) -> RestResponse:
        """A composite subrequest, inside the composite's transaction, in a savepoint of its own."""
        parts = urlsplit(url)
        data = _DATA_PATH.match(parts.path.rstrip("/"))
        if data is None or not rest.supported(data.group(1)):
            return RestResponse.error(not_found())
        path = (data.group(2) or "/").rstrip("/") or "/"
        request = RestRequest.build(method, path, parts.query, headers, body)
        try:
            with context.session.savepoint():
                answer = self._dispatch(replace(context, version=data.group(1)), request)
                if answer.status >= 400:
                    raise _Failed(answer)
        except _Failed as failed:
            answer = failed.answer
        return answer

    def _authorize(self, token: str | None) -> tuple[str, tuple[int, int]]:
        """The caller's user id and the API usage after counting this request; 401 or 403 ApiError (403 for the
        daily allowance, or a concurrent-request refusal `sandbox limits --busy` left pending, not counted:
        assumption "concurrent-limit")."""
        with self.store.session() as session:
            user_id = session.user_for_token(token) if token else None
            if user_id is None:
                raise INVALID_SESSION
            if not session.take_concurrent_refusal():
                return user_id, session.record_request()
        assumed("concurrent-limit")
        raise CONCURRENT_LIMIT

    def _usage(self) -> tuple[int, int]:
        with self.store.session() as session:
            return session.api_usage()

    # --- OAuth, SOAP login, Metadata API ---------------------------------------------------------------------

    def _serve_oauth(self, request: Request, path: str, body: bytes) -> Response:
        assumed("api-usage-counting")
        instance_url = f"https://{request.host}"
        if path == "/services/oauth2/token":
            if request.method != "POST":
                return _json(405, method_not_allowed(request.method, ["POST"]).body())
            try:
                answer = oauth.token(self.store, oauth.parse_form(body), request.headers.get("Authorization"),
                                     instance_url, self.logins)
            except oauth.OAuthError as refused:
                return _json(refused.status, refused.body())
            return _json(200, answer)
        token = bearer_token(request.headers.get("Authorization")) or request.args.get("oauth_token")
        with self.store.session() as session:
            user_id = session.user_for_token(token) if token else None
            if user_id is None:
                assumed("oauth-bad-token")
                return Response("Bad_OAuth_Token", status=403, content_type="text/plain;charset=UTF-8")
            if path == "/services/oauth2/userinfo":
                return _json(200, session.user_info(user_id))
            return _json(200, oauth.identity(session, user_id, instance_url))

    def _serve_login(self, request: Request, version: str, body: bytes) -> Response:
        try:
            return _xml(200, soap_login.login(self.store, body, version, f"https://{request.host}", self.logins))
        except SoapFault as fault:
            return _xml(500, fault.to_xml())

    def _serve_metadata(self, body: bytes, fault: FaultRule | None) -> Response:
        try:
            call = parse_call(body, namespace=METADATA)
            try:
                user_id, usage = self._authorize((call.header_value("SessionHeader", "sessionId") or "").strip())
            except ApiError as exc:
                message = SOAP_INVALID_SESSION if exc is INVALID_SESSION else exc.message
                raise SoapFault(exc.code, message) from None
            with self.store.session() as session:
                session.actor_id = user_id
                try:
                    access.check_api_enabled(session)
                except ApiError as exc:
                    raise SoapFault(exc.code, exc.message) from None
                access.check_metadata(session, call.operation)
                work: Any = session
                if fault is not None and fault.kind is FaultKind.LOCK_ROW:
                    work = LockedRowSession(session, fault.record)
                answer = metadata.handle(work, call)
        except SoapFault as refused:
            return _xml(500, refused.to_xml())
        return _xml(200, answer, {"Sforce-Limit-Info": _limit_info(usage)})


_READ_METHODS = frozenset({"GET", "HEAD"})
_EARLY_FAULTS = frozenset({FaultKind.ERROR_500, FaultKind.ERROR_503, FaultKind.LIMIT_EXCEEDED,
                           FaultKind.CONCURRENT_LIMIT, FaultKind.EXPIRED_SESSION})


def _api_refusal(session: Any) -> RestResponse | None:
    """The answer to a user without "API Enabled" (real-orgs.md §10.1), or None when the user may use the API."""
    try:
        access.check_api_enabled(session)
    except ApiError as exc:
        return RestResponse.error(exc)
    return None


def _limit_info(usage: tuple[int, int]) -> str:
    return f"api-usage={usage[0]}/{usage[1]}"


def _unknown_exception(error_id: str) -> ApiError:
    return ApiError(500, "UNKNOWN_EXCEPTION",
                    f"An unexpected error occurred. Please include this ErrorId if you contact support: {error_id}")


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(payload, status=status, headers=dict(headers or {}), content_type=JSON_CONTENT_TYPE)


def _xml(status: int, payload: bytes, headers: Mapping[str, str] | None = None) -> Response:
    return Response(payload, status=status, headers=dict(headers or {}), content_type=XML_CONTENT_TYPE)
