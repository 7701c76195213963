"""An `expires` date as a permission set assignment's ExpirationDate, and back (real-orgs.md §15).

Access lasts through the `expires` day (README, "Access expiring soon"), so the assignment expires at 00:00 UTC of
the day after. In words an ExpirationDate is that `expires` date ("2027-03-31"); one set another way (a time other
than midnight UTC, as Setup sets it in a user's time zone) stays the Salesforce value, so it differs from any date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

_MIDNIGHT = "T00:00:00.000+0000"


def expiration_date(expires: Any) -> Any:
    """`expires` (a date, or its ISO word) as the ExpirationDate to write; None clears it; a datetime word as it is."""
    if isinstance(expires, str) and len(expires) == len("2027-03-31"):
        expires = dt.date.fromisoformat(expires)
    if isinstance(expires, dt.date):
        return (expires + dt.timedelta(days=1)).isoformat() + _MIDNIGHT
    return expires or None


def expires_word(value: Any) -> Any:
    """An ExpirationDate as read ('2027-04-01T00:00:00.000+0000') in words: the last day of access, '2027-03-31'."""
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(dt.UTC)
    except ValueError:
        return value
    if moment.time() == dt.time(0, 0):
        return (moment.date() - dt.timedelta(days=1)).isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def expires_of(expires: dt.date | None) -> str | None:
    """A declared `expires` in words."""
    return None if expires is None else expires.isoformat()
