"""Read-back after writing: what the successful changes wrote is what the org holds."""

from __future__ import annotations

from pathlib import Path

from reconciler.apply.converge import verify
from reconciler.apply.execute import Executor
from reconciler.apply.journal import Journal
from reconciler.org.soql import in_queries
from reconciler.org.writes import Writer
from reconciler.plan.change import Action, Kind
from tests.apply.builders import change, member_create
from tests.apply.fakes import FakeConn, FakeSalesforce, no_sleep_policy


def run(org: FakeSalesforce, changes, tmp_path: Path):
    writer = Writer(FakeConn(org), policy=no_sleep_policy())
    with Journal(tmp_path / "journal.jsonl", "org") as journal:
        execution = Executor(writer, journal).run(changes)
    org.queries.clear()
    return writer, execution


def test_what_was_written_is_read_back_and_differences_named(tmp_path: Path) -> None:
    org = FakeSalesforce()
    org.tables["CollaborationGroupMember"]["0FB999999999999999"] = {"Id": "0FB999999999999999"}
    changes = [member_create("0F9000000000001AAA", "005000000000001AAA"),
               change(Kind.SETTING, Action.UPDATE, "setting:chatter.enabled", values={"enableChatter": True}),
               change(Kind.MEMBER, Action.DELETE, "member:gone", record_id="0FB999999999999999")]
    writer, execution = run(org, changes, tmp_path)
    assert verify(writer, execution.results).converged
    created = next(iter(r for r in execution.results if r.change.action is Action.CREATE)).record_id
    org.tables["CollaborationGroupMember"][created]["CollaborationRole"] = "Admin"  # someone changed it since
    org.tables["CollaborationGroupMember"]["0FB999999999999999"] = {"Id": "0FB999999999999999"}  # and re-added
    org.settings["enableChatter"] = False
    verification = verify(writer, execution.results)
    assert sorted(map(str, verification.differences)) == [
        "member:0F9000000000001AAA/005000000000001AAA: role is manager, expected member",
        "member:gone: still present",
        "setting:chatter.enabled: enabled is false, expected true",
    ]


def test_differences_are_said_in_guestlists_words(tmp_path: Path) -> None:
    """The YAML's names and values; a field the YAML has no name for keeps its Salesforce name in parentheses."""
    org = FakeSalesforce()
    changes = [
        change(Kind.GROUP, Action.CREATE, "group:Hub", lookup={"Name": "Hub"},
               values={"Name": "Hub", "CollaborationType": "Private", "IsAutoArchiveDisabled": True}),
        change(Kind.MEMBER, Action.CREATE, "member:Hub/ann", lookup={"CollaborationGroupId": "0F9000000000001AAA",
                                                                      "MemberId": "005000000000001AAA"},
               values={"CollaborationGroupId": "0F9000000000001AAA", "MemberId": "005000000000001AAA",
                       "CollaborationRole": "Admin", "NotificationFrequency": "D"}),
        change(Kind.USER, Action.CREATE, "user:bob@acme.com", lookup={"Username": "bob@acme.com"},
               values={"Username": "bob@acme.com", "IsActive": False, "Alias": "bob", "PortalRole": "Worker",
                       "ProfileId": "00e000000000001AAA", "Department": "Sales"}),
    ]
    writer, execution = run(org, changes, tmp_path)
    assert verify(writer, execution.results).converged
    ids = {r.change.key: r.record_id for r in execution.results}
    org.tables["CollaborationGroup"][ids["group:Hub"]].update(CollaborationType="Public", IsAutoArchiveDisabled=False)
    org.tables["CollaborationGroupMember"][ids["member:Hub/ann"]].update(CollaborationRole="Standard",
                                                                           NotificationFrequency="W")
    org.tables["User"][ids["user:bob@acme.com"]].update(IsActive=True, Alias="bobby", PortalRole="Manager",
                                                         ProfileId="00e000000000002AAA", Department=None)
    assert sorted(map(str, verify(writer, execution.results).differences)) == [
        "group:Hub: access is public, expected private",
        "group:Hub: auto_archive is true, expected false",
        "member:Hub/ann: notify is weekly, expected daily",
        "member:Hub/ann: role is member, expected manager",
        "user:bob@acme.com: active is true, expected false",
        "user:bob@acme.com: alias (Alias) is 'bobby', expected 'bob'",
        "user:bob@acme.com: field (Department) is empty, expected 'Sales'",
        "user:bob@acme.com: portal_role is manager, expected user",
        "user:bob@acme.com: profile (ProfileId) is '00e000000000002AAA', expected '00e000000000001AAA'",
    ]


def test_many_creates_under_few_parents_are_read_back_by_their_own_ids_only(tmp_path: Path) -> None:
    """700 new members of 2 groups: read back by id in as few queries as the IN-list limit allows, never by
    group (which would read every other member of those groups too)."""
    org = FakeSalesforce()
    groups = ["0F9000000000001AAA", "0F9000000000002AAA"]
    changes = [member_create(groups[i % 2], f"005{i:012d}AAA") for i in range(700)]
    writer, execution = run(org, changes, tmp_path)
    queries_before = len(org.queries)
    assert verify(writer, execution.results).converged
    reads = org.queries[queries_before:]
    created = sorted(r.record_id for r in execution.results if r.record_id)
    assert len(created) == 700
    assert all("WHERE Id IN" in q and "CollaborationGroupId IN" not in q for q in reads)
    assert len(reads) == len(in_queries("SELECT Id, CollaborationGroupId, CollaborationRole, MemberId "
                                        "FROM CollaborationGroupMember WHERE {IN}", "Id", created)) == 2


def test_few_creates_are_read_by_id(tmp_path: Path) -> None:
    org = FakeSalesforce()
    writer, execution = run(org, [member_create("0F9000000000001AAA", f"005{i:012d}AAA") for i in range(5)],
                            tmp_path)
    assert verify(writer, execution.results).converged
    assert len(org.queries) == 1 and "WHERE Id IN" in org.queries[0]


def test_reading_back_stops_at_once_when_the_org_refuses_requests(tmp_path: Path) -> None:
    org = FakeSalesforce()
    changes = [member_create("0F9000000000001AAA", "005000000000001AAA"),
               change(Kind.USER, Action.CREATE, "user:x", values={"Username": "x@acme.com"},
                      lookup={"Username": "x@acme.com"}),
               change(Kind.GROUP, Action.CREATE, "group:G", values={"Name": "G"}, lookup={"Name": "G"})]
    writer, execution = run(org, changes, tmp_path)
    org.query_faults = ["limit"]
    verification = verify(writer, execution.results)
    assert len(org.queries) == 1  # no hammering: nothing after the refusal
    assert verification.unverified == (
        "CollaborationGroupMember, User, CollaborationGroup: not read back, the org stopped answering "
        "(REQUEST_LIMIT_EXCEEDED: TotalRequests Limit)",)
