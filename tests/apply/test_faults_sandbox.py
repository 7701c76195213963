"""Every injected fault at several points of an apply, against the sandbox org over HTTPS: outcomes are true to
the org, nothing is created twice, nothing is removed that the changes did not remove, and write requests are
ceil(N/200) per sObject and operation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceError

from reconciler.apply.execute import Execution, Executor, Outcome
from reconciler.apply.journal import Journal
from reconciler.org.connect import OrgConnection
from reconciler.org.soql import quote
from reconciler.org.writes import QueryFailed, Writer
from reconciler.plan.change import Action, Change, Kind
from reconciler.sandbox.runner import RunningSandbox
from tests.apply.builders import change, member_create
from tests.apply.conftest import inject
from tests.apply.fakes import no_sleep_policy

NEW_USERS = ("newbie1@acme.com", "newbie2@acme.com")
CUSTOMERS = ("ann@fabrikam.com", "ben@fabrikam.com")
BATCH_SIZES = (1, 2, 3, 2, 1, 1)  # changes per write request of the scenario, in order
WRITES = r"composite/sobjects|/Soap/m/"  # every write request of the scenario (queries are GETs to /query)
LOCALE = {"TimeZoneSidKey": "Europe/London", "LocaleSidKey": "en_GB", "EmailEncodingKey": "UTF-8",
          "LanguageLocaleKey": "en_US"}


def query(conn: OrgConnection, soql: str) -> list[dict[str, Any]]:
    return list(conn.sf.query_all_iter(soql))


def one_id(conn: OrgConnection, soql: str) -> str:
    [record] = query(conn, soql)
    return record["Id"]


def scenario(conn: OrgConnection) -> list[Change]:
    """Six write requests in this order: settings, users, members, invitations, a member delete, a group update."""
    group = {name: one_id(conn, f"SELECT Id FROM CollaborationGroup WHERE Name = {quote(name)}")
             for name in ("Acme Announcements", "Acme Partner Hub", "Contoso Deal Room")}
    user = {name: one_id(conn, f"SELECT Id FROM User WHERE Username = {quote(name)}")
            for name in ("heidi@acme.com", "erin@acme.com")}
    profile = one_id(conn, "SELECT Id FROM Profile WHERE Name = 'Chatter Free User'")
    erin_in_hub = one_id(conn, "SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = "
                               f"{quote(group['Acme Partner Hub'])} AND MemberId = {quote(user['erin@acme.com'])}")
    setting = change(Kind.SETTING, Action.UPDATE, "setting:chatter.customer_invitations", record_id="Chatter",
                     values={"enableInviteCsnUsers": True})
    users = [change(Kind.USER, Action.CREATE, f"user:{name}", lookup={"Username": name},
                    values={"Username": name, "Email": name, "LastName": name.split("@")[0].title(),
                            "Alias": name[:8], "ProfileId": profile, **LOCALE}) for name in NEW_USERS]
    members = [change(Kind.MEMBER, Action.CREATE, f"member:Acme Announcements/{name}",
                      values={"CollaborationGroupId": group["Acme Announcements"], "CollaborationRole": "Standard"},
                      refs={"MemberId": f"user:{name}"},
                      lookup={"CollaborationGroupId": group["Acme Announcements"], "MemberId": None})
               for name in NEW_USERS]
    members.append(change(Kind.MEMBER, Action.CREATE, "member:Contoso Deal Room/heidi@acme.com",
                          values={"CollaborationGroupId": group["Contoso Deal Room"],
                                  "MemberId": user["heidi@acme.com"], "CollaborationRole": "Standard"},
                          lookup={"CollaborationGroupId": group["Contoso Deal Room"],
                                  "MemberId": user["heidi@acme.com"]}))
    invitations = [change(Kind.INVITATION, Action.CREATE, f"invitation:Acme Partner Hub/{email}",
                          values={"SharedEntityId": group["Acme Partner Hub"], "InvitedUserEmail": email},
                          lookup={"SharedEntityId": group["Acme Partner Hub"], "InvitedUserEmail": email},
                          depends_on=(setting.key,)) for email in CUSTOMERS]
    removal = change(Kind.MEMBER, Action.DELETE, "member:Acme Partner Hub/erin@acme.com", record_id=erin_in_hub)
    update = change(Kind.GROUP, Action.UPDATE, "group:Acme Announcements", record_id=group["Acme Announcements"],
                    values={"Description": "News, now with newcomers"})
    return [setting, *users, *members, *invitations, removal, update]


def execute(conn: OrgConnection, changes: list[Change], tmp_path: Path) -> tuple[Execution, Writer]:
    writer = Writer(conn, policy=no_sleep_policy())
    with Journal(tmp_path / "journal.jsonl", "org") as journal:
        return Executor(writer, journal).run(changes), writer


def org_state(conn: OrgConnection) -> dict[str, Any]:
    emails = ", ".join(quote(e) for e in CUSTOMERS)
    usernames = ", ".join(quote(u) for u in NEW_USERS)
    return {
        "users": sorted(r["Username"] for r in query(
            conn, f"SELECT Username FROM User WHERE Username IN ({usernames})")),
        "invitations": sorted(r["InvitedUserEmail"] for r in query(
            conn, f"SELECT InvitedUserEmail FROM CollaborationInvitation WHERE InvitedUserEmail IN ({emails}) "
                  "AND Status = 'Sent'")),
        "members": sorted((r["CollaborationGroup"]["Name"], r["Member"]["Username"]) for r in query(
            conn, "SELECT CollaborationGroup.Name, Member.Username FROM CollaborationGroupMember")),
        "customer_invitations": conn.sf.mdapi.ChatterSettings.read(["Chatter"]).enableInviteCsnUsers,
        "description": query(conn, "SELECT Description FROM CollaborationGroup WHERE Name = 'Acme Announcements'")[0][
            "Description"],
    }


def assert_true_to_the_org(execution: Execution, before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every outcome matches the org; nothing exists twice; only the planned removal happened."""
    outcome = {r.change.key: r.outcome for r in execution.results}

    def done(key: str) -> bool | None:
        return None if outcome[key] is Outcome.UNKNOWN else outcome[key].succeeded

    for name in NEW_USERS:
        assert after["users"].count(name) == (1 if done(f"user:{name}") else 0), name
    for email in CUSTOMERS:
        assert after["invitations"].count(email) == (1 if done(f"invitation:Acme Partner Hub/{email}") else 0)
    expected = set(before["members"])
    for name in (*NEW_USERS, "heidi@acme.com"):
        group = "Contoso Deal Room" if name.startswith("heidi") else "Acme Announcements"
        if done(f"member:{group}/{name}"):
            expected.add((group, name))
    if done("member:Acme Partner Hub/erin@acme.com"):
        expected.discard(("Acme Partner Hub", "erin@acme.com"))
    assert sorted(after["members"]) == sorted(expected)  # no duplicate, no removal the changes did not contain
    assert after["customer_invitations"] is bool(done("setting:chatter.customer_invitations"))
    assert (after["description"] == "News, now with newcomers") is bool(done("group:Acme Announcements"))


# every request of the scenario for the faults that can leave a write half done; two points for the others
RECOVERABLE = [(fault, nth) for fault in ("500", "drop-before-commit", "drop-after-commit") for nth in range(1, 6)]
RECOVERABLE += [(fault, nth) for fault in ("503", "lock-row", "expired-session") for nth in (1, 4)]


@pytest.mark.parametrize(("fault", "nth"), RECOVERABLE)
def test_recoverable_fault_is_retried_and_everything_applies_once(
        sandbox: RunningSandbox, conn: OrgConnection, tmp_path: Path, fault: str, nth: int) -> None:
    changes = scenario(conn)
    before = org_state(conn)
    inject(sandbox, f"{fault}:path={WRITES},nth={nth}")
    execution, writer = execute(conn, changes, tmp_path)
    assert [r for r in execution.results if not r.outcome.succeeded] == []
    assert_true_to_the_org(execution, before, org_state(conn))
    if fault == "drop-after-commit" and nth in (2, 3, 4):  # a create whose answer was lost: found, not resent
        assert any(r.outcome is Outcome.ALREADY_DONE for r in execution.results)
    # one request more than the six: the retry (or the renewed session's resend), except for creates whose lost
    # answer the lookup settled
    settled_by_lookup = fault == "drop-after-commit" and nth in (2, 3, 4)
    assert sum(writer.requests_by_operation.values()) == 6 + (0 if settled_by_lookup else 1)


@pytest.mark.parametrize("nth", [1, 3, 5])
def test_request_limit_stops_at_once_and_reports_the_rest(
        sandbox: RunningSandbox, conn: OrgConnection, tmp_path: Path, nth: int) -> None:
    changes = scenario(conn)
    before = org_state(conn)
    inject(sandbox, f"limit-exceeded:path={WRITES},nth={nth}")
    execution, writer = execute(conn, changes, tmp_path)
    assert execution.stopped is not None and execution.stopped.code == "REQUEST_LIMIT_EXCEEDED"
    assert sum(writer.requests_by_operation.values()) == nth  # nothing sent after the refusal
    applied = sum(BATCH_SIZES[:nth - 1])
    assert [r.outcome for r in execution.results] == [Outcome.APPLIED] * applied + [Outcome.NOT_ATTEMPTED] * (
        sum(BATCH_SIZES) - applied)
    assert_true_to_the_org(execution, before, org_state(conn))


def test_a_second_expired_session_stops_the_apply(sandbox: RunningSandbox, conn: OrgConnection,
                                                  tmp_path: Path) -> None:
    changes = scenario(conn)
    before = org_state(conn)
    inject(sandbox, f"expired-session:path={WRITES},nth=2", f"expired-session:path={WRITES},nth=4")
    execution, _ = execute(conn, changes, tmp_path)
    assert execution.stopped is not None and execution.stopped.code == "INVALID_SESSION_ID"
    inject(sandbox)
    conn.reauthenticate()  # to read the org back
    assert_true_to_the_org(execution, before, org_state(conn))


@pytest.mark.parametrize("n", [1, 200, 201, 450])
def test_n_similar_changes_cost_ceil_n_over_200_write_requests(conn: OrgConnection, tmp_path: Path, n: int) -> None:
    profile = one_id(conn, "SELECT Id FROM Profile WHERE Name = 'Chatter Free User'")
    group = one_id(conn, "SELECT Id FROM CollaborationGroup WHERE Name = 'Acme Announcements'")
    names = [f"bulk{i}@acme.com" for i in range(n)]
    users = [change(Kind.USER, Action.CREATE, f"user:{name}", lookup={"Username": name},
                    values={"Username": name, "Email": name, "LastName": "Bulk", "Alias": f"b{i}",
                            "ProfileId": profile, **LOCALE}) for i, name in enumerate(names)]
    members = [change(Kind.MEMBER, Action.CREATE, f"member:{name}", refs={"MemberId": f"user:{name}"},
                      values={"CollaborationGroupId": group}) for name in names]
    total_before = conn.counter.total
    execution, writer = execute(conn, [*users, *members], tmp_path)
    assert execution.complete
    floor = math.ceil(n / 200)
    assert dict(writer.requests_by_operation) == {("User", "create"): floor,
                                                  ("CollaborationGroupMember", "create"): floor}
    assert conn.counter.total - total_before == 2 * floor  # and not one request more (no lookups, no retries)


def test_licence_limit_fails_one_user_skips_its_membership_and_a_rerun_converges(
        conn: OrgConnection, tmp_path: Path) -> None:
    """The Salesforce licence has 10 seats and the demo org uses 6: the fifth new Standard User can't have one."""
    from reconciler.apply.report import outcome_lines

    profile = one_id(conn, "SELECT Id FROM Profile WHERE Name = 'Standard User'")
    group = one_id(conn, "SELECT Id FROM CollaborationGroup WHERE Name = 'Acme Announcements'")
    names = [f"staff{i}@acme.com" for i in range(5)]
    users = [change(Kind.USER, Action.CREATE, f"user:{name}", lookup={"Username": name},
                    values={"Username": name, "Email": name, "LastName": "Staff", "Alias": f"s{i}",
                            "ProfileId": profile, **LOCALE}) for i, name in enumerate(names)]
    members = [change(Kind.MEMBER, Action.CREATE, f"member:Acme Announcements/{name}",
                      refs={"MemberId": f"user:{name}"}, values={"CollaborationGroupId": group}) for name in names]
    execution, _ = execute(conn, [*users, *members], tmp_path)
    failed = execution.by_outcome(Outcome.FAILED)
    assert [r.change.key for r in failed] == ["user:staff4@acme.com"]
    assert failed[0].error.code == "LICENSE_LIMIT_EXCEEDED"
    skipped = execution.by_outcome(Outcome.SKIPPED)
    assert [r.change.key for r in skipped] == ["member:Acme Announcements/staff4@acme.com"]
    text = "\n".join(outcome_lines(execution))
    assert "LICENSE_LIMIT_EXCEEDED: no licence" in text and "Applied: 8 created." in text
    # a seat is freed; the rerun holds what is left (as a new plan would)
    erin = one_id(conn, "SELECT Id FROM User WHERE Username = 'erin@acme.com'")
    conn.sf.User.update(erin, {"IsActive": False})
    rerun, _ = execute(conn, [users[4], members[4]], tmp_path)
    assert rerun.complete
    assert len(query(conn, "SELECT Id FROM User WHERE Username LIKE 'staff%'")) == 5


# Retries are single-layered: apply's Writer retries its own requests (5 attempts in all here), the session's
# adapter sends each of them once; reads outside the Writer (observe) are retried by the adapter alone (3 attempts).
WRITER_ATTEMPTS = 5
ADAPTER_ATTEMPTS = 3


def test_a_persistent_503_on_a_lookup_query_costs_exactly_the_writers_attempts(
        sandbox: RunningSandbox, conn: OrgConnection) -> None:
    writer = Writer(conn, policy=no_sleep_policy(WRITER_ATTEMPTS))
    inject(sandbox, "503:method=GET,path=query,times=100")
    before = conn.counter.by_kind
    with pytest.raises(QueryFailed, match=f"gave up after {WRITER_ATTEMPTS} attempts"):
        writer.query("SELECT Id FROM User WHERE Username = 'heidi@acme.com'")
    after = conn.counter.by_kind
    assert after["query"] - before["query"] == WRITER_ATTEMPTS
    assert conn.counter.total - sum(before.values()) == WRITER_ATTEMPTS  # every attempt counted, nothing else sent


def test_a_persistent_503_on_a_collections_create_costs_exactly_the_writers_attempts(
        sandbox: RunningSandbox, conn: OrgConnection, tmp_path: Path) -> None:
    group = one_id(conn, "SELECT Id FROM CollaborationGroup WHERE Name = 'Contoso Deal Room'")
    heidi = one_id(conn, "SELECT Id FROM User WHERE Username = 'heidi@acme.com'")
    inject(sandbox, "503:method=POST,path=composite/sobjects,times=100")
    before = conn.counter.by_kind
    execution, writer = execute(conn, [member_create(group, heidi)], tmp_path)
    after = conn.counter.by_kind
    [result] = execution.results
    assert result.outcome is Outcome.FAILED and f"gave up after {WRITER_ATTEMPTS} attempts" in str(result.error)
    assert writer.requests_by_operation == {("CollaborationGroupMember", "create"): WRITER_ATTEMPTS}
    assert after["write"] - before["write"] == WRITER_ATTEMPTS
    # a natural-key lookup before each resend and once after the last lost answer: never created blindly
    assert after["query"] - before["query"] == WRITER_ATTEMPTS
    inject(sandbox)
    assert query(conn, f"SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroupId = {quote(group)} "
                       f"AND MemberId = {quote(heidi)}") == []


def test_a_read_outside_the_writer_is_retried_by_the_session_alone(sandbox: RunningSandbox,
                                                                     conn: OrgConnection) -> None:
    inject(sandbox, "503:method=GET,path=query,times=100")
    before = conn.counter.by_kind["query"]
    with pytest.raises(SalesforceError):
        query(conn, "SELECT Id FROM User")
    assert conn.counter.by_kind["query"] - before == ADAPTER_ATTEMPTS
