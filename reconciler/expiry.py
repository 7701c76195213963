"""Access that ends on a date: every declared grant with `expires` (a group member, a Chatter Free user, an external
user), and those ending within a window, for the `access-expiring` warning of validate and plan (issue 13).

Access is kept through its `expires` day and removed after it (`expires < today` is expired), so a grant ending
today has 0 days left and still warns; one that already ended is `access-expired`'s, not this rule's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from reconciler.kinds import MEMBER, USER
from reconciler.model import ChatterUser, DesiredState, ExternalUser, Group, GroupState, Member, MemberKind, Source

DEFAULT_EXPIRING_WITHIN = 14  # days: --expiring-within's default (ecosystem.md §8.3)


@dataclass(frozen=True)
class DeclaredGrant:
    """One declared entry that gives access: a member of a present group, a Chatter Free user or an external user."""

    item: Member | ChatterUser | ExternalUser
    who: str  # the member's identity or the user's username
    grant: str  # "group 'Acme Partner Hub'", "Chatter Free user", "external user (Partner Community)"
    key: str  # the plan's key of the object concerned
    group: Group | None = None

    @property
    def sponsor(self) -> str | None:
        return None if isinstance(self.item, ChatterUser) else self.item.sponsor

    @property
    def outsider(self) -> bool:
        """Customers and external users: the sponsor and max_access_days rules apply to them."""
        return isinstance(self.item, ExternalUser) or (isinstance(self.item, Member)
                                                       and self.item.kind is MemberKind.CUSTOMER)

    @property
    def source(self) -> Source:
        return self.item.sources.get("expires", self.item.source)


def declared_grants(desired: DesiredState) -> Iterator[DeclaredGrant]:
    for group in desired.groups:
        if group.state is not GroupState.PRESENT:
            continue
        for member in group.members:
            key = MEMBER.key(group.name, member.identity)
            yield DeclaredGrant(member, member.identity, f"group '{group.name}'", key, group)
    for chatter_user in desired.chatter_users:
        yield DeclaredGrant(chatter_user, chatter_user.username, "Chatter Free user", USER.key(chatter_user.username))
    for external in desired.external_users:
        yield DeclaredGrant(external, external.username, f"external user ({external.license})",
                            USER.key(external.username))


@dataclass(frozen=True)
class ExpiringAccess:
    """A grant whose `expires` lies within the window: who, what, when, and the colleague who vouches for them."""

    person: str
    grant: str
    expires: dt.date
    days_left: int
    sponsor: str | None
    source: Source
    key: str

    @property
    def message(self) -> str:
        when = "today" if self.days_left == 0 else f"in {self.days_left} day{'' if self.days_left == 1 else 's'}"
        sponsor = f"sponsor {self.sponsor}" if self.sponsor else "no sponsor named"
        return f"{self.person}: access to {self.grant} expires on {self.expires.isoformat()} ({when}); {sponsor}"


def expiring_access(desired: DesiredState, today: dt.date, within: int) -> list[ExpiringAccess]:
    """The declared grants whose last day is between `today` and `within` days from it, soonest first."""
    found = []
    for grant in declared_grants(desired):
        expires = grant.item.expires
        if expires is None:
            continue
        days_left = (expires - today).days
        if 0 <= days_left <= within:
            found.append(ExpiringAccess(grant.who, grant.grant, expires, days_left, grant.sponsor, grant.source,
                                        grant.key))
    return sorted(found, key=lambda e: (e.expires, e.person, e.grant))
