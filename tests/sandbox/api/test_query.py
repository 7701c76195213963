"""query / queryAll through simple-salesforce: paging with nextRecordsUrl, batch sizes, errors."""

from __future__ import annotations

from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, client_session, connect, error_of

LOGINS = PASSWORD_LOGINS  # its tests log in with passwords, as older clients do (conftest.py)

BULK = 4321  # more than two default pages of 2000
BULK_QUERY = "SELECT Id, Name FROM Account WHERE Name LIKE 'Bulk %' ORDER BY Name"


@pytest.fixture(scope="module")
def bulk_ids(sandbox: RunningSandbox) -> set[str]:
    """BULK accounts named 'Bulk 00000'.., created in batches of 200 through sObject Collections."""
    sf = connect(sandbox.info)
    ids: set[str] = set()
    for start in range(0, BULK, 200):
        records = [{"attributes": {"type": "Account"}, "Name": f"Bulk {n:05d}"}
                   for n in range(start, min(start + 200, BULK))]
        results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
        ids |= {r["id"] for r in results}
    assert len(ids) == BULK
    return ids


def test_paging_over_many_rows_loses_and_duplicates_nothing(sf: Salesforce, bulk_ids: set[str]) -> None:
    first = sf.query(BULK_QUERY)
    assert first["totalSize"] == BULK and first["done"] is False and len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    assert first["nextRecordsUrl"].endswith("-2000")
    everything = sf.query_all(BULK_QUERY)["records"]
    ids = [r["Id"] for r in everything]
    assert len(ids) == BULK and set(ids) == bulk_ids
    assert [r["Name"] for r in everything] == [f"Bulk {n:05d}" for n in range(BULK)]


def test_batch_size_header_sets_the_page_size(sf: Salesforce, bulk_ids: set[str]) -> None:
    pages = _pages(sf, BULK_QUERY, {"Sforce-Query-Options": "batchSize=500"})
    assert [len(p["records"]) for p in pages] == [500] * 8 + [BULK - 4000]
    assert {r["Id"] for p in pages for r in p["records"]} == bulk_ids
    assert pages[-1]["done"] is True and "nextRecordsUrl" not in pages[-1]


def test_batch_size_is_clamped_to_200_and_2000(sf: Salesforce, bulk_ids: set[str]) -> None:
    assert len(sf.query(BULK_QUERY, headers={"Sforce-Query-Options": "batchSize=10"})["records"]) == 200
    assert len(sf.query(BULK_QUERY, headers={"Sforce-Query-Options": "batchSize=9000"})["records"]) == 2000


def test_a_page_can_be_fetched_again(sf: Salesforce, bulk_ids: set[str]) -> None:
    next_url = sf.query(BULK_QUERY)["nextRecordsUrl"]
    assert sf.query_more(next_url, identifier_is_url=True) == sf.query_more(next_url, identifier_is_url=True)


def test_query_more_by_locator_id(sf: Salesforce, bulk_ids: set[str]) -> None:
    locator = sf.query(BULK_QUERY)["nextRecordsUrl"].rsplit("/", 1)[1]
    assert sf.query_more(locator)["records"][0]["Name"] == "Bulk 02000"


def test_an_unknown_locator_is_refused(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query_more("/services/data/v59.0/query/01g5g0000000000AAA-2000", identifier_is_url=True)
    assert error_of(caught.value)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_query_without_trailing_slash(sf: Salesforce) -> None:
    """jsforce and the sf CLI send `query?q=`; simple-salesforce `query/?q=`."""
    assert sf.restful("query", params={"q": "SELECT Id FROM Organization"})["totalSize"] == 1


def test_count_query(sf: Salesforce, bulk_ids: set[str]) -> None:
    result = sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Bulk %'")
    assert result == {"totalSize": BULK, "done": True, "records": []}


def test_parent_lookups_nest_and_null_lookups_are_null(sf: Salesforce) -> None:
    records = sf.query("SELECT Username, Profile.UserLicense.Name, UserRole.Name FROM User "
                       "WHERE Username IN ('admin@acme.com', 'bob@acme.com') ORDER BY Username")["records"]
    admin, bob = records
    assert admin["Profile"]["UserLicense"]["Name"] == "Salesforce"
    assert admin["Profile"]["attributes"]["type"] == "Profile"
    assert admin["UserRole"]["Name"] == "CEO" and bob["UserRole"] is None


def test_query_all_includes_deleted_rows(sandbox: RunningSandbox, sf: Salesforce) -> None:
    gone = sf.Account.create({"Name": "Deleted Later"})["id"]
    sf.Account.delete(gone)
    query = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{gone}'"
    assert sf.query(query)["totalSize"] == 0
    assert sf.query(query, include_deleted=True)["records"][0]["IsDeleted"] is True


def test_columns_true_answers_column_metadata(sf: Salesforce) -> None:
    answer = sf.restful("query", params={"q": "SELECT Id, Name, Owner.Username FROM CollaborationGroup",
                                         "columns": "true"})
    assert answer["entityName"] == "CollaborationGroup"
    assert [c["columnName"] for c in answer["columnMetadata"]][:2] == ["Id", "Name"]


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Id FORM Account", "MALFORMED_QUERY"),
    ("SELECT Nope FROM Account", "INVALID_FIELD"),
    ("SELECT Id FROM Nope", "INVALID_TYPE"),
    ("", "MALFORMED_QUERY"),
])
def test_query_errors_are_400_with_their_code(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert caught.value.status == 400 and error_of(caught.value)["errorCode"] == code


def _pages(sf: Salesforce, soql: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    pages = [sf.query(soql, headers=headers)]
    while not pages[-1]["done"]:
        pages.append(sf.query_more(pages[-1]["nextRecordsUrl"], identifier_is_url=True, headers=headers))
    return pages


def test_cursors_expire_and_are_bounded(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    for start in (0, 200):
        sf.restful("composite/sobjects", method="POST", json={"records": [
            {"attributes": {"type": "Account"}, "Name": f"Cursor {n}"} for n in range(start, start + 200)]})
    soql = "SELECT Id FROM Account WHERE Name LIKE 'Cursor %'"
    small_pages = {"Sforce-Query-Options": "batchSize=200"}
    cursors = fresh.app.cursors
    cursors.max_cursors = 2
    first, second, third = (sf.query(soql, headers=small_pages)["nextRecordsUrl"] for _ in range(3))
    assert len(cursors) == 2
    with pytest.raises(SalesforceMalformedRequest):
        sf.query_more(first, identifier_is_url=True)  # evicted: the least recently used of three
    assert len(sf.query_more(second, identifier_is_url=True)["records"]) == 200
    cursors.ttl_s = 0
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query_more(third, identifier_is_url=True)  # idle longer than the time to live
    assert error_of(caught.value) == {"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator",
                                      "fields": []}


def test_a_cursor_belongs_to_the_user_who_ran_the_query(sandbox: RunningSandbox, sf: Salesforce,
                                                        bulk_ids: set[str]) -> None:
    next_url = sf.query(BULK_QUERY)["nextRecordsUrl"]
    alice = Salesforce(username="alice@acme.com", password="sandbox", security_token="",
                       domain=f"127.0.0.1:{sandbox.port}/login", session=client_session(sandbox.info))
    with pytest.raises(SalesforceMalformedRequest) as caught:
        alice.query_more(next_url, identifier_is_url=True)
    assert error_of(caught.value)["errorCode"] == "INVALID_QUERY_LOCATOR"
    assert len(sf.query_more(next_url, identifier_is_url=True)["records"]) == 2000
