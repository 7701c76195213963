"""The reads the planner makes at scale are index lookups, never whole-table scans (scale.md §5): SOQL's
case-insensitive text comparisons (`col COLLATE NOCASE IN (...)`) are served by NOCASE indexes, id columns by
plain ones. Checked with SQLite's EXPLAIN QUERY PLAN of the SQL the sandbox compiles for each query."""

from __future__ import annotations

import datetime as dt

import pytest

from reconciler.sandbox.soql.engine import compile_soql
from reconciler.sandbox.soql.where import resolve_params
from reconciler.sandbox.store import Store

USER, CONTACT, GROUP, PERMISSION_SET = "005000000000001", "003000000000001", "0F9000000000001", "0PS000000000001"

# (the SOQL, the table whose rows it filters)
IN_LIST_READS = [
    ("SELECT Id, Username FROM User WHERE Username IN ('a@x.com', 'B@x.com') AND IsActive = true", "User"),
    ("SELECT Id FROM User WHERE Email IN ('a@x.com', 'b@x.com')", "User"),
    (f"SELECT Id FROM User WHERE ContactId IN ('{CONTACT}')", "User"),
    (f"SELECT Id FROM User WHERE Id IN ('{USER}')", "User"),
    ("SELECT Id, Email FROM Contact WHERE Email IN ('a@x.com', 'b@x.com')", "Contact"),
    ("SELECT Id, Email FROM Lead WHERE Email IN ('a@x.com') AND IsConverted = false", "Lead"),
    ("SELECT Id, Name FROM CollaborationGroup WHERE Name IN ('Partners', 'news')", "CollaborationGroup"),
    (f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId IN ('{GROUP}')", "CollaborationGroupMember"),
    (f"SELECT Id FROM CollaborationGroupMember WHERE MemberId IN ('{USER}')", "CollaborationGroupMember"),
    (f"SELECT Id FROM CollaborationInvitation WHERE Status = 'Sent' AND SharedEntityId IN ('{GROUP}')",
     "CollaborationInvitation"),
    (f"SELECT Id FROM CollaborationInvitation WHERE Status = 'Sent' AND ParentId IN ('{GROUP}')",
     "CollaborationInvitation"),
    ("SELECT Id FROM CollaborationInvitation WHERE InvitedUserEmail IN ('a@x.com')", "CollaborationInvitation"),
    (f"SELECT Id FROM PermissionSetAssignment WHERE AssigneeId IN ('{USER}')", "PermissionSetAssignment"),
    (f"SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId IN ('{PERMISSION_SET}')",
     "PermissionSetAssignment"),
    ("SELECT Id FROM PermissionSet WHERE Name IN ('Guest_Access')", "PermissionSet"),
    ("SELECT Id FROM Account WHERE Name IN ('Acme')", "Account"),
]


def query_plan(store: Store, soql: str) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN lines for the SQL this query compiles to."""
    plan = compile_soql(store.schema, soql).plan
    params = resolve_params(list(plan.params), dt.date(2026, 11, 22))
    with store.session(write=False) as s:
        return [str(row[3]) for row in s.conn.execute(f"EXPLAIN QUERY PLAN {plan.sql}", params)]


@pytest.mark.parametrize(("soql", "table"), IN_LIST_READS, ids=[q.split(" WHERE ")[1][:40] for q, _ in IN_LIST_READS])
def test_an_in_list_on_a_planner_key_is_an_index_search(demo: Store, soql: str, table: str) -> None:
    lines = query_plan(demo, soql)
    searches = [line for line in lines if line.startswith("SEARCH t0 USING") and "INDEX" in line]
    assert searches, lines
    assert not [line for line in lines if line.startswith("SCAN")], lines


def test_a_text_column_without_an_index_is_scanned(demo: Store) -> None:
    """The check above can fail: a text field no index covers is a full scan."""
    lines = query_plan(demo, "SELECT Id FROM User WHERE Title IN ('Boss')")
    assert any(line.startswith("SCAN t0") for line in lines), lines


def test_the_nocase_index_finds_every_case(demo: Store) -> None:
    """The index lookup keeps SOQL's semantics: a value in other case still matches."""
    with demo.session() as s:
        username = s.scalar('SELECT "Username" FROM "User" ORDER BY "Id" LIMIT 1')
    swapped = username.swapcase()
    found = compile_soql(demo.schema, f"SELECT Id FROM User WHERE Username IN ('{swapped}', 'nobody@x.com')")
    with demo.session(write=False) as s:
        rows = s.conn.execute(found.plan.sql, list(found.plan.params)).fetchall()
    assert len(rows) == 1
