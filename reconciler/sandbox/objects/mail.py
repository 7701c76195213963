"""What the org emails, and email changes that wait for the person's confirmation.

The outbox records every mail a real org would send (invitations, password-reset and welcome mails, email-change
confirmations and notices, and what the standard actions send: objects/actions.py), so tests can assert that
nobody is mailed twice (real-orgs.md §12). A changed
User.Email keeps its old value until the person confirms the new address; each request mails both addresses
(real-orgs.md §4.1, real-orgs.md §4.2). Neither table is an sObject: no API reads them, as no API shows a pending
address (real-orgs.md §4.3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

DDL = (
    'CREATE TABLE IF NOT EXISTS "_outbox" ("seq" INTEGER PRIMARY KEY AUTOINCREMENT, "time" TEXT NOT NULL, '
    '"kind" TEXT NOT NULL, "to" TEXT NOT NULL, "user_id" TEXT, "about" TEXT)',
    'CREATE TABLE IF NOT EXISTS "_pending_emails" ("user_id" TEXT PRIMARY KEY, "email" TEXT NOT NULL, '
    '"requested" TEXT NOT NULL)',
)

INVITATION = "invitation"
PASSWORD_RESET = "password-reset"
EMAIL_CHANGE_CONFIRMATION = "email-change-confirmation"
EMAIL_CHANGE_NOTICE = "email-change-notice"
_PENDING = assumed("email-change-pending")


def send(session: Session, kind: str, to: str, user_id: str | None = None, about: str | None = None) -> None:
    """Record one mail in the outbox (it commits or rolls back with the request that sent it)."""
    session.conn.execute(
        'INSERT INTO "_outbox" ("time", "kind", "to", "user_id", "about") VALUES (?, ?, ?, ?, ?)',
        (session.now, kind, to, user_id, about),
    )


def clear_outbox(session: Session) -> None:
    session.conn.execute('DELETE FROM "_outbox"')


def outbox(session: Session) -> list[dict[str, Any]]:
    """Every mail sent, oldest first: seq, time, kind, to, user_id, about."""
    columns = ("seq", "time", "kind", "to", "user_id", "about")
    selected = ", ".join(f'"{column}"' for column in columns)
    cursor = session.conn.execute(f'SELECT {selected} FROM "_outbox" ORDER BY "seq"')
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def request_email_change(session: Session, user: dict[str, Any], new_email: str) -> None:
    """An API write of User.Email: the old value stays; the new address gets a confirmation link and the old one a
    notice, on every request; a later request replaces the pending address."""
    session.conn.execute(
        'INSERT OR REPLACE INTO "_pending_emails" ("user_id", "email", "requested") VALUES (?, ?, ?)',
        (user["Id"], new_email, session.now),
    )
    send(session, EMAIL_CHANGE_CONFIRMATION, new_email, user["Id"], user["Username"])
    send(session, EMAIL_CHANGE_NOTICE, user["Email"], user["Id"], user["Username"])


def pending_email(session: Session, user_id: str) -> str | None:
    return session.scalar('SELECT "email" FROM "_pending_emails" WHERE "user_id" = ?', (user_id,))


def confirm_email(session: Session, username: str) -> dict[str, str]:
    """The person clicks the link: the pending address becomes User.Email. 404 NOT_FOUND without a pending change."""
    user_id = session.scalar('SELECT "Id" FROM "User" WHERE lower("Username") = lower(?)', (username.strip(),))
    if user_id is None:
        raise ApiError(404, "NOT_FOUND", f"No user has the username {username}")
    email = pending_email(session, user_id)
    if email is None:
        raise ApiError(404, "NOT_FOUND", f"No email change of {username} awaits confirmation")
    session.system_update("User", user_id, {"Email": email})
    session.conn.execute('DELETE FROM "_pending_emails" WHERE "user_id" = ?', (user_id,))
    return {"user_id": user_id, "username": username.strip(), "email": email}
