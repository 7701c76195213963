"""The token requests guestlist makes itself (JWT bearer with its audiences, client credentials, the OAuth
username-password flow), checked on the wire with a scripted transport (pure)."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.org.connect import ConnectError, jwt_audiences, jwt_claims, request_token, select_credentials
from reconciler.org.requests import RequestCounter, build_session

TOKEN_OK = {"access_token": "00D000000000001!AQ.fresh-token", "instance_url": "https://acme.my.salesforce.com",
            "token_type": "Bearer"}
@pytest.fixture(scope="module")
def rsa_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, rsa.RSAPublicKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("keys") / "server.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path, key.public_key()


def session_and_counter():
    counter = RequestCounter()
    return build_session(counter), counter


def test_jwt_claims() -> None:
    now = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    claims = jwt_claims("3MVG9key", "ci@acme.com", "https://test.salesforce.com", now)
    assert claims == {"iss": "3MVG9key", "sub": "ci@acme.com", "aud": "https://test.salesforce.com",
                      "exp": int(now.timestamp()) + 180}


def test_jwt_bearer_posts_a_signed_assertion(fake_http, rsa_key) -> None:
    key_file, public_key = rsa_key
    creds = select_credentials({"SF_USERNAME": "ci@acme.com", "SF_CONSUMER_KEY": "3MVG9key",
                                "SF_PRIVATE_KEY_FILE": str(key_file), "SF_LOGIN_URL": "https://test.salesforce.com"})
    session, counter = session_and_counter()
    fake_http.answer(200, TOKEN_OK)
    token = request_token(session, creds)
    assert (token.access_token, token.instance_url) == (TOKEN_OK["access_token"], "https://acme.my.salesforce.com")
    sent = fake_http.sent[0]
    assert (sent.method, sent.url) == ("POST", "https://test.salesforce.com/services/oauth2/token")
    form = parse_qs(sent.body)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(form["assertion"][0], public_key, algorithms=["RS256"], audience="https://test.salesforce.com")
    assert (claims["iss"], claims["sub"]) == ("3MVG9key", "ci@acme.com")
    assert 0 < claims["exp"] - dt.datetime.now(dt.UTC).timestamp() <= 180
    assert counter.by_kind["auth"] == 1 and counter.total == 1


def test_jwt_with_an_unreadable_or_bad_key(tmp_path: Path) -> None:
    env = {"SF_USERNAME": "ci@acme.com", "SF_CONSUMER_KEY": "k", "SF_PRIVATE_KEY_FILE": str(tmp_path / "none.key")}
    session, _ = session_and_counter()
    with pytest.raises(ConnectError, match="SF_PRIVATE_KEY_FILE: cannot read .*none.key"):
        request_token(session, select_credentials(env))
    bad = tmp_path / "bad.key"
    bad.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ConnectError, match="is not an unencrypted PEM RSA private key") as err:
        request_token(session, select_credentials(env | {"SF_PRIVATE_KEY_FILE": str(bad)}))
    assert "not a key" not in str(err.value)


def test_jwt_refused(fake_http, rsa_key) -> None:
    creds = select_credentials({"SF_USERNAME": "ci@acme.com", "SF_CONSUMER_KEY": "3MVG9key",
                                "SF_PRIVATE_KEY_FILE": str(rsa_key[0])})
    fake_http.answer(400, {"error": "invalid_grant", "error_description": "user hasn't approved this consumer"})
    with pytest.raises(ConnectError) as err:
        request_token(session_and_counter()[0], creds)
    assert "https://login.salesforce.com refused the JWT bearer login (invalid_grant: user hasn't approved" in str(
        err.value)
    assert "Likely cause: the user is not pre-authorised for the connected app; fix: set the app's Permitted " \
           "Users to \"Admin approved users are pre-authorized\"" in str(err.value)
    assert len(fake_http.sent) == 1  # login.salesforce.com takes one audience only


@pytest.mark.parametrize(("login_url", "audiences"), [
    ("https://login.salesforce.com", ("https://login.salesforce.com",)),
    ("https://test.salesforce.com", ("https://test.salesforce.com",)),
    ("https://acme.my.salesforce.com", ("https://login.salesforce.com", "https://test.salesforce.com")),
    ("https://acme--uat.sandbox.my.salesforce.com", ("https://test.salesforce.com", "https://login.salesforce.com")),
    ("https://acme--uat.my.salesforce.com", ("https://test.salesforce.com", "https://login.salesforce.com")),
    ("https://cs42.salesforce.com", ("https://test.salesforce.com", "https://login.salesforce.com")),
    ("https://127.0.0.1:8443", ("https://login.salesforce.com", "https://test.salesforce.com")),
])
def test_the_jwt_audience_is_login_or_test_whatever_the_login_url(login_url: str, audiences: tuple[str, ...]) -> None:
    """real-orgs.md §5.1: never the My Domain; test first for sandbox hosts; both tried for a My Domain."""
    assert jwt_audiences(login_url) == audiences
    assert jwt_audiences(login_url, "https://gs1.salesforce.com/") == ("https://gs1.salesforce.com",)
    assert jwt_audiences(login_url, "https://acme.force.com/customers") == ("https://acme.force.com/customers",)
    with pytest.raises(ConnectError, match="SF_JWT_AUDIENCE must be an https:// URL"):
        jwt_audiences(login_url, "login.salesforce.com")


def jwt_env(key_file: Path, **extra: str) -> dict[str, str]:
    return {"SF_USERNAME": "ci@acme.com", "SF_CONSUMER_KEY": "3MVG9key", "SF_PRIVATE_KEY_FILE": str(key_file),
            **extra}


def sent_audience(request, public_key) -> str:
    assertion = parse_qs(request.body)["assertion"][0]
    return str(jwt.decode(assertion, public_key, algorithms=["RS256"], options={"verify_aud": False})["aud"])


def test_a_my_domain_gets_the_token_there_with_the_production_audience_then_the_sandbox_one(fake_http,
                                                                                            rsa_key) -> None:
    key_file, public_key = rsa_key
    creds = select_credentials(jwt_env(key_file, SF_LOGIN_URL="https://acme.my.salesforce.com"))
    fake_http.answer(400, {"error": "invalid_grant", "error_description": "audience is invalid"})
    fake_http.answer(200, TOKEN_OK)
    session, counter = session_and_counter()
    assert request_token(session, creds).access_token == TOKEN_OK["access_token"]
    assert [r.url for r in fake_http.sent] == ["https://acme.my.salesforce.com/services/oauth2/token"] * 2
    assert [sent_audience(r, public_key) for r in fake_http.sent] == ["https://login.salesforce.com",
                                                                      "https://test.salesforce.com"]
    assert counter.by_kind["auth"] == 2  # both requests counted


def test_an_audience_set_by_the_user_or_the_cli_variable_is_the_only_one(fake_http, rsa_key) -> None:
    key_file, public_key = rsa_key
    for variable in ("SF_JWT_AUDIENCE", "SF_AUDIENCE_URL"):
        env = jwt_env(key_file, SF_LOGIN_URL="https://acme.my.salesforce.com",
                      **{variable: "https://acme.my.salesforce.com"})
        fake_http.answer(400, {"error": "invalid_grant", "error_description": "audience is invalid"})
        with pytest.raises(ConnectError, match=r"none of the JWT audiences sent \(sent: https://acme.my.sal"):
            request_token(session_and_counter()[0], select_credentials(env))
        assert sent_audience(fake_http.sent[-1], public_key) == "https://acme.my.salesforce.com"
    assert len(fake_http.sent) == 2


def test_a_wrong_consumer_key_is_not_retried_with_another_audience(fake_http, rsa_key) -> None:
    creds = select_credentials(jwt_env(rsa_key[0], SF_LOGIN_URL="https://acme.my.salesforce.com"))
    fake_http.answer(400, {"error": "invalid_client_id", "error_description": "client identifier invalid"})
    with pytest.raises(ConnectError, match="Likely cause: SF_CONSUMER_KEY is not the consumer key"):
        request_token(session_and_counter()[0], creds)
    assert len(fake_http.sent) == 1


def test_client_credentials_use_basic_auth_on_my_domain(fake_http) -> None:
    creds = select_credentials({"SF_CONSUMER_KEY": "3MVG9key", "SF_CONSUMER_SECRET": "s3cr3t-value",
                                "SF_LOGIN_URL": "https://acme.my.salesforce.com"})
    fake_http.answer(200, TOKEN_OK)
    request_token(session_and_counter()[0], creds)
    sent = fake_http.sent[0]
    assert sent.url == "https://acme.my.salesforce.com/services/oauth2/token"
    assert parse_qs(sent.body) == {"grant_type": ["client_credentials"]}
    scheme, value = sent.headers["Authorization"].split(" ")
    assert (scheme, base64.b64decode(value).decode()) == ("Basic", "3MVG9key:s3cr3t-value")


def test_client_credentials_need_my_domain() -> None:
    creds = select_credentials({"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": "s"})
    with pytest.raises(ConnectError, match="client credentials need your My Domain login URL"):
        request_token(session_and_counter()[0], creds)


def test_oauth_password_grant(fake_http) -> None:
    creds = select_credentials({"SF_USERNAME": "ci@acme.com", "SF_PASSWORD": "pw", "SF_SECURITY_TOKEN": "TOK",
                                "SF_CONSUMER_KEY": "key", "SF_CONSUMER_SECRET": "secret"})
    fake_http.answer(200, TOKEN_OK)
    request_token(session_and_counter()[0], creds)
    assert parse_qs(fake_http.sent[0].body) == {"grant_type": ["password"], "client_id": ["key"],
                                               "client_secret": ["secret"], "username": ["ci@acme.com"],
                                               "password": ["pwTOK"]}
    assert fake_http.sent[0].url == "https://login.salesforce.com/services/oauth2/token"  # never SOAP login()


def test_a_login_url_that_is_not_salesforce(fake_http) -> None:
    creds = select_credentials({"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": "s",
                                "SF_LOGIN_URL": "https://example.com"})
    fake_http.answer(404, "<html>not found</html>")
    with pytest.raises(ConnectError, match="answered HTTP 404, not a Salesforce token: is SF_LOGIN_URL right"):
        request_token(session_and_counter()[0], creds)
