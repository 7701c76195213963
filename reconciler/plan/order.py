"""Execution order: settings, contacts, users, groups, permission sets, members and invitations, then removals,
deactivations and group deletes (Phase, in reconciler/kinds). Within a phase, changes keep the diff's order."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.kinds import KINDS, Kind, Phase
from reconciler.plan.change import Action, Change


def phase_of(change: Change) -> Phase:
    """The phase a change runs in by default (the diff overrides it for owner transfers and re-sent invitations)."""
    if change.kind is Kind.USER and change.values.get("IsActive") is False:
        return Phase.DEACTIVATIONS
    if change.action is Action.DELETE:
        return Phase.GROUP_DELETES if change.kind is Kind.GROUP else Phase.REMOVALS
    return KINDS[change.kind].phase


def in_order(entries: Iterable[tuple[Phase, Change]]) -> tuple[Change, ...]:
    """Stable sort by phase: ties keep the diff's order."""
    indexed = [(phase, n, change) for n, (phase, change) in enumerate(entries)]
    indexed.sort(key=lambda item: (item[0], item[1]))
    return tuple(change for _, _, change in indexed)
