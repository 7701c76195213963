"""Salesforce field values said in guestlist's words, for what apply reports ("notify is daily, expected weekly").

A field guestlist's YAML names is said by that name, its value translated with the tables of reconciler.model;
any other field (an id, a default guestlist fills in) keeps its Salesforce name in parentheses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from reconciler.model import (
    ACCESS_FROM_SF,
    CHATTER_SETTING_TO_SF,
    NOTIFY_FROM_SF,
    PORTAL_ROLE_FROM_SF,
    ROLE_FROM_SF,
)


def _same(value: Any) -> Any:
    return value


def _through(table: Mapping[Any, Any]) -> Callable[[Any], Any]:
    return lambda value: table.get(value, value)


def _negated(value: Any) -> Any:
    return not value if isinstance(value, bool) else value


@dataclass(frozen=True)
class Word:
    word: str
    from_sf: Callable[[Any], Any] = _same
    in_config: bool = True  # False: not a YAML key (an id or a default), so the Salesforce name is shown too


WORDS: dict[str, dict[str, Word]] = {
    "CollaborationGroup": {
        "Name": Word("name"), "CollaborationType": Word("access", _through(ACCESS_FROM_SF)),
        "CanHaveGuests": Word("allow_customers"), "Description": Word("description"),
        "InformationTitle": Word("information.title"), "InformationBody": Word("information.body"),
        "IsArchived": Word("archived"), "IsBroadcast": Word("broadcast_only"),
        "IsAutoArchiveDisabled": Word("auto_archive", _negated),
        "OwnerId": Word("owner", in_config=False),
    },
    "CollaborationGroupMember": {
        "CollaborationRole": Word("role", _through(ROLE_FROM_SF)),
        "NotificationFrequency": Word("notify", _through(NOTIFY_FROM_SF)),
        "CollaborationGroupId": Word("group", in_config=False), "MemberId": Word("member", in_config=False),
    },
    "CollaborationInvitation": {
        "InvitedUserEmail": Word("email"), "SharedEntityId": Word("group", in_config=False),
    },
    "User": {
        "Username": Word("username"), "Email": Word("email"), "FirstName": Word("first_name"),
        "LastName": Word("last_name"), "IsActive": Word("active"), "ProfileId": Word("profile", in_config=False),
        "PortalRole": Word("portal_role", _through(PORTAL_ROLE_FROM_SF)),
        "ContactId": Word("contact", in_config=False), "Alias": Word("alias", in_config=False),
        "TimeZoneSidKey": Word("time zone", in_config=False), "LocaleSidKey": Word("locale", in_config=False),
        "EmailEncodingKey": Word("email encoding", in_config=False),
        "LanguageLocaleKey": Word("language", in_config=False),
    },
    "Contact": {"Email": Word("email"), "FirstName": Word("first_name"), "LastName": Word("last_name"),
                "AccountId": Word("account", in_config=False)},
    "PermissionSetAssignment": {"PermissionSetId": Word("permission set", in_config=False),
                                "AssigneeId": Word("user", in_config=False)},
    "ChatterSettings": {sf: Word(word) for word, sf in CHATTER_SETTING_TO_SF.items()},
}


def say_value(value: Any) -> str:
    """A value as the YAML would hold it: daily, true, 'text'; "empty" for None or ''."""
    if value is None or value == "":
        return "empty"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return repr(str(value))


def say_field(sobject: str, field: str, actual: Any, expected: Any) -> str:
    """"notify is daily, expected weekly"; "alias (Alias) is 'ann', expected 'anna'" for a field not in the YAML."""
    word = WORDS.get(sobject, {}).get(field)
    if word is None:
        return f"field ({field}) is {say_value(actual)}, expected {say_value(expected)}"
    name = word.word if word.in_config else f"{word.word} ({field})"
    return f"{name} is {say_value(word.from_sf(actual))}, expected {say_value(word.from_sf(expected))}"
