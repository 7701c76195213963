"""build_report: the config, the org's snapshot (observed with review=True) and the as-of date -> Report; pure.

Rows come from both sides: every grant the org holds for the people in scope (declared or not) and every declared
grant the org does not hold yet. In scope: the members of the declared groups and of every group allowing customers,
the pending invitations of the declared groups, the assignments of the declared permission sets, and every active
external, customer and Chatter Free user of the org (observe's review reads)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from reconciler.model import (
    CHATTER_FREE_LICENSE,
    ChatterUser,
    DesiredState,
    ExternalUser,
    Granted,
    Group,
    GroupState,
    Member,
    MemberKind,
    ObservedGroup,
    ObservedUser,
    Snapshot,
    Source,
)
from reconciler.report.model import GrantType, Header, LicenceSeats, PersonKind, Report, Row, Status

_GRANT_ORDER = {grant: index for index, grant in enumerate(GrantType)}


@dataclass(frozen=True)
class _Declared:
    """Where the config grants something, with the dates and sponsor that go with it."""

    source: Source
    expires: dt.date | None = None
    sponsor: str | None = None


def build_report(desired: DesiredState, snapshot: Snapshot, as_of: dt.date, header: Header) -> Report:
    builder = _Builder(desired, snapshot, as_of)
    rows = [*builder.licence_rows(), *builder.group_rows(), *builder.invitation_rows(),
            *builder.permission_set_rows()]
    rows.sort(key=lambda row: (row.person.casefold(), _GRANT_ORDER[row.grant_type], row.grant.casefold()))
    return Report(header, tuple(rows), builder.seats())


class _Builder:
    def __init__(self, desired: DesiredState, snapshot: Snapshot, as_of: dt.date) -> None:
        self.desired, self.snapshot, self.as_of = desired, snapshot, as_of
        self.users = snapshot.users
        self.by_username = snapshot.user_by_username()
        self.chatter_users = {u.username: u for u in desired.chatter_users}
        self.external_users = {u.username: u for u in desired.external_users}
        self.present = [g for g in desired.groups if g.state is GroupState.PRESENT]
        # by casefolded name, and by each `previously` name (the org may still bear it until the next apply)
        self.groups = {name.casefold(): g for g in self.present for name in (*g.previously, g.name)}
        self.customers = {m.identity for g in self.present for m in g.members if m.kind is MemberKind.CUSTOMER}
        self.costs = desired.policy.license_costs
        self.occupied: Counter[str] = Counter()  # licence name -> active seats the rows show

    # -- people ----------------------------------------------------------------------------------------------------

    def kind_of(self, user: ObservedUser) -> PersonKind:
        if user.is_customer:
            return PersonKind.CUSTOMER
        if user.is_external or user.username in self.external_users:
            return PersonKind.EXTERNAL_USER
        if user.license == CHATTER_FREE_LICENSE or user.username in self.chatter_users:
            return PersonKind.CHATTER_FREE
        return PersonKind.INTERNAL

    def row(self, user: ObservedUser, grant_type: GrantType, grant: str, declared: _Declared | None,
            granted: Granted | None, *, licence_cost: float | None = None) -> Row:
        """The row of a grant the org holds."""
        kind = self.kind_of(user)
        if not user.is_active:
            status = Status.DEACTIVATED
        elif declared is None:
            status = Status.UNDECLARED
        else:
            status = Status.PENDING if grant_type is GrantType.INVITATION else Status.ACTIVE
        person = user.email if kind in (PersonKind.CUSTOMER, PersonKind.EXTERNAL_USER) else user.username
        return Row(person, _name_of(user), kind, grant_type, grant, status, *self._declared_cells(declared),
                   *self._granted_cells(granted), last_login=user.last_login or "", licence_cost=licence_cost)

    def planned(self, person: str, name: str, kind: PersonKind, grant_type: GrantType, grant: str,
                declared: _Declared) -> Row:
        """The row of a declared grant the org does not hold yet (named as the org or the config names them)."""
        user = self.by_username.get(person)
        declared_user = self.chatter_users.get(person) or self.external_users.get(person)
        name = name or (_name_of(user) if user else _name_of(declared_user) if declared_user else "")
        return Row(person, name, kind, grant_type, grant, Status.PLANNED, *self._declared_cells(declared))

    def _declared_cells(self, declared: _Declared | None) -> tuple[str, int | None, str, str]:
        if declared is None:
            return "", None, "", ""
        expires = declared.expires
        return (expires.isoformat() if expires else "", (expires - self.as_of).days if expires else None,
                declared.sponsor or "", str(declared.source))

    def _granted_cells(self, granted: Granted | None) -> tuple[str, str]:
        if granted is None:
            return "", ""
        creator = self.users.get(granted.by) if granted.by else None
        return granted.at, creator.username if creator else (granted.by or "")

    def _person_kind(self, username: str) -> PersonKind:
        user = self.by_username.get(username)
        if user is not None:
            return self.kind_of(user)
        if username in self.external_users:
            return PersonKind.EXTERNAL_USER
        return PersonKind.CHATTER_FREE if username in self.chatter_users else PersonKind.INTERNAL

    # -- licences ----------------------------------------------------------------------------------------------------

    def licence_rows(self) -> Iterator[Row]:
        """Each external, customer and Chatter Free user of the org, and each declared one it lacks."""
        for user in self.users.values():
            declared_user = self.chatter_users.get(user.username) or self.external_users.get(user.username)
            if not (declared_user or user.is_customer or user.is_external or user.license == CHATTER_FREE_LICENSE):
                continue
            declared = _user_declared(declared_user) if declared_user else self._customer_declared(user)
            licence = user.license or ""
            if user.is_active:
                self.occupied[licence] += 1
            yield self.row(user, GrantType.LICENCE, f"{licence} / {user.profile or ''}", declared, user.granted,
                           licence_cost=self.costs.get(licence))
        declared_users: list[ChatterUser | ExternalUser] = [*self.desired.chatter_users, *self.desired.external_users]
        for wanted in declared_users:
            if wanted.username in self.by_username:
                continue
            external = isinstance(wanted, ExternalUser)
            licence = str(wanted.license) if isinstance(wanted, ExternalUser) else CHATTER_FREE_LICENSE
            yield self.planned(wanted.email if external else wanted.username, _name_of(wanted),
                               PersonKind.EXTERNAL_USER if external else PersonKind.CHATTER_FREE, GrantType.LICENCE,
                               f"{licence} / {wanted.profile}", _user_declared(wanted))

    def _customer_declared(self, user: ObservedUser) -> _Declared | None:
        """A customer's user is declared by their first membership in the config."""
        if not user.is_customer or user.email not in self.customers:
            return None
        first = next(m for g in self.present for m in g.members
                     if m.kind is MemberKind.CUSTOMER and m.identity == user.email)
        return _Declared(first.source, sponsor=first.sponsor)

    def seats(self) -> tuple[LicenceSeats, ...]:
        return tuple(LicenceSeats(licence, seats, self.costs.get(licence))
                     for licence, seats in sorted(self.occupied.items()))

    # -- groups and invitations --------------------------------------------------------------------------------------

    def group_rows(self) -> Iterator[Row]:
        observed = {group.id: group for group in self.snapshot.groups.values()}
        for group_id, members in self.snapshot.members.items():
            group = observed.get(group_id)
            if group is None:
                continue
            wanted = self.groups.get(group.name.casefold())
            held: set[str] = set()
            for member in members.values():
                user = self.users.get(member.user_id)
                if user is None or (wanted is None and not (user.is_customer or user.is_external)):
                    continue  # an undeclared group's colleagues are not external access
                declared, identity = _member_declared(wanted, user)
                held.add(identity)
                role = "owner" if member.user_id == group.owner_id else str(member.role)
                yield self.row(user, GrantType.GROUP, f"{group.name} ({role})", declared, member.granted)
            if wanted is not None:
                yield from self._planned_members(wanted, group, held)
        for wanted in self.present:
            if not any(name.casefold() in self.snapshot.groups for name in (wanted.name, *wanted.previously)):
                yield from self._planned_members(wanted, None, set())

    def _planned_members(self, wanted: Group, group: ObservedGroup | None, held: set[str]) -> Iterator[Row]:
        invited = self.snapshot.invitations.get(group.id, {}) if group else {}
        for member in wanted.members:
            if member.identity in held or member.identity in invited:
                continue
            customer = member.kind is MemberKind.CUSTOMER
            kind = PersonKind.CUSTOMER if customer else self._person_kind(member.identity)
            yield self.planned(member.identity, "", kind, GrantType.GROUP, f"{wanted.name} ({member.role})",
                               _Declared(member.source, member.expires, member.sponsor))

    def invitation_rows(self) -> Iterator[Row]:
        names = {group.id: group.name for group in self.snapshot.groups.values()}
        for group_id, invitations in self.snapshot.invitations.items():
            name = names.get(group_id, group_id)
            wanted = self.groups.get(name.casefold())
            entries = {m.identity: m for m in wanted.members if m.kind is MemberKind.CUSTOMER} if wanted else {}
            for email, invitation in invitations.items():
                entry = entries.get(email)
                declared = _Declared(entry.source, entry.expires, entry.sponsor) if entry else None
                status = Status.PENDING if entry else Status.UNDECLARED
                yield Row(email, "", PersonKind.CUSTOMER, GrantType.INVITATION, name, status,
                          *self._declared_cells(declared), *self._granted_cells(invitation.granted))

    # -- permission sets -------------------------------------------------------------------------------------------

    def permission_set_rows(self) -> Iterator[Row]:
        declared_sets = _declared_assignees(self.desired)
        for permission_set in self.snapshot.permission_sets.values():
            wanted = declared_sets.get(permission_set.name.casefold(), {})
            held: set[str] = set()
            for assignment in self.snapshot.assignments.get(permission_set.id, {}).values():
                user = self.users.get(assignment.user_id)
                if user is None:
                    continue
                held.add(user.username)
                yield self.row(user, GrantType.PERMISSION_SET, permission_set.name, wanted.get(user.username),
                               assignment.granted)
            for username, declared in wanted.items():
                if username not in held:
                    external = self.external_users.get(username)
                    yield self.planned(external.email if external else username,
                                       _name_of(external) if external else "", self._person_kind(username),
                                       GrantType.PERMISSION_SET, permission_set.name, declared)


def _name_of(person: ObservedUser | ChatterUser | ExternalUser) -> str:
    return " ".join(part for part in (person.first_name, person.last_name) if part)


def _user_declared(user: ChatterUser | ExternalUser) -> _Declared:
    return _Declared(user.source, user.expires, user.sponsor if isinstance(user, ExternalUser) else None)


def _member_declared(wanted: Group | None, user: ObservedUser) -> tuple[_Declared | None, str]:
    """The config's entry for `user` in the group, and the identity the config would name them by."""
    identity = user.email if user.is_customer else user.username
    if wanted is None:
        return None, identity
    kind = MemberKind.CUSTOMER if user.is_customer else MemberKind.USER
    entry: Member | None = next((m for m in wanted.members if m.kind is kind and m.identity == identity), None)
    if entry is not None:
        return _Declared(entry.source, entry.expires, entry.sponsor), identity
    if wanted.owner == user.username:
        return _Declared(wanted.sources.get("owner", wanted.source)), identity
    return None, identity


def _declared_assignees(desired: DesiredState) -> Mapping[str, dict[str, _Declared]]:
    """Permission set (casefolded) -> username -> where the config assigns it: under permission_sets, or in an
    external user's own permission_sets list (whose expires and sponsor then apply)."""
    found: dict[str, dict[str, _Declared]] = {}
    for assignments in desired.permission_sets:
        for assignee in assignments.assignees:
            found.setdefault(assignments.name.casefold(), {})[assignee.username] = _Declared(assignee.source)
    for user in desired.external_users:
        for index, name in enumerate(user.permission_sets or ()):
            assignees = found.setdefault(name.casefold(), {})
            first = assignees.get(user.username)  # listed under permission_sets too: that line, the user's dates
            where = first.source if first else user.sources.get(f"permission_sets[{index}]", user.source)
            assignees[user.username] = _Declared(where, user.expires, user.sponsor)
    return found
