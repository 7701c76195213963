"""The one timestamp commands stamp a plan with."""

from __future__ import annotations

import datetime as dt


def now() -> str:
    """The current UTC time to the second, as `2026-11-22T09:30:00Z`."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
