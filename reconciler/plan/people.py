"""The access summary counted in people, not records: who gains, who loses, whose role changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.plan.change import PersonImpact


@dataclass(frozen=True)
class Person:
    """Someone a change affects: `person` is how the plan names them (email for external people, else username);
    `names` every email and username shown for them."""

    person: str
    external: bool
    names: tuple[str, ...] = ()


@dataclass
class _Entry:
    person: Person
    names: dict[str, None] = field(default_factory=dict)
    gains: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    role_changes: list[str] = field(default_factory=list)


class PeopleLedger:
    """Collects what the diff does to each person, in the order it happens."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def _entry(self, who: Person) -> _Entry:
        entry = self._entries.get(who.person)
        if entry is None:
            entry = self._entries[who.person] = _Entry(who)
        elif who.external and not entry.person.external:
            entry.person = Person(entry.person.person, True, entry.person.names)
        for name in (who.person, *who.names):
            entry.names[name] = None
        return entry

    def gain(self, who: Person, what: str) -> None:
        self._entry(who).gains.append(what)

    def lose(self, who: Person, what: str) -> None:
        self._entry(who).losses.append(what)

    def role_change(self, who: Person, what: str) -> None:
        self._entry(who).role_changes.append(what)

    def impacts(self) -> tuple[PersonImpact, ...]:
        """External people first, then colleagues, each sorted by name."""
        entries = sorted(self._entries.values(), key=lambda e: (not e.person.external, e.person.person))
        return tuple(
            PersonImpact(
                person=e.person.person,
                external=e.person.external,
                names=tuple(sorted(e.names)),
                gains=tuple(e.gains),
                losses=tuple(e.losses),
                role_changes=tuple(e.role_changes),
            )
            for e in entries
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _gain_loss(gaining: int, losing: int, one: str, many: str) -> str | None:
    if gaining and losing:
        gains = "gains" if gaining == 1 else "gain"
        loses = "loses" if losing == 1 else "lose"
        return f"{_count(gaining, one, many)} {gains} access, {losing} {loses} it"
    if gaining:
        return f"{_count(gaining, one, many)} {'gains' if gaining == 1 else 'gain'} access"
    if losing:
        return f"{_count(losing, one, many)} {'loses' if losing == 1 else 'lose'} access"
    return None


def people_sentence(people: Iterable[PersonImpact]) -> str:
    """ "2 external people gain access, 1 loses it; 1 colleague gains access; 3 role changes"."""
    people = tuple(people)
    external = [p for p in people if p.external]
    colleagues = [p for p in people if not p.external]
    parts = [
        _gain_loss(
            sum(1 for p in external if p.gains),
            sum(1 for p in external if p.losses),
            "external person",
            "external people",
        ),
        _gain_loss(
            sum(1 for p in colleagues if p.gains), sum(1 for p in colleagues if p.losses), "colleague", "colleagues"
        ),
    ]
    roles = sum(len(p.role_changes) for p in people)
    if roles:
        parts.append(_count(roles, "role change", "role changes"))
    said = [part for part in parts if part]
    return "; ".join(said) if said else "No one gains or loses access"
