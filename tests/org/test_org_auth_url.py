"""SFDX auth URLs without the CLI (`--auth-url-file PATH|-`, `SF_AUTH_URL`/`SFDX_AUTH_URL` with `--org env`):
guestlist exchanges the refresh token itself against a served sandox, which issues it through
`guestlist sandbox auth-url`; the secrets never reach the output. Also SF_PRIVATE_KEY and SF_ORG_INSTANCE_URL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox, start_sandbox

REPO = Path(__file__).resolve().parents[2]
DESIRED = str(REPO / "desired")
TODAY = "2026-11-22"
CLEAN = dict.fromkeys(("SF_INSTANCE_URL", "SF_ORG_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_PASSWORD",
                       "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_PRIVATE_KEY_FILE", "SF_PRIVATE_KEY",
                       "SF_AUTH_URL", "SFDX_AUTH_URL", "SF_TARGET_ORG", "SF_LOGIN_URL", "GUESTLIST_REDACT"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunningSandbox, Path]:
    db = tmp_path_factory.mktemp("url") / "org.sqlite3"
    with start_sandbox(db, seed="demo") as running:
        yield running, db


def invoke(args: list[str], sandbox: RunningSandbox, stdin: str | None = None, **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, input=stdin, env={**CLEAN, "SF_CA_FILE": sandbox.info.ca_file, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def auth_url(served: tuple[RunningSandbox, Path], *extra: str) -> str:
    sandbox, db = served
    code, stdout, stderr = invoke(["sandbox", "auth-url", "--db", str(db), "--instance-url",
                                   sandbox.info.instance_url, *extra], sandbox)
    assert code == 0, stderr
    return stdout.strip()


def plan(*extra: str) -> list[str]:
    return ["plan", DESIRED, "--today", TODAY, "--format", "json", *extra]


def assert_planned(served: tuple[RunningSandbox, Path], code: int, stdout: str, stderr: str, *secrets: str) -> None:
    sandbox = served[0]
    assert code == 0, stderr
    assert json.loads(stdout)["org"]["id"] == sandbox.store.org_id
    assert any(line.startswith(f"connected to {sandbox.info.username} (org {sandbox.store.org_id}, "
                               f"{sandbox.info.instance_url}) via SFDX auth URL") for line in stderr.splitlines())
    for secret in secrets:
        assert secret not in stdout + stderr


def test_sandbox_prints_an_auth_url_in_the_cli_format(served) -> None:
    url = auth_url(served)
    host = served[0].info.instance_url.removeprefix("https://")
    client, secret, rest = url.removeprefix("force://").split(":", 2)
    assert (client, secret) == ("guestlist-sandbox", "guestlist-sandbox-secret")
    assert rest.startswith("5Aep") and rest.endswith("@" + host)
    cli_url = auth_url(served, "--client-id", "PlatformCLI")
    assert cli_url.startswith("force://PlatformCLI::5Aep")


@pytest.mark.parametrize("shape", ["bare", "json", "sf-json"])
def test_auth_url_file_in_each_format_sf_accepts(served, tmp_path: Path, shape: str) -> None:
    url = auth_url(served)
    text = {"bare": url + "\n", "json": json.dumps({"sfdxAuthUrl": url}),
            "sf-json": json.dumps({"status": 0, "result": {"sfdxAuthUrl": url}, "warnings": []})}[shape]
    path = tmp_path / ("auth.json" if shape != "bare" else "auth.txt")
    path.write_text(text)
    code, stdout, stderr = invoke(plan("--auth-url-file", str(path)), served[0])
    refresh_token = url.split(":")[3].split("@")[0]
    assert_planned(served, code, stdout, stderr, refresh_token, url)


def test_auth_url_from_stdin_with_the_cli_client(served) -> None:
    url = auth_url(served, "--client-id", "PlatformCLI")
    code, stdout, stderr = invoke(plan("--auth-url-file", "-"), served[0], stdin=url)
    assert_planned(served, code, stdout, stderr, url.split(":")[3].split("@")[0])


@pytest.mark.parametrize("variable", ["SF_AUTH_URL", "SFDX_AUTH_URL"])
def test_auth_url_from_the_environment(served, variable: str) -> None:
    url = auth_url(served)
    code, stdout, stderr = invoke(plan("--org", "env"), served[0], **{variable: url})
    assert_planned(served, code, stdout, stderr, url.split(":")[3].split("@")[0])


def test_an_unknown_refresh_token_is_refused_without_echoing_it(served, tmp_path: Path) -> None:
    host = served[0].info.instance_url.removeprefix("https://")
    bogus = "5Aep" + "x" * 83
    path = tmp_path / "auth.txt"
    path.write_text(f"force://guestlist-sandbox::{bogus}@{host}")
    code, _, stderr = invoke(plan("--auth-url-file", str(path)), served[0])
    assert code == 1
    assert "refused the SFDX auth URL login (invalid_grant: expired access/refresh token)" in stderr
    assert bogus not in stderr


@pytest.mark.parametrize(("text", "expect"), [
    ("https://login.salesforce.com", "not an SFDX auth URL: expected force://<clientId>:<clientSecret>:"
                                     "<refreshToken>@<host>"),
    ('{"result": {}}', "JSON without sfdxAuthUrl"),
    ("{not json", "starts like JSON but is not valid JSON"),
])
def test_a_bad_auth_url_file_says_where_and_what(served, tmp_path: Path, text: str, expect: str) -> None:
    path = tmp_path / "auth.txt"
    path.write_text(text)
    code, _, stderr = invoke(plan("--auth-url-file", str(path)), served[0])
    assert code == 1
    assert f"error: --auth-url-file {path}: {expect}" in stderr


def test_a_missing_auth_url_file_is_named(served, tmp_path: Path) -> None:
    code, _, stderr = invoke(plan("--auth-url-file", str(tmp_path / "nope.txt")), served[0])
    assert code == 1
    assert f"error: --auth-url-file {tmp_path / 'nope.txt'}: cannot read it: No such file or directory" in stderr


def test_auth_url_and_org_env_are_refused_together(served, tmp_path: Path) -> None:
    code, _, stderr = invoke(plan("--auth-url-file", "-", "--org", "env"), served[0])
    assert code == 1 and "error: --auth-url-file and --org env both name an org: use one" in stderr


def test_sandbox_auth_url_refuses_an_unknown_user(served) -> None:
    sandbox, db = served
    code, _, stderr = invoke(["sandbox", "auth-url", "--db", str(db), "--instance-url", sandbox.info.instance_url,
                              "--username", "nobody@acme.com"], sandbox)
    assert code == 1 and "--username 'nobody@acme.com': no active user has that username" in stderr


def test_private_key_text_signs_the_jwt(served) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    sandbox = served[0]
    env = {"SF_USERNAME": sandbox.info.username, "SF_CONSUMER_KEY": "guestlist-sandbox", "SF_PRIVATE_KEY": pem,
           "SF_LOGIN_URL": sandbox.info.instance_url}
    code, stdout, stderr = invoke(plan("--org", "env"), sandbox, **env)
    assert code == 0, stderr
    assert "via JWT bearer" in stderr
    assert pem.splitlines()[1] not in stdout + stderr


def test_a_bad_private_key_text_is_named(served) -> None:
    sandbox = served[0]
    env = {"SF_USERNAME": sandbox.info.username, "SF_CONSUMER_KEY": "guestlist-sandbox",
           "SF_PRIVATE_KEY": "not a key", "SF_LOGIN_URL": sandbox.info.instance_url}
    code, _, stderr = invoke(plan("--org", "env"), sandbox, **env)
    assert code == 1 and "SF_PRIVATE_KEY: the text is not an unencrypted PEM RSA private key" in stderr


def test_sf_org_instance_url_is_the_cli_name_for_sf_instance_url(served) -> None:
    sandbox = served[0]
    env = {"SF_ORG_INSTANCE_URL": sandbox.info.instance_url, "SF_ACCESS_TOKEN": sandbox.info.access_token}
    code, _, stderr = invoke(plan("--org", "env"), sandbox, **env)
    assert code == 0, stderr
    assert "via access token" in stderr


def test_the_missing_variables_message_names_the_alternatives(served) -> None:
    code, _, stderr = invoke(plan("--org", "env"), served[0], SF_USERNAME="a@b.com", SF_CONSUMER_KEY="k",
                             PATH=os.environ["PATH"])
    assert code == 1
    assert "JWT bearer: missing SF_PRIVATE_KEY_FILE (or SF_PRIVATE_KEY)" in stderr
    assert "SFDX auth URL: SF_AUTH_URL (or SFDX_AUTH_URL)" in stderr


def test_every_secret_part_of_an_auth_url_is_held_by_the_output_guard() -> None:
    from reconciler import guard
    from reconciler.org.auth_url import parse_auth_url

    refresh_token = "5Aep" + "Q7" * 40
    url = f"force://some-app:a-client-secret-1234:{refresh_token}@example.my.salesforce.com"
    parsed = parse_auth_url(json.dumps({"result": {"sfdxAuthUrl": url}}), "test")
    assert (parsed.client_id, parsed.login_url) == ("some-app", "https://example.my.salesforce.com")
    shown = guard.mask(f"url {url}; token {refresh_token}; secret a-client-secret-1234; app some-app")
    assert refresh_token not in shown and "a-client-secret-1234" not in shown and url not in shown
    assert "some-app" in shown and refresh_token not in repr(parsed)
