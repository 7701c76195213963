"""Safety gates: checked before the first write; a refusal says why and how to override it (exit 3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.plan.change import Action, Change, Plan

_SHOWN = 10  # changes named in a refusal before "... and N more"


def _removal_why(change: Change) -> str | None:
    return change.reason


def _irreversible_why(change: Change) -> str:
    if change.action is Action.DELETE:
        members = change.before.get("members")
        return "deletes the group, its posts and files" + (f", and {members} memberships" if members else "")
    return "allows customers: Salesforce can't turn that off again"


@dataclass(frozen=True)
class Refusal:
    gate: str  # "max_removals" | "irreversible"
    reason: str
    override: str  # the flag that overrides it
    changes: tuple[Change, ...]
    why: Callable[[Change], str | None] = _removal_why  # what makes one change count for this gate

    def lines(self) -> list[str]:
        shown = [_line(c, self.why(c)) for c in self.changes[:_SHOWN]]
        if len(self.changes) > _SHOWN:
            shown.append(f"  ... and {len(self.changes) - _SHOWN} more")
        return [f"Refused: {self.reason}", *shown, f"  To apply anyway: {self.override}"]


def _line(change: Change, why: str | None) -> str:
    where = f"  {change.source}" if change.source else ""
    return f"  - {change.key}" + (f" ({why})" if why else "") + where


def check_gates(plan: Plan, *, force: bool = False, allow_irreversible: bool = False) -> list[Refusal]:
    """Every gate the plan trips that its flag does not override (empty: go ahead)."""
    refusals = []
    removals = plan.removals
    if removals and not force and not plan.removals_allowed:
        refusals.append(Refusal(
            "max_removals",
            f"{len(removals)} removals exceed policy.max_removals ({_limit_and_size(plan)}).",
            "review the removals, then rerun with --force (or raise policy.max_removals)",
            removals,
        ))
    irreversible = plan.irreversible
    if irreversible and not allow_irreversible:
        refusals.append(Refusal(
            "irreversible",
            f"{len(irreversible)} change(s) cannot be undone.",
            "review them, then rerun with --allow-irreversible",
            irreversible,
            _irreversible_why,
        ))
    return refusals


def _limit_and_size(plan: Plan) -> str:
    """The limit with the size of the managed set: "25% of 12 managed", "10; 40 managed access entries"."""
    limit = plan.max_removals
    if limit.count is None:
        return f"{limit} of {plan.managed_access} managed"
    return f"{limit}; {plan.managed_access} managed access entries"
