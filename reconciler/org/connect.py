"""Connecting to an org: the built-in sandbox (`--org sandbox`), a real org from environment variables
(`--org env`), the Salesforce CLI's login (`--target-org ALIAS`, or `--org sf` for the CLI's default org) or an
SFDX auth URL (`--auth-url-file PATH|-`). All end in the same place: simple-salesforce with an instance URL, an
access token and guestlist's own requests.Session (docs/decisions/one-client-code-path.md).

Credentials from the environment, tried in this order (the first complete set wins):

1. `SF_INSTANCE_URL` (or `SF_ORG_INSTANCE_URL`) + `SF_ACCESS_TOKEN`: an existing session; never refreshed.
2. `SF_AUTH_URL` (or `SFDX_AUTH_URL`): an SFDX auth URL; guestlist exchanges its refresh token itself.
3. `SF_USERNAME` + `SF_CONSUMER_KEY` + `SF_PRIVATE_KEY_FILE` (or `SF_PRIVATE_KEY`, the PEM text): OAuth 2.0 JWT
   bearer flow (the usual CI choice).
4. `SF_USERNAME` + `SF_PASSWORD` + `SF_SECURITY_TOKEN` + `SF_CONSUMER_KEY` + `SF_CONSUMER_SECRET`: the OAuth 2.0
   username-password flow through a connected app (never SOAP `login()`, which new orgs disable and Salesforce
   retires: real-orgs.md §5.3). `SF_SECURITY_TOKEN` may be set empty for an org that trusts your IP range.
5. `SF_CONSUMER_KEY` + `SF_CONSUMER_SECRET`: OAuth 2.0 client credentials flow (needs a My Domain login URL).

The CLI's names `SF_ORG_INSTANCE_URL`, `SFDX_AUTH_URL` and `SF_AUDIENCE_URL` are read when guestlist's own are
unset (docs/reference/ecosystem.md §1.5, real-orgs.md §5.1). An optional pin (`expect_org`, from `--expect-org`
or the config's `org.id`) refuses any other org right after the connected user is known, before anything else is
read.

Token requests go to `SF_LOGIN_URL` (default https://login.salesforce.com; a My Domain URL works). A JWT's
audience is never that URL but https://login.salesforce.com or https://test.salesforce.com, as the Salesforce CLI
sends it (real-orgs.md §5.1), unless `SF_JWT_AUDIENCE` names another. `SF_CA_FILE` names a PEM bundle that
replaces the trust store for this connection (e.g. the CA of a sandbox started with `guestlist sandbox serve`);
otherwise the system trust store (and REQUESTS_CA_BUNDLE) apply. Verification is never switched off.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
import zeep.exceptions
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)
from simple_salesforce.metadata import SfdcMetadataApi

from reconciler.guard import hold_secret
from reconciler.model import OrgIdentity
from reconciler.org.auth_url import AuthUrl, AuthUrlError, parse_auth_url, read_auth_url_file
from reconciler.org.limits import LIMIT_CODE, is_transient_limit
from reconciler.org.metadata_client import MetadataApi
from reconciler.org.requests import DEFAULT_TIMEOUT, RequestCounter, build_session, redact
from reconciler.org.sf_cli import LOGIN_AGAIN, SfCliError, access_token, cli_login, find_sf
from reconciler.org.token_refusals import Flow, refusal_hint

API_VERSION = "59.0"
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_SANDBOX_DB = Path(".guestlist/sandbox.sqlite3")
JWT_LIFETIME = dt.timedelta(minutes=3)  # Salesforce accepts assertions that expire within 3 minutes
ORGS = ("sandbox", "env", "sf")
SANDBOX_APP = ("guestlist-sandbox", "guestlist-sandbox-secret")  # the built-in sandbox's connected app (published)
SECRET_VARIABLES = ("SF_ACCESS_TOKEN", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CONSUMER_SECRET", "SF_AUTH_URL",
                    "SF_PRIVATE_KEY")
SYNONYMS = {"SF_INSTANCE_URL": "SF_ORG_INSTANCE_URL", "SF_AUTH_URL": "SFDX_AUTH_URL",  # guestlist's: the CLI's
            "SF_JWT_AUDIENCE": "SF_AUDIENCE_URL"}
PRODUCTION_AUDIENCE = "https://login.salesforce.com"
SANDBOX_AUDIENCE = "https://test.salesforce.com"
# hosts of Salesforce sandboxes (real-orgs.md §5.1): enhanced domains, My Domain "name--sandbox", CS instances
_SANDBOX_HOST = re.compile(r"(\.sandbox\.my\.salesforce\.(com|mil)|--[\w-]+\.my\.salesforce\.com|"
                           r"(^|\.)cs\d+(\.my)?\.salesforce\.com|^test\.salesforce\.com)$", re.IGNORECASE)


class OrgError(Exception):
    """A failure talking to the org, with a message fit for the user (no secrets, no traceback needed)."""


class ConnectError(OrgError):
    """The org cannot be reached or refuses the credentials."""


class SessionExpired(ConnectError):
    """The org ended the session (INVALID_SESSION_ID): `OrgConnection.reauthenticate` may renew it."""


class ApiLimitExceeded(OrgError):
    """The org's daily API request allowance is spent (REQUEST_LIMIT_EXCEEDED): nothing more can be sent for now."""


LIMIT_EXCEEDED = LIMIT_CODE


# ---------------------------------------------------------------------------------------------------------------
# Credentials from the environment


@dataclass(frozen=True)
class CredentialSet:
    method: str
    variables: tuple[str, ...]
    may_be_empty: frozenset[str] = frozenset()
    alternatives: Mapping[str, str] = field(default_factory=dict)  # a variable that may stand in for another

    def missing(self, env: Mapping[str, str]) -> list[str]:
        return [v for v in self.variables
                if not (self._present(v, env) or self._present(self.alternatives.get(v), env))]

    def _present(self, variable: str | None, env: Mapping[str, str]) -> bool:
        return variable is not None and bool(env.get(variable) or (variable in self.may_be_empty and variable in env))

    def named(self, variable: str) -> str:
        alternative = self.alternatives.get(variable)
        return f"{variable} (or {alternative})" if alternative else variable


ACCESS_TOKEN = CredentialSet("access token", ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN"),
                             alternatives={"SF_INSTANCE_URL": "SF_ORG_INSTANCE_URL"})
AUTH_URL = CredentialSet("SFDX auth URL", ("SF_AUTH_URL",), alternatives={"SF_AUTH_URL": "SFDX_AUTH_URL"})
JWT_BEARER = CredentialSet("JWT bearer", ("SF_USERNAME", "SF_CONSUMER_KEY", "SF_PRIVATE_KEY_FILE"),
                           alternatives={"SF_PRIVATE_KEY_FILE": "SF_PRIVATE_KEY"})
PASSWORD = CredentialSet(  # the OAuth username-password flow: a connected app's key and secret (real-orgs.md §5.3)
    "username and password",
    ("SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET"),
    frozenset({"SF_SECURITY_TOKEN"}),
)
CLIENT_CREDENTIALS = CredentialSet("client credentials", ("SF_CONSUMER_KEY", "SF_CONSUMER_SECRET"))
CREDENTIAL_SETS = (ACCESS_TOKEN, AUTH_URL, JWT_BEARER, PASSWORD, CLIENT_CREDENTIALS)


def with_synonyms(env: Mapping[str, str]) -> dict[str, str]:
    """`env` with guestlist's variable set from the CLI's name for it where guestlist's own is unset or empty."""
    merged = dict(env)
    for ours, theirs in SYNONYMS.items():
        if not merged.get(ours) and merged.get(theirs):
            merged[ours] = merged[theirs]
    return merged


@dataclass(frozen=True)
class EnvCredentials:
    """The chosen credential set and the values it needs; values never appear in the repr."""

    kind: CredentialSet
    login_url: str
    values: Mapping[str, str] = field(repr=False)

    @property
    def method(self) -> str:
        return "username and password (OAuth)" if self.kind is PASSWORD else self.kind.method

    def secrets(self) -> tuple[str, ...]:
        """Every secret value these credentials hold, the password as sent (with the security token) included."""
        held = [self.values[name] for name in SECRET_VARIABLES if self.values.get(name)]
        if self.values.get("SF_PASSWORD"):
            held.append(self.values["SF_PASSWORD"] + self.values.get("SF_SECURITY_TOKEN", ""))
        if self.values.get("SF_AUTH_URL"):
            held.extend(self.auth_url().secrets())
        return tuple(held)

    def auth_url(self) -> AuthUrl:
        """The parsed SFDX auth URL of AUTH_URL credentials."""
        try:
            return parse_auth_url(self.values["SF_AUTH_URL"], self.values.get(AUTH_URL_SOURCE, "SF_AUTH_URL"))
        except AuthUrlError as exc:
            raise ConnectError(str(exc)) from None


def select_credentials(env: Mapping[str, str]) -> EnvCredentials:
    """The first complete credential set in `env` (order in the module docstring), or a ConnectError that says
    which variables are missing."""
    env = with_synonyms(env)
    login_url = normalise_url("SF_LOGIN_URL", env.get("SF_LOGIN_URL") or DEFAULT_LOGIN_URL)
    for kind in CREDENTIAL_SETS:
        if not kind.missing(env):
            names = set(kind.variables) | set(kind.alternatives.values())
            if kind is JWT_BEARER:
                names.add("SF_JWT_AUDIENCE")
            values = {name: env.get(name, "") for name in names}
            if kind is AUTH_URL:
                source = "SF_AUTH_URL" if env.get("SF_AUTH_URL") != env.get("SFDX_AUTH_URL") else "SFDX_AUTH_URL"
                return auth_url_credentials(values["SF_AUTH_URL"], source)
            return EnvCredentials(kind, login_url, values)
    raise ConnectError(_missing_message(env))


AUTH_URL_SOURCE = "source of SF_AUTH_URL"  # not a variable: where the URL came from, for messages


def auth_url_credentials(text: str, source: str) -> EnvCredentials:
    """Credentials from an SFDX auth URL (`source` names where it came from); the login URL is the URL's host."""
    try:
        parsed = parse_auth_url(text, source)
    except AuthUrlError as exc:
        raise ConnectError(str(exc)) from None
    hold_secret(*parsed.secrets())
    return EnvCredentials(AUTH_URL, parsed.login_url, {"SF_AUTH_URL": parsed.text, AUTH_URL_SOURCE: source})


def _missing_message(env: Mapping[str, str]) -> str:
    partial = [kind for kind in CREDENTIAL_SETS if len(kind.missing(env)) < len(kind.variables)]
    lines = ["--org env: no complete set of Salesforce credentials in the environment."]
    for kind in sorted(partial, key=lambda k: len(k.missing(env))):
        missing = kind.missing(env)
        lines.append(f"  {kind.method}: missing {', '.join(kind.named(v) for v in missing)}")
    lines.append("Set one of:")
    for kind in CREDENTIAL_SETS:
        note = " (SF_SECURITY_TOKEN may be empty)" if kind is PASSWORD else ""
        lines.append(f"  {kind.method}: {' + '.join(kind.named(v) for v in kind.variables)}{note}")
    if env.get("SF_PASSWORD") and {"SF_CONSUMER_KEY", "SF_CONSUMER_SECRET"} & set(PASSWORD.missing(env)):
        lines.append(PASSWORD_NEEDS_APP)
    lines.append(f"Token requests go to SF_LOGIN_URL (default {DEFAULT_LOGIN_URL}).")
    return "\n".join(lines)


PASSWORD_NEEDS_APP = (
    "A username and password alone no longer log in: SOAP login() is disabled in new orgs and retired in Summer '27, "
    "so guestlist uses the OAuth username-password flow, which needs a connected app's (or external client app's) "
    "consumer key and secret in SF_CONSUMER_KEY and SF_CONSUMER_SECRET. JWT bearer or client credentials are safer."
)


def normalise_url(variable: str, value: str) -> str:
    """`https://host[:port]` from a URL or bare host; refuses plain http and URLs with a path."""
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme != "https":
        raise ConnectError(f"{variable} must be an https:// URL (guestlist never talks to an org without TLS)")
    if not parts.hostname or parts.path.strip("/") or parts.query:
        raise ConnectError(f"{variable} must be a URL like https://mydomain.my.salesforce.com, not {value!r}")
    return f"https://{parts.netloc}"


# ---------------------------------------------------------------------------------------------------------------
# Token requests (guestlist makes them itself, against the login URL)


@dataclass(frozen=True)
class Token:
    access_token: str = field(repr=False)
    instance_url: str


def jwt_claims(consumer_key: str, username: str, audience: str, now: dt.datetime) -> dict[str, Any]:
    """The JWT bearer assertion's claims: issuer = connected app, subject = user, audience = the login server's
    name (`jwt_audiences`)."""
    return {"iss": consumer_key, "sub": username, "aud": audience, "exp": int((now + JWT_LIFETIME).timestamp())}


def jwt_audiences(login_url: str, override: str = "") -> tuple[str, ...]:
    """The audiences to try, in order, for a JWT posted to `login_url` (real-orgs.md §5.1): `override`
    (SF_JWT_AUDIENCE) alone; login.salesforce.com or test.salesforce.com alone for those two login URLs; for any
    other (a My Domain), the one its host suggests first (test for sandbox hosts), then the other, as the Salesforce
    CLI tries both since a host cannot tell a sandbox for certain."""
    if override:  # an Experience Cloud site's URL has a path (real-orgs.md §5.1): kept as given
        audience = override.strip().rstrip("/")
        if urlsplit(audience).scheme != "https" or not urlsplit(audience).hostname:
            raise ConnectError(f"SF_JWT_AUDIENCE must be an https:// URL like {PRODUCTION_AUDIENCE}, not {override!r}")
        return (audience,)
    host = (urlsplit(login_url).hostname or "").lower()
    if host == "login.salesforce.com":
        return (PRODUCTION_AUDIENCE,)
    if host == "test.salesforce.com":
        return (SANDBOX_AUDIENCE,)
    if _SANDBOX_HOST.search(host):
        return (SANDBOX_AUDIENCE, PRODUCTION_AUDIENCE)
    return (PRODUCTION_AUDIENCE, SANDBOX_AUDIENCE)


def request_token(session: requests.Session, creds: EnvCredentials) -> Token:
    """Runs the credentials' token request against the login URL."""
    values, login_url = creds.values, creds.login_url
    if creds.kind is AUTH_URL:
        parsed = creds.auth_url()
        form = {"grant_type": "refresh_token", "client_id": parsed.client_id, "refresh_token": parsed.refresh_token}
        if parsed.client_secret:
            form["client_secret"] = parsed.client_secret
        return _oauth_token(session, creds, form)
    if creds.kind is JWT_BEARER:
        return _jwt_token(session, creds)
    if creds.kind is CLIENT_CREDENTIALS:
        host = urlsplit(login_url).hostname or ""
        if host in ("login.salesforce.com", "test.salesforce.com"):
            raise ConnectError(
                "client credentials need your My Domain login URL: set SF_LOGIN_URL=https://<domain>.my.salesforce.com"
            )
        pair = f"{values['SF_CONSUMER_KEY']}:{values['SF_CONSUMER_SECRET']}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
        return _oauth_token(session, creds, {"grant_type": "client_credentials"}, headers)
    if creds.kind is PASSWORD:
        form = {
            "grant_type": "password",
            "client_id": values["SF_CONSUMER_KEY"],
            "client_secret": values["SF_CONSUMER_SECRET"],
            "username": values["SF_USERNAME"],
            "password": values["SF_PASSWORD"] + values.get("SF_SECURITY_TOKEN", ""),
        }
        return _oauth_token(session, creds, form)
    raise AssertionError(f"no token request for {creds.method}")


def _jwt_token(session: requests.Session, creds: EnvCredentials) -> Token:
    """The JWT bearer flow: one assertion per audience of `jwt_audiences` until the org accepts one; only an
    invalid_grant answer (how a wrong audience is refused) moves on to the next."""
    values = creds.values
    key = _private_key(values)
    audiences = jwt_audiences(creds.login_url, values.get("SF_JWT_AUDIENCE", ""))
    for attempt, audience in enumerate(audiences, start=1):
        claims = jwt_claims(values["SF_CONSUMER_KEY"], values["SF_USERNAME"], audience, dt.datetime.now(dt.UTC))
        assertion = _sign(claims, *key)
        hold_secret(assertion)
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        try:
            return _oauth_token(session, creds, form, audiences=audiences[:attempt])
        except TokenRefused as refused:
            if refused.error != "invalid_grant" or attempt == len(audiences):
                raise
    raise AssertionError("unreachable")


def _private_key(values: Mapping[str, str]) -> tuple[bytes, str]:
    """The PEM key and how to name it: the file SF_PRIVATE_KEY_FILE names, else the text of SF_PRIVATE_KEY."""
    key_file = values.get("SF_PRIVATE_KEY_FILE")
    if key_file:
        try:
            return Path(key_file).expanduser().read_bytes(), f"SF_PRIVATE_KEY_FILE: {key_file}"
        except OSError as exc:
            raise ConnectError(f"SF_PRIVATE_KEY_FILE: cannot read {key_file}: {exc.strerror}") from None
    text = values.get("SF_PRIVATE_KEY", "").replace("\\n", "\n")  # CI secrets often hold the newlines escaped
    return text.encode(), "SF_PRIVATE_KEY: the text"


def _sign(claims: dict[str, Any], key: bytes, named: str) -> str:
    """The RS256-signed assertion; a key that cannot sign becomes a ConnectError naming where the key came from."""
    hold_secret(*(line for line in key.decode("ascii", "replace").split() if len(line) >= 16))
    try:
        return jwt.encode(claims, key, algorithm="RS256")
    except (ValueError, TypeError, jwt.exceptions.PyJWTError):
        raise ConnectError(f"{named} is not an unencrypted PEM RSA private key") from None


class TokenRefused(ConnectError):
    """The login server answered a token request with an OAuth error (`error`, e.g. invalid_grant)."""

    def __init__(self, message: str, error: str) -> None:
        super().__init__(message)
        self.error = error


_FLOWS = {"JWT bearer": Flow.JWT, "client credentials": Flow.CLIENT_CREDENTIALS, "SFDX auth URL": Flow.REFRESH_TOKEN,
          "username and password": Flow.PASSWORD}


def _oauth_token(session: requests.Session, creds: EnvCredentials, form: dict[str, str],
                 headers: dict[str, str] | None = None, audiences: tuple[str, ...] = ()) -> Token:
    url = f"{creds.login_url}/services/oauth2/token"
    response = _post(session, url, creds, data=form, headers={"Accept": "application/json", **(headers or {})})
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
        instance_url = body.get("instance_url") or creds.login_url
        return Token(body["access_token"], normalise_url("instance_url of the token response", instance_url))
    if isinstance(body, dict) and body.get("error"):
        error, description = str(body["error"]), str(body.get("error_description", ""))
        reason = f"{error}: {description}".rstrip(": ")
        hint = refusal_hint(_FLOWS[creds.kind.method], error, description, audiences)
        message = f"{creds.login_url} refused the {creds.method} login ({reason})" + (f". {hint}." if hint else "")
        raise TokenRefused(redact(message, creds.secrets()), error)
    raise ConnectError(f"{url} answered HTTP {response.status_code}, not a Salesforce token: is SF_LOGIN_URL right?")


def _post(session: requests.Session, url: str, creds: EnvCredentials, **kwargs: Any) -> requests.Response:
    try:
        return session.post(url, **kwargs)
    except requests.exceptions.RequestException as exc:
        raise ConnectError(describe_failure(exc, creds.secrets())) from None


# ---------------------------------------------------------------------------------------------------------------
# Turning a failure into a message


def describe_failure(exc: BaseException, secrets: tuple[str, ...] = (),
                     api_usage: tuple[int, int] | None = None) -> str:
    """One line for the user about a failed request: what failed and why in plain words, with every secret
    redacted. `api_usage` (used, max) is the org's API usage last reported, shown when the allowance is spent."""
    if isinstance(exc, requests.exceptions.SSLError):
        reason = _first(r"certificate verify failed: ([^()'\"]+)", str(exc)) or "handshake failed"
        text = (f"TLS verification of {_host(exc)} failed ({reason.strip()}). If a proxy inspects TLS traffic, "
                "point SF_CA_FILE or REQUESTS_CA_BUNDLE at its CA bundle; verification is never switched off")
    elif isinstance(exc, requests.exceptions.Timeout):
        text = (f"no answer from {_host(exc)} within {DEFAULT_TIMEOUT[1]:g} seconds. Likely cause: a slow network "
                "or org; fix: try again")
    elif isinstance(exc, requests.exceptions.ConnectionError):
        reason = _first(r"\[Errno -?\d+\] ([^'\")]+)", str(exc)) or type(exc).__name__
        text = (f"cannot reach {_host(exc)}: {reason.strip()}. Likely cause: a wrong host in the URL, or no route "
                "to it; fix: check the org URL (SF_LOGIN_URL or SF_INSTANCE_URL with --org env), and HTTPS_PROXY where "
                "a proxy is needed")
    elif is_limit_exceeded(exc):
        text = _limit_exceeded(api_usage)
    elif _limit_message(exc) is not None:
        text = _concurrent_limit(str(_limit_message(exc)))
    elif isinstance(exc, SalesforceError):
        text = _describe_http_failure(exc)
    elif isinstance(exc, zeep.exceptions.Fault):
        text = f"Metadata API fault {exc.code}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(redact(text, secrets).split())


def is_limit_exceeded(exc: BaseException) -> bool:
    """The daily allowance is spent: REQUEST_LIMIT_EXCEEDED from REST (HTTP 403) or the Metadata API (a SOAP fault
    `sf:REQUEST_LIMIT_EXCEEDED`), unless its message names a concurrency limit (real-orgs.md §7.2)."""
    message = _limit_message(exc)
    return message is not None and not is_transient_limit(message)


def _limit_message(exc: BaseException) -> str | None:
    """The message of a REQUEST_LIMIT_EXCEEDED refusal, None for any other failure."""
    if isinstance(exc, SalesforceError) and isinstance(exc.content, list):
        for error in exc.content:
            if isinstance(error, dict) and error.get("errorCode") == LIMIT_EXCEEDED:
                return str(error.get("message", ""))
    if isinstance(exc, zeep.exceptions.Fault) and str(exc.code or "").rpartition(":")[2] == LIMIT_EXCEEDED:
        return str(exc.message or "")
    return None


def _concurrent_limit(message: str) -> str:
    return (f"the org is running as many long API requests at once as it allows ({LIMIT_EXCEEDED}: "
            f"{message.strip()}; retried with backoff). Likely cause: other integrations' long-running requests; "
            "fix: try again in a few minutes, when fewer run at once (the daily allowance is not affected)")


def _limit_exceeded(api_usage: tuple[int, int] | None) -> str:
    used = f" (the org last reported {api_usage[0]:,} of {api_usage[1]:,} used)" if api_usage else ""
    return (f"the org's daily API request allowance is spent{used}. Salesforce counts requests over a rolling "
            f"24 hours: try again once that window frees requests, or raise the org's API request limit "
            f"({LIMIT_EXCEEDED})")


def _describe_http_failure(exc: SalesforceError) -> str:
    codes = " ".join(_error_codes(exc.content))
    if exc.status == 401:
        return f"the org does not accept the session (HTTP 401 {codes or 'Unauthorized'})"
    if exc.status == 503:
        return (f"the org is temporarily unavailable (HTTP 503 {codes or 'Service Unavailable'}; retried): "
                "try again in a few minutes")
    if exc.status >= 500:
        error_id = _first(r"ErrorId[^:]*:\s*(-?\w+)", _salesforce_errors(exc.content))
        support = f"; if it persists, give Salesforce support ErrorId {error_id}" if error_id else ""
        return (f"the org failed with an internal error (HTTP {exc.status} {codes or 'Server Error'}): "
                f"try again{support}")
    return f"HTTP {exc.status} from {exc.resource_name or exc.url}: {_salesforce_errors(exc.content)}"


def _error_codes(content: Any) -> list[str]:
    if isinstance(content, list):
        return [str(e["errorCode"]) for e in content if isinstance(e, dict) and e.get("errorCode")]
    return []


def _salesforce_errors(content: Any) -> str:
    if isinstance(content, list):
        parts = [f"{e.get('errorCode', '?')}: {e.get('message', '')}" for e in content if isinstance(e, dict)]
        if parts:
            return "; ".join(parts)
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content)[:300]


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def _host(exc: requests.exceptions.RequestException) -> str:
    url = exc.request.url if exc.request is not None and exc.request.url else ""
    return str(urlsplit(url).netloc) or _first(r"host='([^']+)'", str(exc)) or "the org"


# ---------------------------------------------------------------------------------------------------------------
# The client


class OrgClient(Salesforce):
    """simple-salesforce, with the Metadata API (zeep) bound to the same requests.Session as REST, so that TLS
    trust, timeouts and request counting apply to it too (zeep otherwise builds its own session), and built on
    the WSDL parsed once per process (reconciler/org/metadata_client.py)."""

    @property
    def mdapi(self) -> SfdcMetadataApi:
        if self._mdapi is None:
            self._mdapi = MetadataApi(session=self.session, session_id=self.session_id, instance=self.sf_instance,
                                      metadata_url=self.metadata_url, headers=self.headers,
                                      api_version=self.sf_version)
        return self._mdapi

    def use_token(self, access_token: str) -> None:
        """Switches to a new access token (REST headers and the Metadata API's session header)."""
        self.session_id = access_token
        self._generate_headers()
        self._mdapi = None


@dataclass(eq=False)
class OrgConnection:
    """An open connection to one org. `close()` stops an in-process sandbox and closes the session."""

    sf: OrgClient
    instance_url: str
    method: str  # how guestlist authenticated: "sandbox", "access token", "JWT bearer", ...
    is_sandbox: bool  # the built-in local sandbox org
    user_info: Mapping[str, Any] = field(repr=False)  # /services/oauth2/userinfo of the connected user
    counter: RequestCounter
    reauthenticate: Callable[[], None] | None
    close: Callable[[], None] = field(repr=False)
    identity: OrgIdentity | None = None
    secrets: Callable[[], tuple[str, ...]] = field(default=lambda: (), repr=False)

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """The org's daily API usage (used, max) from the last Sforce-Limit-Info header."""
        return self.counter.api_usage

    @property
    def user_id(self) -> str:
        return str(self.user_info.get("user_id", ""))

    def __enter__(self) -> OrgConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def describe(self) -> str:
        """One line saying where this connection is: user, org id, instance, and how it logged in."""
        user = self.user_info.get("preferred_username") or self.user_id
        return (f"connected to {user} (org {self.user_info.get('organization_id', '?')}, {self.instance_url}) "
                f"via {self.method}")

    def __repr__(self) -> str:
        return (f"OrgConnection(instance_url={self.instance_url!r}, method={self.method!r}, "
                f"is_sandbox={self.is_sandbox}, requests={self.counter.total})")


@dataclass(frozen=True)
class Login:
    """How to log in besides `--org`: a Salesforce CLI alias or username (`--target-org`), an SFDX auth URL file
    (`--auth-url-file`, "-" for stdin), and the org id the connection must reach (`--expect-org`/`org.id`)."""

    target_org: str | None = None
    auth_url_file: str | None = None
    expect_org: str | None = None


def connect(
    org: str = "sandbox",
    *,
    sandbox_db: Path = DEFAULT_SANDBOX_DB,
    env: Mapping[str, str] = os.environ,
    login: Login = Login(),
) -> OrgConnection:
    """Opens `org` ("sandbox", "env" or "sf"), or what `login` names; raises ConnectError with a message fit for
    the user. A pinned org (`login.expect_org`) is checked before anything but the connected user is read."""
    expect = org_id_18(login.expect_org, "--expect-org") if login.expect_org else None
    if login.target_org is not None or org == "sf":
        return _connect_sf(login.target_org, env, expect)
    if login.auth_url_file is not None:
        try:
            parsed = read_auth_url_file(login.auth_url_file)
        except AuthUrlError as exc:
            raise ConnectError(str(exc)) from None
        source = "--auth-url-file " + ("- (stdin)" if login.auth_url_file == "-" else login.auth_url_file)
        return _connect_with(auth_url_credentials(parsed.text, source), env, expect)
    if org == "sandbox":
        return _connect_sandbox(Path(sandbox_db), expect)
    if org == "env":
        return _connect_env(env, expect)
    raise ConnectError(f"unknown org {org!r}: use one of {', '.join(ORGS)}")


# ---------------------------------------------------------------------------------------------------------------
# Org ids and the pin

_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ORG_ID = re.compile(r"00D[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?")


def org_id_18(value: str, source: str) -> str:
    """The 18-character form of an org id (15 or 18 characters, starting 00D); ConnectError naming `source` for
    anything else, or for an 18-character id whose case-check suffix is wrong."""
    value = value.strip()
    if not _ORG_ID.fullmatch(value):
        raise ConnectError(f"{source}: {value!r} is not an org id (15 or 18 letters and digits starting 00D)")
    full = value[:15] + "".join(
        _ID_SUFFIX[sum(1 << i for i, char in enumerate(value[start:start + 5]) if char.isupper())]
        for start in (0, 5, 10)
    )
    if len(value) == 18 and value[15:].upper() != full[15:]:
        raise ConnectError(f"{source}: {value!r} is not an org id (its last 3 characters don't match the first 15)")
    return full


def check_pin(actual: str, expect: str | None, where: str) -> None:
    """Refuses an org other than the pinned one, both ids in the message."""
    if expect is None:
        return
    found = org_id_18(actual, "the org's id")
    if found != expect:
        raise ConnectError(f"refusing {where}: it is org {found}, but the pin (--expect-org or the config's org.id) "
                           f"expects org {expect}; nothing was read from it")


# ---------------------------------------------------------------------------------------------------------------
# The Salesforce CLI's login


def _connect_sf(target: str | None, env: Mapping[str, str], expect: str | None) -> OrgConnection:
    try:
        cli = cli_login(target, env, lambda org_id, instance_url: check_pin(org_id, expect, instance_url))
    except SfCliError as exc:
        raise ConnectError(str(exc)) from None
    named = cli.target or cli.username
    method = f"sf CLI alias {named!r}" if cli.target and cli.target != cli.username else f"sf CLI login {named!r}"
    ca_file = _ca_file(env)
    counter = RequestCounter()
    session = build_session(counter, ca_file=ca_file, trust_env=True)
    instance_url = normalise_url("instanceUrl of `sf org display`", cli.instance_url)

    last_token = cli.access_token

    def refresh() -> Token:
        """Asks the CLI again (it refreshes its login); the same token again means it could not."""
        nonlocal last_token
        try:
            fresh = access_token(find_sf(env), named, env)
        except SfCliError as exc:
            raise ConnectError(f"{exc}; {LOGIN_AGAIN.format(target=named)}") from None
        if fresh == last_token:
            raise ConnectError(f"the Salesforce CLI could not renew the session of {named!r}: "
                               f"{LOGIN_AGAIN.format(target=named)}")
        last_token = fresh
        return Token(fresh, instance_url)

    try:
        return _open(session, counter, Token(cli.access_token, instance_url), method, False, refresh=refresh,
                     stop=None, secrets=(), expect=expect)
    except BaseException:
        session.close()
        raise


def _connect_sandbox(db: Path, expect: str | None = None) -> OrgConnection:
    from reconciler.sandbox.runner import start_sandbox  # the sandbox's one entry point (its factory)

    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        running = start_sandbox(db, seed="demo")
    except Exception as exc:  # any start-up failure becomes one clear message
        raise ConnectError(f"cannot start the sandbox org (database {db}): {exc}") from None
    info = running.info
    counter = RequestCounter()
    session = build_session(counter, ca_file=info.ca_file, trust_env=False)
    creds = sandbox_credentials(info.instance_url)

    def refresh() -> Token:
        return request_token(session, creds)

    try:  # the sandbox's app secret is public, so it is no secret to redact
        return _open(session, counter, Token(info.access_token, info.instance_url), "sandbox", True,
                     refresh=refresh, stop=running.stop, secrets=(), expect=expect)
    except BaseException:
        session.close()
        running.stop()
        raise


def sandbox_credentials(instance_url: str) -> EnvCredentials:
    """The built-in sandbox's connected app as client credentials (its published key and secret, README "guestlist
    sandbox"), which run as its connected administrator: a sandbox session is renewed by a flow a new real org
    allows (SOAP login and the username-password flow are off there: real-orgs.md §5.3)."""
    values = {"SF_CONSUMER_KEY": SANDBOX_APP[0], "SF_CONSUMER_SECRET": SANDBOX_APP[1]}
    return EnvCredentials(CLIENT_CREDENTIALS, instance_url, values)


def _connect_env(env: Mapping[str, str], expect: str | None = None) -> OrgConnection:
    return _connect_with(select_credentials(env), env, expect)


def _ca_file(env: Mapping[str, str]) -> str | None:
    ca_file = env.get("SF_CA_FILE") or None
    if ca_file is not None and not Path(ca_file).is_file():
        raise ConnectError(f"SF_CA_FILE: no such file: {ca_file}")
    return ca_file


def _connect_with(creds: EnvCredentials, env: Mapping[str, str], expect: str | None) -> OrgConnection:
    hold_secret(*creds.secrets())
    ca_file = _ca_file(env)
    counter = RequestCounter()
    session = build_session(counter, ca_file=ca_file, trust_env=True)
    refresh: Callable[[], Token] | None = None
    try:
        if creds.kind is ACCESS_TOKEN:
            instance_url = normalise_url("SF_INSTANCE_URL", creds.values["SF_INSTANCE_URL"])
            token = Token(creds.values["SF_ACCESS_TOKEN"], instance_url)
        else:
            token = request_token(session, creds)

            def refresh() -> Token:
                return request_token(session, creds)

        return _open(session, counter, token, creds.method, False, refresh=refresh, stop=None,
                     secrets=creds.secrets(), expect=expect)
    except BaseException:
        session.close()
        raise


def _open(
    session: requests.Session,
    counter: RequestCounter,
    token: Token,
    method: str,
    is_sandbox: bool,
    *,
    refresh: Callable[[], Token] | None,
    stop: Callable[[], None] | None,
    secrets: tuple[str, ...],
    expect: str | None = None,
) -> OrgConnection:
    """The one code path: simple-salesforce with instance URL + token + our session, checked with userinfo."""
    hold_secret(token.access_token, *secrets)
    sf = OrgClient(instance_url=token.instance_url, session_id=token.access_token, session=session,
                   version=API_VERSION)

    def current_secrets() -> tuple[str, ...]:
        return (*secrets, sf.session_id)

    try:
        user_info = sf.oauth2("userinfo")
    except (SalesforceExpiredSession, SalesforceRefusedRequest) as exc:
        if is_limit_exceeded(exc):
            raise ApiLimitExceeded(describe_failure(exc, current_secrets(), counter.api_usage)) from None
        origin = "SF_ACCESS_TOKEN" if method == ACCESS_TOKEN.method else f"from the {method} login"
        fix = ("get a fresh token (`sf org display`), or set credentials guestlist can renew" if
               method == ACCESS_TOKEN.method else "run again; if it persists, the org revokes new sessions at once "
               "(check the connected app's session policies)")
        raise ConnectError(f"{token.instance_url} refused the access token ({origin}): "
                           f"{describe_failure(exc, current_secrets())}. Likely cause: the session expired or was "
                           f"revoked; fix: {fix}") from None
    except (requests.exceptions.RequestException, SalesforceError) as exc:
        raise ConnectError(describe_failure(exc, current_secrets())) from None
    if not isinstance(user_info, dict) or not user_info.get("user_id"):
        raise ConnectError(f"{token.instance_url} did not answer /services/oauth2/userinfo with a user: "
                           "is this a Salesforce instance URL?")
    check_pin(str(user_info.get("organization_id", "")), expect, token.instance_url)

    reauthenticate = None
    if refresh is not None:
        def reauthenticate() -> None:
            fresh = refresh()
            hold_secret(fresh.access_token)
            if fresh.instance_url != token.instance_url:
                raise ConnectError(f"the org moved from {token.instance_url} to {fresh.instance_url}: run again")
            sf.use_token(fresh.access_token)

    closed = False

    def close() -> None:
        nonlocal closed
        if closed:
            return
        closed = True
        session.close()
        if stop is not None:
            stop()

    return OrgConnection(sf=sf, instance_url=token.instance_url, method=method, is_sandbox=is_sandbox,
                         user_info=user_info, counter=counter, reauthenticate=reauthenticate, close=close,
                         secrets=current_secrets)
