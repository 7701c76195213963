"""OAuth 2.0: the token endpoint (password, JWT bearer, client credentials, refresh token), userinfo and the
identity URL.

The sandbox has one connected app (CONSUMER_KEY / CONSUMER_SECRET), and knows the Salesforce CLI's default app
(CLI_CLIENT_ID, no secret) for refresh tokens, so `sf org login sfdx-url` works against it. A refresh token comes
from `guestlist sandbox auth-url` (assumption "oauth-refresh-token"). A JWT bearer assertion is checked for shape
and claims (alg RS256, iss = that consumer key, sub = an active username, aud, exp) but its signature is not
verified: the sandbox has no certificate uploaded to compare with (assumption "oauth-jwt").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.auth import NEW_ORG_LOGINS, LoginPolicy
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.store import Session, Store

CONSUMER_KEY = "guestlist-sandbox"
CONSUMER_SECRET = "guestlist-sandbox-secret"
CLI_CLIENT_ID = "PlatformCLI"  # the Salesforce CLI's default connected app (ecosystem.md §1.1 and ecosystem.md §1.4)
REFRESH_CLIENTS = (CONSUMER_KEY, CLI_CLIENT_ID)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUDIENCES = {"https://login.salesforce.com", "https://test.salesforce.com"}  # real-orgs.md §5.1
CLOCK_SKEW_S = 300


class OAuthError(Exception):
    """An OAuth error answer: 400 (or `status`) with `{"error", "error_description"}`."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def parse_form(body: bytes) -> dict[str, str]:
    """An x-www-form-urlencoded body, whatever the Content-Type says (jsforce sends none)."""
    try:
        pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "the request body is not UTF-8 form data") from None
    return {key: values[-1] for key, values in pairs.items()}


def token(
    store: Store, form: dict[str, str], authorization: str | None, instance_url: str,
    logins: LoginPolicy = NEW_ORG_LOGINS,
) -> dict[str, Any]:
    """Issue an access token for the grant in `form`; OAuthError when the grant is refused."""
    assumed("oauth-connected-app")
    grant = form.get("grant_type", "")
    with store.session() as session:
        if grant == "password":
            _check_client(form.get("client_id"), form.get("client_secret"))
            if not logins.password_flow:  # what a blocked flow answers (real-orgs.md §5.3)
                assumed("oauth-password-flow-blocked")
                raise OAuthError("invalid_grant", "authentication failure")
            try:
                user_id = session.authenticate(form.get("username", ""), form.get("password", ""))
            except ApiError:
                raise OAuthError("invalid_grant", "authentication failure") from None
        elif grant == JWT_GRANT:
            user_id = _jwt_user(session, form.get("assertion", ""))
        elif grant == "client_credentials":
            client_id, client_secret = _basic_credentials(authorization) or (
                form.get("client_id"),
                form.get("client_secret"),
            )
            _check_client(client_id, client_secret)
            user_id = session.meta("admin_user_id") or ""
        elif grant == "refresh_token":
            user_id = _refresh_user(session, form)
        else:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        access_token = session.issue_token(user_id)
        org_id = store.org_id
    issued_at = str(int(time.time() * 1000))
    identity = f"{instance_url}/id/{org_id}/{user_id}"
    signature = base64.b64encode(
        hmac.new(CONSUMER_SECRET.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "access_token": access_token,
        "instance_url": instance_url,
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
    }


def identity(session: Session, user_id: str, instance_url: str) -> dict[str, Any]:
    """The identity URL's answer (`/id/<org>/<user>`): userinfo plus the keys jsforce's identity() reads."""
    info = session.user_info(user_id)
    return {
        **info,
        "id": f"{instance_url}/id/{info['organization_id']}/{info['user_id']}",
        "username": info["preferred_username"],
        "display_name": info["name"],
        "urls": {
            "rest": f"{instance_url}/services/data/v{{version}}/",
            "query": f"{instance_url}/services/data/v{{version}}/query/",
            "metadata": f"{instance_url}/services/Soap/m/{{version}}/{info['organization_id']}",
        },
    }


def _refresh_user(session: Session, form: dict[str, str]) -> str:
    """The user a refresh token was issued to, for the client that presents it (its secret checked when sent)."""
    assumed("oauth-refresh-token")
    client_id = form.get("client_id", "")
    if client_id not in REFRESH_CLIENTS:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    secret = form.get("client_secret")
    if secret and (client_id != CONSUMER_KEY or not secrets.compare_digest(secret, CONSUMER_SECRET)):
        raise OAuthError("invalid_client", "invalid client credentials")
    user_id = session.user_for_refresh_token(form.get("refresh_token", ""), client_id)
    if user_id is None:
        raise OAuthError("invalid_grant", "expired access/refresh token")
    return str(user_id)


def _check_client(client_id: str | None, client_secret: str | None) -> None:
    if client_id != CONSUMER_KEY:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if not client_secret or not secrets.compare_digest(client_secret, CONSUMER_SECRET):
        raise OAuthError("invalid_client", "invalid client credentials")


def _basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "invalid client credentials") from None
    client_id, sep, client_secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "invalid client credentials")
    return client_id, client_secret


def _jwt_user(session: Session, assertion: str) -> str:
    """The active user named by a JWT bearer assertion whose claims hold (signature not verified)."""
    assumed("oauth-jwt")
    header, claims = _decode_jwt(assertion)
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "invalid assertion: the algorithm must be RS256")
    if claims.get("iss") != CONSUMER_KEY:
        raise OAuthError("invalid_client_id", "client identifier invalid")
    if str(claims.get("aud", "")).rstrip("/") not in AUDIENCES:
        raise OAuthError("invalid_grant", "audience is invalid")
    expiry = claims.get("exp")
    try:
        expires_at = float(expiry)  # type: ignore[arg-type]  # a TypeError is caught; simple-salesforce sends exp as a string of digits
    except (TypeError, ValueError):
        raise OAuthError("invalid_grant", "expiration is invalid") from None
    if expires_at < time.time() - CLOCK_SKEW_S:
        raise OAuthError("invalid_grant", "expired authorization code")
    username = str(claims.get("sub", ""))
    escaped = username.replace("\\", "\\\\").replace("'", "\\'")
    found = session.query(f"SELECT Id FROM User WHERE Username = '{escaped}' AND IsActive = true")
    if not found.records:
        raise OAuthError("invalid_grant", "invalid assertion: no active user has that username")
    return str(found.records[0]["Id"])


def _decode_jwt(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    parts = assertion.split(".")
    if len(parts) != 3 or not all(parts):
        raise OAuthError("invalid_grant", "invalid assertion")
    try:
        header, claims = (json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2])
    except (ValueError, binascii.Error):
        raise OAuthError("invalid_grant", "invalid assertion") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise OAuthError("invalid_grant", "invalid assertion")
    return header, claims
