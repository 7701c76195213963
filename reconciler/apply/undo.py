"""The undo plan: the inverse of what an apply actually wrote, as a normal saved plan (docs/decisions/undo.md).

`undo_plan` is pure: the applied plan, the executed results, the org as the plan saw it (for the records a delete
removed) and as apply left it (a snapshot, for the fingerprints that make `apply --plan undo.json` refuse when the
org moved since) give the plan that puts back what was written. What no write can put back is listed in the plan's
warnings with code `irreversible`."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reconciler.apply.execute import ChangeResult, Outcome
from reconciler.kinds import KINDS
from reconciler.kinds.field import as_words
from reconciler.model import Snapshot
from reconciler.plan.change import Action, Change, Finding, Kind, Plan, Risk
from reconciler.plan.fingerprint import fingerprint

IRREVERSIBLE = "irreversible"


def undo_plan(plan: Plan, results: Sequence[ChangeResult], before: Snapshot, after: Snapshot,
              generated: str) -> Plan:
    """The inverse of the writes of `results` (only those applied), newest first, stamped `generated`."""
    live = _records(after)
    gone = _records(before)
    changes: list[Change] = []
    notes: list[Finding] = []
    for result in reversed(results):
        if result.outcome is not Outcome.APPLIED:
            continue  # a partial apply: invert only what was written
        inverse, why = _inverse(result, gone.get(result.change.record_id or ""))
        notes += [Finding(IRREVERSIBLE, f"{result.change.key}: {reason}", result.change.source,
                          result.change.key) for reason in why]
        if inverse is None:
            continue
        if inverse.action is Action.CREATE:
            changes.append(dataclasses.replace(inverse, depends_on=_needs(inverse, changes)))
            continue
        if inverse.record_id not in live:
            notes.append(Finding(IRREVERSIBLE, f"{inverse.key}: {inverse.record_id} was not read back after the "
                                 "apply, so undo can't check it", result.change.source, result.change.key))
            continue
        changes.append(dataclasses.replace(inverse, fingerprint=(str(inverse.record_id),), depends_on=()))
    fingerprints = {c.record_id: fingerprint(live[c.record_id]) for c in changes if c.record_id}
    return Plan(org=plan.org, today=plan.today, changes=tuple(changes), warnings=tuple(notes),
                fingerprints=fingerprints, managed_access=plan.managed_access, max_removals=plan.max_removals,
                protected=plan.protected, external_names=plan.external_names, generated=generated,
                undoes=plan.generated)


def _records(snapshot: Snapshot) -> dict[str, Any]:
    return {record_id: record for spec in KINDS.values() for record_id, record, _ in spec.records(snapshot)}


def _needs(restore: Change, earlier: Sequence[Change]) -> tuple[str, ...]:
    """The undo's earlier changes to the records a re-created record points to (the user reactivated before their
    membership is added again)."""
    pointed = set(restore.lookup.values())
    return tuple(c.key for c in earlier if c.record_id in pointed)


def _inverse(result: ChangeResult, removed: Any) -> tuple[Change | None, list[str]]:
    """The change that reverses one applied write (None when none can), and what stays done whatever undo does;
    `removed` is the record a delete removed, as the plan saw it."""
    change = result.change
    why = list(_lasting(change))
    if change.action is Action.CREATE:
        if change.kind is Kind.USER:  # a user is never deleted, only deactivated (real-orgs.md §16)
            why.append("a user can't be deleted, only deactivated: undo deactivates it")
            return _reverse(change, Action.UPDATE, result.record_id, {"active": False}, {"IsActive": False}), why
        return _reverse(change, Action.DELETE, result.record_id, {}, {}), why
    if change.action is Action.UPDATE:
        values = _values_before(change)
        if values is None:
            return None, [*why, "its previous values can't be written back (a field undo can't translate)"]
        return _reverse(change, Action.UPDATE, change.record_id, dict(change.before), values), why
    restore = KINDS[change.kind].restore
    if restore is None or removed is None or why:
        return None, [*why, "a deleted record can't be restored with its id, history and dates; re-add it by "
                            "declaring it again"]
    return _restored(change, restore(removed)), why


def _restored(change: Change, values: Mapping[str, Any]) -> Change:
    """A deleted record created again with the values it had: another record id, the same access (undo.md)."""
    spec = KINDS[change.kind]
    words = {f.sf_field: f for f in spec.every_field}
    after = {words[name].word: as_words(words[name].from_sf(value)) for name, value in values.items()
             if name in words and words[name].in_config is not False}
    lookup = {f.sf_field: values[f.sf_field] for f in spec.other_fields
              if f.in_config is False and f.sf_field in values}
    return Change(Action.CREATE, change.kind, change.key, before={}, after=after, source=None,
                  reason=f"undo of {change.action.value} {change.key}", risks=frozenset(), sobject=change.sobject,
                  record_id=None, values=dict(values), lookup=lookup, people=change.people)


def _lasting(change: Change) -> Iterator[str]:
    """What the write did that no later write takes back (real-orgs.md §16)."""
    if change.kind is Kind.GROUP and change.after.get("allow_customers") is True:
        yield "allowing customers on a group can't be turned off again"
    if change.kind is Kind.GROUP and change.action is Action.DELETE:
        yield "a deleted group's posts and files are gone"
    if change.kind is Kind.INVITATION and change.action is Action.CREATE:
        yield "the invitation email was sent and can't be unsent"
    if change.kind is Kind.INVITATION and change.action is Action.DELETE:
        yield "a cancelled invitation can only come back as a new invitation, which mails the person again"
    if change.kind is Kind.USER and change.action is Action.CREATE and change.after.get("welcome") is True:
        yield "the welcome mail was sent and can't be unsent"


def _values_before(change: Change) -> dict[str, Any] | None:
    """The Salesforce values the update replaced, from its `before` (guestlist's words) through the kind's fields;
    None when a written field has no before-value in words."""
    spec = KINDS[change.kind]
    by_sf = {f.sf_field: f for f in (*spec.fields, *spec.other_fields)}
    values: dict[str, Any] = {}
    for sf_field in change.values:
        field = by_sf.get(sf_field)
        if field is None or field.word not in change.before or field.in_config is False:
            return None
        values[sf_field] = field.to_sf(change.before[field.word])
    return values


def _reverse(change: Change, action: Action, record_id: str | None, after: Mapping[str, Any],
             values: Mapping[str, Any]) -> Change:
    risks = frozenset({Risk.IRREVERSIBLE}) if change.kind is Kind.GROUP and action is Action.DELETE else frozenset()
    if action is Action.DELETE or values.get("IsActive") is False:
        risks |= {Risk.REVOKES_ACCESS}
    return Change(action, change.kind, change.key, before=dict(change.after), after=dict(after), source=None,
                  reason=f"undo of {change.action.value} {change.key}", risks=risks, sobject=change.sobject,
                  record_id=record_id, values=dict(values), people=change.people)
