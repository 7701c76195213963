"""The daily API allowance: Sforce-Limit-Info on every response, /limits, and 403 REQUEST_LIMIT_EXCEEDED; and the
concurrent-request limit, the same code with another message (real-orgs.md §7.2)."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceRefusedRequest

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import AdminClient, connect, error_of


def test_every_counted_request_moves_the_usage_header(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    sf.query("SELECT Id FROM Organization")
    first = sf.api_usage["api-usage"]
    sf.restful("sobjects")
    sf.restful("composite/sobjects", method="POST", json={"records": [
        {"attributes": {"type": "Account"}, "Name": "Usage Co"}]})
    last = sf.api_usage["api-usage"]
    assert (last.used - first.used, last.total) == (2, 113000)


def test_limits_resource(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    limits = sf.limits()
    used = sf.api_usage["api-usage"].used
    assert limits["DailyApiRequests"] == {"Max": 113000, "Remaining": 113000 - used}


def test_the_allowance_is_enforced_and_configurable(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    admin = AdminClient(fresh.info)
    sf.query("SELECT Id FROM Organization")
    used = sf.api_usage["api-usage"].used
    admin.call("PUT", "/limits", {"daily_api_requests": used + 2})
    sf.query("SELECT Id FROM Organization")
    sf.query("SELECT Id FROM Organization")
    assert sf.api_usage["api-usage"].used == used + 2
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.query("SELECT Id FROM Organization")
    assert caught.value.status == 403
    assert error_of(caught.value) == {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED",
                                      "fields": []}
    refused = sf.session.get(f"{sf.base_url}limits", headers=sf.headers)
    assert refused.status_code == 403
    assert refused.headers["Sforce-Limit-Info"] == f"api-usage={used + 2}/{used + 2}"
    admin.call("PUT", "/limits", {"reset_usage": True})
    assert sf.query("SELECT Id FROM Organization")["totalSize"] == 1
    assert sf.api_usage["api-usage"].used == 1


def test_what_is_not_counted(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    admin = AdminClient(fresh.info)
    before = admin.call("GET", "/limits")["daily_api_requests"]["used"]
    sf.session.get(f"{fresh.info.instance_url}/services/data/")
    sf.oauth2("userinfo")
    admin.call("GET", "/counters")
    assert admin.call("GET", "/limits")["daily_api_requests"]["used"] == before


def test_both_limits_can_be_injected_and_say_which_they_are(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    admin = AdminClient(fresh.info)
    admin.faults("concurrent-limit:path=/query,nth=1", "limit-exceeded:path=/query,nth=1")  # one, then the other
    messages = []
    for _ in range(2):
        with pytest.raises(SalesforceRefusedRequest) as caught:
            sf.query("SELECT Id FROM Organization")
        messages.append(error_of(caught.value)["message"])
    assert messages == ["ConcurrentRequests (Concurrent API Requests) Limit exceeded.", "TotalRequests Limit exceeded."]
    admin.call("PUT", "/limits", {"concurrent_refusals": 1})
    refused = sf.session.get(f"{sf.base_url}limits", headers=sf.headers)
    assert refused.status_code == 403 and "ConcurrentRequests" in refused.text
    assert sf.limits()["DailyApiRequests"]["Max"] == 113000


def test_the_default_allowance_is_an_enterprise_orgs_for_its_licences(fresh: RunningSandbox) -> None:
    """scale.md §4: 100,000 + 1,000 per Salesforce licence (10) + 200 per Customer Community Plus (10) and Partner
    Community (5) licence; the other seeded licence types add none."""
    sf = connect(fresh.info)
    totals = {r["LicenseDefinitionKey"]: r["TotalLicenses"]
              for r in sf.query_all("SELECT LicenseDefinitionKey, TotalLicenses FROM UserLicense")["records"]}
    assert {k: totals[k] for k in ("SFDC", "PID_Customer_Community_Plus", "PID_Partner_Community")} == {
        "SFDC": 10, "PID_Customer_Community_Plus": 10, "PID_Partner_Community": 5}
    assert sf.limits()["DailyApiRequests"]["Max"] == 100_000 + 10 * 1_000 + 10 * 200 + 5 * 200
