"""Salesforce record ids: 15-character case-sensitive base 62 plus a 3-character case checksum."""

from __future__ import annotations

import itertools
import re
import threading

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID15 = re.compile(r"^[0-9A-Za-z]{15}$")
_ID18 = re.compile(r"^[0-9A-Za-z]{18}$")


def checksum(id15: str) -> str:
    """The 3-letter suffix: one letter per 5-character chunk, bit j set when character j is upper case A-Z."""
    letters = []
    for start in (0, 5, 10):
        bits = sum(1 << j for j, ch in enumerate(id15[start : start + 5]) if "A" <= ch <= "Z")
        letters.append(_CHECKSUM_ALPHABET[bits])
    return "".join(letters)


def to18(value: str) -> str:
    """Normalise a 15- or 18-character id to 18 characters; ValueError when it is not an id."""
    if _ID15.match(value):
        return value + checksum(value)
    if _ID18.match(value) and checksum(value[:15]) == value[15:].upper():
        return value[:15] + checksum(value[:15])
    raise ValueError(f"invalid id: {value!r}")


def is_id(value: object) -> bool:
    try:
        to18(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return isinstance(value, str)


def encode(number: int, width: int) -> str:
    """`number` in base 62, left-padded with zeros to `width` characters."""
    digits = []
    while number:
        number, rem = divmod(number, 62)
        digits.append(_BASE62[rem])
    return "".join(reversed(digits)).rjust(width, "0")


class IdFactory:
    """Makes new 18-character ids with a key prefix: prefix + pod '5g' + a counter, like `0F95g00000AbCdE...`."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new(self, key_prefix: str) -> str:
        with self._lock:
            n = next(self._counter)
        id15 = key_prefix + "5g" + encode(n, 10)
        return id15 + checksum(id15)
