"""The sandbox-only `/_sandbox/` controls: who may use them, reset, connection, counters, and their own errors."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, AdminClient, admin_session, client_session, connect

LOGINS = PASSWORD_LOGINS  # its tests log in with passwords, as older clients do (conftest.py)

CONTROLS = [
    ("POST", "/reset"), ("GET", "/connection"), ("POST", "/invitations/accept"), ("GET", "/settings"),
    ("PUT", "/settings"), ("GET", "/limits"), ("PUT", "/limits"), ("POST", "/validation-rules"),
    ("DELETE", "/validation-rules/User/Rule"), ("POST", "/expire-sessions"), ("GET", "/faults"), ("PUT", "/faults"),
    ("DELETE", "/faults"), ("GET", "/counters"), ("DELETE", "/counters"), ("GET", "/nowhere"),
]


def _login(sandbox: RunningSandbox, username: str) -> str:
    """An access token from a SOAP login with the user's password, as any client gets one."""
    return Salesforce(username=username, password="sandbox", security_token="",
                      domain=f"127.0.0.1:{sandbox.port}/login", session=client_session(sandbox.info)).session_id


@pytest.mark.parametrize(("method", "path"), CONTROLS)
@pytest.mark.parametrize("authorization", [None, "Bearer 00D000000000001!not-a-session", "Basic YWRtaW46c2FuZGJveA=="])
def test_every_control_needs_a_session(sandbox: RunningSandbox, method: str, path: str,
                                       authorization: str | None) -> None:
    http = client_session(sandbox.info)
    if authorization:
        http.headers["Authorization"] = authorization
    response = http.request(method, f"{sandbox.info.instance_url}/_sandbox{path}",
                            json={"seed": "empty", "daily_api_requests": 0, "rules": ["500:nth=1"]})
    assert response.status_code == 401, response.text
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID",
                                "fields": []}]


def test_refused_controls_change_nothing(sandbox: RunningSandbox) -> None:
    http = client_session(sandbox.info)
    base = sandbox.info.instance_url + "/_sandbox"
    assert http.put(base + "/limits", json={"daily_api_requests": 0}).status_code == 401
    assert http.post(base + "/expire-sessions").status_code == 401
    assert http.put(base + "/faults", json={"rules": ["500:nth=1"]}).status_code == 401
    assert connect(sandbox.info).limits()["DailyApiRequests"]["Max"] == 113000  # same token, no fault, no new limit


def test_a_user_without_modify_all_data_is_refused(sandbox: RunningSandbox) -> None:
    standard_user = AdminClient(sandbox.info, token=_login(sandbox, "alice@acme.com")).http
    response = standard_user.get(sandbox.info.instance_url + "/_sandbox/connection")
    assert response.status_code == 403 and response.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS"
    assert "administrator" in response.json()[0]["message"]


def test_an_administrator_who_logged_in_may_use_them(sandbox: RunningSandbox) -> None:
    admin = AdminClient(sandbox.info, token=_login(sandbox, "admin@acme.com"))
    assert set(admin.call("GET", "/settings")) == {"allow_invitations", "domains"}


def test_expired_sessions_include_the_callers_own(fresh: RunningSandbox) -> None:
    admin = AdminClient(fresh.info)
    admin.call("POST", "/expire-sessions")
    assert admin.http.get(admin.base + "/counters").status_code == 401
    assert AdminClient(fresh.info, token=_login(fresh, "admin@acme.com")).call("GET", "/counters")["total"] >= 1


def test_reset_to_a_bare_org_and_back(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    sf.Account.create({"Name": "Before Reset"})
    admin = AdminClient(fresh.info)
    connection = admin.call("POST", "/reset", {"seed": "empty"})
    assert connection["username"] == "admin@acme.com"
    fresh_sf = connect(fresh.info, token=connection["access_token"])
    assert fresh_sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    assert fresh_sf.query("SELECT COUNT() FROM CollaborationGroup")["totalSize"] == 0
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 1  # the old token of the admin still works
    info = fresh.reset("demo")
    assert connect(info).query("SELECT COUNT() FROM CollaborationGroup")["totalSize"] == 3


def test_counters_count_requests_by_endpoint(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    admin = AdminClient(fresh.info)
    admin.call("DELETE", "/counters")
    sf.query("SELECT Id FROM Organization")
    sf.Account.create({"Name": "Counted"})
    sf.restful("composite/sobjects", method="POST", json={"records": [
        {"attributes": {"type": "Account"}, "Name": "Counted too"}]})
    counters = admin.counters()
    assert counters["by_endpoint"] == {"GET /query": 1, "POST /sobjects/<sobject>": 1,
                                       "POST /composite/sobjects": 1}
    assert counters["total"] == 3 and counters["api_usage"]["used"] >= 3


def test_connection_issues_a_working_token(fresh: RunningSandbox) -> None:
    connection = AdminClient(fresh.info).call("GET", "/connection")
    assert connection["access_token"] != fresh.info.access_token
    assert connect(fresh.info, token=connection["access_token"]).oauth2("userinfo")["user_id"] == connection["user_id"]


def test_admin_errors(sandbox: RunningSandbox) -> None:
    http = admin_session(sandbox.info)
    base = sandbox.info.instance_url + "/_sandbox"
    assert http.get(base + "/nowhere").status_code == 404
    wrong_method = http.delete(base + "/settings")
    assert wrong_method.status_code == 405 and wrong_method.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    bad_seed = http.post(base + "/reset", json={"seed": "galaxy"})
    assert bad_seed.status_code == 400 and "seed must be one of demo, empty" in bad_seed.json()[0]["message"]
    bad_limit = http.put(base + "/limits", json={"daily_api_requests": "lots"})
    assert bad_limit.status_code == 400
    no_invitation = http.post(base + "/invitations/accept", json={"email": "nobody@nowhere.test"})
    assert no_invitation.status_code == 404
