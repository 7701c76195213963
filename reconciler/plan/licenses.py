"""Licence seats: each active user takes one seat of its profile's licence; the plan's creates and activations take
seats, its deactivations give them back."""

from __future__ import annotations

from collections import Counter

from reconciler.model import ObservedLicense
from reconciler.plan.change import LicenseImpact


class SeatLedger:
    def __init__(self) -> None:
        self.taken: Counter[str] = Counter()
        self.freed: Counter[str] = Counter()

    def take(self, license_name: str | None) -> None:
        if license_name:
            self.taken[license_name] += 1

    def free(self, license_name: str | None) -> None:
        if license_name:
            self.freed[license_name] += 1

    def impacts(self, licenses: dict[str, ObservedLicense]) -> tuple[LicenseImpact, ...]:
        """Every licence the plan takes or frees a seat of, by name (unknown licences are blockers elsewhere)."""
        names = sorted((set(self.taken) | set(self.freed)) & set(licenses))
        return tuple(
            LicenseImpact(
                name=name,
                total=licenses[name].total,
                used_before=licenses[name].used,
                used_after=licenses[name].used + self.taken[name] - self.freed[name],
            )
            for name in names
        )
