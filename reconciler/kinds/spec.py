"""A managed kind, described once: observe, the diffs, ordering, render, redact, apply's words and the stale
check read what they need from here (docs/decisions/kind-registry.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.kinds.field import Field
from reconciler.kinds.kind import Kind, Phase
from reconciler.model import Granted, Snapshot

Records = Callable[[Snapshot], Iterator[tuple[str, Any, str]]]
Restore = Callable[[Any], dict[str, Any]]


def no_records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    return iter(())


@dataclass(frozen=True)
class Audit:
    """The fields that say when (`at`) and by whom (`by`) a record of the kind was created, and for users when they
    last logged in: what `guestlist report` reads besides what the plan needs (real-orgs.md §13)."""

    at: str
    by: str | None = None
    last_login: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(name for name in (self.at, self.by, self.last_login) if name)

    def granted(self, record: Mapping[str, Any]) -> Granted | None:
        """The record's Granted, or None when its audit fields were not read."""
        if self.at not in record:
            return None
        return Granted(record.get(self.at) or "", record.get(self.by) if self.by else None)


@dataclass(frozen=True)
class CreateStep:
    """A request apply sends for a record right after creating it, when the create's `after` holds `word: true`:
    `method` on the record's `resource` (`/sobjects/<sObject>/<id>/<resource>`). Not a field: nothing is compared
    or read back, and an existing record never gets it (the user's welcome mail, real-orgs.md §12.3)."""

    word: str  # the YAML key, e.g. "welcome"
    resource: str  # e.g. "password"
    method: str  # e.g. "DELETE"
    done: str  # what it did, for apply's report: "welcome mail sent"


@dataclass(frozen=True)
class KindSpec:
    """`fields` are compared between the config and the org (a difference is a change, or a manual step when
    create-only); `other_fields` are the further Salesforce fields its changes write (ids, defaults), named so that
    apply can report them. A change's key is "<kind>:<part>/<part>..." (`key` builds it, `name_of` reads it back).
    `records` lists the snapshot's live records of the kind as (id, record, label), for the stale-plan check."""

    kind: Kind
    sobject: str
    title: str  # "Permission set assignments": the heading of its changes
    word: str  # "permission set": how one change is named ("permission set Partner_Access/ann@...")
    phase: Phase  # where its creates and updates run
    fields: tuple[Field, ...] = ()
    other_fields: tuple[Field, ...] = ()
    inline: bool = False  # its few fields read best on the change's own line
    named_by_subject: frozenset[str] = frozenset()  # fields the key already names, left out when rendered
    records: Records = no_records
    audit: Audit | None = None  # read by guestlist report only
    create_steps: tuple[CreateStep, ...] = ()  # requests apply sends after creating a record (see CreateStep)
    # the Salesforce values that create a deleted record of the kind again from its observed record (undo);
    # None: undo can't put a deleted record back (docs/decisions/undo.md)
    restore: Restore | None = None

    def key(self, *parts: str) -> str:
        return f"{self.kind.value}:{'/'.join(parts)}"

    def name_of(self, key: str) -> str:
        """The key without its kind: "Acme Partner Hub/jane@contoso.com"."""
        prefix = f"{self.kind.value}:"
        return key[len(prefix):] if key.startswith(prefix) else key

    def field(self, word: str) -> Field:
        """The field (compared or other) with this YAML word; StopIteration names a bug."""
        return next(f for f in self.every_field if f.word == word)

    @property
    def every_field(self) -> tuple[Field, ...]:
        return self.fields + self.other_fields

    def private_fields(self, privacy: str) -> frozenset[str]:
        """The words and Salesforce names of the fields with this privacy ("name" or "message")."""
        return frozenset(n for f in self.every_field if f.private == privacy for n in (f.word, f.sf_field))
