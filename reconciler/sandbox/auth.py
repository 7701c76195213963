"""Sign-in to the sandbox org: passwords, access tokens shaped `<org id>!<secret>` (clients.md §4.2), refresh
tokens for one connected app (the OAuth `refresh_token` grant; the sandbox issues them on request, assumption
"oauth-refresh-token"), userinfo."""

from __future__ import annotations

import hashlib
import secrets
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.sandbox import ids
from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

_TOKEN_ALPHABET = string.ascii_letters + string.digits + "."


@dataclass(frozen=True)
class LoginPolicy:
    """The password logins the org allows. A new real org allows neither (real-orgs.md §5.3): SOAP `login()` is
    disabled in orgs created since Winter '26, the OAuth username-password flow blocked in those since Summer '23;
    `guestlist sandbox serve --soap-login --password-flow` turns them on, as an administrator can."""

    soap_login: bool = False
    password_flow: bool = False


NEW_ORG_LOGINS = LoginPolicy()  # both off, as a new real org has them


def _hash_password(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 1000).hex()


def set_password(session: Session, user_id: str, password: str) -> None:
    """Sandbox-only: give a user a password (users created through the API have none)."""
    salt = secrets.token_hex(8)
    session.conn.execute(
        'INSERT OR REPLACE INTO "_passwords" ("user_id", "salt", "hash") VALUES (?, ?, ?)',
        (ids.to18(user_id), salt, _hash_password(password, salt)),
    )


def check_new_password(password: str) -> None:
    """A new org's password policy: at least 8 characters, letters and digits (assumption "password-policy")."""
    assumed("password-policy")
    if len(password) < 8 or not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        raise ApiError(400, "INVALID_NEW_PASSWORD",
                       "Your password must be at least 8 characters long and have a mix of letters and numbers.")


def authenticate(session: Session, username: str, password: str) -> str:
    """The id of the active user with this username and password; 400 INVALID_LOGIN otherwise."""
    found = session.conn.execute(
        'SELECT u."Id", p."salt", p."hash" FROM "User" u JOIN "_passwords" p ON p."user_id" = u."Id" '
        'WHERE lower(u."Username") = lower(?) AND u."IsActive" = 1',
        (username,),
    ).fetchone()
    if found is None or not secrets.compare_digest(_hash_password(password, found["salt"]), found["hash"]):
        raise ApiError(400, "INVALID_LOGIN", "Invalid username, password, security token; or user locked out.")
    return found["Id"]


def issue_token(session: Session, user_id: str) -> str:
    """A new access token for the user: the org's 15-character id, '!', then a random secret."""
    secret = "AQ" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(94))
    token = f"{session.store.org_id[:15]}!{secret}"
    session.conn.execute(
        'INSERT INTO "_tokens" ("token", "user_id", "issued") VALUES (?, ?, ?)',
        (token, ids.to18(user_id), session.now),
    )
    return token


_REFRESH_DDL = ('CREATE TABLE IF NOT EXISTS "_refresh_tokens" ("token" TEXT PRIMARY KEY, "user_id" TEXT NOT NULL, '
                '"client_id" TEXT NOT NULL, "issued" TEXT)')


def issue_refresh_token(session: Session, user_id: str, client_id: str) -> str:
    """A new refresh token for the user and connected app (`5Aep` then random letters, digits and dots, the
    shape of Salesforce's, assumption "oauth-refresh-token"); it outlives access tokens until the org is reset."""
    session.conn.execute(_REFRESH_DDL)
    token = "5Aep" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(83))
    session.conn.execute(
        'INSERT INTO "_refresh_tokens" ("token", "user_id", "client_id", "issued") VALUES (?, ?, ?, ?)',
        (token, ids.to18(user_id), client_id, session.now),
    )
    return token


def user_for_refresh_token(session: Session, token: str, client_id: str) -> str | None:
    """The active user a refresh token was issued to for `client_id`, or None."""
    session.conn.execute(_REFRESH_DDL)
    return session.scalar(
        'SELECT t."user_id" FROM "_refresh_tokens" t JOIN "User" u ON u."Id" = t."user_id" '
        'WHERE t."token" = ? AND t."client_id" = ? AND u."IsActive" = 1',
        (token, client_id),
    )


def user_for_token(session: Session, token: str) -> str | None:
    """The active user a token belongs to, or None (unknown, expired or the user was deactivated)."""
    return session.scalar(
        'SELECT t."user_id" FROM "_tokens" t JOIN "User" u ON u."Id" = t."user_id" '
        'WHERE t."token" = ? AND u."IsActive" = 1',
        (token,),
    )


def expire_tokens(session: Session) -> None:
    """Every token stops working (the expired-session fault)."""
    session.conn.execute('DELETE FROM "_tokens"')


def user_info(session: Session, user_id: str) -> dict[str, Any]:
    """The OpenID userinfo of a user (`/services/oauth2/userinfo`; the sf CLI reads user_id, organization_id and
    preferred_username)."""
    user = session.fetch("User", ids.to18(user_id))
    if user is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    org_id = session.store.org_id
    return {
        "sub": f"https://login.salesforce.com/id/{org_id}/{user['Id']}",
        "user_id": user["Id"],
        "organization_id": org_id,
        "preferred_username": user["Username"],
        "nickname": user["CommunityNickname"],
        "name": user["Name"],
        "email": user["Email"],
        "email_verified": True,
        "given_name": user["FirstName"],
        "family_name": user["LastName"],
        "zoneinfo": user["TimeZoneSidKey"],
        "locale": user["LocaleSidKey"],
        "language": user["LanguageLocaleKey"],
        "active": bool(user["IsActive"]),
        "user_type": "STANDARD" if user["UserType"] == "Standard" else str(user["UserType"]).upper(),
        "is_lightning_login_user": False,
        "updated_at": user["LastModifiedDate"],
    }
