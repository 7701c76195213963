"""Reading a saved plan's JSON: every field checked for shape and type, and a wrong one named by its path
(`changes[3].action: 'crate' is not one of create, update, delete`). What the values mean for execution (API
names, record ids, refs) is apply's integrity check (reconciler/apply/integrity.py), not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

E = TypeVar("E", bound=Enum)
_MISSING = object()


class PlanFormatError(ValueError):
    """A saved plan that this version of guestlist can't read; the message names the field and what is wrong."""


@dataclass(frozen=True)
class Node:
    """A JSON value and where it is in the plan (`changes[3].action`); the typed getters raise PlanFormatError."""

    value: Any
    where: str = ""

    def field(self, key: str, default: Any = _MISSING) -> Node:
        """The member `key` of this object; without a default it must be present."""
        members = self.object()
        where = f"{self.where}.{key}" if self.where else key
        if key in members:
            return Node(members[key], where)
        if default is _MISSING:
            raise PlanFormatError(f"{where}: missing")
        return Node(default, where)

    def object(self) -> Mapping[str, Any]:
        return self._expect(Mapping, "an object")

    def items(self) -> list[Node]:
        values = self._expect(list, "a list")
        return [Node(value, f"{self.where}[{index}]") for index, value in enumerate(values)]

    def string(self, *, nullable: bool = False) -> str:
        return self._scalar(str, "a string", nullable)

    def integer(self, *, nullable: bool = False) -> int:
        return self._scalar(int, "a whole number", nullable)

    def number(self, *, nullable: bool = False) -> float:
        return self._scalar(int | float, "a number", nullable)

    def boolean(self) -> bool:
        return self._scalar(bool, "true or false", False)

    def choice(self, enum: type[E]) -> E:
        text = self.string()
        try:
            return enum(text)
        except ValueError:
            choices = ", ".join(str(member.value) for member in enum)
            raise PlanFormatError(f"{self.where}: {text!r} is not one of {choices}") from None

    def strings(self) -> tuple[str, ...]:
        return tuple(item.string() for item in self.items())

    def string_map(self) -> dict[str, str]:
        """An object whose values are strings."""
        return {key: self.field(key).string() for key in self.object()}

    def _scalar(self, kind: Any, wanted: str, nullable: bool) -> Any:
        if nullable and self.value is None:
            return None
        if isinstance(self.value, bool) and kind is not bool:  # JSON true is no number (bool is an int in Python)
            raise self._wrong(wanted)
        return self._expect(kind, wanted)

    def _expect(self, kind: Any, wanted: str) -> Any:
        if not isinstance(self.value, kind):
            raise self._wrong(wanted)
        return self.value

    def _wrong(self, wanted: str) -> PlanFormatError:
        if not self.where:
            return PlanFormatError(f"a plan file holds a JSON object, not {_describe(self.value)}")
        return PlanFormatError(f"{self.where}: expected {wanted}, got {_describe(self.value)}")


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    return "an object"
