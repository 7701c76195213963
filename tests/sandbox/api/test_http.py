"""HTTP mechanics: keep-alive with chunked request bodies, parallel clients, paths, 404/405, and restarts."""

from __future__ import annotations

import http.client
import json
import logging
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import client_session, connect


def _connection(sandbox: RunningSandbox) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=sandbox.info.ca_file)
    return http.client.HTTPSConnection("127.0.0.1", sandbox.port, context=context, timeout=30)


def test_keep_alive_with_chunked_bodies(sandbox: RunningSandbox) -> None:
    """jsforce sends chunked bodies on kept-alive connections; an unread body would corrupt the next request."""
    connection = _connection(sandbox)
    headers = {"Authorization": f"Bearer {sandbox.info.access_token}", "Content-Type": "application/json"}
    body = json.dumps({"Name": "Chunked Co", "Description": "x" * 5000}).encode()
    chunks = [body[i:i + 700] for i in range(0, len(body), 700)]
    answers = []
    for _ in range(3):
        connection.request("POST", "/services/data/v59.0/sobjects/Account", body=iter(chunks), headers=headers,
                           encode_chunked=True)
        response = connection.getresponse()
        answers.append((response.status, json.loads(response.read())))
        assert response.getheader("Connection", "").lower() != "close"
    socket_used = connection.sock
    connection.request("GET", "/services/data/v59.0/limits", headers=headers)
    limits = connection.getresponse()
    assert limits.status == 200 and json.loads(limits.read())["DailyApiRequests"]["Max"] > 0
    assert connection.sock is socket_used  # the same TCP connection all along
    assert [status for status, _ in answers] == [201, 201, 201]
    assert len({answer["id"] for _, answer in answers}) == 3
    connection.close()


def test_parallel_clients(sandbox: RunningSandbox) -> None:
    def work(worker: int) -> list[str]:
        sf = connect(sandbox.info)
        ids = [sf.Account.create({"Name": f"Parallel {worker}-{n}"})["id"] for n in range(15)]
        assert sf.query(f"SELECT COUNT() FROM Account WHERE Name LIKE 'Parallel {worker}-%'")["totalSize"] == 15
        return ids

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = [i for ids in pool.map(work, range(8)) for i in ids]
    assert len(set(created)) == 8 * 15
    sf = connect(sandbox.info)
    assert sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Parallel %'")["totalSize"] == 8 * 15


def test_trailing_slashes_do_not_matter(sf: Salesforce) -> None:
    for path in ("limits", "limits/", "sobjects/User/describe", "sobjects/User/describe/"):
        assert sf.restful(path)


@pytest.mark.parametrize(
    "target",
    [
        "//services/data/v59.0/limits",  # the sf CLI, when its stored instance URL ends with a slash
        "/services/data//v59.0/limits",
        "https://127.0.0.1:{port}/services/data/v59.0/limits",  # absolute-form (RFC 7230 5.3.2: servers MUST accept)
    ],
)
def test_doubled_slashes_and_absolute_form_targets_reach_the_resource(sandbox: RunningSandbox, target: str) -> None:
    connection = _connection(sandbox)
    connection.putrequest("GET", target.format(port=sandbox.port))
    connection.putheader("Authorization", f"Bearer {sandbox.info.access_token}")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["DailyApiRequests"]["Max"] > 0
    connection.close()


def test_unknown_paths_and_methods(sandbox: RunningSandbox, sf: Salesforce) -> None:
    http_session = client_session(sandbox.info)
    headers = {"Authorization": f"Bearer {sandbox.info.access_token}"}
    nowhere = http_session.get(f"{sandbox.info.instance_url}/services/data/v59.0/nowhere", headers=headers)
    assert nowhere.status_code == 404 and nowhere.json()[0]["errorCode"] == "NOT_FOUND"
    elsewhere = http_session.get(f"{sandbox.info.instance_url}/favicon.ico")
    assert elsewhere.status_code == 404
    wrong = http_session.put(f"{sandbox.info.instance_url}/services/data/v59.0/query", headers=headers)
    assert wrong.status_code == 405
    assert wrong.json()[0] == {"errorCode": "METHOD_NOT_ALLOWED", "fields": [],
                               "message": "HTTP Method 'PUT' not allowed. Allowed are HEAD,GET"}


def test_restart_keeps_data_certificates_and_tokens(tmp_path: Path, start: Callable[..., RunningSandbox]) -> None:
    directory = tmp_path / "org"
    with start(directory) as first:
        before = first.info
        ca_pem = Path(before.ca_file).read_bytes()
        created = connect(before).Account.create({"Name": "Survivor Co"})["id"]
    with start(directory) as second:
        assert Path(second.info.ca_file).read_bytes() == ca_pem
        old = connect(second.info, token=before.access_token)  # the token issued before the restart
        assert old.Account.get(created)["Name"] == "Survivor Co"
        assert connect(second.info).query("SELECT COUNT() FROM Account WHERE Name = 'Survivor Co'")["totalSize"] == 1


def test_an_unexpected_error_is_a_logged_500_with_an_error_array(
    fresh: RunningSandbox, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in a handler")

    monkeypatch.setitem(fresh.app._routes, "GET /limits", broken)
    sf = connect(fresh.info)
    with caplog.at_level(logging.ERROR, logger="reconciler.sandbox"), pytest.raises(SalesforceGeneralError) as caught:
        sf.limits()
    error = caught.value.content[0]
    assert caught.value.status == 500 and error["errorCode"] == "UNKNOWN_EXCEPTION"
    error_id = error["message"].rsplit(" ", 1)[1]
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert sf.query("SELECT Id FROM Organization")["totalSize"] == 1  # the server carries on
