"""The HTTP layer under simple-salesforce: one requests.Session per org connection, with a default timeout on
every request, a few safe retries, a count of every request by kind, the org's API usage, and redaction.

Every request guestlist makes (REST, SOAP Metadata API through zeep, token requests) goes through
`GuestlistAdapter.send`, so the count is exact: it is what `Snapshot.api_requests` and the plan report.

Retries are single-layered: a request is retried either by the adapter (observe's reads) or by its caller (apply's
Writer, which needs to look a create up before resending it), never by both. A caller that retries on its own
sends its requests inside `caller_retries()`, and the adapter then sends each of them exactly once. Every attempt
is counted: the counts say what was really sent.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError

from reconciler.guard import redact_secrets
from reconciler.org.limits import transient_limit_in

DEFAULT_TIMEOUT: tuple[float, float] = (10.0, 120.0)  # (connect, read) seconds
RETRY_STATUSES = frozenset({502, 503, 504})
READ_ATTEMPTS = 3  # attempts in all for a GET whose connection dropped mid-request, met a 502/503/504 or the
# org's concurrent-request limit (403 REQUEST_LIMIT_EXCEEDED "Concurrent...", real-orgs.md §7.2)
MAX_RETRY_AFTER = 30.0  # seconds: a longer Retry-After is capped


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter: `attempts` in all; before retry k (1-based) sleep between d/2 and
    d, where d = min(max_delay, base_delay * 2 ** (k - 1))."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, retry: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def backoff(self, retry: int, at_least: float = 0.0) -> None:
        """Sleep before retry `retry`; `at_least`: what the org asked for (Retry-After), capped."""
        self.sleep(max(self.delay(retry), min(at_least, MAX_RETRY_AFTER)))


_CALLER_RETRIES: ContextVar[bool] = ContextVar("guestlist_caller_retries", default=False)


@contextmanager
def caller_retries() -> Iterator[None]:
    """Requests sent inside this block (in this thread) are sent once by the adapter: the caller retries them."""
    token = _CALLER_RETRIES.set(True)
    try:
        yield
    finally:
        _CALLER_RETRIES.reset(token)


class RequestKind(StrEnum):
    AUTH = "auth"  # token requests and SOAP logins
    QUERY = "query"  # query/, queryAll/ and their next pages
    READ = "read"  # other reads: userinfo, sobject retrieve, describe, limits
    WRITE = "write"  # POST/PATCH/PUT/DELETE on the REST API
    METADATA = "metadata"  # the Metadata API (SOAP, /services/Soap/m/)


_QUERY_PATH = re.compile(r"^/services/data/v[\d.]+/(query|queryAll)(/|$)")


def classify(method: str, url: str) -> RequestKind:
    path = urlsplit(url).path
    if path.startswith("/services/Soap/m/"):
        return RequestKind.METADATA
    if path.startswith(("/services/oauth2/token", "/services/Soap/u/", "/services/Soap/c/")):
        return RequestKind.AUTH
    if _QUERY_PATH.match(path):
        return RequestKind.QUERY
    if method.upper() in ("POST", "PATCH", "PUT", "DELETE"):
        return RequestKind.WRITE
    return RequestKind.READ


_API_USAGE = re.compile(r"(?:^|[,\s])api-usage=(\d+)/(\d+)")


class RequestCounter:
    """Thread-safe count of HTTP requests by kind, and the newest `Sforce-Limit-Info: api-usage=used/max` seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[RequestKind] = Counter()
        self._api_usage: tuple[int, int] | None = None

    def record(self, kind: RequestKind) -> None:
        with self._lock:
            self._counts[kind] += 1

    def observe_response(self, response: requests.Response) -> None:
        """Keeps the newest usage the org reported: the highest count, since parallel reads' responses arrive in
        any order (a later-arriving "2 of 3" was counted before the "3 of 3" already seen)."""
        match = _API_USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            usage = (int(match.group(1)), int(match.group(2)))
            with self._lock:
                current = self._api_usage
                if current is None or usage[1] != current[1] or usage[0] >= current[0]:
                    self._api_usage = usage

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    @property
    def by_kind(self) -> dict[str, int]:
        with self._lock:
            return {kind.value: self._counts[kind] for kind in RequestKind}

    @property
    def api_usage(self) -> tuple[int, int] | None:
        with self._lock:
            return self._api_usage

    def __repr__(self) -> str:
        return f"RequestCounter(total={self.total}, by_kind={self.by_kind})"


class InsecureRequestRefused(requests.exceptions.RequestException):
    """Raised when anything asks for a request without TLS verification: guestlist never sends one."""


class GuestlistAdapter(HTTPAdapter):
    """Counts every request, applies a default timeout and an optional pinned CA bundle, retries safe reads.

    `ca_file` pins verification to that bundle whatever the environment says (REQUESTS_CA_BUNDLE overrides a
    Session's own `verify` when trust_env is on); without it the session's normal trust store applies.
    Only GETs are retried (when the connection drops mid-request, on 502/503/504, and on a concurrent-request
    limit), with `policy`, each attempt counted, and never inside `caller_retries()`; a refused connection, a TLS
    failure, a timeout or the spent daily allowance is reported at once.
    """

    def __init__(
        self,
        counter: RequestCounter,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        ca_file: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__()
        self.counter = counter
        self.timeout = timeout
        self.ca_file = ca_file
        self.policy = policy or RetryPolicy(attempts=READ_ATTEMPTS)

    def send(self, request: requests.PreparedRequest, **kwargs) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if kwargs.get("verify") is False:
            raise InsecureRequestRefused("guestlist never sends a request without TLS verification")
        if self.ca_file is not None:
            kwargs["verify"] = self.ca_file
        kind = classify(request.method or "GET", request.url or "")
        attempts = 1 if _CALLER_RETRIES.get() or (request.method or "GET").upper() != "GET" else self.policy.attempts
        for attempt in range(1, attempts + 1):
            self.counter.record(kind)
            try:
                response = super().send(request, **kwargs)
            except requests.exceptions.ConnectionError as exc:
                dropped = bool(exc.args) and isinstance(exc.args[0], ProtocolError)
                if not dropped or attempt == attempts:
                    raise
                self.policy.backoff(attempt)
                continue
            self.counter.observe_response(response)
            if not _transient(response) or attempt == attempts:
                return response
            self.policy.backoff(attempt, _retry_after(response))
            response.close()
        raise AssertionError("unreachable")


def _transient(response: requests.Response) -> bool:
    """An answer worth repeating the (safe) request for: a gateway failure, or the concurrent-request limit."""
    if response.status_code == 403:
        return transient_limit_in(response.content)
    return response.status_code in RETRY_STATUSES


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else 0.0


class _NoAuth(requests.auth.AuthBase):
    """Keeps requests from reading ~/.netrc: a netrc entry would replace the `Authorization: Bearer` header."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


def build_session(
    counter: RequestCounter,
    *,
    ca_file: str | None = None,
    trust_env: bool = True,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Session:
    """A Session for one org. trust_env=False only for the loopback sandbox (no proxies, no env CA override);
    for a real org the environment (HTTPS_PROXY, REQUESTS_CA_BUNDLE, the system trust store) stays in force."""
    guard_logs()
    session = requests.Session()
    session.trust_env = trust_env
    session.auth = _NoAuth()
    if ca_file is not None:
        session.verify = ca_file
    adapter = GuestlistAdapter(counter, timeout=timeout, ca_file=ca_file,
                               policy=RetryPolicy(attempts=READ_ATTEMPTS, sleep=sleep))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# ---------------------------------------------------------------------------------------------------------------
# Redaction: no secret reaches a message, a log line or a repr.

def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret value (in each form a server may echo it) and every token-shaped string
    replaced by *** (reconciler/guard.py)."""
    return redact_secrets(text, secrets)


def secret_values(env: Mapping[str, str], names: Iterable[str]) -> tuple[str, ...]:
    return tuple(env[name] for name in names if env.get(name))


class RedactingFilter(logging.Filter):
    """Redacts token-shaped text from log records (zeep logs whole SOAP envelopes, session header included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


LOGGERS_TO_GUARD = ("zeep.transports", "simple_salesforce", "simple_salesforce.api", "simple_salesforce.login",
                    "urllib3.connectionpool")
_FILTER = RedactingFilter()


def guard_logs() -> None:
    """Attaches the redacting filter to the loggers of the libraries under guestlist (idempotent)."""
    for name in LOGGERS_TO_GUARD:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
