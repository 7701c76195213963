"""The standard actions chatterPost and emailSimple through simple-salesforce (real-orgs.md §14): one POST with an
`inputs` list, one result per input in order, a failed input reported alone while the others are still posted or
sent, each post and email in `guestlist sandbox outbox --json`, and one API request per POST."""

from __future__ import annotations

from typing import Any

from simple_salesforce import Salesforce

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import AdminClient, connect
from tests.sandbox.api.test_mail import outbox
from tests.sandbox.api.test_rules import one


def _id(sf: Salesforce, username: str) -> str:
    return str(one(sf, f"SELECT Id FROM User WHERE Username = '{username}'")["Id"])


def invoke(sf: Salesforce, action: str, *inputs: dict[str, Any]) -> list[dict[str, Any]]:
    answer = sf.restful(f"actions/standard/{action}", method="POST", json={"inputs": list(inputs)})
    assert isinstance(answer, list)
    return answer


def test_chatter_posts_one_result_per_input_and_a_bad_input_fails_alone(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    bob, carol = _id(sf, "bob@acme.com"), _id(sf, "carol@acme.com")
    sf.User.update(carol, {"IsActive": False})
    admin = AdminClient(fresh.info)
    admin.call("DELETE", "/counters")
    results = invoke(sf, "chatterPost",
                     {"subjectNameOrId": bob, "type": "user", "text": f"@[{bob}] hello"},
                     {"subjectNameOrId": "nobody@acme.com", "type": "user", "text": "hi"},
                     {"subjectNameOrId": carol, "type": "user", "text": "hi"},
                     {"subjectNameOrId": "alice@acme.com", "type": "user"},
                     {"subjectNameOrId": "alice@acme.com", "type": "user", "text": "by username"})
    assert [r["isSuccess"] for r in results] == [True, False, False, False, True]
    assert all(r["actionName"] == "chatterPost" for r in results)
    assert results[0]["errors"] is None and results[0]["outputValues"]["feedItemId"].startswith("0D5")
    assert [r["errors"][0]["statusCode"] for r in results[1:4]] == [
        "INVALID_API_INPUT", "INVALID_API_INPUT", "REQUIRED_FIELD_MISSING"]
    assert results[3]["errors"][0]["fields"] == ["text"] and results[3]["outputValues"] is None
    assert [(m["kind"], m["to"], m["user_id"], m["about"]) for m in outbox(fresh)] == [
        ("chatter-post", "bob@acme.com", bob, f"@[{bob}] hello"),
        ("chatter-post", "alice@acme.com", _id(sf, "alice@acme.com"), "by username")]
    assert admin.counters()["by_endpoint"]["POST /actions/standard/<name>"] == 1  # five inputs, one request


def test_email_simple_sends_to_each_address_and_checks_its_inputs(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    results = invoke(sf, "emailSimple",
                     {"emailAddresses": "bob@acme.com", "emailSubject": "s1", "emailBody": "b",
                      "senderType": "CurrentUser"},
                     {"emailAddresses": "bob@acme.com", "emailBody": "b"},
                     {"emailAddressesArray": ["carol@acme.com", "dan@acme.com"], "emailSubject": "s2",
                      "emailBody": "b"},
                     {"emailAddresses": "not-an-address", "emailSubject": "s", "emailBody": "b"},
                     {"emailAddresses": "a@x.com,b@x.com,c@x.com,d@x.com,e@x.com,f@x.com", "emailSubject": "s",
                      "emailBody": "b"},
                     {"emailAddresses": "bob@acme.com", "emailSubject": "s", "emailBody": "b", "senderType": "Me"},
                     {"emailSubject": "s", "emailBody": "b"})
    assert [r["isSuccess"] for r in results] == [True, False, True, False, False, False, False]
    assert results[0] == {"actionName": "emailSimple", "errors": None, "isSuccess": True, "outputValues": None}
    assert [r["errors"][0]["fields"] for r in results if not r["isSuccess"]] == [
        ["emailSubject"], ["emailAddresses"], ["emailAddresses"], ["senderType"], ["emailAddresses"]]
    assert [(m["kind"], m["to"], m["about"]) for m in outbox(fresh)] == [
        ("email", "bob@acme.com", "s1"), ("email", "carol@acme.com", "s2"), ("email", "dan@acme.com", "s2")]


def test_an_unknown_action_or_a_body_without_inputs_is_refused(sandbox: RunningSandbox) -> None:
    sf = connect(sandbox.info)
    http = sf.session
    base = f"{sandbox.info.instance_url}/services/data/v59.0/actions/standard"
    headers = {"Authorization": f"Bearer {sandbox.info.access_token}"}
    assert http.post(f"{base}/launchRocket", json={"inputs": [{}]}, headers=headers).status_code == 404
    refused = http.post(f"{base}/chatterPost", json={"text": "no inputs"}, headers=headers)
    assert refused.status_code == 400 and refused.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    listed = sf.restful("actions/standard")
    assert [a["name"] for a in listed["actions"]] == ["chatterPost", "emailSimple"]
