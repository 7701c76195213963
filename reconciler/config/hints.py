"""Fix suggestions for structural problems: "did you mean" for keys and values, and what to write instead.

Pure functions over the offending value; schema.py and build.py append what they return to their messages.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import re
from typing import Any

# Words people use for a key the format names differently (applied only where the target key exists).
KEY_SYNONYMS: dict[str, str] = {
    "email": "customer",
    "username": "user",
    "visibility": "access",
    "type": "access",
    "privacy": "access",
    "members": "assignees",
    "users": "assignees",
    "guests": "allow_customers",
    "allow_guests": "allow_customers",
    "expiry": "expires",
    "expiration": "expires",
    "expires_on": "expires",
    "expiry_date": "expires",
    "end_date": "expires",
    "frequency": "notify",
    "notifications": "notify",
    "licence": "license",
    "surname": "last_name",
    "role": "portal_role",
}

_TRUE_WORDS = {"yes", "y", "on", "true"}
_FALSE_WORDS = {"no", "n", "off", "false"}


def similar(word: str, choices: list[str]) -> str | None:
    """The choice `word` is most likely a typo of (case and separators ignored first), or None."""
    folded = {re.sub(r"[\s_-]", "", choice.casefold()): choice for choice in choices}
    exact = folded.get(re.sub(r"[\s_-]", "", word.casefold()))
    if exact is not None:
        return exact
    close = difflib.get_close_matches(word.casefold(), [c.casefold() for c in choices], n=1, cutoff=0.6)
    return next((c for c in choices if c.casefold() == close[0]), None) if close else None


def suggest_key(key: str, known: list[str]) -> str | None:
    """The defined key an unknown `key` was probably meant to be."""
    synonym = KEY_SYNONYMS.get(key.casefold())
    if synonym in known:
        return synonym
    return similar(key, known)


def wrong_type_hint(wanted: list[str], instance: Any, member: bool = False) -> str:
    """What to write instead of a value of the wrong type ('' when there is nothing useful to say); `member`: the
    value should have been a group member entry."""
    if instance is None:
        return " (fill it in, or remove the key)"
    if "boolean" in wanted and isinstance(instance, str):
        word = instance.strip().casefold()
        if word in _TRUE_WORDS | _FALSE_WORDS:
            value = "true" if word in _TRUE_WORDS else "false"
            quoted = " without quotes" if word in ("true", "false") else ""
            return f" (write {value}{quoted})"
    if "string" in wanted and isinstance(instance, bool | int | float):
        text = str(instance).lower() if isinstance(instance, bool) else str(instance)
        return f" (YAML reads it as a {'boolean' if isinstance(instance, bool) else 'number'}: quote it, \"{text}\")"
    if "array" in wanted and isinstance(instance, dict):
        return " (start each entry with '- ' on its own line)"
    if "array" in wanted and isinstance(instance, str | int | float | bool):
        return f" (write [{instance}], or one '- ' entry a line)"
    if member and isinstance(instance, str):
        return f" (write '- user: {instance}' for a colleague or '- customer: {instance}' for an external person)"
    return ""


def member_identity(instance: dict[str, Any]) -> str:
    """Why a member entry does not name exactly one person."""
    if "user" in instance and "customer" in instance:
        return ("names both user: and customer:; an entry is one person: keep user: for a colleague or customer: "
                "for an external person")
    return "names no one: add user: (a colleague, by username) or customer: (an external person, by email)"


_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_YMD = re.compile(r"^(\d{4})[./-](\d{1,2})[./-](\d{1,2})(?:[ T].*)?$")


def date_hint(text: str) -> str:
    """'; did you mean 2027-03-31?' for a date written another way (31/03/2027, 2027-3-31, 2027-03-31T10:00)."""
    candidates: list[dt.date] = []
    ymd = _YMD.match(text.strip())
    if ymd:
        candidates += _dates(int(ymd[1]), int(ymd[2]), int(ymd[3]))
    dmy = _DMY.match(text.strip())
    if dmy:
        first, second, year = int(dmy[1]), int(dmy[2]), int(dmy[3])
        candidates += _dates(year, second, first) + _dates(year, first, second)
    shown = list(dict.fromkeys(day.isoformat() for day in candidates))
    if not shown:
        return ""
    return f"; did you mean {' or '.join(shown)}?"


def _dates(year: int, month: int, day: int) -> list[dt.date]:
    try:
        return [dt.date(year, month, day)]
    except ValueError:
        return []


def calendar_problem(text: str) -> str:
    """Why a well-shaped YYYY-MM-DD is not a real date ('February 2027 has 28 days')."""
    year, month, day = (int(part) for part in text.split("-"))
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day == 0:
        return "there is no day 0"
    return f"{calendar.month_name[month]} {year} has {calendar.monthrange(year, month)[1]} days"


_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
_ADDRESS = re.compile(r"[^@\s<>\"',;:()]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def domain_hint(text: str) -> str:
    """'; did you mean acme.com?' for '@acme.com', 'https://www.acme.com/', 'jane@acme.com'."""
    cleaned = re.sub(r"^[a-z]+://", "", text.strip().lower()).split("/")[0].rpartition("@")[2].removeprefix("www.")
    return f"; did you mean {cleaned}?" if cleaned != text and _DOMAIN.match(cleaned) else ""


def address_hint(text: str) -> str:
    """'; did you mean jane@contoso.com?' for 'Jane Doe <jane@contoso.com>' or 'mailto:jane@contoso.com'."""
    found = _ADDRESS.search(text.removeprefix("mailto:"))
    return f"; did you mean {found.group(0)}?" if found and found.group(0) != text else ""


VALUE_HINTS = {"invalid-date": date_hint, "invalid-domain": domain_hint, "invalid-email": address_hint,
               "invalid-username": address_hint}
