"""reconciler.org.writes against the in-memory fake: batching, retries, never twice, stopping."""

from __future__ import annotations

import random

import pytest

from reconciler.apply.lookup import finder
from reconciler.org.writes import RetryPolicy, Writer, WriteStopped
from tests.apply.fakes import FakeConn, FakeSalesforce, no_sleep_policy


def member(i: int, group: str = "0F9000000000001AAA") -> dict[str, str]:
    return {"CollaborationGroupId": group, "MemberId": f"005{i:015d}", "CollaborationRole": "Standard"}


def key_of(record: dict[str, str]) -> dict[str, str]:
    return {"CollaborationGroupId": record["CollaborationGroupId"], "MemberId": record["MemberId"]}


def create_members(writer: Writer, records: list[dict[str, str]]):
    return writer.create("CollaborationGroupMember", records,
                         finder(writer, "CollaborationGroupMember", [key_of(r) for r in records]))


@pytest.fixture
def org() -> FakeSalesforce:
    return FakeSalesforce()


@pytest.fixture
def writer(org: FakeSalesforce) -> Writer:
    return Writer(FakeConn(org), policy=no_sleep_policy())


def test_create_sends_one_request_and_returns_ids_in_order(org: FakeSalesforce, writer: Writer) -> None:
    results = create_members(writer, [member(i) for i in range(200)])
    assert [r.success for r in results] == [True] * 200
    assert len({r.id for r in results}) == 200
    assert org.write_calls == [("CollaborationGroupMember", "create", 200)]
    assert writer.requests_by_operation == {("CollaborationGroupMember", "create"): 1}
    assert org.queries == []


def test_more_than_200_records_is_refused_by_the_writer(writer: Writer) -> None:
    with pytest.raises(ValueError, match="at most 200"):
        create_members(writer, [member(i) for i in range(201)])


@pytest.mark.parametrize("fault", ["drop_after", "timeout_after"])
def test_lost_answer_after_commit_is_looked_up_not_resent(org: FakeSalesforce, writer: Writer, fault: str) -> None:
    org.faults = [fault]
    results = create_members(writer, [member(i) for i in range(3)])
    assert all(r.success and r.already for r in results)
    assert len(org.tables["CollaborationGroupMember"]) == 3  # never twice
    assert org.write_calls == [("CollaborationGroupMember", "create", 3)]
    assert len(org.queries) == 1 and "CollaborationGroupId IN" in org.queries[0]


@pytest.mark.parametrize("fault", ["drop_before", "500", "503", "lock"])
def test_failure_before_commit_is_looked_up_then_retried(org: FakeSalesforce, writer: Writer, fault: str) -> None:
    org.faults = [fault]
    results = create_members(writer, [member(i) for i in range(3)])
    assert all(r.success and not r.already for r in results)
    assert len(org.tables["CollaborationGroupMember"]) == 3
    assert [c[1] for c in org.write_calls] == ["create", "create"]
    assert len(org.queries) == 1  # looked up before the retry


def test_partly_committed_batch_resends_only_the_missing(org: FakeSalesforce, writer: Writer) -> None:
    records = [member(i) for i in range(4)]
    org.tables["CollaborationGroupMember"]["0FB999999999999999"] = {"Id": "0FB999999999999999", **records[0]}
    org.faults = ["drop_before"]
    results = create_members(writer, records)
    assert results[0].already and results[0].id == "0FB999999999999999"
    assert [r.already for r in results[1:]] == [False, False, False]
    assert org.write_calls[-1] == ("CollaborationGroupMember", "create", 3)
    assert len(org.tables["CollaborationGroupMember"]) == 4


def test_per_record_lock_is_retried_alone(org: FakeSalesforce, writer: Writer) -> None:
    records = [member(i) for i in range(3)]
    org.lock_once = {records[1]["MemberId"]}
    results = create_members(writer, records)
    assert all(r.success for r in results)
    assert org.write_calls == [("CollaborationGroupMember", "create", 3), ("CollaborationGroupMember", "create", 1)]


def test_retries_are_bounded_and_back_off(org: FakeSalesforce) -> None:
    delays: list[float] = []
    writer = Writer(FakeConn(org), policy=RetryPolicy(attempts=4, base_delay=1, max_delay=3, sleep=delays.append,
                                                      rng=random.Random(7)))
    org.faults = ["503"] * 10
    results = create_members(writer, [member(1)])
    assert not results[0].success
    assert results[0].error.code == "HTTP_503" and "gave up after 4 attempts" in results[0].error.message
    assert len(org.write_calls) == 4
    assert len(delays) == 3
    for retry, delay in enumerate(delays, start=1):
        ceiling = min(3, 2 ** (retry - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert org.tables["CollaborationGroupMember"] == {}


def test_lost_answer_on_the_last_attempt_is_settled_by_lookup(org: FakeSalesforce) -> None:
    writer = Writer(FakeConn(org), policy=no_sleep_policy(attempts=2))
    org.faults = ["503", "drop_after"]
    results = create_members(writer, [member(1)])
    assert results[0].success and results[0].already
    assert len(org.tables["CollaborationGroupMember"]) == 1


def test_unsettled_lost_answer_is_unknown_and_never_resent(org: FakeSalesforce, writer: Writer) -> None:
    org.faults = ["drop_after"]
    org.query_faults = ["500"] * 10  # the lookup can't be made
    results = create_members(writer, [member(1)])
    assert results[0].error.code == "OUTCOME_UNKNOWN"
    assert len(org.write_calls) == 1
    assert len(org.tables["CollaborationGroupMember"]) == 1


def test_duplicate_answer_is_reconciled_by_lookup(org: FakeSalesforce, writer: Writer) -> None:
    existing = member(5)
    org.tables["CollaborationGroupMember"]["0FB000000000000009"] = {"Id": "0FB000000000000009", **existing}
    results = create_members(writer, [member(4), existing])
    assert results[1].success and results[1].already and results[1].id == "0FB000000000000009"
    assert results[0].success and not results[0].already


def test_username_taken_in_another_org_stays_a_failure(org: FakeSalesforce, writer: Writer) -> None:
    org.other_org_usernames = {"jane@contoso.com"}
    user = {"Username": "jane@contoso.com", "LastName": "Doe"}
    results = writer.create("User", [user], finder(writer, "User", [{"Username": "jane@contoso.com"}]))
    assert not results[0].success and results[0].error.code == "DUPLICATE_USERNAME"


def test_request_limit_stops_at_once(org: FakeSalesforce, writer: Writer) -> None:
    org.faults = ["limit"]
    with pytest.raises(WriteStopped) as stopped:
        create_members(writer, [member(1), member(2)])
    assert stopped.value.error.code == "REQUEST_LIMIT_EXCEEDED"
    assert stopped.value.partial == [None, None] and not stopped.value.in_doubt
    assert len(org.write_calls) == 1 and org.queries == []


def test_expired_session_reauthenticates_once(org: FakeSalesforce) -> None:
    conn = FakeConn(org)
    writer = Writer(conn, policy=no_sleep_policy())
    org.faults = ["expired"]
    assert create_members(writer, [member(1)])[0].success
    assert conn.reauthentications == 1
    org.faults = ["expired"]
    with pytest.raises(WriteStopped) as stopped:
        create_members(writer, [member(2)])
    assert str(stopped.value.error) == "INVALID_SESSION_ID: the session expired again after it was renewed once"
    assert conn.reauthentications == 1


def test_expired_session_without_renewable_credentials_stops(org: FakeSalesforce) -> None:
    writer = Writer(FakeConn(org, can_reauthenticate=False), policy=no_sleep_policy())
    org.faults = ["expired"]
    with pytest.raises(WriteStopped, match="INVALID_SESSION_ID: the session expired, and an access token alone"):
        writer.update("User", [{"Id": "005000000000000001", "IsActive": False}])


def test_update_is_retried_after_a_lost_answer(org: FakeSalesforce, writer: Writer) -> None:
    org.tables["User"]["005000000000000001"] = {"Id": "005000000000000001", "IsActive": True}
    org.faults = ["drop_after"]
    results = writer.update("User", [{"Id": "005000000000000001", "IsActive": False}])
    assert results[0].success
    assert org.tables["User"]["005000000000000001"]["IsActive"] is False
    assert len(org.write_calls) == 2


def test_delete_of_a_record_already_gone_counts_as_done(org: FakeSalesforce, writer: Writer) -> None:
    org.tables["CollaborationGroupMember"]["0FB000000000000001"] = {"Id": "0FB000000000000001"}
    org.faults = ["drop_after"]
    results = writer.delete("CollaborationGroupMember", ["0FB000000000000001", "0FB000000000000002"])
    assert [r.success for r in results] == [True, True]
    assert all(r.already for r in results)  # the first was deleted by the lost request, the second never existed
    assert org.tables["CollaborationGroupMember"] == {}


def test_settings_update_and_failure(org: FakeSalesforce, writer: Writer) -> None:
    assert writer.update_settings("ChatterSettings", "Chatter", {"enableInviteCsnUsers": True}).success
    assert org.settings == {"enableInviteCsnUsers": True}
    assert writer.read_settings("ChatterSettings", "Chatter")["enableInviteCsnUsers"] is True
    org.settings_reject = "INSUFFICIENT_ACCESS"
    result = writer.update_settings("ChatterSettings", "Chatter", {"enableChatter": False})
    assert not result.success and result.error.code == "INSUFFICIENT_ACCESS"
    assert result.error.message == "the org refused it"


def test_settings_update_retries_a_dropped_connection(org: FakeSalesforce, writer: Writer) -> None:
    org.faults = ["drop_before"]
    assert writer.update_settings("ChatterSettings", "Chatter", {"enableChatter": True}).success
    assert org.settings == {"enableChatter": True}


class _FaultingType:
    """A Metadata API type whose update raises the given zeep faults first, then succeeds."""

    def __init__(self, org: FakeSalesforce, faults: list[Exception]):
        self.org, self.faults = org, faults

    def __call__(self, **kwargs):
        return dict(kwargs)

    def update(self, items):
        self.org.write_calls.append(("ChatterSettings", "update", 1))
        if self.faults:
            raise self.faults.pop(0)
        self.org.settings.update({k: v for k, v in items[0].items() if k != "fullName"})


def test_soap_server_faults_are_retried_and_other_faults_fail(org: FakeSalesforce, writer: Writer) -> None:
    import zeep.exceptions

    org.mdapi.ChatterSettings = _FaultingType(org, [
        zeep.exceptions.Fault("An unexpected error occurred", code="sf:UNKNOWN_EXCEPTION"),
        zeep.exceptions.Fault("Server temporarily unavailable", code="sf:SERVER_UNAVAILABLE"),
        Exception("\nChatter: (UNABLE_TO_LOCK_ROW, unable to obtain exclusive access), "),
    ])
    assert writer.update_settings("ChatterSettings", "Chatter", {"enableChatter": True}).success
    assert len(org.write_calls) == 4
    org.mdapi.ChatterSettings = _FaultingType(org, [zeep.exceptions.Fault("no", code="sf:INVALID_TYPE")])
    result = writer.update_settings("ChatterSettings", "Chatter", {"enableChatter": True})
    assert not result.success and result.error.code == "INVALID_TYPE"


def test_soap_limit_and_expired_session(org: FakeSalesforce) -> None:
    import zeep.exceptions

    conn = FakeConn(org)
    writer = Writer(conn, policy=no_sleep_policy())
    org.mdapi.ChatterSettings = _FaultingType(org, [
        zeep.exceptions.Fault("INVALID_SESSION_ID: Invalid Session ID", code="sf:INVALID_SESSION_ID"),
        zeep.exceptions.Fault("TotalRequests Limit exceeded.", code="sf:REQUEST_LIMIT_EXCEEDED"),
    ])
    with pytest.raises(WriteStopped, match="REQUEST_LIMIT_EXCEEDED"):
        writer.update_settings("ChatterSettings", "Chatter", {"enableChatter": True})
    assert conn.reauthentications == 1
