"""The read planner at reference org S (issue 14 row 3): observe's query requests are at most 1.05x the floor, each
person is read once, and the snapshot is the one the IN-lists alone give, for the generated config and its 5%
variant (docs/decisions/read-planner.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.scale_org import TODAY, generate
from reconciler.config.load import load_desired
from reconciler.model import DesiredState, Snapshot
from reconciler.org.connect import OrgConnection, connect
from reconciler.org.observe import observe
from reconciler.org.read_plan import PAGE_SIZE, Strategy


@dataclasses.dataclass(frozen=True)
class ScaleOrg:
    conn: OrgConnection
    desired: DesiredState
    variant: DesiredState


def _load(path: Path) -> DesiredState:
    loaded = load_desired(path, dt.date.fromisoformat(TODAY))
    assert loaded.desired is not None, loaded.errors
    return loaded.desired


@pytest.fixture(scope="module")
def org_s(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOrg]:
    root = tmp_path_factory.mktemp("scale-s")
    generate(root / "org.sqlite3", "S", root / "desired", root / "variant")
    with connect("sandbox", sandbox_db=root / "org.sqlite3") as conn:
        yield ScaleOrg(conn, _load(root / "desired"), _load(root / "variant"))


def _observed(conn: OrgConnection, desired: DesiredState, strategy: Strategy) -> tuple[Snapshot, int]:
    before = conn.counter.by_kind["query"]
    snapshot = observe(conn, desired, strategy=strategy)
    return dataclasses.replace(snapshot, api_requests=0), conn.counter.by_kind["query"] - before


def _pages(rows: int) -> int:
    """A needed read costs at least its one request, even when it finds nothing."""
    return max(1, math.ceil(rows / PAGE_SIZE))


def floor(snapshot: Snapshot) -> int:
    """Sum of ceil(rows / 2,000) over the distinct rows the plan needs, one read per sObject the config touches:
    the organization, the connected user's permissions, groups (with site groups), memberships, invitations, users
    (each person once), profiles, licences, permission sets, their assignments, accounts, contacts, leads."""
    sites = sum(len(same) for same in snapshot.site_groups.values())
    people = [p for same in snapshot.contacts_and_leads.values() for p in same]
    return (1 + 1 + _pages(len(snapshot.groups) + sites)
            + _pages(sum(map(len, snapshot.members.values())))
            + _pages(sum(map(len, snapshot.invitations.values())))
            + _pages(len(snapshot.users)) + _pages(len(snapshot.profiles)) + _pages(len(snapshot.licenses))
            + _pages(len(snapshot.permission_sets)) + _pages(sum(map(len, snapshot.assignments.values())))
            + _pages(len(snapshot.accounts) + sum(snapshot.ambiguous_accounts.values()))
            + _pages(sum(p.sobject == "Contact" for p in people)) + _pages(sum(p.sobject == "Lead" for p in people)))


@pytest.mark.parametrize("config", ["desired", "variant"])
def test_reads_at_org_s_are_within_5_percent_of_the_floor(org_s: ScaleOrg, config: str) -> None:
    snapshot, queries = _observed(org_s.conn, getattr(org_s, config), Strategy.AUTO)
    assert len(snapshot.users) > 2_000 and sum(map(len, snapshot.members.values())) >= 4_000
    assert queries <= 1.05 * floor(snapshot), (queries, floor(snapshot))


@pytest.mark.parametrize("config", ["desired", "variant"])
def test_the_planned_reads_give_the_snapshot_the_in_lists_give(org_s: ScaleOrg, config: str) -> None:
    desired = getattr(org_s, config)
    planned, planned_queries = _observed(org_s.conn, desired, Strategy.AUTO)
    in_lists, in_list_queries = _observed(org_s.conn, desired, Strategy.IN_LISTS)
    assert planned == in_lists
    assert planned_queries < in_list_queries  # the scans were chosen, and took fewer requests


def test_a_config_naming_few_users_reads_them_by_in_list(org_s: ScaleOrg) -> None:
    """One IN-list query beats any scan of the org's 2,021 users: no scan, no probe."""
    few = DesiredState(policy=org_s.desired.policy)
    _, queries = _observed(org_s.conn, few, Strategy.AUTO)
    _, in_list_queries = _observed(org_s.conn, few, Strategy.IN_LISTS)
    _, scan_queries = _observed(org_s.conn, few, Strategy.SCAN)
    assert queries == in_list_queries < scan_queries
