"""The `--today YYYY-MM-DD` option shared by plan and apply: one parser, one message for a bad date."""

from __future__ import annotations

import datetime as dt
import re

from reconciler.config.hints import calendar_problem

_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadDate(ValueError):
    """The option's value is not a YYYY-MM-DD calendar date; the message says why, in one line."""


def parse_today(text: str | None) -> dt.date:
    """The date expiry is judged on: `text` (strictly YYYY-MM-DD), or the local date when it is None."""
    if text is None:
        return dt.date.today()
    if not _SHAPE.fullmatch(text):
        raise BadDate(f"--today {text!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-22")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadDate(f"--today {text!r} is not a date: {calendar_problem(text)}") from None
