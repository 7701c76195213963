"""Choosing credentials from the environment, and the messages for missing or wrong ones (pure)."""

from __future__ import annotations

import pytest

from reconciler.org.connect import ConnectError, connect, normalise_url, select_credentials

ALL = {
    "SF_INSTANCE_URL": "https://acme.my.salesforce.com",
    "SF_ACCESS_TOKEN": "00D000000000001!tokenvalue",
    "SF_USERNAME": "ci@acme.com",
    "SF_CONSUMER_KEY": "3MVG9key",
    "SF_PRIVATE_KEY_FILE": "/keys/server.key",
    "SF_PASSWORD": "hunter2-password",
    "SF_SECURITY_TOKEN": "sectoken123",
    "SF_CONSUMER_SECRET": "consumer-secret-value",
}


def only(*names: str, **extra: str) -> dict[str, str]:
    return {name: ALL[name] for name in names} | extra


@pytest.mark.parametrize(
    ("env", "method"),
    [
        (ALL, "access token"),
        (only("SF_USERNAME", "SF_CONSUMER_KEY", "SF_PRIVATE_KEY_FILE", "SF_PASSWORD", "SF_SECURITY_TOKEN"),
         "JWT bearer"),
        (only("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET"),
         "username and password (OAuth)"),
        (only("SF_USERNAME", "SF_PASSWORD", "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", SF_SECURITY_TOKEN=""),
         "username and password (OAuth)"),
        (only("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET"), "client credentials"),
        (only("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_USERNAME"), "client credentials"),
    ],
)
def test_the_first_complete_set_wins(env: dict[str, str], method: str) -> None:
    assert select_credentials(env).method == method


def test_login_url_defaults_to_production_and_accepts_my_domain() -> None:
    assert select_credentials(only("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET")).login_url == "https://login.salesforce.com"
    env = only("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", SF_LOGIN_URL="acme.my.salesforce.com/")
    assert select_credentials(env).login_url == "https://acme.my.salesforce.com"


def test_missing_variables_are_named_per_partial_set() -> None:
    with pytest.raises(ConnectError) as err:
        select_credentials(only("SF_USERNAME", "SF_PASSWORD"))
    message = str(err.value)
    assert "username and password: missing SF_SECURITY_TOKEN" in message
    assert "JWT bearer: missing SF_CONSUMER_KEY, SF_PRIVATE_KEY_FILE" in message
    assert ALL["SF_PASSWORD"] not in message and ALL["SF_USERNAME"] not in message


def test_a_password_without_a_connected_app_says_why_it_needs_one() -> None:
    """SOAP login() is off in new orgs and retired (real-orgs.md §5.3): the password goes through the OAuth flow."""
    with pytest.raises(ConnectError) as err:
        select_credentials(only("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN"))
    message = str(err.value)
    assert "username and password: missing SF_CONSUMER_KEY, SF_CONSUMER_SECRET" in message
    assert ("SOAP login() is disabled in new orgs and retired in Summer '27, so guestlist uses the OAuth "
            "username-password flow") in message
    assert ALL["SF_PASSWORD"] not in message
    assert "SOAP" not in str(pytest.raises(ConnectError, select_credentials, only("SF_USERNAME")).value)


def test_an_empty_environment_lists_every_way_to_connect() -> None:
    with pytest.raises(ConnectError) as err:
        select_credentials({})
    message = str(err.value)
    for line in ("SF_INSTANCE_URL (or SF_ORG_INSTANCE_URL) + SF_ACCESS_TOKEN", "SF_AUTH_URL (or SFDX_AUTH_URL)",
                 "SF_USERNAME + SF_CONSUMER_KEY + SF_PRIVATE_KEY_FILE (or SF_PRIVATE_KEY)",
                 "SF_USERNAME + SF_PASSWORD + SF_SECURITY_TOKEN", "SF_CONSUMER_KEY + SF_CONSUMER_SECRET"):
        assert line in message
    assert "missing" not in message


def test_an_empty_value_counts_as_missing() -> None:
    with pytest.raises(ConnectError, match="access token: missing SF_ACCESS_TOKEN"):
        select_credentials(only("SF_INSTANCE_URL", SF_ACCESS_TOKEN=""))


def test_credentials_never_show_their_values() -> None:
    creds = select_credentials(ALL)
    assert ALL["SF_ACCESS_TOKEN"] not in repr(creds)
    password = only("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET")
    assert ALL["SF_PASSWORD"] not in repr(select_credentials(password))


@pytest.mark.parametrize(
    ("value", "error"),
    [("http://acme.my.salesforce.com", "must be an https:// URL"), ("https://login.salesforce.com/services", "not")],
)
def test_bad_login_urls_are_refused(value: str, error: str) -> None:
    with pytest.raises(ConnectError, match=error):
        normalise_url("SF_LOGIN_URL", value)


def test_plain_http_instance_is_refused_before_any_request() -> None:
    with pytest.raises(ConnectError, match="SF_INSTANCE_URL must be an https:// URL"):
        connect("env", env=only("SF_ACCESS_TOKEN", SF_INSTANCE_URL="http://127.0.0.1:8080"))


def test_missing_ca_file_is_named() -> None:
    with pytest.raises(ConnectError, match="SF_CA_FILE: no such file: /nonexistent/ca.pem"):
        connect("env", env=only("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", SF_CA_FILE="/nonexistent/ca.pem"))


def test_unknown_org() -> None:
    with pytest.raises(ConnectError, match="unknown org 'prod': use one of sandbox, env"):
        connect("prod")


def test_unreachable_host_is_reported_without_retrying() -> None:
    with pytest.raises(ConnectError, match=r"cannot reach 127\.0\.0\.1:9: Connection refused") as err:
        connect("env", env=only("SF_ACCESS_TOKEN", SF_INSTANCE_URL="https://127.0.0.1:9"))
    assert ALL["SF_ACCESS_TOKEN"] not in str(err.value)
