"""Export's request count on an org larger than one query page per read: the count export prints equals the
query-page floor (tests/export/page_floor.py), also where a lookup by many keys (the assignments of 2,500 people,
the users sharing 400 customers' emails) would take several IN-list queries. Request counts are deterministic;
time and memory are bench/export_bench.py's."""

from __future__ import annotations

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
