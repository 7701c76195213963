"""Request size limits as Salesforce has them (scale.md §1, §5): 16,384 bytes of URI (414 beyond), of URI and
headers together (431 beyond); SOQL statements of at most 100,000 characters and string literals of 4,000
(MALFORMED_QUERY)."""

from __future__ import annotations

import urllib.parse

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceMalformedRequest

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import admin_session

LIMIT = 16_384
PATH = "/services/data/v59.0/query?q="
SOQL = "SELECT Id FROM User WHERE Username = 'nobody@example.com'"


def _target(length: int) -> str:
    """A query request target of exactly `length` bytes: a valid query padded with spaces (`+` when encoded)."""
    head = PATH + urllib.parse.quote_plus(SOQL)
    assert len(head) < length
    return head + "+" * (length - len(head))


def _header_bytes(sandbox: RunningSandbox, response: requests.Response) -> int:
    """What the request's header lines took as sent (`Name: value` and CRLF each; http.client adds Host)."""
    headers = {**response.request.headers, "Host": f"127.0.0.1:{sandbox.port}"}
    return sum(len(k) + len(v) + 4 for k, v in headers.items())


def _get(sandbox: RunningSandbox, target: str) -> requests.Response:
    return admin_session(sandbox.info).get(sandbox.info.instance_url + target, timeout=30)


def test_a_query_whose_uri_and_headers_fit_is_answered(sandbox: RunningSandbox) -> None:
    probe = _get(sandbox, _target(200))
    assert probe.status_code == 200, probe.text
    fitting = _get(sandbox, _target(LIMIT - _header_bytes(sandbox, probe)))
    assert fitting.status_code == 200, fitting.text
    assert fitting.json()["totalSize"] == 0
    assert _get(sandbox, _target(LIMIT - _header_bytes(sandbox, probe) + 1)).status_code == 431  # one byte more


def test_a_uri_over_16384_bytes_is_414(sandbox: RunningSandbox) -> None:
    response = _get(sandbox, _target(LIMIT + 1))
    assert response.status_code == 414
    assert response.text == "<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>"
    assert response.headers["Connection"] == "close"


def test_a_uri_that_fits_alone_but_not_with_the_headers_is_431(sandbox: RunningSandbox) -> None:
    response = _get(sandbox, _target(LIMIT - 100))
    assert response.status_code == 431
    assert response.text == "<h1>Bad Message 431</h1><pre>reason: Request Header Fields Too Large</pre>"
    assert _get(sandbox, _target(200)).status_code == 200  # the server goes on serving


def test_simple_salesforce_meets_414_as_a_general_error(sf: Salesforce) -> None:
    values = ", ".join(f"'user{i:05d}@example.com'" for i in range(700))
    with pytest.raises(SalesforceGeneralError) as error:
        sf.query(f"SELECT Id FROM User WHERE Username IN ({values})")
    assert error.value.status == 414


def _statement(length: int) -> str:
    """A valid statement of exactly `length` characters: spaces between its clauses."""
    head, tail = "SELECT Id", " FROM User WHERE Username = 'nobody@example.com'"
    return head + " " * (length - len(head) - len(tail)) + tail


def _create_job(sandbox: RunningSandbox, soql: str) -> requests.Response:
    """Only a POSTed statement can be that long: a Bulk API 2.0 query job."""
    return admin_session(sandbox.info).post(sandbox.info.instance_url + "/services/data/v59.0/jobs/query",
                                            json={"operation": "query", "query": soql}, timeout=30)


def test_a_statement_over_100000_characters_is_malformed(sandbox: RunningSandbox) -> None:
    response = _create_job(sandbox, _statement(100_001))
    assert response.status_code == 400
    assert response.json() == [{"errorCode": "MALFORMED_QUERY", "fields": [],
                                "message": "SOQL statements can not be longer than 100000 characters."}]


def test_a_statement_of_100000_characters_runs(sandbox: RunningSandbox) -> None:
    response = _create_job(sandbox, _statement(100_000))
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "UploadComplete"


def test_a_string_literal_over_4000_characters_is_malformed(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as error:
        sf.query(f"SELECT Id FROM User WHERE Username = '{'a' * 4001}'")
    body = error.value.content[0]
    assert body["errorCode"] == "MALFORMED_QUERY"
    assert body["message"].endswith("String literal too long: 4001 characters, the limit is 4000")
    assert sf.query(f"SELECT Id FROM User WHERE Username = '{'a' * 4000}'")["totalSize"] == 0
