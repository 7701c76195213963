"""What observing costs in API requests, against the sandbox: pages of 2,000 records, not a request per record,
and IN-lists chunked so that every query fits the URL (the sandbox enforces Salesforce's request-line limits)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.model import Assignee, DesiredState, Group, Membership, PermissionSetAssignments
from reconciler.org.connect import connect
from reconciler.org.observe import USER_FIELDS, observe
from reconciler.org.read_plan import Strategy
from reconciler.org.soql import MAX_ENCODED_LENGTH, URI_LIMIT, in_queries, quote
from reconciler.sandbox.runner import start_sandbox

TODAY = dt.date(2026, 12, 1)
USERS, GROUPS = 100, 45  # 4,500 memberships, plus each group's owner row
LOCALE = {"TimeZoneSidKey": "Europe/London", "LocaleSidKey": "en_GB", "EmailEncodingKey": "UTF-8",
          "LanguageLocaleKey": "en_US"}


@pytest.fixture(scope="module")
def bulk(tmp_path_factory: pytest.TempPathFactory):
    """A sandbox (empty seed) with 45 groups of 100 Chatter Free members, written straight into its store."""
    db = tmp_path_factory.mktemp("bulk") / "sandbox.sqlite3"
    with start_sandbox(db, seed="empty") as running, running.store.session() as s:
        profile = s.query("SELECT Id FROM Profile WHERE Name = 'Chatter Free User'").records[0]["Id"]
        users = [s.create("User", {"Username": f"p{n}@bulk.example.com", "Email": f"p{n}@bulk.example.com",
                                   "LastName": f"Person {n}", "Alias": f"p{n}", "ProfileId": profile, **LOCALE})
                 for n in range(USERS)]
        groups = [s.create("CollaborationGroup", {"Name": f"Bulk {g}", "CollaborationType": "Public"})
                  for g in range(GROUPS)]
        for group in groups:
            for user in users:
                s.create("CollaborationGroupMember", {"CollaborationGroupId": group, "MemberId": user})
    with connect("sandbox", sandbox_db=db) as conn:
        yield conn


def queries(conn) -> int:
    return conn.counter.by_kind["query"]


def test_reading_n_members_costs_n_over_2000_queries(bulk) -> None:
    declared = DesiredState(groups=tuple(Group(f"Bulk {g}", membership=Membership.ADDITIVE) for g in range(GROUPS)))
    start = queries(bulk)
    baseline = observe(bulk, DesiredState())
    without_groups = queries(bulk) - start
    start = queries(bulk)
    snapshot = observe(bulk, declared)
    with_groups = queries(bulk) - start

    rows = sum(len(members) for members in snapshot.members.values())
    assert rows == GROUPS * USERS + GROUPS  # every member, and each group's owner
    assert len(snapshot.users) >= USERS and len(baseline.users) == 1  # the people came with their memberships
    # the difference: the member rows in pages of 2,000, and one (empty) query for the groups' invitations
    assert with_groups - without_groups == math.ceil(rows / 2000) + 1
    assert snapshot.api_requests - baseline.api_requests == with_groups + 1  # + the ChatterSettings read


def test_long_in_lists_are_split_into_queries_the_org_accepts(bulk) -> None:
    names = [f"someone.with.a.rather.long.username.{n}@subsidiary.example.com" for n in range(1500)]
    names += [f"p{n}@bulk.example.com" for n in range(USERS)]
    desired = DesiredState(permission_sets=(PermissionSetAssignments("Nobody", tuple(map(Assignee, names))),))
    expected = len(in_queries(f"SELECT {', '.join(USER_FIELDS)} FROM User WHERE {{IN}}", "Username",
                              [*names, "admin@acme.com"]))
    assert expected > 5
    start = queries(bulk)
    snapshot = observe(bulk, desired, strategy=Strategy.IN_LISTS)
    used = queries(bulk) - start
    # organization, permission, groups, licences, permission sets, assignments + the username chunks
    assert used == 6 + expected
    assert {f"p{n}@bulk.example.com" for n in range(USERS)} <= {u.username for u in snapshot.users.values()}


def test_a_config_naming_more_users_than_the_org_holds_reads_them_in_one_scan(bulk) -> None:
    """The read planner (read-planner.md): the same usernames as above take 9 IN-list queries, but the org's 101
    users fit one page, so one scan of User reads them, with the same snapshot."""
    names = [f"someone.with.a.rather.long.username.{n}@subsidiary.example.com" for n in range(1500)]
    names += [f"p{n}@bulk.example.com" for n in range(USERS)]
    desired = DesiredState(permission_sets=(PermissionSetAssignments("Nobody", tuple(map(Assignee, names))),))
    start = queries(bulk)
    planned = observe(bulk, desired)
    used = queries(bulk) - start
    assert used == 6 + 1  # the six reads above, and one page of User for all the usernames
    in_lists = observe(bulk, desired, strategy=Strategy.IN_LISTS)
    assert dataclasses.replace(planned, api_requests=0) == dataclasses.replace(in_lists, api_requests=0)


def test_the_longest_query_uses_the_uri_limit_with_headers_to_spare(bulk) -> None:
    """Chunks are as long as Salesforce's 16,384-byte URI allows (scale.md §1), request line and headers included."""
    sent: list[requests.PreparedRequest] = []

    def keep(response: requests.Response, *args: object, **kwargs: object) -> None:
        sent.append(response.request)

    names = [f"someone.with.a.rather.long.username.{n}@subsidiary.example.com" for n in range(1500)]
    desired = DesiredState(permission_sets=(PermissionSetAssignments("Nobody", tuple(map(Assignee, names))),))
    bulk.sf.session.hooks["response"].append(keep)
    try:
        observe(bulk, desired, strategy=Strategy.IN_LISTS)
    finally:
        bulk.sf.session.hooks["response"].remove(keep)
    gets = [r for r in sent if r.method == "GET" and "?q=" in r.path_url]
    longest = max(gets, key=lambda r: len(r.path_url))
    line = f"GET {longest.path_url} HTTP/1.1\r\n"
    headers = sum(len(f"{name}: {value}\r\n") for name, value in longest.headers.items())
    assert 10_000 < len(longest.path_url.split("?q=", 1)[1]) <= MAX_ENCODED_LENGTH
    assert len(line) + headers + 1_024 <= URI_LIMIT  # over a kilobyte to spare, with the headers counted


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("'\\\"\n\t%_"),
                max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT)
def test_quoted_literals_match_exactly_what_was_stored(bulk, text: str) -> None:
    name = f"{uuid.uuid4().hex} {text}".rstrip()
    bulk.sf.restful("sobjects/Account/", method="POST", json={"Name": name})
    found = bulk.sf.query(f"SELECT Name FROM Account WHERE Name = {quote(name)}")["records"]
    assert [r["Name"] for r in found] == [name]
