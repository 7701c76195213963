"""The Plan is data: every change says what it does in guestlist's words (for people) and in Salesforce's
(for apply, which executes changes generically). `Plan.to_json` / `Plan.from_json` round-trip exactly.

See docs/decisions/plan-is-data.md and docs/plan-json.md.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.kinds.kind import Kind
from reconciler.model import OrgIdentity, RemovalLimit, Source
from reconciler.plan.reading import Node, PlanFormatError

__all__ = ["Action", "Change", "Finding", "Kind", "LicenseImpact", "ManualCheck", "ManualStep",
           "PersonImpact", "Plan",
           "PlanFormatError", "Risk"]

FORMAT_VERSION = 1


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Risk(StrEnum):
    IRREVERSIBLE = "irreversible"  # allowing customers on a group, deleting a group
    GRANTS_EXTERNAL_ACCESS = "grants_external_access"
    REVOKES_ACCESS = "revokes_access"
    CONSUMES_LICENSE = "consumes_license"


@dataclass(frozen=True)
class Change:
    """One write. `before`/`after` hold only the fields that differ, in guestlist's words; `values` are the
    Salesforce field values to write, with ids resolved, except the fields named in `refs`, which take the id
    created by an earlier change (by key) at apply time. `lookup` is the natural key that finds the record if a
    create's response was lost; a lookup field whose value is None is filled from `refs` too (see `resolve`)."""

    action: Action
    kind: Kind
    key: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    source: Source | None
    reason: str | None
    risks: frozenset[Risk]
    sobject: str
    record_id: str | None
    values: Mapping[str, Any]
    refs: Mapping[str, str] = field(default_factory=dict)
    lookup: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    fingerprint: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    # sent with Sforce-Duplicate-Rule-Header allowSave=true: the org's duplicate rule alerts but saves (a Contact
    # create the policy allows to duplicate an existing Contact or Lead, real-orgs.md §3.3)
    allow_duplicates: bool = False

    @property
    def is_removal(self) -> bool:
        """A removal of access counted by policy.max_removals: a member delete, an invitation cancel, a permission
        set assignment delete, or a user deactivation (not the delete of an expired invitation sent again)."""
        if self.kind is Kind.USER:
            return self.action is Action.UPDATE and self.values.get("IsActive") is False
        if self.kind is Kind.INVITATION and Risk.REVOKES_ACCESS not in self.risks:
            return False  # the expired invitation deleted to send it again
        return self.action is Action.DELETE and self.kind in _REMOVAL_KINDS

    def resolve(self, created_ids: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """`values` and `lookup` with every ref filled from `created_ids` (change key -> created record id).
        Raises KeyError naming the missing key when a ref'd change has no id (it failed or was skipped)."""
        values = dict(self.values)
        lookup = dict(self.lookup)
        for field_name, key in self.refs.items():
            if key not in created_ids:
                raise KeyError(key)
            values[field_name] = created_ids[key]
            if field_name in lookup:
                lookup[field_name] = created_ids[key]
        return values, lookup

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action.value,
            "kind": self.kind.value,
            "key": self.key,
            "before": _plain(self.before),
            "after": _plain(self.after),
            "source": _source_to_json(self.source),
            "reason": self.reason,
            "risks": sorted(r.value for r in self.risks),
            "sobject": self.sobject,
            "record_id": self.record_id,
            "values": _plain(self.values),
            "refs": dict(self.refs),
            "lookup": _plain(self.lookup),
            "depends_on": list(self.depends_on),
            "fingerprint": list(self.fingerprint),
            "people": list(self.people),
            "allow_duplicates": self.allow_duplicates,
        }

    @classmethod
    def from_json(cls, node: Node) -> Change:
        return cls(
            action=node.field("action").choice(Action),
            kind=node.field("kind").choice(Kind),
            key=node.field("key").string(),
            before=_frozen(node.field("before").object()),
            after=_frozen(node.field("after").object()),
            source=_source_from_json(node.field("source", None)),
            reason=node.field("reason", None).string(nullable=True),
            risks=frozenset(item.choice(Risk) for item in node.field("risks", []).items()),
            sobject=node.field("sobject").string(),
            record_id=node.field("record_id", None).string(nullable=True),
            values=_frozen(node.field("values", {}).object()),
            refs=node.field("refs", {}).string_map(),
            lookup=_frozen(node.field("lookup", {}).object()),
            depends_on=node.field("depends_on", []).strings(),
            fingerprint=node.field("fingerprint", []).strings(),
            people=node.field("people", []).strings(),
            allow_duplicates=node.field("allow_duplicates", False).boolean(),
        )


def _calendar_date(node: Node) -> str:
    """A YYYY-MM-DD that is a real date (not 2026-02-30): apply re-plans with it."""
    text = node.string()
    try:
        if len(text) == 10 and dt.date.fromisoformat(text).isoformat() == text:
            return text
    except ValueError:
        pass
    raise PlanFormatError(f"{node.where}: {text!r} is not a calendar date (YYYY-MM-DD)")


def _timestamp(node: Node) -> str:
    """An ISO 8601 timestamp with its date and time (2026-11-22T09:30:00Z), or "" for a plan never stamped."""
    text = node.string()
    if not text:
        return text
    try:
        dt.datetime.fromisoformat(text)
        if "T" in text:
            return text
    except ValueError:
        pass
    raise PlanFormatError(f"{node.where}: {text[:40]!r} is not an ISO timestamp (YYYY-MM-DDTHH:MM:SSZ)")


_REMOVAL_KINDS = frozenset({Kind.MEMBER, Kind.INVITATION, Kind.PERMISSION_SET_ASSIGNMENT})


@dataclass(frozen=True)
class Finding:
    """A blocker (the plan can't be applied) or a warning, with a stable code."""

    code: str
    message: str
    source: Source | None = None
    key: str | None = None  # the change or object concerned

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "source": _source_to_json(self.source), "key": self.key}

    @classmethod
    def from_json(cls, node: Node) -> Finding:
        return cls(node.field("code").string(), node.field("message").string(),
                   _source_from_json(node.field("source", None)), node.field("key", None).string(nullable=True))


@dataclass(frozen=True)
class ManualCheck:
    """Something declared that no Salesforce API can read or write: a person confirms it in Setup."""

    code: str
    check: str  # "Allow Invitations is on"
    where: str  # "Setup > Chatter Settings > Invitations"
    source: Source | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "check": self.check, "where": self.where, "source": _source_to_json(self.source)}

    @classmethod
    def from_json(cls, node: Node) -> ManualCheck:
        return cls(node.field("code").string(), node.field("check").string(), node.field("where").string(),
                   _source_from_json(node.field("source", None)))


@dataclass(frozen=True)
class ManualStep:
    """A declared value that differs from the org and that guestlist can't write through the API: a person does
    `step` in Setup. The plan is not "no changes" while one is listed (it counts in the summary and exit code)."""

    code: str
    step: str  # "Move the contact of ann@globex.com from Contoso Ltd to Globex"
    where: str  # "Setup > Users > ann@globex.com"
    source: Source | None = None
    key: str | None = None  # the object concerned ("user:ann@globex.com")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "step": self.step, "where": self.where, "source": _source_to_json(self.source),
                "key": self.key}

    @classmethod
    def from_json(cls, node: Node) -> ManualStep:
        return cls(node.field("code").string(), node.field("step").string(), node.field("where").string(),
                   _source_from_json(node.field("source", None)), node.field("key", None).string(nullable=True))


@dataclass(frozen=True)
class LicenseImpact:
    """Seats of one UserLicense before and after the plan (new users and activations minus deactivations)."""

    name: str
    total: int
    used_before: int
    used_after: int

    @property
    def runs_out(self) -> bool:
        return self.used_after > self.total and self.used_after > self.used_before

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "total": self.total, "used_before": self.used_before, "used_after": self.used_after}

    @classmethod
    def from_json(cls, node: Node) -> LicenseImpact:
        return cls(node.field("name").string(), node.field("total").integer(), node.field("used_before").integer(),
                   node.field("used_after").integer())


@dataclass(frozen=True)
class PersonImpact:
    """What the plan does to one person. `names` are every email and username the plan shows for them
    (redaction masks all of them for external people)."""

    person: str  # email for customers and external users, username for colleagues
    external: bool
    names: tuple[str, ...] = ()
    gains: tuple[str, ...] = ()  # "group Acme Partner Hub", "invitation to Acme Partner Hub", "user (Chatter Free)"
    losses: tuple[str, ...] = ()
    role_changes: tuple[str, ...] = ()  # "Acme Partner Hub: member -> manager"

    def to_json(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "external": self.external,
            "names": list(self.names),
            "gains": list(self.gains),
            "losses": list(self.losses),
            "role_changes": list(self.role_changes),
        }

    @classmethod
    def from_json(cls, node: Node) -> PersonImpact:
        return cls(
            node.field("person").string(),
            node.field("external").boolean(),
            node.field("names", []).strings(),
            node.field("gains", []).strings(),
            node.field("losses", []).strings(),
            node.field("role_changes", []).strings(),
        )


@dataclass(frozen=True)
class Plan:
    """The ordered change set plus everything a reviewer (and apply's gates) need to judge it."""

    org: OrgIdentity
    today: str
    changes: tuple[Change, ...] = ()  # execution order (see plan/order.py)
    blockers: tuple[Finding, ...] = ()
    warnings: tuple[Finding, ...] = ()
    manual_checks: tuple[ManualCheck, ...] = ()
    manual_steps: tuple[ManualStep, ...] = ()  # known differences only a person can fix (see ManualStep)
    fingerprints: Mapping[str, str] = field(default_factory=dict)  # record id -> fingerprint (plan/fingerprint.py)
    licenses: tuple[LicenseImpact, ...] = ()
    people: tuple[PersonImpact, ...] = ()
    managed_access: int = 0  # memberships, pending invitations, users and assignments guestlist manages now
    max_removals: RemovalLimit = RemovalLimit(percent=25)
    protected: tuple[str, ...] = ()
    undeclared_groups: int = 0  # groups in the org the config doesn't declare (never touched)
    external_names: tuple[str, ...] = ()  # every external person's email and username in scope (for --redact)
    api_requests: int = 0
    generated: str = ""  # ISO timestamp, set by the command (build_plan is pure)
    undoes: str = ""  # an undo plan: the `generated` of the plan whose apply it reverses (docs/decisions/undo.md)
    format_version: int = FORMAT_VERSION

    @property
    def summary(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for change in self.changes:
            counts[change.action.value] += 1
        return counts

    @property
    def removals(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.is_removal)

    @property
    def removals_allowed(self) -> bool:
        """Whether policy.max_removals allows this plan's removals (apply refuses otherwise without --force)."""
        return self.max_removals.allows(len(self.removals), self.managed_access)

    @property
    def irreversible(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if Risk.IRREVERSIBLE in c.risks)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def differs(self) -> bool:
        """Whether the org differs from the config: changes to write or manual steps left to a person."""
        return bool(self.changes or self.manual_steps)

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    def change(self, key: str) -> Change:
        """The change with this key (KeyError when none)."""
        return self._by_key[key]

    @functools.cached_property
    def _by_key(self) -> dict[str, Change]:
        return {c.key: c for c in self.changes}

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "org": _org_to_json(self.org),
            "today": self.today,
            "generated": self.generated,
            "summary": self.summary,
            "changes": [c.to_json() for c in self.changes],
            "blockers": [b.to_json() for b in self.blockers],
            "warnings": [w.to_json() for w in self.warnings],
            "manual_checks": [m.to_json() for m in self.manual_checks],
            "manual_steps": [m.to_json() for m in self.manual_steps],
            "licenses": [lic.to_json() for lic in self.licenses],
            "people": [p.to_json() for p in self.people],
            "managed_access": self.managed_access,
            "removals": len(self.removals),
            "max_removals": {"count": self.max_removals.count, "percent": self.max_removals.percent},
            "protected": list(self.protected),
            "undeclared_groups": self.undeclared_groups,
            "external_names": list(self.external_names),
            "fingerprints": dict(sorted(self.fingerprints.items())),
            "api_requests": self.api_requests,
            **({"undoes": self.undoes} if self.undoes else {}),  # only in undo plans: older files round-trip
        }

    @classmethod
    def from_json(cls, data: Any) -> Plan:
        """Loads a saved plan, checking the shape and type of every field it reads. Raises PlanFormatError naming
        the field (`changes[3].action: ...`) for a malformed file or another format version."""
        plan = Node(data)
        version = plan.field("format_version", None).value
        if version != FORMAT_VERSION or isinstance(version, bool):  # JSON true is no version (True == 1)
            raise PlanFormatError(
                f"plan format_version {version!r} is not supported (this guestlist reads {FORMAT_VERSION})"
            )
        limit = plan.field("max_removals", {"count": None, "percent": None})
        return cls(
            format_version=version,
            org=_org_from_json(plan.field("org")),
            today=_calendar_date(plan.field("today")),
            generated=_timestamp(plan.field("generated", "")),
            changes=tuple(Change.from_json(c) for c in plan.field("changes").items()),
            blockers=tuple(Finding.from_json(b) for b in plan.field("blockers", []).items()),
            warnings=tuple(Finding.from_json(w) for w in plan.field("warnings", []).items()),
            manual_checks=tuple(ManualCheck.from_json(m) for m in plan.field("manual_checks", []).items()),
            manual_steps=tuple(ManualStep.from_json(m) for m in plan.field("manual_steps", []).items()),
            licenses=tuple(LicenseImpact.from_json(x) for x in plan.field("licenses", []).items()),
            people=tuple(PersonImpact.from_json(p) for p in plan.field("people", []).items()),
            managed_access=plan.field("managed_access", 0).integer(),
            max_removals=RemovalLimit(count=limit.field("count", None).integer(nullable=True),
                                      percent=limit.field("percent", None).number(nullable=True)),
            protected=plan.field("protected", []).strings(),
            undeclared_groups=plan.field("undeclared_groups", 0).integer(),
            external_names=plan.field("external_names", []).strings(),
            fingerprints=plan.field("fingerprints", {}).string_map(),
            api_requests=plan.field("api_requests", 0).integer(),
            undoes=_timestamp(plan.field("undoes", "")),
        )


# ---------------------------------------------------------------------------------------------------------------
# JSON helpers: values are JSON scalars, tuples (lists in JSON) and mappings; `_frozen` turns lists back into tuples


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _frozen(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _source_to_json(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"file": source.file, "line": source.line, "col": source.col}


def _source_from_json(node: Node) -> Source | None:
    if node.value is None:
        return None
    return Source(node.field("file").string(), node.field("line").integer(), node.field("col", 1).integer())


_ORG_FIELDS = ("id", "name", "instance_url", "is_sandbox_org", "user_id", "username", "can_invite_customers")


def _org_to_json(org: OrgIdentity) -> dict[str, Any]:
    return {name: getattr(org, name) for name in _ORG_FIELDS}


def _org_from_json(node: Node) -> OrgIdentity:
    text = {name: node.field(name).string() for name in ("id", "name", "instance_url", "user_id", "username")}
    return OrgIdentity(is_sandbox_org=node.field("is_sandbox_org").boolean(),
                       can_invite_customers=node.field("can_invite_customers").boolean(), **text)
