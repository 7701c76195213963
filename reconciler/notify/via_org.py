"""Delivering notices through the org's own standard actions (`--via chatter` and `--via email`): find each
recipient's user with one query, then POST the notices as `inputs` of `chatterPost` (a post on the recipient's
feed that @mentions them) or `emailSimple` (to the address the org has for them), a few per request, and read
one result per input (real-orgs.md §14). Every notice ends as a Delivery: sent, or why not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

from reconciler.notify.message import body
from reconciler.notify.notices import Notice
from reconciler.org.connect import OrgConnection, OrgError, describe_failure
from reconciler.org.soql import MAX_ENCODED_LENGTH, chunked_in
from reconciler.plan.assumptions import ACTION_INPUTS_PER_REQUEST

CHANNELS = ("chatter", "email")
ACTION = {"chatter": "chatterPost", "email": "emailSimple"}
SENDER_TYPE = "CurrentUser"  # the connected user sends; no default is documented (real-orgs.md §14.4)
_USER_FIELDS = "Id, Username, Email, IsActive"


@dataclass(frozen=True)
class OrgUser:
    id: str
    username: str
    email: str
    active: bool


@dataclass(frozen=True)
class Delivery:
    """One notice's fate: `sent` with the org's reference (a feed item id, or the address mailed), else `problem`."""

    notice: Notice
    sent: bool
    detail: str


def deliver(conn: OrgConnection, found: Sequence[Notice], channel: str) -> list[Delivery]:
    """Sends each notice with an active recipient user; the others are Deliveries with their problem. Raises
    OrgError (via the lookup) when the users can't be read: then nothing was sent."""
    users = find_users(conn, {n.recipient for n in found if n.recipient})  # no query when there is nobody
    outcome: dict[int, Delivery] = {}
    ready: list[tuple[int, dict[str, Any]]] = []
    for index, notice in enumerate(found):
        user, problem = choose_user(notice.recipient, users)
        if user is None:
            outcome[index] = Delivery(notice, False, problem)
        else:
            ready.append((index, action_input(notice, user, channel)))
    for start in range(0, len(ready), ACTION_INPUTS_PER_REQUEST):
        batch = ready[start:start + ACTION_INPUTS_PER_REQUEST]
        results = invoke(conn, ACTION[channel], [inputs for _, inputs in batch])
        for position, (index, inputs) in enumerate(batch):
            outcome[index] = Delivery(found[index], *(
                (False, f"the request failed, so it may not have been sent: {results}") if isinstance(results, str)
                else result_of(results[position], inputs, channel)))
    return [outcome[index] for index in range(len(found))]


def find_users(conn: OrgConnection, names: Iterable[str]) -> list[OrgUser]:
    """The users whose Username or Email is one of `names`: one query per IN-list chunk (one for a usual config)."""
    records: list[dict[str, Any]] = []
    for condition in chunked_in("Username", sorted(names, key=str.casefold), MAX_ENCODED_LENGTH // 2 - 200):
        by_email = "Email" + condition[len("Username"):]
        soql = f"SELECT {_USER_FIELDS} FROM User WHERE {condition} OR {by_email}"
        records += _query(conn, soql)
    return [OrgUser(str(r["Id"]), str(r["Username"]), str(r.get("Email") or ""), bool(r["IsActive"]))
            for r in records]


def choose_user(name: str | None, users: Sequence[OrgUser]) -> tuple[OrgUser | None, str]:
    """The user a recipient names: by Username, else the one active user with that Email; else why not."""
    if name is None:
        return None, "nobody to tell: the grant names no sponsor and its group no owner"
    wanted = name.casefold()
    by_username = [u for u in users if u.username.casefold() == wanted]
    by_email = [u for u in users if u.email.casefold() == wanted]
    candidates = by_username or [u for u in by_email if u.active] or by_email
    if not candidates:
        return None, f"no user in the org has the username or email {name}"
    if len(candidates) > 1:
        return None, (f"{len(candidates)} active users in the org have the email {name}: name the sponsor by "
                      "username")
    user = candidates[0]
    if not user.active:
        return None, f"the org's user {user.username} is inactive"
    return user, ""


def action_input(notice: Notice, user: OrgUser, channel: str) -> dict[str, Any]:
    """One `inputs` entry: a text post on the user's feed mentioning them, or a plain-text email to them."""
    if channel == "chatter":  # "@[<id>]" is how a post mentions a user (real-orgs.md §14.4)
        return {"subjectNameOrId": user.id, "type": "user", "text": body(notice, prefix=f"@[{user.id}] ")}
    return {"emailAddresses": user.email, "emailSubject": notice.subject, "emailBody": body(notice),
            "senderType": SENDER_TYPE}


def invoke(conn: OrgConnection, action: str, inputs: list[dict[str, Any]]) -> list[Mapping[str, Any]] | str:
    """One POST /actions/standard/{action}: its results, one per input, or why the request failed as a whole."""
    try:
        answer: Any = conn.sf.restful(f"actions/standard/{action}", method="POST", json={"inputs": inputs})
    except SalesforceError as exc:  # per-input results under an error status are still results
        content: Any = exc.content
        if _results(content, inputs):
            return list(content)
        return describe_failure(exc, conn.secrets(), conn.api_usage)
    except requests.exceptions.RequestException as exc:
        return describe_failure(exc, conn.secrets(), conn.api_usage)
    return list(answer) if _results(answer, inputs) else f"the org answered {action} without one result per input"


def result_of(result: Mapping[str, Any], inputs: Mapping[str, Any], channel: str) -> tuple[bool, str]:
    if result.get("isSuccess") is True:
        if channel == "chatter":
            return True, f"feed item {(result.get('outputValues') or {}).get('feedItemId', '?')}"
        return True, f"mailed to {inputs['emailAddresses']}"
    errors = result.get("errors") or []
    words = "; ".join(f"{e.get('statusCode', '?')}: {e.get('message', '')}" for e in errors if isinstance(e, dict))
    return False, f"the org refused it ({words or 'no error given'})"


def _results(answer: Any, inputs: list[dict[str, Any]]) -> bool:
    return (isinstance(answer, list) and len(answer) == len(inputs)
            and all(isinstance(r, dict) and "isSuccess" in r for r in answer))


def _query(conn: OrgConnection, soql: str) -> list[dict[str, Any]]:
    try:
        return list(conn.sf.query_all_iter(soql))
    except (SalesforceError, requests.exceptions.RequestException) as exc:
        raise OrgError(f"reading the recipients' users failed: "
                       f"{describe_failure(exc, conn.secrets(), conn.api_usage)}") from None
