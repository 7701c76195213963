"""Reaching the sandbox: versions, TLS, the logins simple-salesforce offers, userinfo, tokens and 401s."""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceResourceNotFound,
)

from reconciler.sandbox.routes.oauth import CONSUMER_KEY, CONSUMER_SECRET
from reconciler.sandbox.runner import RunningSandbox
from tests.sandbox.api.conftest import PASSWORD_LOGINS, client_session, connect, error_of

LOGINS = PASSWORD_LOGINS  # its tests log in with passwords, as older clients do (conftest.py)

ADMIN = "admin@acme.com"
PASSWORD = "sandbox"


def login_domain(sandbox: RunningSandbox) -> str:
    """simple-salesforce's login URLs are https://{domain}.salesforce.com/...; this makes them loopback URLs."""
    return f"127.0.0.1:{sandbox.port}/login"


def test_versions_list_every_version_and_is_not_counted(sandbox: RunningSandbox, sf: Salesforce) -> None:
    response = sf.session.get(f"{sandbox.info.instance_url}/services/data/")
    versions = response.json()
    assert response.status_code == 200 and "Sforce-Limit-Info" not in response.headers
    assert versions[0] == {"label": "Winter '11", "url": "/services/data/v20.0", "version": "20.0"}
    assert {"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"} in versions
    assert sf.session.get(f"{sandbox.info.instance_url}/services/data").json() == versions


def test_resources_of_a_version(sf: Salesforce) -> None:
    resources = sf.restful("")
    assert resources["query"] == "/services/data/v59.0/query"
    assert resources["sobjects"] == "/services/data/v59.0/sobjects"


def test_unsupported_version_is_not_found(sandbox: RunningSandbox) -> None:
    old = connect(sandbox.info, version="19.0")
    with pytest.raises(SalesforceResourceNotFound) as caught:
        old.query("SELECT Id FROM User")
    assert error_of(caught.value)["errorCode"] == "NOT_FOUND"


def test_certificate_covers_loopback_names_and_only_https_is_served(sandbox: RunningSandbox) -> None:
    context = ssl.create_default_context(cafile=sandbox.info.ca_file)
    for host in ("127.0.0.1", "localhost"):
        url = f"https://{host}:{sandbox.port}/services/data"
        response = requests.get(url, verify=sandbox.info.ca_file, proxies={"https": ""}, timeout=10)
        assert response.status_code == 200
    with context.wrap_socket(socket.create_connection(("127.0.0.1", sandbox.port)),
                             server_hostname="localhost") as tls:
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}
    with pytest.raises(requests.exceptions.SSLError):
        untrusting = requests.Session()
        untrusting.trust_env = False
        untrusting.get(sandbox.info.instance_url + "/services/data", timeout=10)


def test_soap_login_through_simple_salesforce(sandbox: RunningSandbox) -> None:
    sf = Salesforce(username=ADMIN, password=PASSWORD, security_token="", domain=login_domain(sandbox),
                    session=client_session(sandbox.info))
    assert sf.sf_instance == f"127.0.0.1:{sandbox.port}"
    assert sf.session_id.split("!")[0] == sf.query("SELECT Id FROM Organization")["records"][0]["Id"][:15]
    assert sf.query(f"SELECT Username FROM User WHERE Username = '{ADMIN}'")["totalSize"] == 1


def login_server_session(sandbox: RunningSandbox) -> requests.Session:
    """The 'cleaner' recipe of clients.md §1.3: keep domain='login' (or 'test') and send login.salesforce.com and
    test.salesforce.com to the sandbox, so a client builds its URLs and JWT audiences as for a real org."""

    class Redirect(HTTPAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:  # type: ignore[override]
            parts = urlsplit(request.url)
            request.url = sandbox.info.instance_url + request.url[len(f"{parts.scheme}://{parts.netloc}"):]
            return super().send(request, **kwargs)  # type: ignore[arg-type]

    session = client_session(sandbox.info)
    for host in ("login", "test"):
        session.mount(f"https://{host}.salesforce.com/", Redirect())
    return session


def test_soap_login_through_a_redirecting_adapter(sandbox: RunningSandbox) -> None:
    sf = Salesforce(username="alice@acme.com", password=PASSWORD, security_token="",
                    session=login_server_session(sandbox))
    assert sf.query("SELECT Id FROM Account LIMIT 1")["done"] is True


def test_a_new_org_refuses_soap_login_and_the_password_flow(fresh_new_org: RunningSandbox) -> None:
    """real-orgs.md §5.3: SOAP login() is disabled and the OAuth username-password flow blocked in a new org."""
    with pytest.raises(SalesforceAuthenticationFailed) as soap:
        Salesforce(username=ADMIN, password=PASSWORD, security_token="", domain=login_domain(fresh_new_org),
                   session=client_session(fresh_new_org.info))
    assert soap.value.code == "INVALID_OPERATION"
    assert "SOAP API login() is disabled by default in this org" in soap.value.auth_message
    with pytest.raises(SalesforceAuthenticationFailed) as oauth:
        Salesforce(username=ADMIN, password=PASSWORD, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET,
                   domain=login_domain(fresh_new_org), session=client_session(fresh_new_org.info))
    assert (oauth.value.code, oauth.value.auth_message) == ("invalid_grant", "authentication failure")
    sf = Salesforce(username="alice@acme.com", consumer_key=CONSUMER_KEY, privatekey=_private_key_pem(),
                    session=login_server_session(fresh_new_org))  # JWT bearer works in a new org
    assert sf.oauth2("userinfo")["preferred_username"] == "alice@acme.com"


def test_soap_login_refused_is_invalid_login(sandbox: RunningSandbox) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=ADMIN, password="wrong", security_token="", domain=login_domain(sandbox),
                   session=client_session(sandbox.info))
    assert caught.value.code == "INVALID_LOGIN"
    assert "Invalid username, password" in caught.value.auth_message


def test_soap_login_response_has_what_jsforce_needs(sandbox: RunningSandbox) -> None:
    envelope = (
        '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
        'envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login>'
        f"<urn:username>{ADMIN}</urn:username><urn:password>{PASSWORD}</urn:password>"
        "</urn:login></soapenv:Body></soapenv:Envelope>"
    )
    response = client_session(sandbox.info).post(
        f"{sandbox.info.instance_url}/services/Soap/u/59.0", data=envelope,
        headers={"Content-Type": "text/xml", "SOAPAction": '""'})
    text = response.text
    assert response.status_code == 200
    for tag in ("sessionId", "serverUrl", "userId", "organizationId", "userName"):
        assert f"<{tag}>" in text, tag


def test_oauth_password_grant(sandbox: RunningSandbox) -> None:
    sf = Salesforce(username=ADMIN, password=PASSWORD, consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET,
                    domain=login_domain(sandbox), session=client_session(sandbox.info))
    assert sf.query("SELECT Id FROM Organization")["totalSize"] == 1


@pytest.mark.parametrize(("key", "secret", "password", "error"), [
    ("someone-else", CONSUMER_SECRET, PASSWORD, "invalid_client_id"),
    (CONSUMER_KEY, "wrong", PASSWORD, "invalid_client"),
    (CONSUMER_KEY, CONSUMER_SECRET, "wrong", "invalid_grant"),
])
def test_oauth_password_grant_refusals(sandbox: RunningSandbox, key: str, secret: str, password: str,
                                       error: str) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username=ADMIN, password=password, consumer_key=key, consumer_secret=secret,
                   domain=login_domain(sandbox), session=client_session(sandbox.info))
    assert caught.value.code == error


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def test_oauth_jwt_bearer_with_a_string_exp(sandbox: RunningSandbox) -> None:
    key = _private_key_pem()
    for domain in ("login", "test"):  # aud https://login.salesforce.com, then https://test.salesforce.com
        sf = Salesforce(username="alice@acme.com", consumer_key=CONSUMER_KEY, privatekey=key, domain=domain,
                        session=login_server_session(sandbox))
        assert sf.oauth2("userinfo")["preferred_username"] == "alice@acme.com"
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        Salesforce(username="nobody@acme.com", consumer_key=CONSUMER_KEY, privatekey=key,
                   session=login_server_session(sandbox))
    assert caught.value.code == "invalid_grant"


def test_a_jwt_whose_audience_is_the_orgs_own_host_is_refused(sandbox: RunningSandbox) -> None:
    """real-orgs.md §5.1: the audience is login.salesforce.com or test.salesforce.com, never the org's URL."""
    with pytest.raises(SalesforceAuthenticationFailed) as caught:  # simple-salesforce sends aud https://{domain}...
        Salesforce(username="alice@acme.com", consumer_key=CONSUMER_KEY, privatekey=_private_key_pem(),
                   domain=login_domain(sandbox), session=client_session(sandbox.info))
    assert (caught.value.code, caught.value.auth_message) == ("invalid_grant", "audience is invalid")


def test_oauth_client_credentials_run_as_the_connected_admin(sandbox: RunningSandbox) -> None:
    sf = Salesforce(consumer_key=CONSUMER_KEY, consumer_secret=CONSUMER_SECRET, domain=login_domain(sandbox),
                    session=client_session(sandbox.info))
    assert sf.oauth2("userinfo")["preferred_username"] == ADMIN


def test_token_request_with_a_chunked_body_and_no_content_type(sandbox: RunningSandbox) -> None:
    """jsforce sends the token POST chunked and without Content-Type (clients.md §4.3)."""
    form = f"grant_type=password&client_id={CONSUMER_KEY}&client_secret={CONSUMER_SECRET}" \
           f"&username={ADMIN}&password={PASSWORD}"
    chunks = (form[i:i + 40].encode() for i in range(0, len(form), 40))
    response = client_session(sandbox.info).post(f"{sandbox.info.instance_url}/services/oauth2/token", data=chunks,
                                                 headers={"Content-Type": ""})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    answer = response.json()
    assert response.status_code == 200, answer
    assert answer["instance_url"] == sandbox.info.instance_url and answer["token_type"] == "Bearer"


def test_userinfo_and_identity(sandbox: RunningSandbox, sf: Salesforce) -> None:
    info = sf.oauth2("userinfo")
    assert info["preferred_username"] == sandbox.info.username
    assert info["organization_id"][:15] == sandbox.info.access_token.split("!")[0]
    identity = sf.session.get(f"{sandbox.info.instance_url}/id/{info['organization_id']}/{info['user_id']}",
                              headers={"Authorization": f"Bearer {sandbox.info.access_token}"}).json()
    assert identity["username"] == sandbox.info.username and identity["user_id"] == info["user_id"]
    refused = sf.session.get(f"{sandbox.info.instance_url}/services/oauth2/userinfo",
                             headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 403


def test_access_token_has_the_shape_the_sf_cli_requires(sandbox: RunningSandbox, sf: Salesforce) -> None:
    org_id = sf.query("SELECT Id FROM Organization")["records"][0]["Id"]
    prefix, _, secret = sandbox.info.access_token.partition("!")
    assert prefix == org_id[:15] and prefix.startswith("00D") and len(secret) > 20


def test_a_bad_token_is_401_invalid_session_id(sandbox: RunningSandbox) -> None:
    stranger = connect(sandbox.info, token=sandbox.info.access_token.split("!")[0] + "!forged")
    with pytest.raises(SalesforceExpiredSession) as caught:
        stranger.query("SELECT Id FROM User")
    assert error_of(caught.value) == {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID",
                                      "fields": []}
    assert caught.value.status == 401


def test_requests_without_a_token_are_refused(sandbox: RunningSandbox) -> None:
    response = client_session(sandbox.info).get(f"{sandbox.info.instance_url}/services/data/v59.0/limits")
    assert response.status_code == 401 and response.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")
