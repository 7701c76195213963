"""Groups: created and updated by name (only declared fields), deleted only by `state: absent`; groups the config
doesn't declare are never touched, only counted. Owner transfers are emitted by the members diff (plan/members.py),
after the new owner's membership."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.model import ACCESS_TO_SF, Access, Group, GroupState, ObservedGroup
from reconciler.plan import assumptions
from reconciler.plan.change import Action, Kind, Risk
from reconciler.plan.context import Draft, PlanContext, UserRef
from reconciler.plan.people import Person


@dataclass(frozen=True)
class GroupTarget:
    """A present group after the plan, as the members diff needs it."""

    group: Group
    observed: ObservedGroup | None
    key: str  # "group:<name>"; the create's key when the group is new
    owner: UserRef | None  # the owner after the plan; None when the declared owner doesn't exist
    allows_customers: bool  # after the plan

    @property
    def id(self) -> str | None:
        return None if self.observed is None else self.observed.id

    @property
    def is_new(self) -> bool:
        return self.observed is None

    @property
    def owner_changes(self) -> bool:
        return self.observed is not None and self.owner is not None and self.owner.id != self.observed.owner_id

    def point(self, draft: Draft, field_name: str, *, lookup: bool = False) -> None:
        """Sets a CollaborationGroup reference field to the live id or the create's key."""
        if self.observed is not None:
            draft.values[field_name] = self.observed.id
            draft.watch.append(self.observed)
        else:
            draft.refs[field_name] = self.key
            draft.depends_on.append(self.key)
        if lookup:
            draft.lookup[field_name] = None if self.observed is None else self.observed.id


@dataclass(frozen=True)
class _Field:
    word: str
    sf_field: str
    wanted: Callable[[Group], Any]  # None: not declared
    current: Callable[[ObservedGroup], Any]
    to_sf: Callable[[Any], Any] = lambda value: value


_FIELDS: tuple[_Field, ...] = (
    _Field("access", "CollaborationType", lambda g: g.access, lambda o: o.access, lambda a: ACCESS_TO_SF[a]),
    _Field("allow_customers", "CanHaveGuests", lambda g: g.allow_customers, lambda o: o.allow_customers),
    _Field("description", "Description", lambda g: g.description, lambda o: o.description),
    _Field(
        "information.title",
        "InformationTitle",
        lambda g: g.information.title if g.information else None,
        lambda o: o.information.title,
    ),
    _Field(
        "information.body",
        "InformationBody",
        lambda g: g.information.body if g.information else None,
        lambda o: o.information.body,
    ),
    _Field("archived", "IsArchived", lambda g: g.archived, lambda o: o.archived),
    _Field("broadcast_only", "IsBroadcast", lambda g: g.broadcast_only, lambda o: o.broadcast_only),
    _Field(
        "auto_archive", "IsAutoArchiveDisabled", lambda g: g.auto_archive, lambda o: o.auto_archive, lambda on: not on
    ),
)


def _words(value: Any) -> Any:
    return value.value if isinstance(value, Access) else value


def diff_groups(ctx: PlanContext) -> list[GroupTarget]:
    targets: list[GroupTarget] = []
    declared = set()
    for group in ctx.desired.groups:
        declared.add(group.key)
        observed = ctx.snapshot.groups.get(group.key)
        if group.state is GroupState.ABSENT:
            if observed is not None:
                _delete(ctx, group, observed)
            continue
        owner = _owner(ctx, group, observed)
        if observed is None:
            targets.append(_create(ctx, group, owner))
        else:
            targets.append(_update(ctx, group, observed, owner))
    ctx.undeclared_groups = sum(1 for name in ctx.snapshot.groups if name not in declared)
    return targets


def _owner(ctx: PlanContext, group: Group, observed: ObservedGroup | None) -> UserRef | None:
    if group.owner is not None:
        owner = ctx.find_user(group.owner)
        if owner is None:
            ctx.block(
                "missing-owner",
                f"owner {group.owner} of group {group.name!r} is not a user in the org",
                group.source,
                f"group:{group.name}",
            )
        elif owner.observed is not None and not owner.observed.is_active and owner.id not in ctx.activated:
            ctx.warn(
                "inactive-owner",
                f"owner {group.owner} of group {group.name!r} is inactive",
                group.source,
                f"group:{group.name}",
            )
        return owner
    owner_id = observed.owner_id if observed is not None else ctx.snapshot.org.user_id
    user = ctx.snapshot.users.get(owner_id)
    if user is not None:
        return ctx.user_ref(user)
    username = ctx.snapshot.org.username if owner_id == ctx.snapshot.org.user_id else owner_id
    return UserRef(username, username, owner_id, None, False, None)


def _unlisted_allowed(ctx: PlanContext) -> bool:
    chatter = ctx.desired.org.chatter
    if chatter is not None and chatter.unlisted_groups is not None:
        return chatter.unlisted_groups
    return bool(ctx.snapshot.chatter.get("unlisted_groups"))


def _check_access(ctx: PlanContext, group: Group, access: Access, allows_customers: bool, key: str) -> None:
    if allows_customers and access is Access.PUBLIC:
        ctx.block(
            "allow-customers-public",
            f"group {group.name!r} is public: only private and unlisted groups can allow customers",
            group.source,
            key,
        )
    if access is Access.UNLISTED and not _unlisted_allowed(ctx):
        ctx.block(
            "unlisted-groups-disabled",
            f"group {group.name!r} is unlisted but the org doesn't allow unlisted "
            "groups (set org.chatter.unlisted_groups: true)",
            group.source,
            key,
        )


def _create(ctx: PlanContext, group: Group, owner: UserRef | None) -> GroupTarget:
    key = f"group:{group.name}"
    access = group.access or assumptions.DEFAULT_GROUP_ACCESS
    draft = Draft(
        Action.CREATE,
        Kind.GROUP,
        key,
        "CollaborationGroup",
        source=group.source,
        values={"Name": group.name, "CollaborationType": ACCESS_TO_SF[access]},
        after={"name": group.name, "access": access.value},
        lookup={"Name": group.name},
    )
    for spec in _FIELDS[1:]:
        wanted = spec.wanted(group)
        if wanted is not None:
            draft.values[spec.sf_field] = spec.to_sf(wanted)
            draft.after[spec.word] = _words(wanted)
    if group.allow_customers:
        draft.risks.add(Risk.IRREVERSIBLE)
    if group.owner is not None and owner is not None:
        draft.point("OwnerId", owner)
        draft.after["owner"] = owner.username
    _check_access(ctx, group, access, bool(group.allow_customers), key)
    ctx.add(draft)
    if owner is not None:
        ctx.people.gain(owner.person, f"group {group.name} (owner)")
    return GroupTarget(group, None, key, owner, bool(group.allow_customers))


def _update(ctx: PlanContext, group: Group, observed: ObservedGroup, owner: UserRef | None) -> GroupTarget:
    key = f"group:{group.name}"
    draft = Draft(Action.UPDATE, Kind.GROUP, key, "CollaborationGroup", source=group.source, record=observed)
    for spec in _FIELDS:
        wanted, current = spec.wanted(group), spec.current(observed)
        if wanted is None or wanted == current:
            continue
        if spec.word == "allow_customers" and current and not wanted:
            ctx.block(
                "allow-customers-one-way",
                f"group {group.name!r} allows customers; Salesforce can't turn "
                "that off (declare allow_customers: true, or delete the group with state: absent)",
                group.source,
                key,
            )
            continue
        if spec.word == "access" and observed.allow_customers:
            ctx.block(
                "access-locked",
                f"group {group.name!r} allows customers, so its access can't change from "
                f"{current.value} to {wanted.value}",
                group.source,
                key,
            )
            continue
        draft.before[spec.word], draft.after[spec.word] = _words(current), _words(wanted)
        draft.values[spec.sf_field] = spec.to_sf(wanted)
    allows_customers = observed.allow_customers or bool(group.allow_customers)
    if "CanHaveGuests" in draft.values:
        draft.risks.add(Risk.IRREVERSIBLE)
    if "CanHaveGuests" in draft.values or "CollaborationType" in draft.values:
        _check_access(ctx, group, group.access or observed.access, allows_customers, key)
    if draft.values:
        ctx.add(draft)
    return GroupTarget(group, observed, key, owner, allows_customers)


def _delete(ctx: PlanContext, group: Group, observed: ObservedGroup) -> None:
    key = f"group:{group.name}"
    members = ctx.snapshot.members.get(observed.id, {})
    people: list[Person] = []
    for user_id in members:
        user = ctx.snapshot.users.get(user_id)
        person = ctx.user_ref(user).person if user is not None else Person(user_id, False)
        people.append(person)
        ctx.people.lose(person, f"group {group.name} (deleted)")
    ctx.deleted_groups.add(observed.id)
    risks = {Risk.IRREVERSIBLE} | ({Risk.REVOKES_ACCESS} if observed.member_count else set())
    ctx.add(
        Draft(
            Action.DELETE,
            Kind.GROUP,
            key,
            "CollaborationGroup",
            source=group.source,
            before={"name": observed.name, "members": observed.member_count},
            reason="state: absent",
            risks=risks,
            record=observed,
            people=tuple(people),
        )
    )
