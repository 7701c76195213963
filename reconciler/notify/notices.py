"""The notices of one day: stateless, so a daily run sends each exactly once per threshold. A grant is noticed
when its days left equal a threshold; each recipient (the sponsor, else the group's owner) gets one notice per
threshold listing all their people (docs/decisions/notify.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reconciler.errors import CommandError
from reconciler.expiry import ExpiringAccess, declared_grants, expiring_access
from reconciler.model import DesiredState

DEFAULT_THRESHOLDS = (30, 14, 7, 1)


@dataclass(frozen=True)
class Notice:
    """One message: `recipient` None when neither a sponsor nor a group owner is named (nobody to tell)."""

    recipient: str | None
    days_left: int
    items: tuple[ExpiringAccess, ...]

    @property
    def subject(self) -> str:
        count, days = len(self.items), f"{self.days_left} day{'' if self.days_left == 1 else 's'}"
        return f"guestlist: {count} access grant{' ends' if count == 1 else 's end'} in {days}"


def parse_thresholds(text: str) -> tuple[int, ...]:
    """`30,14,7,1` -> (30, 14, 7, 1); anything but non-negative whole days is a CommandError naming the value."""
    parts = [part.strip() for part in text.split(",")]
    if not parts or any(not part.isdigit() for part in parts):
        raise CommandError(f"error: --thresholds {text!r}: expected days as whole numbers separated by commas "
                           "(e.g. 30,14,7,1)")
    return tuple(sorted({int(part) for part in parts}, reverse=True))


def notices(desired: DesiredState, today: dt.date, thresholds: tuple[int, ...], within: int) -> list[Notice]:
    """Today's notices: grants whose days left are a threshold no further than `within`, grouped by recipient."""
    owners = {grant.key: grant.group.owner for grant in declared_grants(desired) if grant.group is not None}
    grouped: dict[tuple[int, str | None], list[ExpiringAccess]] = {}
    for item in expiring_access(desired, today, within):
        if item.days_left in thresholds:
            recipient = item.sponsor or owners.get(item.key)
            grouped.setdefault((item.days_left, recipient), []).append(item)
    return [Notice(recipient, days, tuple(items))
            for (days, recipient), items in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1] or "~"))]
