"""The sandbox-only `/_sandbox/` controls: reset, connection, counters, and their own errors."""

from __future__ import annotations

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import AdminClient, client_session, connect


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
    http = client_session(sandbox.info)
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
