"""Sandbox-only controls, over HTTP under `/_sandbox/` (a path real Salesforce lacks) and from Python.

Never used by the planner's org code: tests, demos and `guestlist sandbox ...` use it to reset the org, play
the invitee who accepts, set what no real API exposes ("Allow Invitations", company domains), change the daily
API allowance, add validation rules, inject faults and read request counters.

Over HTTP every control needs `Authorization: Bearer <token>` of an active user of this org with Modify All Data
(the connected administrator's token that `guestlist sandbox serve` prints, or one from an OAuth or SOAP login):
401 INVALID_SESSION_ID without a valid session, 403 INSUFFICIENT_ACCESS for another user. Nothing is open, not
even `/connection`: any local user can reach the port, and these controls hand out tokens and change the org.
The Python `Admin` methods and `guestlist sandbox ...` (which opens the database itself) need no token.

    POST   /_sandbox/reset                {"seed": "demo" | "empty"}      -> connection
    GET    /_sandbox/connection                                            -> {"access_token", "username", ...}
    POST   /_sandbox/invitations/accept   {"email"}                       -> {"user_id"}
    POST   /_sandbox/confirm-email        {"username"}                    -> {"user_id", "username", "email"}
    GET    /_sandbox/outbox                                                -> {"mails": [...]}
    GET    /_sandbox/settings  | PUT {"allow_invitations": bool, "domains": [..]}
    GET    /_sandbox/limits    | PUT {"daily_api_requests": N, "reset_usage": bool, "concurrent_refusals": N}
    POST   /_sandbox/validation-rules     {"sobject", "name", "field", "operator", "value", "message"}
    DELETE /_sandbox/validation-rules/<sobject>/<name>
    POST   /_sandbox/expire-sessions      (every access token stops working)
    GET    /_sandbox/faults    | PUT <FaultPlan JSON> | DELETE
    GET    /_sandbox/counters  | DELETE
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from reconciler.sandbox.errors import INVALID_SESSION, ApiError
from reconciler.sandbox.faults import FaultInjector, FaultPlan, FaultSpecError
from reconciler.sandbox.objects import sites
from reconciler.sandbox.objects.permissions import EXPIRATION_SETTING, has_permission
from reconciler.sandbox.routes.cursors import QueryCursors
from reconciler.sandbox.routes.http import RestRequest, RestResponse, bearer_token, method_not_allowed, not_found
from reconciler.sandbox.store import SeedName, Store

SEEDS = ("demo", "empty")
ADMIN_PERMISSION = "PermissionsModifyAllData"


class RequestCounters:
    """How many requests the server answered, by endpoint ("GET query", "POST composite/sobjects", ...)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, key: str) -> None:
        with self._lock:
            self._counts[key] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": sum(self._counts.values()), "by_endpoint": dict(sorted(self._counts.items()))}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


def connection(store: Store) -> dict[str, str]:
    """A fresh access token for the org's connected administrator, with its user id and username."""
    with store.session() as session:
        user_id = session.meta("admin_user_id")
        if not user_id:
            raise ApiError(500, "UNKNOWN_EXCEPTION", "the sandbox database has no connected administrator")
        token = session.issue_token(user_id)
        username = session.retrieve("User", user_id, ["Username"])["Username"]
    return {"access_token": token, "user_id": user_id, "username": username}


def accept_invitation(store: Store, email: str) -> str:
    with store.session() as session:
        return session.accept_invitation(email)


def outbox(store: Store) -> list[dict[str, Any]]:
    """Every mail the org sent, oldest first (real-orgs.md §12)."""
    with store.session(write=False) as session:
        return session.outbox()


def confirm_email(store: Store, username: str) -> dict[str, str]:
    """The person confirms their pending new address; 404 NOT_FOUND without one (real-orgs.md §4.1)."""
    with store.session() as session:
        return session.confirm_email(username)


def invitation_settings(store: Store, allowed: bool | None = None, domains: list[str] | None = None) -> dict[str, Any]:
    """Change "Allow Invitations" and/or the company email domains (None: unchanged); the settings after."""
    with store.session() as session:
        if allowed is not None or domains is not None:
            session.set_invitation_settings(allowed, domains)
        current_allowed, current_domains = session.invitation_settings()
    return {"allow_invitations": current_allowed, "domains": current_domains}


def api_limits(store: Store, daily_api_requests: int | None = None, reset_usage: bool = False,
               concurrent_refusals: int | None = None) -> dict[str, Any]:
    """Change the daily API allowance, start a new day, and/or have the next `concurrent_refusals` API requests
    meet the concurrent-request limit (None/False: unchanged); the state after."""
    with store.session() as session:
        if daily_api_requests is not None:
            session.set_daily_limit(daily_api_requests)
        if reset_usage:
            session.reset_api_usage()
        if concurrent_refusals is not None:
            session.set_concurrent_refusals(concurrent_refusals)
        used, maximum = session.api_usage()
        pending = session.concurrent_refusals()
    return {"daily_api_requests": {"max": maximum, "used": used},
            "concurrent_api_requests": {"refusals_pending": pending}}


def add_site(store: Store, name: str, status: str | None = None) -> str:
    """A new Experience Cloud site (a Network record, which the API can't create); its id. 400 DUPLICATE_VALUE when
    a site has that name already, 400 INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST for an unknown status."""
    with store.session() as session:
        return sites.add_site(session, name, status)


def list_sites(store: Store) -> list[dict[str, Any]]:
    """Every site: id, name and status, by name."""
    with store.session(write=False) as session:
        return sites.list_sites(session)


class Admin:
    """The controls, bound to one running sandbox's store, fault injector, query cursors and counters."""

    def __init__(self, store: Store, injector: FaultInjector, cursors: QueryCursors, counters: RequestCounters) -> None:
        self.store = store
        self.injector = injector
        self.cursors = cursors
        self.counters = counters
        self._map = Map(
            [Rule(path, methods=[method], endpoint=(method, path)) for method, path in _ROUTES], strict_slashes=False
        )

    def reset(self, seed: str = "demo") -> dict[str, str]:
        if seed not in SEEDS:
            raise ApiError(400, "INVALID_INPUT", f"seed must be one of {', '.join(SEEDS)}, got {seed!r}")
        self.store.reset(_seed(seed))
        self.cursors.clear()
        return connection(self.store)

    def set_assignment_expiration(self, enabled: bool) -> None:
        """User Management Settings' "Permission Set & Permission Set Group Assignments with Expiration Dates"
        (on in a new org; off, ExpirationDate is refused: real-orgs.md §15). No API exposes it."""
        with self.store.session() as session:
            session.set_meta(EXPIRATION_SETTING, "on" if enabled else "off")

    def add_validation_rule(self, sobject: str, name: str, field: str, operator: str, value: Any, message: str) -> None:
        with self.store.session() as session:
            session.add_validation_rule(sobject, name, field, operator, value, message)

    def remove_validation_rule(self, sobject: str, name: str) -> None:
        with self.store.session() as session:
            session.remove_validation_rule(sobject, name)

    def expire_sessions(self) -> None:
        with self.store.session() as session:
            session.expire_tokens()

    def set_faults(self, plan: FaultPlan) -> None:
        self.injector.set_plan(plan)

    # --- HTTP ----------------------------------------------------------------------------------------------------

    def handle(self, request: RestRequest) -> RestResponse:
        """Answer a `/_sandbox/...` request (path relative to the server root); errors as REST error arrays. The
        caller is checked first, so that without an administrator's session no route, method or body is looked at."""
        try:
            self._authorize(request)
        except ApiError as exc:
            return RestResponse.error(exc)
        try:
            (method, path), values = self._map.bind("sandbox").match(request.path, request.method)
        except NotFound:
            return RestResponse.error(not_found())
        except MethodNotAllowed as exc:
            return RestResponse.error(method_not_allowed(request.method, exc.valid_methods or []))
        try:
            return _HANDLERS[(method, path)](self, request, **values)
        except FaultSpecError as exc:
            return RestResponse.error(ApiError(400, "INVALID_INPUT", str(exc)))
        except ApiError as exc:
            return RestResponse.error(exc)


    def _authorize(self, request: RestRequest) -> None:
        """401 INVALID_SESSION_ID unless the bearer token is a live session of this org; 403 INSUFFICIENT_ACCESS
        unless its user is an administrator (Modify All Data)."""
        token = bearer_token(request.headers.get("Authorization"))
        with self.store.session(write=False) as session:
            user_id = session.user_for_token(token) if token else None
            if user_id is None:
                raise INVALID_SESSION
            if not has_permission(session, user_id, ADMIN_PERMISSION):
                raise ApiError(403, "INSUFFICIENT_ACCESS",
                               "The sandbox controls need the session of an administrator (Modify All Data)")


def _seed(name: str) -> SeedName:
    return "empty" if name == "empty" else "demo"


def _body(request: RestRequest) -> dict[str, Any]:
    return request.json_object() if request.body.strip() else {}


def _optional_bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise ApiError(400, "INVALID_INPUT", f"{key} must be true or false")
    return value


def _do_reset(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, admin.reset(str(_body(request).get("seed", "demo"))))


def _connection(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, connection(admin.store))


def _accept(admin: Admin, request: RestRequest) -> RestResponse:
    email = _body(request).get("email")
    if not isinstance(email, str) or not email:
        raise ApiError(400, "INVALID_INPUT", "email is required")
    return RestResponse(200, {"user_id": accept_invitation(admin.store, email)})


def _confirm_email(admin: Admin, request: RestRequest) -> RestResponse:
    username = _body(request).get("username")
    if not isinstance(username, str) or not username:
        raise ApiError(400, "INVALID_INPUT", "username is required")
    return RestResponse(200, confirm_email(admin.store, username))


def _outbox(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, {"mails": outbox(admin.store)})


def _get_settings(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, invitation_settings(admin.store))


def _put_settings(admin: Admin, request: RestRequest) -> RestResponse:
    data = _body(request)
    domains = data.get("domains")
    if domains is not None and (not isinstance(domains, list) or not all(isinstance(d, str) for d in domains)):
        raise ApiError(400, "INVALID_INPUT", "domains must be a list of strings")
    return RestResponse(200, invitation_settings(admin.store, _optional_bool(data, "allow_invitations"), domains))


def _get_limits(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, api_limits(admin.store))


def _put_limits(admin: Admin, request: RestRequest) -> RestResponse:
    data = _body(request)
    maximum, refusals = data.get("daily_api_requests"), data.get("concurrent_refusals")
    for name, value in (("daily_api_requests", maximum), ("concurrent_refusals", refusals)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ApiError(400, "INVALID_INPUT", f"{name} must be a whole number, 0 or more")
    return RestResponse(200, api_limits(admin.store, maximum, bool(_optional_bool(data, "reset_usage")), refusals))


def _add_rule(admin: Admin, request: RestRequest) -> RestResponse:
    data = _body(request)
    missing = [k for k in ("sobject", "name", "field", "operator", "message") if not isinstance(data.get(k), str)]
    if missing:
        raise ApiError(400, "INVALID_INPUT", f"missing or not a string: {', '.join(missing)}")
    admin.add_validation_rule(
        data["sobject"], data["name"], data["field"], data["operator"], data.get("value"), data["message"]
    )
    return RestResponse(201, {"sobject": data["sobject"], "name": data["name"]})


def _remove_rule(admin: Admin, request: RestRequest, sobject: str, name: str) -> RestResponse:
    admin.remove_validation_rule(sobject, name)
    return RestResponse(204)


def _expire(admin: Admin, request: RestRequest) -> RestResponse:
    admin.expire_sessions()
    return RestResponse(204)


def _get_faults(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, {**admin.injector.plan.to_dict(), "stats": admin.injector.stats()})


def _put_faults(admin: Admin, request: RestRequest) -> RestResponse:
    admin.set_faults(FaultPlan.from_dict(_body(request)))
    return _get_faults(admin, request)


def _clear_faults(admin: Admin, request: RestRequest) -> RestResponse:
    admin.set_faults(FaultPlan())
    return RestResponse(204)


def _get_counters(admin: Admin, request: RestRequest) -> RestResponse:
    return RestResponse(200, {**admin.counters.snapshot(), "api_usage": api_limits(admin.store)["daily_api_requests"]})


def _clear_counters(admin: Admin, request: RestRequest) -> RestResponse:
    admin.counters.reset()
    return RestResponse(204)


_HANDLERS: dict[tuple[str, str], Callable[..., RestResponse]] = {
    ("POST", "/_sandbox/reset"): _do_reset,
    ("GET", "/_sandbox/connection"): _connection,
    ("POST", "/_sandbox/invitations/accept"): _accept,
    ("POST", "/_sandbox/confirm-email"): _confirm_email,
    ("GET", "/_sandbox/outbox"): _outbox,
    ("GET", "/_sandbox/settings"): _get_settings,
    ("PUT", "/_sandbox/settings"): _put_settings,
    ("GET", "/_sandbox/limits"): _get_limits,
    ("PUT", "/_sandbox/limits"): _put_limits,
    ("POST", "/_sandbox/validation-rules"): _add_rule,
    ("DELETE", "/_sandbox/validation-rules/<sobject>/<name>"): _remove_rule,
    ("POST", "/_sandbox/expire-sessions"): _expire,
    ("GET", "/_sandbox/faults"): _get_faults,
    ("PUT", "/_sandbox/faults"): _put_faults,
    ("DELETE", "/_sandbox/faults"): _clear_faults,
    ("GET", "/_sandbox/counters"): _get_counters,
    ("DELETE", "/_sandbox/counters"): _clear_counters,
}
_ROUTES = list(_HANDLERS)
