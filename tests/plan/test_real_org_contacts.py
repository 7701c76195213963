"""Contacts as real orgs have them, through the CLI against the sandbox with its defaults (issue 10, behaviour 3):
the standard Contact duplicate rule is on, so a new contact that duplicates a Contact on another account or a Lead
is refused with DUPLICATES_DETECTED unless the request carries allowSave (real-orgs.md §3.1, real-orgs.md §3.3).
guestlist reads the Contacts and Leads of the declared emails first: it reuses the declared account's contact,
blocks naming the others, or with policy.duplicate_contacts: create saves a new contact with allowSave; and an
apply whose saved plan a new Lead overtook is refused before writing (tests/apply/test_duplicates_sandbox.py
covers a create that meets the rule anyway).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from typer.testing import CliRunner, Result

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.plan.conftest import env_of
from tests.plan.test_cli_scenarios import TODAY, changes
from tests.sandbox.api.conftest import connect

EMAIL = "ada.lovelace@contoso.com"
USER = "ada.lovelace@contoso.com.acmepartners"
CONFIG = f"""
external_users:
  - username: {USER}
    email: {EMAIL}
    first_name: Ada
    last_name: Lovelace
    account: Contoso Ltd
    license: Partner Community
    profile: Partner Community User
"""


@pytest.fixture
def org(demo_db: Path, tmp_path: Path) -> Iterator[RunningSandbox]:
    path = tmp_path / "org" / "org.sqlite3"
    path.parent.mkdir()
    path.write_bytes(demo_db.read_bytes())
    with start_sandbox(path) as running:
        yield running


@pytest.fixture
def sf(org: RunningSandbox) -> Salesforce:
    return connect(org.info)


def _config(tmp_path: Path, policy: str = "") -> Path:
    path = tmp_path / "ada.yaml"
    path.write_text(CONFIG + (f"policy:\n  duplicate_contacts: {policy}\n" if policy else ""))
    return path


def guestlist(org: RunningSandbox, *args: str) -> Result:
    result = CliRunner().invoke(app, list(args), env=env_of(org))  # type: ignore[arg-type]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def plan(org: RunningSandbox, config: Path, *args: str) -> tuple[int, dict]:
    result = guestlist(org, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def apply(org: RunningSandbox, config: Path, tmp_path: Path, *args: str) -> Result:
    return guestlist(org, "apply", str(config), "--org", "env", "--today", TODAY, "--yes",
                     "--journal", str(tmp_path / "journal.jsonl"), *args)


ALLOW_SAVE = {"Sforce-Duplicate-Rule-Header": "allowSave=true"}


def _lead(sf: Salesforce) -> str:
    """A lead for Ada (saved even if it duplicates a contact, as a user acknowledging the alert would)."""
    return sf.Lead.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": EMAIL,
                           "Company": "Analytical Engines"}, headers=ALLOW_SAVE)["id"]


def _account(sf: Salesforce, name: str) -> str:
    return sf.query(f"SELECT Id FROM Account WHERE Name = '{name}'")["records"][0]["Id"]


def _contacts(sf: Salesforce) -> list[tuple[str, str]]:
    records = sf.query(f"SELECT Id, AccountId FROM Contact WHERE Email = '{EMAIL}'")["records"]
    return sorted((r["Id"], r["AccountId"] or "") for r in records)


def _user_contact(sf: Salesforce) -> str | None:
    records = sf.query(f"SELECT ContactId FROM User WHERE Username = '{USER}'")["records"]
    return records[0]["ContactId"] if records else None


def test_a_lead_with_the_email_blocks_the_new_contact_and_the_policy_creates_it(
        org: RunningSandbox, sf: Salesforce, tmp_path: Path) -> None:
    lead = _lead(sf)
    code, document = plan(org, _config(tmp_path))
    assert code == 1, document
    [blocker] = document["blockers"]
    assert (blocker["code"], blocker["key"]) == ("existing-contact-or-lead", f"contact:Contoso Ltd/{EMAIL}")
    assert f"Lead {lead} of company 'Analytical Engines'" in blocker["message"]
    assert "policy.duplicate_contacts: create" in blocker["message"]
    refused = apply(org, _config(tmp_path), tmp_path)
    assert refused.exit_code == 1 and "existing-contact-or-lead" in refused.output and "Traceback" not in refused.output
    assert _contacts(sf) == []

    create = _config(tmp_path, "create")
    code, document = plan(org, create)
    assert code == 0 and document["blockers"] == []
    contact = changes(document)[f"contact:Contoso Ltd/{EMAIL}"]
    assert contact["action"] == "create" and contact["allow_duplicates"] is True
    [warning] = [w for w in document["warnings"] if w["code"] == "existing-contact-or-lead"]
    assert lead in warning["message"] and "allowSave" in warning["message"]
    assert changes(document)[f"user:{USER}"]["allow_duplicates"] is False

    applied = apply(org, create, tmp_path)
    assert applied.exit_code == 0, applied.output
    [(contact_id, account_id)] = _contacts(sf)
    assert account_id == _account(sf, "Contoso Ltd") and _user_contact(sf) == contact_id
    assert len(sf.query(f"SELECT Id FROM Lead WHERE Email = '{EMAIL}'")["records"]) == 1  # the lead stays
    code, document = plan(org, create, "--detailed-exitcode")
    assert code == 0 and document["changes"] == [] and document["blockers"] == []


def test_the_declared_accounts_contact_is_reused_and_one_elsewhere_blocks(
        org: RunningSandbox, sf: Salesforce, tmp_path: Path) -> None:
    globex = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": EMAIL,
                                "AccountId": _account(sf, "Globex Corporation")})["id"]
    code, document = plan(org, _config(tmp_path))
    assert code == 1
    [blocker] = document["blockers"]
    assert blocker["code"] == "existing-contact-or-lead"
    assert f"Contact {globex} on account 'Globex Corporation'" in blocker["message"]

    _lead(sf)  # a lead as well: the contact on the declared account is still the one to use
    ours = sf.Contact.create({"FirstName": "Ada", "LastName": "Lovelace", "Email": EMAIL.upper(),
                              "AccountId": _account(sf, "Contoso Ltd")},
                             headers=ALLOW_SAVE)["id"]
    code, document = plan(org, _config(tmp_path))
    assert code == 0 and document["blockers"] == []
    assert not [c for c in document["changes"] if c["kind"] == "contact"]
    assert changes(document)[f"user:{USER}"]["values"]["ContactId"] == ours
    assert apply(org, _config(tmp_path), tmp_path).exit_code == 0
    assert _user_contact(sf) == ours


def test_a_saved_plan_overtaken_by_a_new_lead_is_refused_before_any_write(
        org: RunningSandbox, sf: Salesforce, tmp_path: Path) -> None:
    config = _config(tmp_path)
    saved = tmp_path / "plan.json"
    code, _ = plan(org, config, "--out", str(saved))
    assert code == 0
    _lead(sf)  # the person turns up as a lead after the plan was made: apply re-plans, meets the blocker

    applied = apply(org, config, tmp_path, "--plan", str(saved))
    assert applied.exit_code == 4, applied.output
    assert "plans differently now; nothing was written" in applied.output and "duplicate rule" in applied.output
    assert _contacts(sf) == [] and _user_contact(sf) is None
    code, document = plan(org, config)
    assert code == 1 and [b["code"] for b in document["blockers"]] == ["existing-contact-or-lead"]


def test_the_blocker_is_redacted(org: RunningSandbox, sf: Salesforce, tmp_path: Path) -> None:
    _lead(sf)
    result = guestlist(org, "plan", str(_config(tmp_path)), "--org", "env", "--today", TODAY, "--redact")
    assert result.exit_code == 1 and "existing-contact-or-lead" in result.output
    assert "ada.lovelace" not in result.output and "Lovelace" not in result.output


def test_no_lead_read_without_external_users(org: RunningSandbox, tmp_path: Path) -> None:
    groups = tmp_path / "groups.yaml"
    groups.write_text("groups:\n  - name: Open Room\n    access: public\n")
    with_users = tmp_path / "both.yaml"
    with_users.write_text(groups.read_text() + CONFIG)
    _, only_groups = plan(org, groups)
    _, both = plan(org, with_users)
    # external users cost their reads (accounts, contacts, leads, profiles) and nothing else: their users come in
    # the one users read the config makes anyway (docs/decisions/read-planner.md)
    assert both["api_requests"] - only_groups["api_requests"] == 4


def test_one_person_on_two_accounts_gets_both_contacts_in_one_apply(
        org: RunningSandbox, sf: Salesforce, tmp_path: Path) -> None:
    """Records saved together aren't compared with each other (real-orgs.md §3.1): both contacts are created in
    one request, and the next plan reuses each on its own account."""
    config = tmp_path / "two.yaml"
    config.write_text(CONFIG + CONFIG.split("\n", 2)[2].replace(USER, "ada@globex.example.acmecustomers")
                      .replace("Contoso Ltd", "Globex Corporation").replace("Partner Community", "Customer Community"))
    code, document = plan(org, config)
    assert code == 0 and len([c for c in document["changes"] if c["kind"] == "contact"]) == 2, document
    applied = apply(org, config, tmp_path)
    assert applied.exit_code == 0, applied.output
    assert sorted(account for _, account in _contacts(sf)) == sorted(
        [_account(sf, "Contoso Ltd"), _account(sf, "Globex Corporation")])
    code, document = plan(org, config)
    assert code == 0 and document["changes"] == [] and document["blockers"] == []
