"""apply --plan: is the saved plan still what the org would get? Refuse, naming what moved, when it is not.

Four checks, all before the first write: the plan is for this org; every live record the plan relies on still
has the fingerprint it had at plan time (none changed or vanished); nothing the plan creates exists already
(a natural-key lookup per sObject, so no member, user or invitation appears twice); and the config at PATH,
planned again on the plan's date, still asks for every change of the plan and has no blocker (so a saved plan can't
remove, deactivate or demote anyone the config now keeps, protected users included).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reconciler.apply.lookup import find_by_natural_key
from reconciler.kinds import KINDS
from reconciler.model import OrgIdentity, Snapshot
from reconciler.org.writes import QueryFailed, Writer
from reconciler.plan.change import Action, Change, Plan
from reconciler.plan.fingerprint import fingerprint

_SHOWN = 20


def wrong_org(plan: Plan, org: OrgIdentity) -> str | None:
    if plan.org.id != org.id:
        return (f"this plan was made for org {plan.org.id} ({plan.org.name}), not {org.id} ({org.name}): "
                "make a plan against this org")
    return None


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    """(id, Observed* record, what it is) for every record of the snapshot: each kind's own (the registry says
    how to list them), then the records changes refer to (profiles, licences, permission sets, accounts)."""
    for spec in KINDS.values():
        yield from spec.records(snapshot)
    for profile in snapshot.profiles.values():
        yield profile.id, profile, f"profile {profile.name}"
    for licence in snapshot.licenses.values():
        yield licence.id, licence, f"licence {licence.name}"
    for permission_set in snapshot.permission_sets.values():
        yield permission_set.id, permission_set, f"permission set {permission_set.name}"
    for account in snapshot.accounts.values():
        yield account.id, account, f"account {account.name}"


def moved_records(plan: Plan, snapshot: Snapshot) -> list[str]:
    """One line per live record that changed or vanished since the plan, naming the changes relying on it."""
    current = {record_id: (record, label) for record_id, record, label in _records(snapshot)}
    relying: dict[str, list[str]] = defaultdict(list)
    for change in plan.changes:
        for record_id in change.fingerprint:
            relying[record_id].append(change.key)
    problems = []
    for record_id, saved in sorted(plan.fingerprints.items()):
        found = current.get(record_id)
        if found is None:
            what = f"{record_id} vanished (deleted, or no longer read for this config)"
        elif fingerprint(found[0]) != saved:
            what = f"{found[1]} ({record_id}) changed"
        else:
            continue
        keys = relying.get(record_id, [])
        problems.append(what + (f"; the plan's {', '.join(keys[:3])}" + (" ..." if len(keys) > 3 else "")
                                + " relied on it" if keys else ""))
    return problems


def appeared_records(writer: Writer, changes: Sequence[Change], expected: frozenset[str] = frozenset()) -> list[str]:
    """One line per create whose record exists already, looked up by natural key (a key naming a record the
    plan itself creates can't match anything yet and is not looked up). A match the plan itself deletes first
    (an expired invitation deleted and sent again) or saw at plan time (`expected`: its fingerprinted ids,
    checked by moved_records) is the plan's own record, not a write by someone else."""
    own = expected | {c.record_id for c in changes if c.action is Action.DELETE and c.record_id}
    by_sobject: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        if change.action is Action.CREATE and change.lookup and not set(change.lookup) & set(change.refs) \
                and all(value is not None for value in change.lookup.values()):
            by_sobject[change.sobject].append(change)
    problems = []
    for sobject, creates in by_sobject.items():
        keys: list[Mapping[str, Any]] = [dict(c.lookup) for c in creates]
        try:
            found = find_by_natural_key(writer, sobject, keys)
        except QueryFailed as exc:
            problems.append(f"could not check whether the {sobject} records to create exist already ({exc.error})")
            continue
        problems += [f"{creates[i].key} exists already ({sobject} {found[i]})" for i in sorted(found)
                     if found[i] not in own]
    return problems


def _signature(change: Change) -> tuple[Any, ...]:
    """What a change writes: two changes with the same signature do the same thing to the org."""
    return (change.key, change.action, change.sobject, change.record_id, tuple(sorted(change.values.items())),
            tuple(sorted(change.refs.items())), tuple(sorted(change.lookup.items())), change.depends_on,
            tuple(sorted(change.risks)))


_GATE_INPUTS = ("managed_access", "max_removals", "protected")  # what check_gates reads besides the changes


def _gate_input(plan: Plan, name: str) -> str:
    value = getattr(plan, name)
    return str(value) if name == "max_removals" else repr(value)


def unwanted_changes(saved: Plan, fresh: Plan) -> list[str]:
    """One line per blocker of the config as it is now, and per saved change it no longer asks for."""
    problems = [f"the config has a blocker now: {blocker.message}" for blocker in fresh.blockers]
    problems += [f"{name}: the plan says {_gate_input(saved, name)}, the config and org make "
                 f"{_gate_input(fresh, name)} (apply's removal gate relies on it)" for name in _GATE_INPUTS
                 if getattr(saved, name) != getattr(fresh, name)]
    wanted = {_signature(change) for change in fresh.changes}
    for change in saved.changes:
        if _signature(change) not in wanted:
            problems.append(f"{change.key}: the config no longer asks for this {change.action.value}")
    return problems


def shorten(lines: Sequence[str]) -> list[str]:
    return [*lines[:_SHOWN], *([f"... and {len(lines) - _SHOWN} more"] if len(lines) > _SHOWN else [])]
