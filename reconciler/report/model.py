"""The access review as data: a header, one row per person and grant, the licence seats and their cost, and a
sign-off block (docs/decisions/access-review-report.md). Renderers (render.py) only lay it out."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class PersonKind(StrEnum):
    CUSTOMER = "customer"  # invited by email to groups that allow customers (Chatter External licence)
    EXTERNAL_USER = "external user"  # an Experience Cloud user enabled from a Contact
    CHATTER_FREE = "Chatter Free"  # a colleague on the Chatter Free licence
    INTERNAL = "internal"  # any other colleague


class GrantType(StrEnum):
    LICENCE = "licence"  # the person's user: licence and profile
    GROUP = "group"  # a membership: group and role
    INVITATION = "invitation"  # a pending invitation to a group
    PERMISSION_SET = "permission set"


class Status(StrEnum):
    ACTIVE = "active"  # in the org and declared
    PENDING = "pending"  # a declared invitation not accepted yet
    DEACTIVATED = "deactivated"  # the person's user is inactive
    UNDECLARED = "undeclared"  # in the org, and the config does not declare it: what a review is for
    PLANNED = "planned"  # declared, not in the org yet: the next apply grants it


@dataclass(frozen=True)
class Row:
    """One person and one grant. Empty text is "not known" or "not applicable" (a cell left blank)."""

    person: str  # email for customers and external users, username for colleagues
    name: str
    kind: PersonKind
    grant_type: GrantType
    grant: str  # "Acme Partner Hub (manager)", "Partner Community / Partner Community User", "Deal_Registration"
    status: Status
    expires: str = ""  # YYYY-MM-DD
    days_left: int | None = None
    sponsor: str = ""
    declared_in: str = ""  # file:line
    granted_at: str = ""  # the org's record: CreatedDate (a permission set: its "Date Assigned")
    granted_by: str = ""  # a username where the org names the creator and guestlist read them, else the user id
    last_login: str = ""
    licence_cost: float | None = None  # licence rows, when policy.license_costs prices the licence

    @property
    def external(self) -> bool:
        return self.kind in (PersonKind.CUSTOMER, PersonKind.EXTERNAL_USER)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Row))
SIGN_OFF_COLUMNS = ("decision", "reviewer_note")  # left empty: the reviewer fills them in (keep, revoke, ...)
SIGN_OFF = (("reviewed_by", "Reviewed by"), ("date", "Date"), ("signature", "Signature"),
            ("findings", "Findings and changes requested"))  # (JSON key, label): filled in by the reviewer


@dataclass(frozen=True)
class LicenceSeats:
    """The report's active seats of one licence and, when priced, what they cost a month."""

    licence: str
    seats: int
    cost_per_seat: float | None

    @property
    def total(self) -> float | None:
        return None if self.cost_per_seat is None else self.cost_per_seat * self.seats


@dataclass(frozen=True)
class Header:
    org_id: str
    org_name: str
    as_of: str  # YYYY-MM-DD: expires and days left are judged on this date
    generated: str  # ISO timestamp, UTC
    version: str  # guestlist's
    config: str  # the config path the report was made from
    config_commit: str = ""  # its git HEAD, "+ uncommitted changes" when dirty; "" outside a repository

    def items(self) -> tuple[tuple[str, str], ...]:
        return (("org", f"{self.org_name} ({self.org_id})"), ("as of", self.as_of), ("generated", self.generated),
                ("guestlist", self.version), ("config", self.config),
                *((("config commit", self.config_commit),) if self.config_commit else ()))


@dataclass(frozen=True)
class Report:
    header: Header
    rows: tuple[Row, ...]
    licences: tuple[LicenceSeats, ...]

    def count(self, status: Status) -> int:
        return sum(1 for row in self.rows if row.status is status)
