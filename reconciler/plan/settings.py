"""Org settings: only the ChatterSettings keys the config declares are compared; one change per key."""

from __future__ import annotations

from dataclasses import dataclass, fields

from reconciler.kinds import SETTING
from reconciler.model import ChatterSettings
from reconciler.plan.change import Action, Kind, Risk
from reconciler.plan.context import Draft, PlanContext
from reconciler.plan.fingerprint import SETTINGS_RECORD, fingerprint

_SETTING_WORDS = frozenset(f.word for f in SETTING.fields)
# Turning these off takes access away from people; turning customer invitations on lets customers in.
_REVOKES_WHEN_OFF = frozenset({"enabled", "customer_invitations"})


def declared_chatter(chatter: ChatterSettings | None) -> dict[str, bool]:
    """The declared (non-None) ChatterSettings keys, in the model's order."""
    if chatter is None:
        return {}
    return {
        f.name: getattr(chatter, f.name)
        for f in fields(chatter)
        if f.name in _SETTING_WORDS and getattr(chatter, f.name) is not None
    }


@dataclass(frozen=True)
class SettingsDecided:
    """What the settings diff decided, for the diffs after it."""

    changed: frozenset[str]  # the keys of the setting changes ("setting:chatter.customer_invitations")


def diff_settings(ctx: PlanContext) -> SettingsDecided:
    chatter = ctx.desired.org.chatter
    changed: set[str] = set()
    for name, wanted in declared_chatter(chatter).items():
        current = ctx.snapshot.chatter.get(name)
        if current == wanted:
            continue
        assert chatter is not None
        risks: set[Risk] = set()
        if not wanted and name in _REVOKES_WHEN_OFF:
            risks.add(Risk.REVOKES_ACCESS)
        if wanted and name == "customer_invitations":
            risks.add(Risk.GRANTS_EXTERNAL_ACCESS)
        ctx.fingerprints[SETTINGS_RECORD] = fingerprint(ctx.snapshot.chatter)
        key = SETTING.key(f"chatter.{name}")
        ctx.add(
            Draft(
                Action.UPDATE,
                Kind.SETTING,
                key,
                SETTING.sobject,
                before={name: current},
                after={name: wanted},
                source=chatter.sources.get(name, chatter.source),
                risks=risks,
                record_id=SETTINGS_RECORD,
                values={SETTING.field(name).sf_field: wanted},
            )
        )
        changed.add(key)
    return SettingsDecided(frozenset(changed))
