"""Bulk API 2.0 query jobs through simple-salesforce's bulk2 client: same rows as REST query, paging by
locator, job info, refusals (scale.md §3)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import admin_session, connect

QUERY = "SELECT Id, Username, IsActive, Profile.Name, ContactId FROM User ORDER BY Username"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _expected(sf: Salesforce) -> list[dict[str, str]]:
    def cell(value: object) -> str:
        return "" if value is None else ("true" if value is True else "false" if value is False else str(value))
    return [{"Id": r["Id"], "Username": r["Username"], "IsActive": cell(r["IsActive"]),
             "Profile.Name": cell((r["Profile"] or {}).get("Name")), "ContactId": cell(r["ContactId"])}
            for r in sf.query_all(QUERY)["records"]]


def test_bulk2_query_returns_the_rows_of_a_rest_query(sandbox: RunningSandbox) -> None:
    sf = connect(sandbox.info)
    pages = list(sf.bulk2.User.query(QUERY, wait=0))
    assert len(pages) == 1
    assert _rows(pages[0]) == _expected(sf)
    assert pages[0].splitlines()[0] == '"Id","Username","IsActive","Profile.Name","ContactId"'


def test_bulk2_results_page_by_locator(sandbox: RunningSandbox) -> None:
    sf = connect(sandbox.info)
    pages = list(sf.bulk2.User.query(QUERY, max_records=2, wait=0))
    expected = _expected(sf)
    assert len(pages) == (len(expected) + 1) // 2 > 1
    assert [row for page in pages for row in _rows(page)] == expected


def test_job_info_headers_abort_delete_and_list(sandbox: RunningSandbox) -> None:
    session = admin_session(sandbox.info)
    base = f"{sandbox.info.instance_url}/services/data/v59.0/jobs/query"
    created = session.post(base, json={"operation": "query", "query": "SELECT Id FROM Profile"})
    assert created.status_code == 200, created.text
    job = created.json()
    assert job["id"].startswith("750") and job["state"] == "UploadComplete" and job["object"] == "Profile"
    info = session.get(f"{base}/{job['id']}").json()
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] > 0
    results = session.get(f"{base}/{job['id']}/results", params={"maxRecords": 1})
    assert results.headers["Content-Type"].startswith("text/csv")
    assert results.headers["Sforce-NumberOfRecords"] == "1" and results.headers["Sforce-Locator"] != "null"
    wrong_version = session.get(f"{sandbox.info.instance_url}/services/data/v60.0/jobs/query/{job['id']}/results")
    assert wrong_version.status_code == 409
    assert session.patch(f"{base}/{job['id']}", json={"state": "Aborted"}).status_code == 400
    assert job["id"] in {j["id"] for j in session.get(base).json()["records"]}
    assert session.delete(f"{base}/{job['id']}").status_code == 204
    assert session.get(f"{base}/{job['id']}").status_code == 404


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Idd FROM User", "INVALID_FIELD"),
    ("SELECT COUNT() FROM User", "INVALIDJOB"),
    ("SELECT Id, (SELECT Id FROM Users) FROM Profile", "INVALIDJOB"),
])
def test_a_bad_or_unsupported_query_is_refused_at_create(sandbox: RunningSandbox, soql: str, code: str) -> None:
    session = admin_session(sandbox.info)
    answer = session.post(f"{sandbox.info.instance_url}/services/data/v59.0/jobs/query",
                          json={"operation": "query", "query": soql})
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == code


def test_parallel_reads_all_answer_and_each_is_counted_once(sandbox: RunningSandbox) -> None:
    """GET requests run as read transactions side by side; the allowance counts every one of them."""
    from concurrent.futures import ThreadPoolExecutor

    sf = connect(sandbox.info)
    expected = sf.query(QUERY)["records"]
    before = int(sf.restful("limits")["DailyApiRequests"]["Remaining"])
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: connect(sandbox.info).query(QUERY)["records"], range(16)))
    assert all(a == expected for a in answers)
    after = int(sf.restful("limits")["DailyApiRequests"]["Remaining"])
    assert before - after == 16 + 1  # the 16 queries and the second limits request


def _job_count(sf: Salesforce) -> int:
    return len(sf.restful("jobs/query")["records"])


def test_guestlist_sandbox_reset_clears_the_query_jobs_and_their_results(tmp_path: Path, start: Any) -> None:
    """A job and its results live in the org's database, so `guestlist sandbox reset` (another process, on the
    file) clears them, as it clears every other record; a restart keeps them, as an org keeps a job until deleted."""
    with start(tmp_path / "org") as sandbox:
        sf = connect(sandbox.info)
        job = sf.restful("jobs/query", method="POST", json={"operation": "query", "query": QUERY})
        assert sf.restful(f"jobs/query/{job['id']}")["state"] == "JobComplete"
        assert _job_count(sf) == 1
        db = tmp_path / "org" / "org.sqlite3"
        reset = subprocess.run([sys.executable, "-m", "reconciler", "sandbox", "reset", "--db", str(db)],
                               capture_output=True, text=True, timeout=120, check=False)
        assert reset.returncode == 0, reset.stderr
        sf = connect(sandbox.info)
        assert _job_count(sf) == 0
        for path in (f"jobs/query/{job['id']}", f"jobs/query/{job['id']}/results"):
            with pytest.raises(SalesforceResourceNotFound):
                sf.restful(path)


def test_a_query_job_outlives_a_restart(tmp_path: Path, start: Any) -> None:
    with start(tmp_path / "org") as sandbox:
        sf = connect(sandbox.info)
        job = sf.restful("jobs/query", method="POST", json={"operation": "query", "query": QUERY})
    with start(tmp_path / "org") as sandbox:
        sf = connect(sandbox.info)
        results = admin_session(sandbox.info).get(
            f"{sandbox.info.instance_url}/services/data/v59.0/jobs/query/{job['id']}/results", timeout=30)
        assert results.status_code == 200 and results.headers["Sforce-Locator"] == "null"
        assert _rows(results.text) == _expected(sf)


def test_the_reset_control_clears_the_query_jobs(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    sf.restful("jobs/query", method="POST", json={"operation": "query", "query": QUERY})
    assert _job_count(sf) == 1
    assert admin_session(fresh.info).post(fresh.info.instance_url + "/_sandbox/reset", json={}).status_code == 200
    assert _job_count(connect(fresh.info)) == 0
