"""Portal account owners need a role (issue 10, behaviour 6; real-orgs.md §6): Salesforce creates no Experience
Cloud user of an account whose owner has no role, and a new org's System Administrator has none. The sandbox
refuses as Salesforce does; the plan reads the owner's role with the account (no extra request) and blocks early,
naming the account and its owner. Through the API and the CLI against the sandbox org."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from reconciler.sandbox.store import Store
from tests.apply.test_apply_cli import TODAY, guestlist
from tests.plan.test_cli_scenarios import changes
from tests.sandbox.api.conftest import connect

LENA = "user:lena.berg@initech.com.acmecustomers"  # the demo plan creates her, a Customer Community Plus user


def plan_json(sandbox: RunningSandbox, config: Path) -> tuple[int, dict]:
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def one_id(sf: Salesforce, soql: str) -> str:
    return str(sf.query(soql)["records"][0]["Id"])


def _roleless_owner(sf: Salesforce) -> str:
    """rita@acme.com, a Standard User with no role (as users are made), made the owner of Initech; her id."""
    rita = sf.User.create({"Username": "rita@acme.com", "Email": "rita@acme.com", "LastName": "Rossi",
                           "Alias": "rrossi", "ProfileId": one_id(sf, "SELECT Id FROM Profile WHERE "
                                                                       "Name = 'Standard User'"),
                           "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
                           "LanguageLocaleKey": "en_US"})["id"]
    sf.Account.update(one_id(sf, "SELECT Id FROM Account WHERE Name = 'Initech'"), {"OwnerId": rita})
    return str(rita)


def test_a_new_org_refuses_portal_users_until_the_account_owner_has_a_role(tmp_path: Path) -> None:
    Store(tmp_path / "org.sqlite3", seed="empty").close()
    with start_sandbox(tmp_path / "org.sqlite3") as org:
        sf = connect(org.info)
        account = sf.Account.create({"Name": "Umbrella"})["id"]  # owned by the connected admin
        contact = sf.Contact.create({"LastName": "Ash", "Email": "ash@umbrella.example", "AccountId": account})["id"]
        user = {"Username": "ash@umbrella.example.portal", "Email": "ash@umbrella.example", "LastName": "Ash",
                "Alias": "ash", "ContactId": contact, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
                "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US",
                "ProfileId": one_id(sf, "SELECT Id FROM Profile WHERE Name = 'Customer Community User'")}
        admin = one_id(sf, "SELECT Id FROM User WHERE Username = 'admin@acme.com'")
        assert sf.User.get(admin)["UserRoleId"] is None  # a new org's System Administrator has no role
        with pytest.raises(SalesforceMalformedRequest) as refused:
            sf.User.create(user)
        assert refused.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"
        assert refused.value.content[0]["message"] == "portal account owner must have a role"

        sf.User.update(admin, {"UserRoleId": one_id(sf, "SELECT Id FROM UserRole WHERE Name = 'CEO'")})
        assert sf.User.create(user)["success"]


def test_the_plan_blocks_a_portal_user_whose_account_owner_has_no_role(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    code, demo = plan_json(sandbox, config)
    assert code == 0 and changes(demo)[LENA]["action"] == "create" and demo["blockers"] == []
    sf = connect(sandbox.info)
    rita = _roleless_owner(sf)

    code, document = plan_json(sandbox, config)
    assert code == 1
    [blocker] = document["blockers"]
    assert blocker["code"] == "portal-owner-role" and blocker["key"] == LENA
    assert "account 'Initech' is owned by rita@acme.com, who has no role" in blocker["message"]
    assert "Setup > Users > rita@acme.com > Edit > Role" in blocker["message"]
    assert blocker["source"]["file"].endswith("people.yaml") and blocker["source"]["line"] == 57
    assert LENA not in changes(document)  # nor her contact: nothing of hers is planned
    assert document["api_requests"] == demo["api_requests"]  # the role came with the account

    redacted = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--redact")
    assert "r***@acme.com" in redacted.stdout and "l***@initech.com" in redacted.stdout
    assert "rita@acme.com" not in redacted.output and "lena.berg" not in redacted.output

    applied = guestlist(sandbox, "apply", str(config), "--org", "env", "--today", TODAY, "--yes",
                        "--allow-irreversible", "--journal", str(tmp_path / "journal.jsonl"))
    assert applied.exit_code == 1 and "nothing was written" in applied.stderr
    assert sf.query("SELECT Id FROM User WHERE Username = 'lena.berg@initech.com.acmecustomers'")["records"] == []

    sf.User.update(rita, {"UserRoleId": one_id(sf, "SELECT Id FROM UserRole WHERE Name = 'CEO'")})
    code, document = plan_json(sandbox, config)
    assert code == 0 and document["blockers"] == [] and changes(document)[LENA]["action"] == "create"
