"""The standard actions `chatterPost` (Post to Chatter) and `emailSimple` (Send Email): one result per input,
in order (real-orgs.md §14.1). A post is recorded in the outbox as kind `chatter-post` (the sandbox has no
FeedItem), an email as kind `email`, one row per address (real-orgs.md §14.2, real-orgs.md §14.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reconciler.sandbox import ids
from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.mail import send

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

CHATTER_POST = "chatter-post"
EMAIL = "email"
CHATTER_TEXT_MAX = 10_000  # real-orgs.md §14.2 (API 222.0)
EMAIL_RECIPIENTS_MAX = 5  # real-orgs.md §14.3 (API 210.0: five or fewer); newer versions allow 150
SENDER_TYPES = ("CurrentUser", "DefaultWorkflowUser", "OrgWideEmailAddress")
_ERRORS = assumed("action-input-errors")
_FEED_ITEM_IDS = assumed("action-feed-item-ids")


def _text(inputs: dict[str, Any], name: str, required: bool = True) -> str:
    value = inputs.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ApiError(400, "REQUIRED_FIELD_MISSING", f"Missing required input parameter: {name}", [name])
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "INVALID_TYPE", f"{name} must be a string", [name])
    return value


def _user(session: Session, name_or_id: str) -> dict[str, Any] | None:
    """A user by Id (15 or 18 characters) or Username (case-insensitive)."""
    try:
        record_id = ids.to18(name_or_id)
    except (ValueError, TypeError):
        record_id = ""
    if record_id.startswith("005"):
        return session.fetch("User", record_id)
    found = session.rows("User", 'lower("Username") = lower(?)', (name_or_id.strip(),))
    return found[0] if found else None


def chatter_post(session: Session, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """One text post on a user's feed (type `user`; groups and records are not imitated)."""
    subject, text = _text(inputs, "subjectNameOrId"), _text(inputs, "text")
    kind = _text(inputs, "type", required=False) or "user"
    if kind.lower() != "user":
        raise ApiError(400, "INVALID_API_INPUT", f"type {kind!r}: the sandbox posts to users only", ["type"])
    if len(text) > CHATTER_TEXT_MAX:
        raise ApiError(400, "STRING_TOO_LONG", f"text: more than {CHATTER_TEXT_MAX} characters", ["text"])
    user = _user(session, subject)
    if user is None:
        raise ApiError(400, "INVALID_API_INPUT", f"No user matches subjectNameOrId {subject}", ["subjectNameOrId"])
    if not user["IsActive"]:
        raise ApiError(400, "INVALID_API_INPUT", f"The user {subject} is inactive", ["subjectNameOrId"])
    from reconciler.sandbox.store import make_id

    feed_item = make_id("0D5", session.scalar('SELECT COALESCE(MAX("seq"), 0) FROM "_outbox"') + 1)
    send(session, CHATTER_POST, user["Username"], user["Id"], text)
    return {"feedItemId": feed_item}


def email_simple(session: Session, inputs: dict[str, Any]) -> dict[str, Any] | None:
    """One plain-text email to each address of `emailAddresses` (comma-separated) and `emailAddressesArray`."""
    subject, _ = _text(inputs, "emailSubject"), _text(inputs, "emailBody")
    listed = [a.strip() for a in _text(inputs, "emailAddresses", required=False).split(",") if a.strip()]
    array = inputs.get("emailAddressesArray") or []
    if not isinstance(array, list) or not all(isinstance(a, str) for a in array):
        raise ApiError(400, "INVALID_TYPE", "emailAddressesArray must be a list of strings", ["emailAddressesArray"])
    addresses = listed + [a.strip() for a in array if a.strip()]
    if not addresses:
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "Missing required input parameter: emailAddresses",
                       ["emailAddresses"])
    if len(addresses) > EMAIL_RECIPIENTS_MAX:
        raise ApiError(400, "INVALID_API_INPUT", f"{len(addresses)} recipients: at most {EMAIL_RECIPIENTS_MAX}",
                       ["emailAddresses"])
    bad = [a for a in addresses if "@" not in a or a.startswith("@") or a.endswith("@")]
    if bad:
        raise ApiError(400, "INVALID_EMAIL_ADDRESS", f"Invalid email address: {bad[0]}", ["emailAddresses"])
    sender = _text(inputs, "senderType", required=False) or "CurrentUser"
    if sender not in SENDER_TYPES:
        raise ApiError(400, "INVALID_API_INPUT", f"senderType {sender!r}: expected one of "
                       f"{', '.join(SENDER_TYPES)}", ["senderType"])
    if sender == "OrgWideEmailAddress" and not _text(inputs, "senderAddress", required=False):
        raise ApiError(400, "REQUIRED_FIELD_MISSING", "Missing required input parameter: senderAddress",
                       ["senderAddress"])
    for address in addresses:
        send(session, EMAIL, address, None, subject)
    return None


ACTIONS: dict[str, Callable[[Session, dict[str, Any]], dict[str, Any] | None]] = {
    "chatterPost": chatter_post,
    "emailSimple": email_simple,
}


def invoke(session: Session, name: str, inputs: list[Any]) -> list[dict[str, Any]]:
    """Each input on its own: a failed input is rolled back and reported in its result; the others still run."""
    action = ACTIONS[name]
    results: list[dict[str, Any]] = []
    for item in inputs:
        try:
            if not isinstance(item, dict):
                raise ApiError(400, "INVALID_API_INPUT", "each input must be a JSON object")
            with session.savepoint():
                output = action(session, item)
            results.append({"actionName": name, "errors": None, "isSuccess": True, "outputValues": output})
        except ApiError as exc:
            results.append({"actionName": name, "errors": [exc.record_error()], "isSuccess": False,
                            "outputValues": None})
    return results
