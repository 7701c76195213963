"""The export model: what `guestlist export` writes, in guestlist's words, and the notes on what it could not.

Every value is one the config format can hold; a value it can't is a `Note` on the item it belongs to (written
as a YAML comment and warned about on stderr), never a placeholder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reconciler.model import Membership


@dataclass(frozen=True)
class Note:
    """A YAML comment line above an item (`text`); `warning` is also printed on stderr."""

    text: str
    warning: bool = True


@dataclass(frozen=True)
class ExportedMember:
    """A group member: `kind` is "user" (by username) or "customer" (by email)."""

    kind: str
    identity: str
    role: str | None = None  # only "manager" (member is the default)
    notify: str | None = None
    message: str | None = None
    comment: str | None = None  # on the entry's line: "invited 2026-11-16, pending"

    @property
    def sort_key(self) -> tuple[int, str]:
        return (0 if self.kind == "user" else 1, self.identity)


@dataclass(frozen=True)
class ExportedGroup:
    name: str
    settings: dict[str, Any] = field(default_factory=dict, hash=False)  # by the registry's word, in its order
    owner: str | None = None
    membership: Membership = Membership.ADDITIVE
    members: tuple[ExportedMember, ...] = ()
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class ExportedUser:
    """A Chatter Free colleague (`license` None) or an Experience Cloud user (`license`, `account`)."""

    username: str
    email: str
    last_name: str
    first_name: str | None = None
    profile: str | None = None  # None: the default profile
    account: str | None = None
    license: str | None = None
    portal_role: str | None = None
    active: bool | None = None  # only False is written
    notes: tuple[Note, ...] = ()
    expires: str | None = None  # the day before their permission set assignments' ExpirationDate (real-orgs.md §15)


@dataclass(frozen=True)
class ExportedPermissionSet:
    name: str
    assignees: tuple[str, ...]
    membership: Membership = Membership.ADDITIVE
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True)
class Export:
    """The whole export; a section is None when `--only` left it out."""

    org_id: str
    org_name: str
    chatter: dict[str, bool] | None = field(default=None, hash=False)
    org_notes: tuple[Note, ...] = ()
    groups: tuple[ExportedGroup, ...] | None = None
    chatter_users: tuple[ExportedUser, ...] | None = None
    external_users: tuple[ExportedUser, ...] | None = None
    permission_sets: tuple[ExportedPermissionSet, ...] | None = None
    notes: tuple[Note, ...] = ()  # about the export as a whole (people left out, ...)

    def warnings(self) -> list[str]:
        """Every note that is a warning, with what it is about, in the order the YAML shows them."""
        found = [f"org: {n.text}" for n in self.org_notes if n.warning]
        found += [f"{n.text}" for n in self.notes if n.warning]
        for group in self.groups or ():
            found += [f"group {group.name!r}: {n.text}" for n in group.notes if n.warning]
        for user in (*(self.chatter_users or ()), *(self.external_users or ())):
            found += [f"user {user.username}: {n.text}" for n in user.notes if n.warning]
        for permission_set in self.permission_sets or ():
            found += [f"permission set {permission_set.name}: {n.text}" for n in permission_set.notes if n.warning]
        return found
