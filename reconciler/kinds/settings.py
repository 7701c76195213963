"""Org settings: the Metadata API's ChatterSettings, one change per declared key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.field import Field
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import KindSpec
from reconciler.model import CHATTER_SETTING_TO_SF, Snapshot

SETTINGS_RECORD = "Chatter"  # ChatterSettings' fullName: its record_id and fingerprints key (of Snapshot.chatter)


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    yield SETTINGS_RECORD, snapshot.chatter, "ChatterSettings"


SETTING = KindSpec(
    Kind.SETTING, "ChatterSettings", "Settings", "setting", Phase.SETTINGS,
    fields=tuple(Field(word, sf) for word, sf in CHATTER_SETTING_TO_SF.items()),
    inline=True,
    records=_records,
)
