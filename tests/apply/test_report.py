"""What apply prints about outcomes, verification and API usage."""

from __future__ import annotations

from reconciler.apply.converge import Difference, Verification
from reconciler.apply.execute import ChangeResult, Execution, Outcome
from reconciler.apply.report import outcome_lines, usage_line, verification_lines
from reconciler.org.writes import RecordError
from reconciler.plan.change import Action, Kind
from tests.apply.builders import change, member_create


def test_failures_show_code_explanation_and_what_was_skipped_or_left() -> None:
    user = change(Kind.USER, Action.CREATE, "user:jane@contoso.com")
    member = member_create("", "", group_ref="group:Hub", user_ref="user:jane@contoso.com")
    others = [member_create("0F9A", f"005{i}") for i in range(25)]
    execution = Execution([
        ChangeResult(user, Outcome.FAILED, error=RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Need a title")),
        ChangeResult(member, Outcome.SKIPPED, note="depends on user:jane@contoso.com, which failed"),
        *[ChangeResult(c, Outcome.NOT_ATTEMPTED) for c in others],
    ], stopped=RecordError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
    text = "\n".join(outcome_lines(execution))
    assert "Applied: nothing." in text
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION: a validation rule on User rejected it: Need a title" in text
    assert "depends on user:jane@contoso.com, which failed" in text
    assert "Stopped: REQUEST_LIMIT_EXCEEDED" in text and "Not attempted (25)" in text and "... and 5 more" in text


def test_applied_and_already_done_are_counted() -> None:
    results = [ChangeResult(member_create("0F9A", f"005{i}"), Outcome.APPLIED) for i in range(3)]
    results.append(ChangeResult(member_create("0F9A", "005X"), Outcome.ALREADY_DONE))
    assert outcome_lines(Execution(results)) == [
        "Applied: 3 created; 1 already so in the org (found by lookup, not written twice)."]


def test_verification_and_usage() -> None:
    assert verification_lines(Verification(())) == ["Converged: the org now holds what was written."]
    lines = verification_lines(Verification((Difference("group:Hub", "archived is false, expected true"),)))
    assert lines == ["Still different (1):", "  ~ group:Hub: archived is false, expected true"]
    lines = verification_lines(Verification((), ("User: could not be read back (TIMEOUT)",)))
    assert lines == ["Not verified (guestlist plan shows what the org holds now):",
                     "  ? User: could not be read back (TIMEOUT)"]
    assert usage_line(12, 8, (40, 15000)) == "API requests: 12 (8 to write); daily allowance left: 14,960 of 15,000."
    assert usage_line(3, 1, None, allowance_spent=True) == (
        "API requests: 3 (1 to write); daily allowance left: none (spent: the org refused a request with "
        "REQUEST_LIMIT_EXCEEDED).")


def test_progress_bar_only_for_long_applies_on_a_terminal() -> None:
    import io

    from reconciler.commands.apply import Console, _progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for err, total, shown in [(Terminal(), 500, True), (io.StringIO(), 500, False), (Terminal(), 10, False)]:
        console = Console(io.StringIO(), err, io.StringIO())
        with _progress(total, console) as advance:
            advance(total // 2)
            advance(total - total // 2)
        assert ("applying" in err.getvalue()) is shown


def test_the_org_message_is_shown_as_plain_text() -> None:
    user = change(Kind.USER, Action.CREATE, "user:jane@contoso.com")
    error = RecordError("DUPLICATE_USERNAME", "Duplicate Username.<br>The username already exists.")
    lines = outcome_lines(Execution([ChangeResult(user, Outcome.FAILED, error=error)]))
    assert lines[-2:] == [
        "      DUPLICATE_USERNAME: this username is taken in another org (usernames are unique across all Salesforce "
        "orgs): choose another username",
        "      Salesforce said: Duplicate Username. The username already exists.",
    ]
