"""SOQL literal values: quoted strings with their escapes, date/datetime literals, relative date ranges."""

from __future__ import annotations

import calendar
import datetime as dt
import re

from reconciler.sandbox.assumptions import assumed

_LIKE_ESCAPES = assumed("soql-like-escapes")
_DATE_LITERALS = assumed("soql-date-literals")

_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


class LiteralError(ValueError):
    """A literal the SOQL lexer accepts but Salesforce refuses (bad escape, impossible date)."""


def decode_string(token: str) -> tuple[str, str]:
    """A quoted SOQL string token -> (its value, the same as an SQLite LIKE pattern with ESCAPE '\\')."""
    body = token[1:-1]
    value: list[str] = []
    like: list[str] = []
    last = 0
    for match in _ESCAPE.finditer(body):
        plain = body[last : match.start()]
        value.append(plain)
        like.append(plain)  # holds no backslash: every backslash starts an escape
        last = match.end()
        code = match.group(1)
        if code in ("%", "_"):
            value.append("\\" + code)
            like.append("\\" + code)
        elif code[0] == "u" and len(code) == 5:
            char = chr(int(code[1:], 16))
            value.append(char)
            like.append(_like_literal(char))
        elif code.lower() in _SIMPLE_ESCAPES:
            char = _SIMPLE_ESCAPES[code.lower()]
            value.append(char)
            like.append(_like_literal(char))
        else:
            raise LiteralError(
                f"Invalid string literal '{body}'. Illegal character sequence '\\{code}' in string literal."
            )
    tail = body[last:]
    value.append(tail)
    like.append(tail)
    return "".join(value), "".join(like)


def _like_literal(char: str) -> str:
    """An escaped character inside a LIKE pattern: a literal backslash must itself be escaped."""
    return "\\\\" if char == "\\" else char


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise LiteralError(f"invalid date: {text}") from exc


_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$", re.IGNORECASE
)


def parse_datetime(text: str) -> dt.datetime:
    """2024-01-31T10:00:00Z, 2024-01-31T10:00:00.000+0100, 2024-01-31T10:00:00-08:00 -> an aware datetime."""
    match = _DATETIME.match(text)
    if not match:
        raise LiteralError(f"invalid datetime: {text}")
    year, month, day, hour, minute, second, millis, zulu, sign, zh, zm = match.groups()
    offset = dt.timedelta(0) if zulu else dt.timedelta(hours=int(zh), minutes=int(zm)) * (1 if sign == "+" else -1)
    try:
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((millis or "0").ljust(3, "0")) * 1000,
            tzinfo=dt.timezone(offset),
        )
    except ValueError as exc:
        raise LiteralError(f"invalid datetime: {text}") from exc


def format_datetime(value: dt.datetime) -> str:
    """The storage and JSON form of a datetime: UTC, milliseconds, '+0000'."""
    utc = value.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def format_date(value: dt.date) -> str:
    return value.isoformat()


# --- relative date literals -------------------------------------------------------------------------------------


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() + 1) % 7)  # Sunday


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _days(start: dt.date, count: int) -> tuple[dt.date, dt.date]:
    return start, start + dt.timedelta(days=count)


def _units(unit: str, today: dt.date, offset: int, count: int) -> tuple[dt.date, dt.date]:
    """[start, end) of `count` calendar units starting `offset` units from the current one."""
    if unit == "DAY":
        return _days(today + dt.timedelta(days=offset), count)
    if unit == "WEEK":
        start = _week_start(today) + dt.timedelta(weeks=offset)
        return start, start + dt.timedelta(weeks=count)
    if unit == "MONTH":
        start = _add_months(_month_start(today), offset)
        return start, _add_months(start, count)
    if unit == "QUARTER":
        start = _add_months(_quarter_start(today), 3 * offset)
        return start, _add_months(start, 3 * count)
    start = dt.date(today.year + offset, 1, 1)  # YEAR
    return start, dt.date(start.year + count, 1, 1)


# name -> (unit, offset, count) for the literals without ":n"
_FIXED = {
    "YESTERDAY": ("DAY", -1, 1),
    "TODAY": ("DAY", 0, 1),
    "TOMORROW": ("DAY", 1, 1),
    "LAST_WEEK": ("WEEK", -1, 1),
    "THIS_WEEK": ("WEEK", 0, 1),
    "NEXT_WEEK": ("WEEK", 1, 1),
    "LAST_MONTH": ("MONTH", -1, 1),
    "THIS_MONTH": ("MONTH", 0, 1),
    "NEXT_MONTH": ("MONTH", 1, 1),
    "LAST_QUARTER": ("QUARTER", -1, 1),
    "THIS_QUARTER": ("QUARTER", 0, 1),
    "NEXT_QUARTER": ("QUARTER", 1, 1),
    "LAST_YEAR": ("YEAR", -1, 1),
    "THIS_YEAR": ("YEAR", 0, 1),
    "NEXT_YEAR": ("YEAR", 1, 1),
    "LAST_90_DAYS": ("DAY", -90, 91),
    "NEXT_90_DAYS": ("DAY", 1, 90),
}
_WITH_N = {
    "LAST_N_DAYS": "DAY",
    "NEXT_N_DAYS": "DAY",
    "N_DAYS_AGO": "DAY",
    "LAST_N_WEEKS": "WEEK",
    "NEXT_N_WEEKS": "WEEK",
    "N_WEEKS_AGO": "WEEK",
    "LAST_N_MONTHS": "MONTH",
    "NEXT_N_MONTHS": "MONTH",
    "N_MONTHS_AGO": "MONTH",
    "LAST_N_QUARTERS": "QUARTER",
    "NEXT_N_QUARTERS": "QUARTER",
    "N_QUARTERS_AGO": "QUARTER",
    "LAST_N_YEARS": "YEAR",
    "NEXT_N_YEARS": "YEAR",
    "N_YEARS_AGO": "YEAR",
}


def is_relative_date(name: str, n: int | None) -> bool:
    return (n is None and name in _FIXED) or (n is not None and name in _WITH_N)


def date_range(name: str, n: int | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of a relative date literal on `today`; KeyError when the literal is unknown."""
    if n is None:
        unit, offset, count = _FIXED[name]
        return _units(unit, today, offset, count)
    unit = _WITH_N[name]
    if name.startswith("LAST_N_"):
        if unit == "DAY":  # today and the n days before
            return _units(unit, today, -n, n + 1)
        return _units(unit, today, -n, n)
    if name.startswith("NEXT_N_"):
        return _units(unit, today, 1, n)
    return _units(unit, today, -n, 1)  # N_<units>_AGO
