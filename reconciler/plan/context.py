"""What one diff run shares between the per-kind diffs, and nothing more:

- read-only inputs and indexes over the snapshot (built once, so the diff stays linear);
- the ledgers every diff appends to and none reads a decision back from: changes (`entries`, with `keys` only to
  keep keys unique), findings (blockers, warnings, manual steps), fingerprints, people and licence seats. They are
  the one shared append-only sink; `build_plan` reads them once, at the end.

What one diff decides for a later one (the users it creates or (de)activates, the groups it deletes, the members
and invitations it adds or removes) is not here: each diff returns it as a frozen `...Decided` value and
`build_plan` passes it on (docs/decisions/diff-data-flow.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.model import DesiredState, ObservedUser, Snapshot, Source
from reconciler.plan.change import Action, Change, Finding, Kind, ManualStep, Risk
from reconciler.plan.fingerprint import fingerprint
from reconciler.plan.licenses import SeatLedger
from reconciler.plan.order import Phase, phase_of
from reconciler.plan.people import PeopleLedger, Person


@dataclass(frozen=True)
class UserRef:
    """A user a change points at: a live one (`id`) or one this plan creates (`ref`, the key of its create)."""

    username: str
    email: str
    id: str | None
    ref: str | None
    external: bool  # a customer (Chatter External) or an Experience Cloud user
    license: str | None
    observed: ObservedUser | None = None

    @property
    def person(self) -> Person:
        name = self.email if self.external else self.username
        return Person(name, self.external, (self.username, self.email))

    def same(self, other: UserRef) -> bool:
        return (self.id, self.ref) == (other.id, other.ref)

    def field(self, name: str) -> tuple[dict[str, str], dict[str, str]]:
        """({field: id}, {}) for a live user, ({}, {field: key}) for one created in this plan: values, refs."""
        if self.id is not None:
            return {name: self.id}, {}
        assert self.ref is not None
        return {}, {name: self.ref}


@dataclass
class Draft:
    """A change being built; `PlanContext.add` freezes it."""

    action: Action
    kind: Kind
    key: str
    sobject: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    source: Source | None = None
    reason: str | None = None
    risks: set[Risk] = field(default_factory=set)
    record: Any = None  # the Observed* record an update or delete acts on (its id and fingerprint are kept)
    record_id: str | None = None  # for records that aren't Observed* (ChatterSettings)
    watch: list[Any] = field(default_factory=list)  # other live records the change relies on (a member's group)
    values: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    lookup: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    people: tuple[Person, ...] = ()
    allow_duplicates: bool = False  # a Contact create sent with allowSave (policy.duplicate_contacts: create)

    def point(self, field_name: str, user: UserRef, *, lookup: bool = False) -> None:
        """Sets a User reference field (MemberId, AssigneeId, OwnerId) to a live id or a ref."""
        values, refs = user.field(field_name)
        self.values.update(values)
        self.refs.update(refs)
        if user.ref is not None:
            self.depends_on.append(user.ref)
        if lookup:
            self.lookup[field_name] = values.get(field_name)


class PlanContext:
    def __init__(self, desired: DesiredState, snapshot: Snapshot, today: dt.date) -> None:
        self.desired = desired
        self.snapshot = snapshot
        self.today = today
        self.policy = desired.policy
        self.protected = frozenset(desired.policy.protected)
        self.users_by_username: dict[str, ObservedUser] = snapshot.user_by_username()
        self.users_by_email: dict[str, list[ObservedUser]] = {}
        for user in snapshot.users.values():
            self.users_by_email.setdefault(user.email.lower(), []).append(user)
        self.users_by_contact: dict[str, ObservedUser] = {
            user.contact_id: user for user in snapshot.users.values() if user.contact_id is not None
        }
        # -- the append-only ledgers ---------------------------------------------------------------------------
        self.entries: list[tuple[Phase, Change]] = []
        self.keys: set[str] = set()
        self.blockers: list[Finding] = []
        self.warnings: list[Finding] = []
        self.manual_steps: list[ManualStep] = []
        self.fingerprints: dict[str, str] = {}
        self.people = PeopleLedger()
        self.seats = SeatLedger()

    # -- users ----------------------------------------------------------------------------------------------------

    def user_ref(self, user: ObservedUser) -> UserRef:
        return UserRef(
            user.username, user.email.lower(), user.id, None, user.is_customer or user.is_external, user.license, user
        )

    def find_user(self, username: str, planned: Mapping[str, UserRef]) -> UserRef | None:
        """A user by username: one this plan creates (`planned`, from the users diff), else a live one."""
        created = planned.get(username)
        if created is not None:
            return created
        user = self.users_by_username.get(username)
        return None if user is None else self.user_ref(user)

    # -- findings -------------------------------------------------------------------------------------------------

    def block(self, code: str, message: str, source: Source | None = None, key: str | None = None) -> None:
        self.blockers.append(Finding(code, message, located(source), key))

    def warn(self, code: str, message: str, source: Source | None = None, key: str | None = None) -> None:
        self.warnings.append(Finding(code, message, located(source), key))

    def manual(self, code: str, step: str, where: str, source: Source | None = None, key: str | None = None) -> None:
        """A declared value that differs and that no API call can write: listed for a person to do in Setup."""
        self.manual_steps.append(ManualStep(code, step, where, located(source), key))

    def guard_protected(self, username: str, what: str, source: Source | None, key: str) -> None:
        """Blocks when a protected user would be removed, demoted or deactivated (`what`: "be deactivated")."""
        if username in self.protected:
            self.block("protected-user", f"{username} is protected (policy.protected) and would {what}", source, key)

    # -- changes --------------------------------------------------------------------------------------------------

    def unique_key(self, key: str, distinguisher: str) -> str:
        """`key`, or `key#distinguisher` when another change already uses it (e.g. two users sharing an email)."""
        return key if key not in self.keys else f"{key}#{distinguisher}"

    def remember(self, record: Any) -> str:
        """Records a live record's fingerprint (apply --plan re-checks it) and returns its id."""
        self.fingerprints[record.id] = fingerprint(record)
        return record.id

    def add(self, draft: Draft, phase: Phase | None = None) -> Change:
        if draft.key in self.keys:
            raise ValueError(f"duplicate change key {draft.key!r}")
        self.keys.add(draft.key)
        record_id = draft.record_id
        prints: list[str] = [record_id] if record_id is not None else []
        if draft.record is not None:
            record_id = self.remember(draft.record)
            prints.append(record_id)
        prints.extend(self.remember(record) for record in draft.watch)
        change = Change(
            action=draft.action,
            kind=draft.kind,
            key=draft.key,
            before=dict(draft.before),
            after=dict(draft.after),
            source=located(draft.source),
            reason=draft.reason,
            risks=frozenset(draft.risks),
            sobject=draft.sobject,
            record_id=record_id,
            values=dict(draft.values),
            refs=dict(draft.refs),
            lookup=dict(draft.lookup),
            depends_on=tuple(dict.fromkeys(draft.depends_on)),
            fingerprint=tuple(dict.fromkeys(prints)),
            people=tuple(p.person for p in draft.people),
            allow_duplicates=draft.allow_duplicates,
        )
        self.entries.append((phase or phase_of(change), change))
        return change


def located(source: Source | None) -> Source | None:
    """None for the "no source" placeholder: a change without a config line (e.g. "not in config")."""
    if source is None or source.line <= 0:
        return None
    return source
