"""DUPLICATES_DETECTED at apply time, against the sandbox org (its standard duplicate rules on, as in a new org):
a contact create that meets the rule fails on its own, naming the rule and the record it matched, its user is
skipped, and a create the plan allows to duplicate is sent with allowSave in a request of its own
(real-orgs.md §3.3, real-orgs.md §3.4)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reconciler.apply.execute import ChangeResult, Executor, Outcome
from reconciler.apply.explain import explain
from reconciler.apply.journal import Journal
from reconciler.org.connect import OrgConnection
from reconciler.org.soql import quote
from reconciler.org.writes import Writer
from reconciler.plan.change import Action, Change, Kind
from tests.apply.builders import change
from tests.apply.fakes import no_sleep_policy

EMAIL = "ada.lovelace@contoso.com"


def _contact(conn: OrgConnection, email: str = EMAIL, *, allow: bool = False) -> Change:
    account = conn.sf.query("SELECT Id FROM Account WHERE Name = 'Contoso Ltd'")["records"][0]["Id"]
    values = {"AccountId": account, "Email": email, "LastName": "Lovelace", "FirstName": "Ada"}
    created = change(Kind.CONTACT, Action.CREATE, f"contact:Contoso Ltd/{email}", values=values,
                     lookup={"AccountId": account, "Email": email})
    return dataclasses.replace(created, allow_duplicates=allow)


def _run(conn: OrgConnection, tmp_path: Path, changes: list[Change]) -> tuple[dict[str, ChangeResult], Writer]:
    writer = Writer(conn, policy=no_sleep_policy())
    with Journal(tmp_path / "journal.jsonl", "org") as journal:
        execution = Executor(writer, journal).run(changes)
    return {r.change.key: r for r in execution.results}, writer


def _lead(conn: OrgConnection) -> str:
    return conn.sf.Lead.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": EMAIL,
                                "Company": "Analytical Engines"})["id"]


def _contacts(conn: OrgConnection, email: str = EMAIL) -> int:
    return int(conn.sf.query(f"SELECT Id FROM Contact WHERE Email = {quote(email)}")["totalSize"])


def test_a_refused_contact_fails_alone_naming_the_rule_and_its_user_is_skipped(
        conn: OrgConnection, tmp_path: Path) -> None:
    lead = _lead(conn)
    refused, fresh = _contact(conn), _contact(conn, "grace.hopper@contoso.com")
    user = change(Kind.USER, Action.CREATE, "user:ada@partners", values={"LastName": "Lovelace"},
                  refs={"ContactId": refused.key}, lookup={"Username": "ada@partners"})
    results, writer = _run(conn, tmp_path, [refused, fresh, user])

    failed = results[refused.key]
    error = failed.error
    assert failed.outcome is Outcome.FAILED and error is not None
    assert error.code == "DUPLICATES_DETECTED"
    assert error.message == f"Use one of these records? (Standard_Contact_Duplicate_Rule: {lead})"
    assert explain("Contact", error).startswith("the org's duplicate rule refused a Contact that duplicates an "
                                                "existing Contact or Lead")
    assert results[fresh.key].outcome is Outcome.APPLIED
    skipped = results[user.key]
    assert skipped.outcome is Outcome.SKIPPED
    assert f"depends on {refused.key}, which failed" in (skipped.note or "")
    assert _contacts(conn) == 0 and writer.requests_by_operation[("Contact", "create")] == 1


def test_an_allowed_duplicate_is_saved_in_a_request_of_its_own(conn: OrgConnection, tmp_path: Path) -> None:
    _lead(conn)
    allowed, fresh = _contact(conn, allow=True), _contact(conn, "grace.hopper@contoso.com")
    results, writer = _run(conn, tmp_path, [allowed, fresh])
    assert {key: r.outcome for key, r in results.items()} == {
        allowed.key: Outcome.APPLIED, fresh.key: Outcome.APPLIED}
    assert _contacts(conn) == 1
    assert writer.requests_by_operation[("Contact", "create")] == 2  # allowSave is never sent for the other
