"""The executor against the in-memory fake: refs, skipped dependents, stopping, the journal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.apply.execute import Executor, Outcome
from reconciler.apply.journal import Journal
from reconciler.org.writes import Writer
from reconciler.plan.change import Action, Kind
from tests.apply.builders import change, member_create
from tests.apply.fakes import FakeConn, FakeSalesforce, no_sleep_policy


@pytest.fixture
def org() -> FakeSalesforce:
    return FakeSalesforce()


def run(org: FakeSalesforce, changes, tmp_path: Path):
    journal_path = tmp_path / "journal.jsonl"
    writer = Writer(FakeConn(org), policy=no_sleep_policy())
    with Journal(journal_path, "00D000000000001AAA") as journal:
        execution = Executor(writer, journal).run(changes)
    lines = [json.loads(line) for line in journal_path.read_text().splitlines()]
    return execution, lines, writer


def new_group_with_customer() -> list:
    group = change(Kind.GROUP, Action.CREATE, "group:Hub", values={"Name": "Hub", "CollaborationType": "Private"},
                   lookup={"Name": "Hub"})
    contact = change(Kind.CONTACT, Action.CREATE, "contact:jane", values={"LastName": "Doe", "AccountId": "001A"},
                     lookup={"AccountId": "001A", "Email": "jane@contoso.com"})
    user = change(Kind.USER, Action.CREATE, "user:jane", values={"Username": "jane@contoso.com", "LastName": "Doe"},
                  refs={"ContactId": "contact:jane"}, lookup={"Username": "jane@contoso.com"})
    member = member_create("", "", group_ref="group:Hub", user_ref="user:jane")
    invitation = change(Kind.INVITATION, Action.CREATE, "invitation:Hub/bob@x.com",
                        values={"InvitedUserEmail": "bob@x.com"}, refs={"SharedEntityId": "group:Hub"},
                        lookup={"SharedEntityId": None, "InvitedUserEmail": "bob@x.com"})
    return [group, contact, user, member, invitation]


def test_created_ids_feed_later_changes(org: FakeSalesforce, tmp_path: Path) -> None:
    execution, lines, _ = run(org, new_group_with_customer(), tmp_path)
    assert execution.complete
    ids = {r.change.key: r.record_id for r in execution.results}
    member = next(iter(org.tables["CollaborationGroupMember"].values()))
    assert member["CollaborationGroupId"] == ids["group:Hub"] and member["MemberId"] == ids["user:jane"]
    assert org.tables["User"][ids["user:jane"]]["ContactId"] == ids["contact:jane"]
    invitation = next(iter(org.tables["CollaborationInvitation"].values()))
    assert invitation["SharedEntityId"] == ids["group:Hub"]
    assert [(e["key"], e["outcome"]) for e in lines] == [
        ("group:Hub", "applied"), ("contact:jane", "applied"), ("user:jane", "applied"),
        ("member:group:Hub/user:jane", "applied"), ("invitation:Hub/bob@x.com", "applied")]
    assert all(e["org"] == "00D000000000001AAA" and e["time"].endswith("Z") for e in lines)


def test_dependents_of_a_failed_change_are_skipped_and_the_rest_proceeds(org: FakeSalesforce, tmp_path: Path) -> None:
    org.record_errors = {"jane@contoso.com": "LICENSE_LIMIT_EXCEEDED"}
    other = member_create("0F9OLD", "005OTHER")
    execution, lines, _ = run(org, [*new_group_with_customer(), other], tmp_path)
    outcomes = {r.change.key: r.outcome for r in execution.results}
    assert outcomes["user:jane"] is Outcome.FAILED
    assert outcomes["member:group:Hub/user:jane"] is Outcome.SKIPPED
    assert outcomes["member:0F9OLD/005OTHER"] is Outcome.APPLIED
    assert outcomes["invitation:Hub/bob@x.com"] is Outcome.APPLIED
    skipped = next(r for r in execution.results if r.outcome is Outcome.SKIPPED)
    assert skipped.note == "depends on user:jane, which failed"
    failed = next(e for e in lines if e["outcome"] == "failed")
    assert failed == {**failed, "key": "user:jane", "error": "LICENSE_LIMIT_EXCEEDED", "record_id": None}
    assert not execution.complete


def test_request_limit_stops_and_reports_the_rest(org: FakeSalesforce, tmp_path: Path) -> None:
    org.faults = [None, "limit"]
    execution, lines, _ = run(org, new_group_with_customer(), tmp_path)
    assert [r.outcome for r in execution.results] == [Outcome.APPLIED] + [Outcome.NOT_ATTEMPTED] * 4
    assert execution.stopped.code == "REQUEST_LIMIT_EXCEEDED"
    assert any(e.get("event") == "stopped" for e in lines)
    assert len(org.write_calls) == 2  # no hammering


def test_journal_names_the_record_of_an_update_or_delete_left_undone(org: FakeSalesforce, tmp_path: Path) -> None:
    org.faults = ["limit"]
    removal = change(Kind.MEMBER, Action.DELETE, "member:Hub/kim", record_id="0FB000000000001AAA")
    execution, lines, _ = run(org, [*new_group_with_customer()[:1], removal], tmp_path)
    assert [r.outcome for r in execution.results] == [Outcome.NOT_ATTEMPTED] * 2
    by_key = {e["key"]: e for e in lines if "key" in e}
    assert by_key["member:Hub/kim"]["record_id"] == "0FB000000000001AAA"
    assert by_key["group:Hub"]["record_id"] is None  # never created


def test_invitation_is_sent_once_whatever_fails(org: FakeSalesforce, tmp_path: Path) -> None:
    invitation = change(Kind.INVITATION, Action.CREATE, "invitation:g/bob@x.com",
                        values={"InvitedUserEmail": "bob@x.com", "SharedEntityId": "0F9G"},
                        lookup={"SharedEntityId": "0F9G", "InvitedUserEmail": "bob@x.com"})
    org.faults = ["500", "drop_after"]
    execution, _, writer = run(org, [invitation], tmp_path)
    assert execution.results[0].outcome is Outcome.ALREADY_DONE
    assert len(org.tables["CollaborationInvitation"]) == 1
    assert len(org.write_calls) == 2 and len(org.queries) == 2  # looked up before the retry and after the loss
    assert all("Status = 'Sent'" in q for q in org.queries)


def test_settings_changes_go_in_one_metadata_call(org: FakeSalesforce, tmp_path: Path) -> None:
    a = change(Kind.SETTING, Action.UPDATE, "setting:enabled", values={"enableChatter": True})
    b = change(Kind.SETTING, Action.UPDATE, "setting:customer_invitations", values={"enableInviteCsnUsers": True})
    execution, _, writer = run(org, [a, b], tmp_path)
    assert execution.complete and org.settings == {"enableChatter": True, "enableInviteCsnUsers": True}
    assert writer.requests_by_operation == {("ChatterSettings", "update"): 1}


def test_journal_holds_no_values(org: FakeSalesforce, tmp_path: Path) -> None:
    _, lines, _ = run(org, new_group_with_customer(), tmp_path)
    text = json.dumps(lines)
    assert "Doe" not in text and "Private" not in text
    assert set(lines[0]) - {"before"} == {"time", "org", "key", "action", "outcome", "record_id"}  # undo.md
