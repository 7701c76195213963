"""Chatter groups, by name. Their settings are generic: a setting is one Field here (plus the schema and the
sandbox's describe); config, observe, the diff, render and apply's words read them from GROUP.fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.field import Field, negated, through
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import KindSpec
from reconciler.model import ACCESS_FROM_SF, ACCESS_TO_SF, Access, Snapshot


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    for group in snapshot.groups.values():
        yield group.id, group, f"group {group.name}"


def _access(value: Any) -> Any:
    """CollaborationType as read: a value guestlist doesn't know is taken as Private (the most closed)."""
    return value if value in ACCESS_FROM_SF else ACCESS_TO_SF[Access.PRIVATE]


GROUP = KindSpec(
    Kind.GROUP, "CollaborationGroup", "Groups", "group", Phase.GROUPS,
    fields=(
        Field("access", "CollaborationType", through(ACCESS_TO_SF), through(ACCESS_FROM_SF), _access, parse=Access),
        Field("allow_customers", "CanHaveGuests", read=bool),
        Field("description", "Description"),
        Field("information.title", "InformationTitle"),
        Field("information.body", "InformationBody"),
        Field("archived", "IsArchived", read=bool),
        Field("broadcast_only", "IsBroadcast", read=bool),
        Field("auto_archive", "IsAutoArchiveDisabled", negated, negated, bool),
    ),
    other_fields=(Field("name", "Name"), Field("owner", "OwnerId", in_config=False)),
    named_by_subject=frozenset({"name"}),
    records=_records,
)
