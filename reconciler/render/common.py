"""What every renderer shares: the order and titles of kinds, symbols, and how a change reads in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.kinds import KINDS, Kind
from reconciler.plan.change import Action, Change, LicenseImpact, Plan, Risk

KIND_TITLES: dict[Kind, str] = {kind: spec.title for kind, spec in KINDS.items()}
SYMBOLS: dict[Action, str] = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}
RISK_LABELS: dict[Risk, str] = {
    Risk.IRREVERSIBLE: "irreversible",
    Risk.GRANTS_EXTERNAL_ACCESS: "grants external access",
    Risk.REVOKES_ACCESS: "revokes access",
    Risk.CONSUMES_LICENSE: "consumes a licence",
}
# Kinds whose few fields read best on the change's own line.
INLINE_KINDS = frozenset(kind for kind, spec in KINDS.items() if spec.inline)


def by_kind(changes: Iterable[Change]) -> list[tuple[Kind, list[Change]]]:
    """Changes grouped by kind, kinds in KIND_TITLES order, each group in execution order."""
    groups: dict[Kind, list[Change]] = {kind: [] for kind in KIND_TITLES}
    for change in changes:
        groups[change.kind].append(change)
    return [(kind, found) for kind, found in groups.items() if found]


def subject(change: Change) -> str:
    """ "member Acme Partner Hub/jane@contoso.com": the kind's word and the key without its prefix."""
    spec = KINDS[change.kind]
    return f"{spec.word} {spec.name_of(change.key)}"


def value_text(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ", ".join(value_text(v) for v in value)
    return str(value)


def field_texts(change: Change) -> list[str]:
    """ "role: member -> manager" for updates, "role: manager" for creates and deletes (fields the subject already
    names are left out)."""
    hidden = KINDS[change.kind].named_by_subject
    if change.action is Action.UPDATE:
        return [
            f"{_label(change, name)}{value_text(change.before.get(name))} -> {value_text(value)}"
            for name, value in change.after.items()
            if name not in hidden
        ]
    shown: Mapping[str, Any] = change.after if change.action is Action.CREATE else change.before
    return [f"{name}: {value_text(value)}" for name, value in shown.items() if name not in hidden]


def _label(change: Change, name: str) -> str:
    """ "role: " before a field's values, left out where the subject names the field ("setting chatter.enabled")."""
    return "" if change.kind is Kind.SETTING and change.key.endswith(f".{name}") else f"{name}: "


def risk_texts(change: Change) -> list[str]:
    return [RISK_LABELS[risk] for risk in RISK_LABELS if risk in change.risks]


def summary_line(plan: Plan) -> str:
    """ "Plan: 4 to add, 2 to change, 1 to remove[, 1 manual]." and, for a blocked plan, what stops it."""
    counts = plan.summary
    line = f"Plan: {counts['create']} to add, {counts['update']} to change, {counts['delete']} to remove"
    if plan.manual_steps:
        line += f", {len(plan.manual_steps)} manual"
    if plan.blockers:
        line += f"; blocked by {problems(plan)}"
    return line + "."


def problems(plan: Plan) -> str:
    n = len(plan.blockers)
    return f"{n} {'problem' if n == 1 else 'problems'}"


def blockers_heading(plan: Plan) -> str:
    return f"Blocked by {problems(plan)} that must be fixed before anything is applied:"


def license_text(impact: LicenseImpact) -> str:
    return f"{impact.used_before}/{impact.total} -> {impact.used_after}/{impact.total}"


def count_phrase(changes: list[Change]) -> str:
    """ "3 to add, 1 to change" for a group of changes."""
    parts = []
    for action, word in ((Action.CREATE, "add"), (Action.UPDATE, "change"), (Action.DELETE, "remove")):
        n = sum(1 for c in changes if c.action is action)
        if n:
            parts.append(f"{n} to {word}")
    return ", ".join(parts)
