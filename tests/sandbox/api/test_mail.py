"""What the sandbox org mails, as a new real org does (real-orgs.md §4, §12): email changes wait for the person's
confirmation and mail both addresses, invitations and password resets are mailed, creating a user mails nobody.
Everything is read back through the API and `guestlist sandbox outbox --json` / `confirm-email`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceRefusedRequest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, AdminClient, connect
from tests.sandbox.api.test_rules import as_user, one, user

LOGINS = PASSWORD_LOGINS  # its tests log in as several users with passwords, as older clients do (conftest.py)


def _db(sandbox: RunningSandbox) -> str:
    return str(sandbox.store.path)


def outbox(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["sandbox", "outbox", "--json", "--db", _db(sandbox)])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["mails"])


def sent(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    return [(mail["kind"], mail["to"]) for mail in outbox(sandbox)]


def _email(sf: Salesforce, username: str) -> str:
    return str(one(sf, f"SELECT Email FROM User WHERE Username = '{username}'")["Email"])


def test_a_new_org_has_mailed_nobody(fresh: RunningSandbox) -> None:
    assert outbox(fresh) == []
    shown = CliRunner().invoke(app, ["sandbox", "outbox", "--db", _db(fresh)])
    assert shown.exit_code == 0 and shown.stdout == "no mail sent\n"


def test_an_email_change_waits_for_confirmation_and_each_request_mails_both_addresses(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    bob = one(sf, "SELECT Id FROM User WHERE Username = 'bob@acme.com'")["Id"]
    sf.User.update(bob, {"Email": "bob.okafor@acme.com", "FirstName": "Robert"})
    assert _email(sf, "bob@acme.com") == "bob@acme.com"  # the old address stays
    assert one(sf, f"SELECT FirstName FROM User WHERE Id = '{bob}'")["FirstName"] == "Robert"  # the rest is written
    sf.User.update(bob, {"Email": "bob.okafor@acme.com"})  # asked again: mailed again
    request = [("email-change-confirmation", "bob.okafor@acme.com"), ("email-change-notice", "bob@acme.com")]
    assert sent(fresh) == request * 2
    sf.User.update(bob, {"Email": "bob@acme.com"})  # the address it has: nothing to confirm, nobody mailed
    assert len(outbox(fresh)) == 4

    runner = CliRunner()
    confirmed = runner.invoke(app, ["sandbox", "confirm-email", "bob@acme.com", "--db", _db(fresh)])
    assert confirmed.exit_code == 0, confirmed.output
    assert json.loads(confirmed.stdout) == {"user_id": bob, "username": "bob@acme.com", "email": "bob.okafor@acme.com"}
    assert _email(sf, "bob@acme.com") == "bob.okafor@acme.com"
    again = runner.invoke(app, ["sandbox", "confirm-email", "bob@acme.com", "--db", _db(fresh)])
    assert again.exit_code == 1 and "No email change of bob@acme.com awaits confirmation" in again.stderr
    unknown = runner.invoke(app, ["sandbox", "confirm-email", "nobody@acme.com", "--db", _db(fresh)])
    assert unknown.exit_code == 1 and "No user has the username nobody@acme.com" in unknown.stderr
    assert "Traceback" not in again.output + unknown.output


def test_a_failed_update_mails_nobody(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    bob = one(sf, "SELECT Id FROM User WHERE Username = 'bob@acme.com'")["Id"]
    with pytest.raises(Exception):  # noqa: B017 - the email and a nickname taken by another user, in one update
        sf.User.update(bob, {"Email": "bob.okafor@acme.com", "CommunityNickname": "alice"})
    assert outbox(fresh) == [] and _email(sf, "bob@acme.com") == "bob@acme.com"


def test_an_invitation_is_mailed_to_the_invited_address(fresh: RunningSandbox) -> None:
    alice = as_user(fresh, "alice@acme.com")
    alice_id = one(alice, "SELECT Id FROM User WHERE Username = 'alice@acme.com'")["Id"]
    alice.CollaborationInvitation.create({"InvitedUserEmail": "pat@acme.co.uk", "SharedEntityId": alice_id})
    [mail] = outbox(fresh)
    assert (mail["kind"], mail["to"], mail["about"]) == ("invitation", "pat@acme.co.uk", alice_id)
    assert AdminClient(fresh.info).call("GET", "/outbox") == {"mails": [mail]}


def test_creating_a_user_mails_nobody_and_the_password_resource_sends_the_welcome_mail(fresh: RunningSandbox) -> None:
    sf = connect(fresh.info)
    new_id = sf.User.create(user(sf, "nina@acme.com", "Chatter Free User"))["id"]
    assert outbox(fresh) == []
    answer = sf.restful(f"sobjects/User/{new_id}/password", method="DELETE")
    assert isinstance(answer["NewPassword"], str) and len(answer["NewPassword"]) == 12
    assert sent(fresh) == [("password-reset", "nina@acme.com")]


def test_only_a_user_manager_may_reset_a_password(fresh: RunningSandbox) -> None:
    bob = as_user(fresh, "bob@acme.com")
    alice_id = one(bob, "SELECT Id FROM User WHERE Username = 'alice@acme.com'")["Id"]
    with pytest.raises(SalesforceRefusedRequest):
        bob.restful(f"sobjects/User/{alice_id}/password", method="DELETE")
    assert outbox(fresh) == []


def test_outbox_on_a_missing_database_says_so(tmp_path: Path) -> None:
    for command in (["outbox"], ["confirm-email", "bob@acme.com"]):
        result = CliRunner().invoke(app, ["sandbox", *command, "--db", str(tmp_path / "none.sqlite3")])
        assert result.exit_code == 1 and "no sandbox database at" in result.output
