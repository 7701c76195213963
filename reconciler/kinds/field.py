"""One managed field: its name in guestlist's YAML, its Salesforce field, and the translation both ways."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any


def same(value: Any) -> Any:
    return value


def through(table: Mapping[Any, Any]) -> Callable[[Any], Any]:
    """A converter through a translation table of reconciler.model; a value not in it stays as it is."""
    return lambda value: table.get(value, value)


def negated(value: Any) -> Any:
    return not value if isinstance(value, bool) else value


def as_words(value: Any) -> Any:
    """A value as the plan's `before`/`after` hold it: an enum by its YAML word."""
    return value.value if isinstance(value, Enum) else value


@dataclass(frozen=True)
class Field:
    """`word` is the YAML key (dotted for nested keys: "information.title"); `sf_field` the Salesforce field, read
    by that name in SOQL. `to_sf`/`from_sf` translate a value in guestlist's words (enums included) to and from
    the Salesforce value. `read` turns an empty Salesforce value into the org's default (`auto_archive` is on
    unless IsAutoArchiveDisabled). `in_config` False: not a YAML key (an id, a default guestlist fills in), so
    apply's reports show the Salesforce name too. `create_only`: the API sets it only on create (a difference on
    a live record is a manual step). `private`: "name" is masked for external people under --redact, "message"
    is always hidden. `parse` turns the YAML value into guestlist's typed value."""

    word: str
    sf_field: str
    to_sf: Callable[[Any], Any] = same
    from_sf: Callable[[Any], Any] = same
    read: Callable[[Any], Any] = same
    in_config: bool = True
    create_only: bool = False
    private: str | None = None
    parse: Callable[[Any], Any] = same  # YAML value -> guestlist's typed value ("private" -> Access.PRIVATE)

    def observed(self, record: Mapping[str, Any]) -> Any:
        """The field's value in guestlist's words, from a Salesforce record."""
        return self.from_sf(self.read(record.get(self.sf_field)))

    def declared(self, item: Mapping[str, Any]) -> Any:
        """The field's value in a YAML mapping (None when not declared), following a dotted word."""
        value: Any = item
        for part in self.word.split("."):
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return None if value is None else self.parse(value)
