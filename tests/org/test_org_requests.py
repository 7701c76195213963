"""The HTTP layer: counting by kind, API usage, default timeout, retries of safe reads, and redaction (pure)."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import SalesforceExpiredSession
from urllib3.exceptions import ProtocolError

from reconciler.org.connect import describe_failure
from reconciler.org.requests import (
    DEFAULT_TIMEOUT,
    RequestCounter,
    build_session,
    caller_retries,
    classify,
    redact,
)

BASE = "https://acme.my.salesforce.com"


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", "/services/data/v59.0/query/?q=SELECT+Id+FROM+User", "query"),
        ("GET", "/services/data/v59.0/query/01gXX-2000", "query"),
        ("GET", "/services/data/v59.0/queryAll/?q=x", "query"),
        ("POST", "/services/data/v59.0/composite/sobjects", "write"),
        ("DELETE", "/services/data/v59.0/composite/sobjects?ids=a", "write"),
        ("PATCH", "/services/data/v59.0/sobjects/User/005", "write"),
        ("GET", "/services/data/v59.0/sobjects/User/005", "read"),
        ("GET", "/services/oauth2/userinfo", "read"),
        ("POST", "/services/oauth2/token", "auth"),
        ("POST", "/services/Soap/u/59.0", "auth"),
        ("POST", "/services/Soap/m/59.0/", "metadata"),
    ],
)
def test_classify(method: str, path: str, kind: str) -> None:
    assert classify(method, BASE + path) == kind


def test_every_attempt_is_counted_and_503_on_a_get_is_retried(fake_http) -> None:
    counter, naps = RequestCounter(), []
    session = build_session(counter, sleep=naps.append)
    fake_http.answer(503, "busy", {"Retry-After": "2"})
    fake_http.answer(200, {"records": []}, {"Sforce-Limit-Info": "api-usage=18/15000"})
    assert session.get(BASE + "/services/data/v59.0/query/?q=x").status_code == 200
    assert counter.by_kind["query"] == 2 and counter.total == 2
    assert naps == [2.0]
    assert counter.api_usage == (18, 15000)
    assert fake_http.kwargs["timeout"] == DEFAULT_TIMEOUT


def test_the_newest_api_usage_wins_whatever_order_parallel_answers_arrive_in() -> None:
    """Parallel reads answer out of order: the highest count the org reported is the newest one."""
    counter = RequestCounter()
    for header in ("api-usage=2/3", "api-usage=3/3", "api-usage=2/3"):
        response = requests.Response()
        response.headers["Sforce-Limit-Info"] = header
        counter.observe_response(response)
    assert counter.api_usage == (3, 3)
    raised = requests.Response()
    raised.headers["Sforce-Limit-Info"] = "api-usage=4/100000"  # the org's allowance changed: its own reading
    counter.observe_response(raised)
    assert counter.api_usage == (4, 100000)


def test_a_dropped_connection_is_retried_for_reads_only(fake_http) -> None:
    counter = RequestCounter()
    session = build_session(counter, sleep=lambda s: None)
    dropped = requests.exceptions.ConnectionError(ProtocolError("Connection aborted."))
    fake_http.fail(dropped)
    fake_http.answer(200, {})
    assert session.get(BASE + "/services/oauth2/userinfo").status_code == 200
    fake_http.fail(dropped)
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(BASE + "/services/data/v59.0/composite/sobjects", json={})
    assert counter.by_kind == {"auth": 0, "query": 0, "read": 2, "write": 1, "metadata": 0}


def test_writes_are_never_retried(fake_http) -> None:
    counter = RequestCounter()
    session = build_session(counter, sleep=lambda s: None)
    fake_http.answer(503, "busy")
    assert session.post(BASE + "/services/data/v59.0/composite/sobjects", json={}).status_code == 503
    assert counter.total == 1


def test_verification_cannot_be_switched_off(fake_http) -> None:
    session = build_session(RequestCounter())
    with pytest.raises(requests.exceptions.RequestException, match="never sends a request without TLS"):
        session.get(BASE + "/services/oauth2/userinfo", verify=False)
    assert fake_http.sent == []


def test_a_pinned_ca_file_wins_over_the_environment(fake_http, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = build_session(RequestCounter(), ca_file="/tmp/sandbox-ca.pem", trust_env=True)
    fake_http.answer(200, {})
    session.get(BASE + "/services/oauth2/userinfo")
    assert fake_http.kwargs["verify"] == "/tmp/sandbox-ca.pem"


def test_explicit_timeouts_are_kept(fake_http) -> None:
    session = build_session(RequestCounter())
    fake_http.answer(200, {})
    session.get(BASE + "/services/oauth2/userinfo", timeout=3)
    assert fake_http.kwargs["timeout"] == 3


@pytest.mark.parametrize(
    "text",
    [
        "token 00D5g000004ABCD!AQ4AQH0dMHZfz972Szy4.lBTNkbSp9Y_plBy in the middle",
        "Authorization: Bearer abc.def-ghi",
        'body {"access_token": "abc123", "instance_url": "https://x"}',
        "grant_type=password&password=hunter22&client_secret=zzz",
        "<urn:password>hunter22</urn:password><sessionId>abcdef</sessionId>",
        "assertion eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSJ9.c2lnbmF0dXJl",
    ],
)
def test_token_shaped_text_is_redacted(text: str) -> None:
    out = redact(text)
    for secret in ("00D5g000004ABCD!AQ", "abc.def-ghi", "abc123", "hunter22", "zzz", "abcdef", "eyJhbGci"):
        assert secret not in out
    assert "***" in out


def test_known_secret_values_are_redacted_anywhere() -> None:
    assert redact("login failed for pw=Tr0ub4dor&3 today", ["Tr0ub4dor&3"]) == "login failed for pw=*** today"


def test_salesforce_errors_are_described_without_the_token() -> None:
    exc = SalesforceExpiredSession(f"{BASE}/services/oauth2/userinfo", 401, "userinfo",
                                   [{"errorCode": "INVALID_SESSION_ID", "message": "Bad token 00D000000000001!AQ.x"}])
    text = describe_failure(exc, ("00D000000000001!AQ.x",))
    assert text == "the org does not accept the session (HTTP 401 INVALID_SESSION_ID)"


def test_inside_caller_retries_the_session_sends_a_get_once(fake_http) -> None:
    counter, naps = RequestCounter(), []
    session = build_session(counter, sleep=naps.append)
    fake_http.answer(503, "busy")
    with caller_retries():
        assert session.get(BASE + "/services/data/v59.0/query/?q=x").status_code == 503
    assert counter.total == 1 and naps == []


def test_a_persistent_503_on_a_read_is_tried_three_times_with_jittered_exponential_backoff(fake_http) -> None:
    counter, naps = RequestCounter(), []
    session = build_session(counter, sleep=naps.append)
    for _ in range(3):
        fake_http.answer(503, "busy")
    assert session.get(BASE + "/services/data/v59.0/query/?q=x").status_code == 503
    assert counter.by_kind["query"] == 3
    assert len(naps) == 2 and 0.25 <= naps[0] <= 0.5 and 0.5 <= naps[1] <= 1.0
