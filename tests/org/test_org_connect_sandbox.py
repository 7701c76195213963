"""--org env against a running sandbox: an existing token, each login flow guestlist performs itself, TLS trust,
re-authentication, and the messages for refused credentials (all through HTTPS and simple-salesforce)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.model import DesiredState
from reconciler.org.connect import ConnectError, SessionExpired, connect
from reconciler.org.observe import observe
from reconciler.sandbox.auth import LoginPolicy
from reconciler.sandbox.runner import start_sandbox

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 12, 1)
SANDBOX_APP = {"SF_CONSUMER_KEY": "guestlist-sandbox", "SF_CONSUMER_SECRET": "guestlist-sandbox-secret"}
ADMIN = {"SF_USERNAME": "admin@acme.com", "SF_PASSWORD": "sandbox", "SF_SECURITY_TOKEN": ""}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory):
    with start_sandbox(tmp_path_factory.mktemp("env") / "sandbox.sqlite3") as running:
        yield running


@pytest.fixture(scope="module")
def password_org(tmp_path_factory: pytest.TempPathFactory):
    """An org whose administrator allowed the OAuth username-password flow (`sandbox serve --password-flow`)."""
    db = tmp_path_factory.mktemp("password") / "sandbox.sqlite3"
    with start_sandbox(db, logins=LoginPolicy(password_flow=True)) as running:
        yield running


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("jwt") / "server.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return str(path)


def login_env(sandbox, **values: str) -> dict[str, str]:
    return {"SF_LOGIN_URL": sandbox.info.instance_url, "SF_CA_FILE": sandbox.info.ca_file, **values}


def test_an_existing_token_with_the_sandbox_ca(sandbox) -> None:
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": sandbox.info.access_token,
           "SF_CA_FILE": sandbox.info.ca_file}
    with connect("env", env=env) as conn:
        assert (conn.method, conn.is_sandbox, conn.reauthenticate) == ("access token", False, None)
        snapshot = observe(conn, DesiredState())
        assert snapshot.org.name == "Acme" and not snapshot.org.is_sandbox_org
        assert sandbox.info.access_token not in repr(conn)


def test_the_ca_can_come_from_requests_ca_bundle(sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", sandbox.info.ca_file)
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": sandbox.info.access_token}
    with connect("env", env=env) as conn:
        assert conn.user_info["preferred_username"] == "admin@acme.com"


def test_an_untrusted_certificate_is_a_clear_error(sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": sandbox.info.access_token}
    with pytest.raises(ConnectError, match=r"TLS verification of 127\.0\.0\.1:\d+ failed \(.+\)") as err:
        connect("env", env=env)
    assert "SF_CA_FILE" in str(err.value) and sandbox.info.access_token not in str(err.value)


def test_a_refused_token_is_named_and_redacted(sandbox) -> None:
    bad = sandbox.info.access_token[:-4] + "XXXX"
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": bad, "SF_CA_FILE": sandbox.info.ca_file}
    with pytest.raises(ConnectError, match="refused the access token") as err:
        connect("env", env=env)
    assert bad not in str(err.value) and bad.split("!")[1] not in str(err.value)


@pytest.mark.parametrize(
    ("org", "values", "method"),
    [
        ("password_org", ADMIN | SANDBOX_APP, "username and password (OAuth)"),
        ("sandbox", SANDBOX_APP, "client credentials"),
    ],
)
def test_logins_guestlist_performs(org: str, values: dict[str, str], method: str,
                                   request: pytest.FixtureRequest) -> None:
    served = request.getfixturevalue(org)
    with connect("env", env=login_env(served, **values)) as conn:
        assert conn.method == method
        assert conn.user_info["preferred_username"] == "admin@acme.com"
        assert conn.counter.by_kind["auth"] == 1
        assert observe(conn, DesiredState()).org.username == "admin@acme.com"


def test_a_username_and_password_alone_no_longer_log_in(password_org) -> None:
    """SOAP login() is off in new orgs and retired (real-orgs.md §5.3): the password needs a connected app."""
    with pytest.raises(ConnectError) as err:
        connect("env", env=login_env(password_org, **ADMIN))
    message = str(err.value)
    assert "username and password: missing SF_CONSUMER_KEY, SF_CONSUMER_SECRET" in message
    assert "SOAP login() is disabled in new orgs" in message and "sandbox" not in message.split("Set one of")[0]
    assert "POST /services/Soap/u login" not in password_org.admin.counters.snapshot()["by_endpoint"]


def test_a_new_org_blocks_the_password_flow_and_the_message_says_how_to_allow_it(sandbox) -> None:
    with pytest.raises(ConnectError) as err:
        connect("env", env=login_env(sandbox, **ADMIN, **SANDBOX_APP))
    message = str(err.value)
    assert "refused the username and password (OAuth) login (invalid_grant: authentication failure)" in message
    assert "orgs created since Summer '23 do by default" in message
    assert "Setup > OAuth and OpenID Connect Settings > Allow OAuth Username-Password Flows" in message
    assert "JWT bearer or client credentials are safer" in message


def test_plan_with_a_password_in_a_new_org_and_once_the_flow_is_allowed(sandbox, password_org) -> None:
    """Through the CLI: a new org refuses the username-password flow and the message says how to allow it; an org
    that allows it plans (real-orgs.md §5.3)."""
    args = ["plan", str(REPO / "desired"), "--org", "env", "--today", "2026-11-22", "--format", "json"]
    clean = {"SF_INSTANCE_URL": None, "SF_ACCESS_TOKEN": None, "SF_PRIVATE_KEY_FILE": None, "SF_PRIVATE_KEY": None}
    refused = CliRunner().invoke(app, args, env={**login_env(sandbox, **ADMIN, **SANDBOX_APP), **clean})
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert json.loads(refused.stdout)["error"]["code"] == "connect-failed"
    assert "Allow OAuth Username-Password Flows" in refused.stderr and "sandbox-secret" not in refused.stderr
    planned = CliRunner().invoke(app, args, env={**login_env(password_org, **ADMIN, **SANDBOX_APP), **clean})
    assert planned.exit_code in (0, 2), planned.stderr
    assert "via username and password (OAuth)" in planned.stderr


def test_jwt_bearer_login(sandbox, key_file: str) -> None:
    """The token request goes to SF_LOGIN_URL (the sandbox's own URL), the audience is login.salesforce.com
    (real-orgs.md §5.1): the sandbox refuses its own host as the audience, so one accepted request proves it."""
    env = login_env(sandbox, SF_USERNAME="bob@acme.com", SF_CONSUMER_KEY="guestlist-sandbox",
                    SF_PRIVATE_KEY_FILE=key_file)
    with connect("env", env=env) as conn:
        assert conn.method == "JWT bearer"
        assert conn.user_info["preferred_username"] == "bob@acme.com"
        assert conn.counter.by_kind["auth"] == 1


def test_a_jwt_audience_the_org_refuses_names_the_fix(sandbox, key_file: str) -> None:
    env = login_env(sandbox, SF_USERNAME="bob@acme.com", SF_CONSUMER_KEY="guestlist-sandbox",
                    SF_PRIVATE_KEY_FILE=key_file, SF_JWT_AUDIENCE=sandbox.info.instance_url)
    with pytest.raises(ConnectError) as err:
        connect("env", env=env)
    assert str(err.value) == (
        f"{sandbox.info.instance_url} refused the JWT bearer login (invalid_grant: audience is invalid). Likely "
        f"cause: the org accepts none of the JWT audiences sent (sent: {sandbox.info.instance_url}); fix: set "
        "SF_JWT_AUDIENCE to https://login.salesforce.com for a production org or https://test.salesforce.com for a "
        "sandbox.")


def test_a_wrong_password_is_refused_without_echoing_it(password_org) -> None:
    env = login_env(password_org, SF_USERNAME="admin@acme.com", SF_PASSWORD="wrong-horse-battery",
                    SF_SECURITY_TOKEN="", **SANDBOX_APP)
    with pytest.raises(ConnectError, match=r"refused the username and password \(OAuth\) login \(invalid_grant: "
                                           r"authentication failure\)\. Likely causes: a wrong SF_PASSWORD") as err:
        connect("env", env=env)
    assert "wrong-horse-battery" not in str(err.value)


def test_a_wrong_client_secret(sandbox) -> None:
    env = login_env(sandbox, SF_CONSUMER_KEY="guestlist-sandbox", SF_CONSUMER_SECRET="not-the-secret")
    with pytest.raises(ConnectError, match=r"refused the client credentials login \(invalid_client") as err:
        connect("env", env=env)
    assert "not-the-secret" not in str(err.value)


def test_observe_renews_an_expired_session_once(sandbox, key_file: str) -> None:
    env = login_env(sandbox, SF_USERNAME="admin@acme.com", SF_CONSUMER_KEY="guestlist-sandbox",
                    SF_PRIVATE_KEY_FILE=key_file)
    with connect("env", env=env) as conn:
        conn.sf.mdapi.ChatterSettings.read(["Chatter"])  # built before the session ends
        sandbox.admin.expire_sessions()
        snapshot = observe(conn, DesiredState())
        assert snapshot.org.name == "Acme"
        assert conn.counter.by_kind["auth"] == 2
        # the Metadata API (zeep) uses the fresh token and the same counted session too
        conn.sf.mdapi.ChatterSettings.read(["Chatter"])
        assert conn.counter.by_kind["metadata"] == 2
    sandbox.reset()


def test_an_expired_access_token_says_it_cannot_be_renewed(sandbox) -> None:
    token = sandbox.reset().access_token
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": token, "SF_CA_FILE": sandbox.info.ca_file}
    with connect("env", env=env) as conn:
        sandbox.admin.expire_sessions()
        with pytest.raises(SessionExpired, match=r"INVALID_SESSION_ID.*cannot be renewed: set a fresh SF_ACCESS_TOKEN"):
            observe(conn, DesiredState())
    sandbox.reset()


def test_the_built_in_sandbox_renews_its_session_like_a_real_org(tmp_path: Path) -> None:
    """--org sandbox: the sandbox's own expired-session fault (set through its public /_sandbox/ path) ends the
    session mid-read; observe renews it with the client credentials of the sandbox's connected app (a flow a new
    org allows) and reads everything again."""
    with connect("sandbox", sandbox_db=tmp_path / "sandbox.sqlite3") as conn:
        assert conn.reauthenticate is not None
        fault = {"rules": [{"kind": "expired-session", "path": "/query", "nth": 2}]}
        assert conn.sf.session.put(f"{conn.instance_url}/_sandbox/faults", json=fault,
                                    headers=conn.sf.headers).status_code == 200
        before = conn.counter.by_kind["auth"]
        snapshot = observe(conn, DesiredState())
        assert snapshot.org.name == "Acme" and snapshot.org.is_sandbox_org
        assert conn.counter.by_kind["auth"] == before + 1
        assert conn.sf.query("SELECT Id FROM Organization")["totalSize"] == 1


def test_connections_share_one_parsed_metadata_wsdl(sandbox) -> None:
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": sandbox.info.access_token,
           "SF_CA_FILE": sandbox.info.ca_file}
    with connect("env", env=env) as first, connect("env", env=env) as second:
        agent = first.sf.session.headers["User-Agent"]
        assert first.sf.mdapi._client.wsdl is second.sf.mdapi._client.wsdl
        assert first.sf.mdapi._client.transport.session is first.sf.session
        assert second.sf.mdapi._client.transport.session is second.sf.session
        first.sf.mdapi.ChatterSettings.read(["Chatter"])
        assert (first.counter.by_kind["metadata"], second.counter.by_kind["metadata"]) == (1, 0)
        assert first.sf.session.headers["User-Agent"] == agent  # zeep leaves the shared session alone


def test_close_stops_the_in_process_sandbox(tmp_path: Path) -> None:
    conn = connect("sandbox", sandbox_db=tmp_path / "sandbox.sqlite3")
    url = conn.instance_url
    conn.close()
    conn.close()  # idempotent
    with pytest.raises(ConnectError, match="cannot reach"):
        connect("env", env={"SF_INSTANCE_URL": url, "SF_ACCESS_TOKEN": "00D000000000001!x",
                            "SF_CA_FILE": str(tmp_path / "ca.pem")})


def test_debug_logs_of_the_libraries_carry_no_token(sandbox, caplog: pytest.LogCaptureFixture) -> None:
    env = {"SF_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": sandbox.info.access_token,
           "SF_CA_FILE": sandbox.info.ca_file}
    with caplog.at_level(logging.DEBUG), connect("env", env=env) as conn:
        conn.sf.mdapi.ChatterSettings.read(["Chatter"])  # zeep logs the whole envelope, session header included
    assert "readMetadata" in caplog.text
    assert sandbox.info.access_token not in caplog.text
    assert sandbox.info.access_token.split("!")[1] not in caplog.text
