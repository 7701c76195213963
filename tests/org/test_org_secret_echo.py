"""A login server that repeats what it was sent: whatever form the credentials come back in (as sent, URL-, XML- or
JSON-encoded, the password joined to its security token), none of them reaches anything guestlist prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app

REPO = Path(__file__).resolve().parents[2]
PASSWORD, TOKEN, SECRET = 'p&ss<w>rd "1"', "TOKEN99", "s3cr!t+/=x"
SENT = PASSWORD + TOKEN


def echoes(*, secret: bool = True) -> str:
    """The credentials the way servers are seen to repeat them (the connected app's secret when it was sent)."""
    from html import escape
    from urllib.parse import quote, quote_plus

    forms = [SENT, PASSWORD, quote_plus(SENT), quote(SENT, safe=""), escape(SENT), json.dumps(SENT)[1:-1]]
    forms += [SECRET, quote_plus(SECRET)] if secret else []
    return " | ".join(forms)


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["plan", str(REPO / "desired"), "--org", "env", *args], env=env)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stdout + result.stderr


def assert_no_secret(output: str) -> None:
    for secret in (PASSWORD, TOKEN, SECRET, "p&amp;ss", "p%26ss", "s3cr%21t", 'p&ss<w>rd \\"1\\"'):
        assert secret not in output, (secret, output)


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_an_oauth_error_that_echoes_the_credentials(fake_http, output_format: str) -> None:
    env = {"SF_USERNAME": "ci@acme.com", "SF_PASSWORD": PASSWORD, "SF_SECURITY_TOKEN": TOKEN,
           "SF_CONSUMER_KEY": "3MVG9key", "SF_CONSUMER_SECRET": SECRET}
    fake_http.answer(400, {"error": "invalid_grant", "error_description": f"authentication failure: {echoes()}"})
    output = run(env, "--format", output_format)
    assert "refused the username and password (OAuth) login (invalid_grant: authentication failure:" in output
    assert "***" in output
    assert_no_secret(output)


def test_a_password_without_a_connected_app_is_never_sent(fake_http) -> None:
    """guestlist no longer sends SOAP login() (real-orgs.md §5.3): without a connected app nothing leaves."""
    env = {"SF_USERNAME": "ci@acme.com", "SF_PASSWORD": PASSWORD, "SF_SECURITY_TOKEN": TOKEN}
    output = run(env)
    assert "missing SF_CONSUMER_KEY, SF_CONSUMER_SECRET" in output and fake_http.sent == []
    assert_no_secret(output)


def test_an_org_that_echoes_the_access_token(fake_http) -> None:
    session = "00D000000000001!AQ.this-is-the-session"
    env = {"SF_INSTANCE_URL": "https://acme.my.salesforce.com", "SF_ACCESS_TOKEN": session}
    fake_http.answer(401, [{"errorCode": "INVALID_SESSION_ID", "message": f"Session {session} is not valid "
                                                                           f"({json.dumps(session)})"}])
    output = run(env)
    assert "refused the access token" in output
    assert "this-is-the-session" not in output
