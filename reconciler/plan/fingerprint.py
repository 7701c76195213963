"""Fingerprints of live records: what a saved plan remembers so apply --plan can refuse when the org moved on.

A fingerprint is a short hash of every field guestlist read for the record (the record's SystemModstamp among
them when observe has it), so apply re-observes and compares `fingerprint(record)` for each id a change lists.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from reconciler.kinds.settings import SETTINGS_RECORD
from reconciler.model import ObservedGroup

__all__ = ["SETTINGS_RECORD", "fingerprint"]

# Fields that change as a side effect of other writes, not because someone changed the record itself.
_VOLATILE: dict[type, frozenset[str]] = {ObservedGroup: frozenset({"member_count"})}


def fingerprint(record: Any) -> str:
    """Hash of an Observed* dataclass (or a mapping, for ChatterSettings), stable across runs and processes."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        skip = _VOLATILE.get(type(record), frozenset())
        data: Mapping[str, Any] = _flat_settings({k: v for k, v in dataclasses.asdict(record).items() if k not in skip})
    else:
        data = dict(record)
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _flat_settings(data: dict[str, Any]) -> dict[str, Any]:
    """A record's `settings` (words, dotted for nested keys) as fields of the record, nested by the dots: the
    shape records had before settings were generic, so plans saved by earlier versions keep their fingerprints."""
    settings = data.pop("settings", None)
    for word, value in (settings or {}).items():
        *parents, last = word.split(".")
        place = data
        for parent in parents:
            place = place.setdefault(parent, {})
        place[last] = value
    return data
