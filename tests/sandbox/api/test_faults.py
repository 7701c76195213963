"""Fault injection, seen as a client sees it: every kind, Nth-request and seeded-probability rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import zeep.exceptions
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from reconciler.sandbox.faults import FaultPlan, FaultRule, FaultSpecError
from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, AdminClient, admin_session, client_session, connect, error_of

LOGINS = PASSWORD_LOGINS  # its tests log in with passwords, as older clients do (conftest.py)

ORG_QUERY = "SELECT Id FROM Organization"


def test_500_on_the_nth_matching_request(sf: Salesforce, admin: AdminClient) -> None:
    admin.faults("500:method=GET,path=/query$,nth=2")
    sf.query(ORG_QUERY)
    with pytest.raises(SalesforceGeneralError) as caught:
        sf.query(ORG_QUERY)
    assert caught.value.status == 500 and error_of(caught.value)["errorCode"] == "UNKNOWN_EXCEPTION"
    sf.query(ORG_QUERY)
    sf.restful("limits")  # does not match the path: not counted by the rule
    stats = admin.call("GET", "/faults")["stats"]
    assert [(s["matched"], s["fired"]) for s in stats] == [(3, 1)]


def test_503_for_several_requests_then_service_again(sf: Salesforce, admin: AdminClient) -> None:
    admin.faults({"kind": "503", "path": "/limits", "nth": 1, "times": 2})
    for _ in range(2):
        with pytest.raises(SalesforceGeneralError) as caught:
            sf.limits()
        assert caught.value.status == 503 and error_of(caught.value)["errorCode"] == "SERVER_UNAVAILABLE"
    assert "DailyApiRequests" in sf.limits()


@pytest.mark.parametrize(("kind", "saved"), [("drop-before-commit", 0), ("drop-after-commit", 1)])
def test_a_dropped_connection_before_or_after_the_commit(sf: Salesforce, admin: AdminClient, kind: str,
                                                         saved: int) -> None:
    name = f"Dropped {kind}"
    admin.faults(f"{kind}:method=POST,path=/sobjects/Account$")
    with pytest.raises(requests.exceptions.ConnectionError):
        sf.Account.create({"Name": name})
    admin.call("DELETE", "/faults")
    assert sf.query(f"SELECT Id FROM Account WHERE Name = '{name}'")["totalSize"] == saved


def test_lock_row_on_a_single_record(sf: Salesforce, admin: AdminClient) -> None:
    record_id = sf.Account.create({"Name": "Locked Co"})["id"]
    admin.faults("lock-row:method=PATCH")
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update(record_id, {"Name": "Renamed Co"})
    error = error_of(caught.value)
    assert error["errorCode"] == "UNABLE_TO_LOCK_ROW" and record_id in error["message"]
    admin.call("DELETE", "/faults")
    assert sf.Account.get(record_id)["Name"] == "Locked Co"


def test_lock_row_on_one_record_of_a_collection(sf: Salesforce, admin: AdminClient) -> None:
    admin.faults("lock-row:path=/composite/sobjects,record=2")
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": [
        {"attributes": {"type": "Account"}, "Name": f"Lock batch {n}"} for n in range(3)]})
    assert [r["success"] for r in results] == [True, False, True]
    assert results[1]["errors"][0]["statusCode"] == "UNABLE_TO_LOCK_ROW"


def test_lock_row_in_a_composite_with_all_or_none(sf: Salesforce, admin: AdminClient) -> None:
    admin.faults("lock-row:path=/composite$,record=2")
    answer = sf.restful("composite", method="POST", json={"allOrNone": True, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": f"a{n}",
         "body": {"Name": f"Lock composite {n}"}} for n in range(3)]})["compositeResponse"]
    assert [r["body"][0]["errorCode"] for r in answer] == ["PROCESSING_HALTED", "UNABLE_TO_LOCK_ROW",
                                                           "PROCESSING_HALTED"]
    assert sf.query("SELECT Id FROM Account WHERE Name LIKE 'Lock composite%'")["totalSize"] == 0


def test_limit_exceeded_without_spending_the_allowance(sf: Salesforce, admin: AdminClient) -> None:
    admin.faults("limit-exceeded:nth=1")
    used = admin.call("GET", "/limits")["daily_api_requests"]["used"]
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query(ORG_QUERY)
    assert error_of(caught.value)["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert admin.call("GET", "/limits")["daily_api_requests"]["used"] == used


def test_latency_delays_matching_requests(tmp_path: Path, start: Callable[..., RunningSandbox]) -> None:
    waits: list[float] = []
    with start(tmp_path / "org", sleep=waits.append) as sandbox:  # the server records its waits
        admin = AdminClient(sandbox.info)
        admin.faults("latency:ms=300,path=/limits")
        sf = connect(sandbox.info)
        sf.limits()
        sf.query(ORG_QUERY)  # does not match: no wait
        assert waits == [0.3]
        assert [(s["matched"], s["fired"]) for s in admin.call("GET", "/faults")["stats"]] == [(1, 1)]


def test_probability_rules_repeat_under_the_same_seed(sf: Salesforce, admin: AdminClient) -> None:
    def run() -> list[bool]:
        admin.faults("500:path=/limits,p=0.5", seed=7)
        outcome = []
        for _ in range(20):
            try:
                sf.limits()
                outcome.append(True)
            except SalesforceGeneralError:
                outcome.append(False)
        return outcome

    first = run()
    assert first == run()
    assert True in first and False in first


def test_expired_session_really_expires_the_token(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    admin = AdminClient(fresh.info)
    admin.faults("expired-session:path=/query,nth=1")
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.query(ORG_QUERY)
    assert error_of(caught.value)["errorCode"] == "INVALID_SESSION_ID"
    with pytest.raises(SalesforceExpiredSession):
        sf.limits()  # no fault now: the token itself is gone


def test_a_client_that_logged_in_logs_in_again_after_an_expired_session(fresh: RunningSandbox) -> None:
    sf = Salesforce(username="admin@acme.com", password="sandbox", security_token="",
                    domain=f"127.0.0.1:{fresh.port}/login", session=client_session(fresh.info))
    admin = AdminClient(fresh.info)
    admin.call("DELETE", "/counters")
    admin.faults("expired-session:path=/query,nth=1")
    assert sf.query(ORG_QUERY)["totalSize"] == 1  # simple-salesforce refreshed the session and retried
    admin = AdminClient(fresh.info, token=sf.session_id)  # the fault ended every session, the admin's too
    by_endpoint = admin.counters()["by_endpoint"]
    assert by_endpoint["POST /services/Soap/u login"] == 1 and by_endpoint["GET /query"] == 2


def test_faults_reach_the_metadata_api(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    sf.mdapi._client.transport.session = sf.session
    admin = AdminClient(fresh.info)
    admin.faults("lock-row:path=/Soap/m/")
    with pytest.raises(Exception, match="UNABLE_TO_LOCK_ROW"):
        sf.mdapi.ChatterSettings.update([sf.mdapi.ChatterSettings(fullName="Chatter", enableFeedPinning=True)])
    admin.faults("expired-session:path=/Soap/m/")
    with pytest.raises(zeep.exceptions.Fault) as caught:
        sf.mdapi.ChatterSettings.read(["Chatter"])
    assert caught.value.code == "sf:INVALID_SESSION_ID"


def test_a_bad_plan_is_refused_with_a_reason(sandbox: RunningSandbox) -> None:
    response = admin_session(sandbox.info).put(f"{sandbox.info.instance_url}/_sandbox/faults",
                                                json={"rules": ["teapot:nth=1"]})
    assert response.status_code == 400
    assert "rules[0]" in response.json()[0]["message"] and "unknown fault kind" in response.json()[0]["message"]


@pytest.mark.parametrize(("spec", "complaint"), [
    ("500:nth=0", "nth must be 1 or more"),
    ("500:nth=1,p=0.5", "either nth or a probability"),
    ("500:p=2", "p must be between 0 and 1"),
    ("latency", "needs ms="),
    ("500:path=(", "not a valid regular expression"),
    ("500:colour=red", "not key=value with a key among"),
    ("500:nth=two", "nth must be a number"),
])
def test_fault_specs_are_checked(spec: str, complaint: str) -> None:
    with pytest.raises(FaultSpecError, match=complaint):
        FaultRule.from_spec(spec)


def test_fault_specs_round_trip_through_json() -> None:
    rule = FaultRule.from_spec("503:method=post,path=/composite/sobjects|/sobjects,nth=2,times=3")
    assert (rule.method, rule.path, rule.nth, rule.times) == ("POST", "/composite/sobjects|/sobjects", 2, 3)
    plan = FaultPlan((rule,), seed=4, latency_ms=10)
    assert FaultPlan.from_dict(plan.to_dict()) == plan
