"""Export's request count on an org larger than one query page per read: the count export prints equals the
query-page floor (tests/export/page_floor.py), also where a lookup by many keys (the assignments of 2,500 people,
the users sharing 400 customers' emails) would take several IN-list queries. Request counts are deterministic;
time and memory are bench/export_bench.py's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.sandbox.store import Store
from tests.export.helpers import assert_contract
from tests.export.large_org import LargeOrg, seed_large_org
from tests.export.page_floor import query_page_floor

SMALL_LARGE_ORG = LargeOrg(chatter_free=2_300, standard=60, customers=400, community=30, groups=12,
                           memberships=2_600)


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("large-org") / "org.sqlite3"
    seed_large_org(db, SMALL_LARGE_ORG)
    return db


def _printed_requests(stderr: str) -> int:
    lines = [line for line in stderr.splitlines() if line.startswith("API requests used: ")]
    assert len(lines) == 1, stderr
    return int(lines[0].split(": ")[1].rstrip("."))


def test_export_of_a_larger_org_sends_the_query_page_floor_and_plans_no_changes(large_db: Path,
                                                                               tmp_path: Path) -> None:
    store = Store(large_db, seed="empty")
    try:
        floor = query_page_floor(store)
    finally:
        store.close()
    assert floor["Chatter Free users"][1] == 2 and floor["group members"][1] == 2  # more than one page each
    run = assert_contract(tmp_path / "d", ["--sandbox-db", str(large_db)], "--split")
    assert _printed_requests(run.stderr) == sum(pages for _, pages in floor.values()), floor


class _PagedOrg:
    """simple-salesforce's query/query_more over `records` (PermissionSetAssignment rows), 2,000 a page; counts
    the requests and keeps the SOQL sent."""

    PAGE = 2_000

    def __init__(self, records: list[dict[str, str]]) -> None:
        self.records = records
        self.sent: list[str] = []

    def _page(self, rows: list[dict[str, str]], start: int) -> dict[str, object]:
        chunk = rows[start:start + self.PAGE]
        done = start + self.PAGE >= len(rows)
        return {"totalSize": len(rows), "done": done, "records": chunk,
                **({} if done else {"nextRecordsUrl": f"{start + self.PAGE}|{len(self.sent) - 1}"})}

    def _rows(self, soql: str) -> list[dict[str, str]]:
        if " IN (" not in soql:
            return self.records
        wanted = set(re.findall(r"'([^']+)'", soql.split(" IN (", 1)[1]))
        return [r for r in self.records if r["AssigneeId"] in wanted]

    def query(self, soql: str) -> dict[str, object]:
        self.sent.append(soql)
        return self._page(self._rows(soql), 0)

    def query_more(self, locator: str, identifier_is_url: bool = False) -> dict[str, object]:
        start, query = (int(part) for part in locator.split("|"))
        self.sent.append(locator)
        return self._page(self._rows(self.sent[query]), start)


def _assignments(holders: int, per_holder: int = 1) -> list[dict[str, str]]:
    return [{"PermissionSetId": f"0PS{n % 7:015d}", "PermissionSet": {"Name": f"Set{n % 7}"},  # type: ignore[dict-item]
             "AssigneeId": f"005{h:015d}"} for h in range(holders) for n in range(per_holder)]


@pytest.mark.parametrize(("exported", "holders", "expected"), [
    (1_000, 1_500, 1),     # 1,000 people: 2 IN-list chunks; 1,500 assignments fit one page: read them all
    (1_000, 12_000, 1 + 2),  # the whole read would take 6 pages: its first page, then the 2 chunks
    (100, 12_000, 1),      # one chunk: never the whole read
])
def test_a_lookup_by_many_keys_takes_the_fewer_pages_and_at_most_one_request_to_choose(
        exported: int, holders: int, expected: int) -> None:
    from types import SimpleNamespace

    from reconciler.org.export_reads import ExportReader

    org = _PagedOrg(_assignments(holders))
    people = [f"005{h:015d}" for h in range(exported)]
    reader = ExportReader(SimpleNamespace(sf=org, secrets=lambda: (), api_usage=None))  # type: ignore[arg-type]
    found = list(reader.assignments_of_users(people))
    assert sorted(r["AssigneeId"] for r in found) == sorted(people)  # every holder exported holds one
    assert len(org.sent) == expected, org.sent
