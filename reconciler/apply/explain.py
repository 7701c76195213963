"""Salesforce error codes in plain language: what the org refused and what to do about it."""

from __future__ import annotations

from collections.abc import Callable

from reconciler.org.limits import is_transient_limit
from reconciler.org.writes import RecordError

_Explainer = Callable[[str, RecordError], str]


def _fields(error: RecordError, default: str = "a field") -> str:
    return ", ".join(error.fields) if error.fields else default


def _with_message(text: str) -> _Explainer:
    return lambda sobject, error: f"{text}: {error.message}" if error.message else text


_EXPLAIN: dict[str, _Explainer] = {
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": lambda s, e: f"a validation rule on {s} rejected it: {e.message}",
    "LICENSE_LIMIT_EXCEEDED": lambda s, e: (
        f"no licence left ({e.message}): free a seat (deactivate a user) or buy more, then rerun"
        if e.message and e.message.strip() != "License Limit Exceeded"
        else "no licence of this kind is left: free a seat (deactivate a user) or buy more, then rerun"
    ),
    "DUPLICATE_USERNAME": lambda s, e: (
        "this username is taken in another org (usernames are unique across all Salesforce orgs): "
        "choose another username"
    ),
    "DUPLICATE_COMM_NICKNAME": lambda s, e: "the nickname is taken by another user of this org",
    "DUPLICATE_VALUE": _with_message("a record with the same unique value already exists"),
    "PORTAL_USER_ALREADY_EXISTS_FOR_CONTACT": lambda s, e: "this contact already has an Experience Cloud user",
    "INVALID_CROSS_REFERENCE_KEY": lambda s, e: (
        f"{_fields(e, 'a reference')} points to a record that does not exist or that the connected user cannot see"
    ),
    "REQUIRED_FIELD_MISSING": lambda s, e: f"a required field of {s} is missing: {_fields(e)}",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": lambda s, e: f"{_fields(e)} holds a value this org does not allow",
    "STRING_TOO_LONG": lambda s, e: f"{_fields(e)} is too long",
    "INVALID_EMAIL_ADDRESS": lambda s, e: f"{_fields(e, 'the email')} is not a valid email address",
    "FIELD_INTEGRITY_EXCEPTION": _with_message("the org refused this combination of values"),
    "INSUFFICIENT_ACCESS_OR_READONLY": lambda s, e: (
        f"the connected user is not allowed to do this on {s}"
        + (f" ({e.message})" if e.message else "")
    ),
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": lambda s, e: (
        "the connected user lacks access to a record this change refers to"
    ),
    "INACTIVE_OWNER_OR_USER": lambda s, e: "the owner or user involved is inactive",
    "CANNOT_UPDATE_CONVERTED_LEAD": _with_message("the record can't be changed"),
    "DUPLICATES_DETECTED": lambda s, e: (
        f"the org's duplicate rule refused a {s} that duplicates an existing Contact or Lead ({e.message}): "
        "plan again to see which, then use that record or set policy.duplicate_contacts: create"
    ),
    "ENTITY_IS_DELETED": lambda s, e: "the record was deleted meanwhile",
    "UNABLE_TO_LOCK_ROW": lambda s, e: "another operation held a lock on the record; retried and gave up",
    "MIXED_DML_OPERATION": lambda s, e: (
        "setup and non-setup records were mixed in one transaction (a guestlist bug: please report it)"
    ),
    "PROCESSING_HALTED": lambda s, e: "rolled back because another record in the same transaction failed",
    "REQUEST_LIMIT_EXCEEDED": lambda s, e: (
        "the org kept refusing it at its limit of concurrent long-running API requests (retried with backoff): "
        "rerun apply in a few minutes" if is_transient_limit(e.message) else
        "the org's daily API request allowance is spent: nothing more was sent; rerun apply once it recovers"
    ),
    "INVALID_SESSION_ID": lambda s, e: (
        f"{e.message or 'the session expired and could not be renewed'}: rerun apply with a fresh session"
    ),
    "OUTCOME_UNKNOWN": lambda s, e: (
        "the org's answer was lost and guestlist could not check whether it was applied; "
        "rerun apply: it looks the record up before writing again"
    ),
    "TIMEOUT": _with_message("the org did not answer in time"),
    "CONNECTION_ERROR": _with_message("the connection to the org failed"),
    "UNKNOWN_EXCEPTION": _with_message("Salesforce reported an internal error"),
    "INVALID_FIELD": _with_message("the org does not know a field guestlist wrote"),
    "INVALID_TYPE": _with_message("the org does not offer this object to the connected user"),
}


# No API reads whether an org lets assignments expire, nor documents its refusal (real-orgs.md §15): a refused
# ExpirationDate says what to check.
_EXPIRATION_HINT = (
    "; an assignment can only expire when Setup > User Management Settings has \"Permission Set & Permission Set "
    "Group Assignments with Expiration Dates\" on, and never for a set with Assign Permission Sets, Manage Profiles "
    "and Permission Sets or Manage Users"
)


def explain(sobject: str, error: RecordError) -> str:
    """One line for a person: the plain-language reason (the Salesforce code is shown beside it)."""
    reason = _reason(sobject, error)
    if sobject == "PermissionSetAssignment" and "ExpirationDate" in error.fields:
        return reason + _EXPIRATION_HINT
    return reason


def _reason(sobject: str, error: RecordError) -> str:
    explainer = _EXPLAIN.get(error.code)
    if explainer is not None:
        return explainer(sobject, error)
    if error.code.startswith("HTTP_5"):
        return f"the org failed with a server error ({error.code[5:]}); retried and gave up"
    return error.message or "the org refused it"
