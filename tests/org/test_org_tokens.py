"""The token requests guestlist makes itself (JWT bearer, client credentials, SOAP and OAuth password logins),
checked on the wire with a scripted transport (pure)."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from reconciler.org.connect import ConnectError, jwt_claims, request_token, select_credentials
from reconciler.org.requests import RequestCounter, build_session

TOKEN_OK = {"access_token": "00D000000000001!AQ.fresh-token", "instance_url": "https://acme.my.salesforce.com",
            "token_type": "Bearer"}
SOAP_OK = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
    "<serverUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/00D000000000001</serverUrl>"
    "<sessionId>00D000000000001!AQ.soap-session</sessionId><userId>005000000000001AAA</userId>"
    "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
)
SOAP_FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode>'
    "<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>"
    "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
)


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
    assert "Pre-authorise" in str(err.value)


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


def test_soap_login_escapes_and_appends_the_security_token(fake_http) -> None:
    creds = select_credentials({"SF_USERNAME": "o'neil@acme.com", "SF_PASSWORD": "p<&>w", "SF_SECURITY_TOKEN": "TOK"})
    fake_http.answer(200, SOAP_OK)
    token = request_token(session_and_counter()[0], creds)
    assert (token.access_token, token.instance_url) == ("00D000000000001!AQ.soap-session",
                                                        "https://acme.my.salesforce.com")
    sent = fake_http.sent[0]
    assert sent.url == "https://login.salesforce.com/services/Soap/u/59.0"
    assert sent.headers["SOAPAction"] == "login"
    assert b"<urn:username>o'neil@acme.com</urn:username>" in sent.body
    assert b"<urn:password>p&lt;&amp;&gt;wTOK</urn:password>" in sent.body


def test_soap_login_refused(fake_http) -> None:
    creds = select_credentials({"SF_USERNAME": "ci@acme.com", "SF_PASSWORD": "hunter2pw", "SF_SECURITY_TOKEN": "TOK"})
    fake_http.answer(500, SOAP_FAULT)
    with pytest.raises(ConnectError) as err:
        request_token(session_and_counter()[0], creds)
    assert str(err.value) == ("https://login.salesforce.com refused the username and password login "
                              "(INVALID_LOGIN: Invalid username, password, security token; or user locked out.)")


def test_oauth_password_grant(fake_http) -> None:
    creds = select_credentials({"SF_USERNAME": "ci@acme.com", "SF_PASSWORD": "pw", "SF_SECURITY_TOKEN": "TOK",
                                "SF_CONSUMER_KEY": "key", "SF_CONSUMER_SECRET": "secret"})
    fake_http.answer(200, TOKEN_OK)
    request_token(session_and_counter()[0], creds)
    assert parse_qs(fake_http.sent[0].body) == {"grant_type": ["password"], "client_id": ["key"],
                                               "client_secret": ["secret"], "username": ["ci@acme.com"],
                                               "password": ["pwTOK"]}


def test_a_login_url_that_is_not_salesforce(fake_http) -> None:
    creds = select_credentials({"SF_CONSUMER_KEY": "k", "SF_CONSUMER_SECRET": "s",
                                "SF_LOGIN_URL": "https://example.com"})
    fake_http.answer(404, "<html>not found</html>")
    with pytest.raises(ConnectError, match="answered HTTP 404, not a Salesforce token: is SF_LOGIN_URL right"):
        request_token(session_and_counter()[0], creds)
