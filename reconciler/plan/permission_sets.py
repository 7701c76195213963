"""Permission set assignments: created for declared assignees (permission_sets and external users'
permission_sets); with `membership: authoritative` the undeclared ones are deleted."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.kinds import PERMISSION_SET_ASSIGNMENT
from reconciler.kinds.expiry import expires_of
from reconciler.kinds.permission_sets import EXPIRES
from reconciler.model import (
    PERMISSION_SET_LICENSE_PREFIX,
    ChatterUser,
    ExternalUser,
    Membership,
    ObservedAssignment,
    ObservedPermissionSet,
    Source,
)
from reconciler.plan.change import Action, Kind, Risk
from reconciler.plan.context import Draft, PlanContext, UserRef
from reconciler.plan.fields import declare, record
from reconciler.plan.users import UsersDecided


@dataclass(frozen=True)
class PermissionSetsDecided:
    """What the permission set diff decided, for the checks after it."""

    managed_access: int  # assignments of the managed permission sets guestlist manages now


@dataclass
class _Managed:
    name: str
    membership: Membership
    source: Source | None
    assignees: dict[str, Source] = field(default_factory=dict)  # username -> where it was declared


def _managed(ctx: PlanContext) -> list[_Managed]:
    managed: dict[str, _Managed] = {}
    for declared in ctx.desired.permission_sets:
        entry = managed[declared.name] = _Managed(declared.name, declared.membership, declared.source)
        for assignee in declared.assignees:
            entry.assignees.setdefault(assignee.username, assignee.source)
    for user in ctx.desired.external_users:
        for name in user.permission_sets or ():
            entry = managed.setdefault(name, _Managed(name, Membership.ADDITIVE, user.source))
            entry.assignees.setdefault(user.username, user.source)
    return list(managed.values())


def _ending(ctx: PlanContext) -> frozenset[str]:
    """Declared users this plan doesn't want active (expired or active: false): no new assignment, none removed."""
    declared: tuple[ChatterUser | ExternalUser, ...] = (*ctx.desired.chatter_users, *ctx.desired.external_users)
    return frozenset(u.username for u in declared if u.expired(ctx.today) or u.active is False)


def _expiries(ctx: PlanContext) -> dict[str, str | None]:
    """The `expires` (in words) of each assignee declared as a user: their assignments' ExpirationDate. An assignee
    declared only in permission_sets has none here: its assignments' ExpirationDate is not managed."""
    declared: tuple[ChatterUser | ExternalUser, ...] = (*ctx.desired.chatter_users, *ctx.desired.external_users)
    return {u.username: expires_of(u.expires) for u in declared}


def diff_permission_sets(ctx: PlanContext, users: UsersDecided) -> PermissionSetsDecided:
    ending = _ending(ctx)
    expiries = _expiries(ctx)
    managed_access = 0
    licensed: set[tuple[str, str]] = set()  # (permission set licence id, username) given by this plan
    for managed in _managed(ctx):
        permission_set = ctx.snapshot.permission_sets.get(managed.name)
        if permission_set is None:
            ctx.block(
                "missing-permission-set",
                f"permission set {managed.name!r} does not exist in the org",
                managed.source,
                PERMISSION_SET_ASSIGNMENT.key(managed.name),
            )
            continue
        managed_access += _diff_one(ctx, users, managed, permission_set, ending, expiries, licensed)
    return PermissionSetsDecided(managed_access)


def _diff_one(
    ctx: PlanContext,
    users: UsersDecided,
    managed: _Managed,
    permission_set: ObservedPermissionSet,
    ending: frozenset[str],
    expiries: dict[str, str | None],
    licensed: set[tuple[str, str]],
) -> int:
    """Diffs one managed permission set; returns how many of its assignments guestlist manages now."""
    current = ctx.snapshot.assignments.get(permission_set.id, {})
    authoritative = managed.membership is Membership.AUTHORITATIVE
    kept: set[str] = set()
    managed_access = 0
    for username, source in managed.assignees.items():
        key = PERMISSION_SET_ASSIGNMENT.key(managed.name, username)
        user = ctx.find_user(username, users.planned)
        if user is None and username in ending:
            continue  # declared inactive or expired, and never created: nothing to assign
        if user is None:
            ctx.block(
                "missing-user",
                f"assignee {username} of permission set {managed.name!r} is not a user in the "
                "org (nor declared in chatter_users or external_users)",
                source,
                key,
            )
            continue
        if user.id is not None:
            kept.add(user.id)
            if user.id in current:
                managed_access += 0 if authoritative else 1
                if username in expiries and username not in ending:
                    _update_expiry(ctx, permission_set, current[user.id], user, expiries[username], source, key)
                continue
        if username in ending or (user.id is not None and user.id in users.deactivated):
            continue
        _check_license(ctx, permission_set, user, source, key)
        takes_seat = _check_permission_set_license(ctx, permission_set, user, source, key, licensed)
        draft = Draft(
            Action.CREATE,
            Kind.PERMISSION_SET_ASSIGNMENT,
            key,
            PERMISSION_SET_ASSIGNMENT.sobject,
            source=source,
            after={"permission_set": managed.name, "user": username},
            people=(user.person,),
            values={"PermissionSetId": permission_set.id},
            lookup={"PermissionSetId": permission_set.id},
            risks=({Risk.GRANTS_EXTERNAL_ACCESS} if user.external else set())
            | ({Risk.CONSUMES_LICENSE} if takes_seat else set()),
        )
        draft.point("AssigneeId", user, lookup=True)
        expires = expiries.get(username)
        if expires is not None and _may_expire(ctx, permission_set, user, expires, source, key):
            declare(draft, (EXPIRES,), {EXPIRES.word: expires})
        ctx.add(draft)
        ctx.people.gain(user.person, f"permission set {managed.name}")
    if not authoritative:
        return managed_access
    managed_access += len(current)
    people = {uid: _who(ctx, uid) for uid in current}
    for uid in sorted(current, key=lambda u: people[u].username):
        if uid in kept:
            continue
        who = people[uid]
        key = ctx.unique_key(PERMISSION_SET_ASSIGNMENT.key(managed.name, who.username), uid)
        ctx.guard_protected(who.username, f"lose permission set {managed.name!r}", None, key)
        ctx.people.lose(who.person, f"permission set {managed.name}")
        ctx.add(
            Draft(
                Action.DELETE,
                Kind.PERMISSION_SET_ASSIGNMENT,
                key,
                PERMISSION_SET_ASSIGNMENT.sobject,
                before={"permission_set": managed.name, "user": who.username},
                reason="not in config",
                risks={Risk.REVOKES_ACCESS},
                record=current[uid],
                people=(who.person,),
            )
        )
    return managed_access


def _update_expiry(ctx: PlanContext, permission_set: ObservedPermissionSet, assignment: ObservedAssignment,
                   user: UserRef, expires: str | None, source: Source | None, key: str) -> None:
    """An update of a live assignment whose ExpirationDate isn't the assignee's `expires` (none clears it)."""
    if assignment.expires == expires:
        return
    if expires is not None and not _may_expire(ctx, permission_set, user, expires, source, key):
        return
    draft = Draft(Action.UPDATE, Kind.PERMISSION_SET_ASSIGNMENT, key, PERMISSION_SET_ASSIGNMENT.sobject,
                  source=source, record=assignment, people=(user.person,))
    record(draft, EXPIRES, assignment.expires, expires)
    ctx.add(draft)


def _may_expire(ctx: PlanContext, permission_set: ObservedPermissionSet, user: UserRef, expires: str,
                source: Source | None, key: str) -> bool:
    """Whether the set's assignments can carry an ExpirationDate; a warning when not (real-orgs.md §15)."""
    if permission_set.can_expire:
        return True
    ctx.warn(
        "permission-set-cannot-expire",
        f"permission set {permission_set.name!r} holds a permission whose assignments can't expire (Assign "
        f"Permission Sets, Manage Profiles and Permission Sets or Manage Users): {user.username}'s assignment gets "
        f"no ExpirationDate; guestlist alone removes it after {expires}",
        source,
        key,
    )
    return False


def _who(ctx: PlanContext, user_id: str) -> UserRef:
    user = ctx.snapshot.users.get(user_id)
    return ctx.user_ref(user) if user is not None else UserRef(user_id, user_id, user_id, None, False, None)


USER_LICENSE_PREFIX = "100"  # UserLicense ids; PermissionSet.LicenseId may also be a PermissionSetLicense (0PL)
PERMISSION_SET_LICENSE_UNREAD = "permission-set-license-unread"  # the warning's code


def _check_license(
    ctx: PlanContext, permission_set: ObservedPermissionSet, user: UserRef, source: Source | None, key: str
) -> None:
    """A set tied to a user licence needs an assignee of that licence. A set tied to a permission set licence (0PL,
    real-orgs.md §9.1) is no licence mismatch: `_check_permission_set_license` covers it."""
    if permission_set.license_id is None or user.license is None:
        return
    if not permission_set.license_id.startswith(USER_LICENSE_PREFIX):
        return
    user_license = ctx.snapshot.licenses.get(user.license)
    if user_license is not None and user_license.id != permission_set.license_id:
        by_id = {license_.id: license_.name for license_ in ctx.snapshot.licenses.values()}
        required = by_id.get(permission_set.license_id, permission_set.license_id)
        ctx.block(
            "permission-set-license",
            f"permission set {permission_set.name!r} needs the licence {required!r}; "
            f"{user.username} has {user.license!r}",
            source,
            key,
        )


def _check_permission_set_license(
    ctx: PlanContext,
    permission_set: ObservedPermissionSet,
    user: UserRef,
    source: Source | None,
    key: str,
    licensed: set[tuple[str, str]],
) -> bool:
    """Whether assigning a set bound to a permission set licence also gives the assignee that licence: the org
    assigns it with the set (real-orgs.md §15), taking a seat, which the plan counts (a full licence is a
    `license-exhausted` blocker); a licence that isn't Active blocks. `licensed`: the (licence id, username) pairs
    given so far. See docs/decisions/permission-set-licences.md."""
    license_id = permission_set.license_id
    if license_id is None or not license_id.startswith(PERMISSION_SET_LICENSE_PREFIX):
        return False
    psl = ctx.snapshot.permission_set_licenses.get(license_id)
    if psl is None:
        ctx.warn(
            PERMISSION_SET_LICENSE_UNREAD,
            f"permission set {permission_set.name!r} is bound to the permission set licence {license_id}, which "
            f"couldn't be read: whether {user.username} holds it, and whether a seat is left, is unknown",
            source,
            key,
        )
        return False
    if user.id is not None and user.id in psl.holders:
        return False
    if psl.status != "Active":
        ctx.block(
            "permission-set-license",
            f"permission set {permission_set.name!r} needs the permission set licence {psl.label!r}, which is "
            f"{psl.status} in the org, and {user.username} doesn't hold it",
            source,
            key,
        )
        return False
    if (psl.id, user.username) not in licensed:  # one seat per person, however many sets bound to it
        licensed.add((psl.id, user.username))
        ctx.seats.take(psl.label)
    return True
