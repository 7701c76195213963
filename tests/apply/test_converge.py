"""Read-back after writing: what the successful changes wrote is what the org holds."""

from __future__ import annotations

from pathlib import Path

from reconciler.apply.converge import verify
from reconciler.apply.execute import Executor
from reconciler.apply.journal import Journal
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
        "member:0F9000000000001AAA/005000000000001AAA: CollaborationRole is 'Admin', expected 'Standard'",
        "member:gone: still present",
        "setting:chatter.enabled: enableChatter is False, expected True",
    ]


def test_many_creates_under_few_parents_are_read_by_parent(tmp_path: Path) -> None:
    org = FakeSalesforce()
    groups = ["0F9000000000001AAA", "0F9000000000002AAA"]
    changes = [member_create(groups[i % 2], f"005{i:012d}AAA") for i in range(700)]
    writer, execution = run(org, changes, tmp_path)
    assert verify(writer, execution.results).converged
    assert len(org.queries) == 1 and "WHERE CollaborationGroupId IN" in org.queries[0]


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
