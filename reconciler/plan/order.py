"""Execution order: settings, contacts, users, groups, permission sets, members and invitations, then removals,
deactivations and group deletes. Within a phase, changes keep the order the diff produced them in."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from reconciler.plan.change import Action, Change, Kind


class Phase(IntEnum):
    SETTINGS = 1
    CONTACTS = 2
    USERS = 3
    GROUPS = 4
    PERMISSION_SETS = 5
    MEMBERS = 6  # member and invitation creates and updates, owner transfers, re-sent invitations
    REMOVALS = 7  # member, invitation and permission set assignment deletes
    DEACTIVATIONS = 8
    GROUP_DELETES = 9


_CREATE_OR_UPDATE = {
    Kind.SETTING: Phase.SETTINGS,
    Kind.CONTACT: Phase.CONTACTS,
    Kind.USER: Phase.USERS,
    Kind.GROUP: Phase.GROUPS,
    Kind.PERMISSION_SET_ASSIGNMENT: Phase.PERMISSION_SETS,
    Kind.MEMBER: Phase.MEMBERS,
    Kind.INVITATION: Phase.MEMBERS,
}


def phase_of(change: Change) -> Phase:
    """The phase a change runs in by default (the diff overrides it for owner transfers and re-sent invitations)."""
    if change.kind is Kind.USER and change.values.get("IsActive") is False:
        return Phase.DEACTIVATIONS
    if change.action is Action.DELETE:
        return Phase.GROUP_DELETES if change.kind is Kind.GROUP else Phase.REMOVALS
    return _CREATE_OR_UPDATE[change.kind]


def in_order(entries: Iterable[tuple[Phase, Change]]) -> tuple[Change, ...]:
    """Stable sort by phase: ties keep the diff's order."""
    indexed = [(phase, n, change) for n, (phase, change) in enumerate(entries)]
    indexed.sort(key=lambda item: (item[0], item[1]))
    return tuple(change for _, _, change in indexed)
