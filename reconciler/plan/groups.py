"""Groups: created and updated by name (only declared fields), deleted only by `state: absent`; groups the config
doesn't declare are never touched, only counted. Owner transfers are emitted by the members diff (plan/members.py),
after the new owner's membership."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.kinds import GROUP
from reconciler.model import MANAGE_UNLISTED_GROUPS_PERMISSION, Access, Group, GroupState, ObservedGroup
from reconciler.plan import assumptions
from reconciler.plan.change import Action, Kind, Risk
from reconciler.plan.context import Draft, PlanContext, UserRef
from reconciler.plan.fields import declare, differing, record
from reconciler.plan.people import Person
from reconciler.plan.users import UsersDecided


@dataclass(frozen=True)
class GroupTarget:
    """A present group after the plan, as the members diff needs it."""

    group: Group
    observed: ObservedGroup | None
    key: str  # "group:<name>"; the create's key when the group is new
    owner: UserRef | None  # the owner after the plan; None when the declared owner doesn't exist
    allows_customers: bool  # after the plan
    changed: bool  # this plan creates or updates the group itself: a change with the key `key` exists

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
class GroupsDecided:
    """What the groups diff decided, for the diffs after it."""

    targets: tuple[GroupTarget, ...]  # the present groups, in config order
    deleted: frozenset[str]  # ids of the groups this plan deletes
    undeclared: int  # groups in the org the config doesn't declare (never touched)


def diff_groups(ctx: PlanContext, users: UsersDecided) -> GroupsDecided:
    targets: list[GroupTarget] = []
    deleted: set[str] = set()
    declared = set()
    for group in ctx.desired.groups:
        declared.add(group.key)
        observed = ctx.snapshot.groups.get(group.key)
        _note_site_groups(ctx, group)
        if group.state is GroupState.ABSENT:
            if observed is not None:
                deleted.add(_delete(ctx, group, observed))
            continue
        if observed is None:
            observed = _previous(ctx, group)
            declared.update(name.casefold() for name in group.previously)
        else:
            _note_previous_left(ctx, group)
        owner = _owner(ctx, users, group, observed)
        _check_unlisted_visible(ctx, group, GROUP.key(group.name))
        if observed is None:
            targets.append(_create(ctx, group, owner))
        else:
            targets.append(_update(ctx, group, observed, owner))
    undeclared = sum(1 for name in ctx.snapshot.groups if name not in declared)
    return GroupsDecided(tuple(targets), frozenset(deleted), undeclared)


def _previous(ctx: PlanContext, group: Group) -> ObservedGroup | None:
    """The org's group of the first `previously` name it has, when it has none of the declared name: that group
    is renamed in place (its id, members, files and invitations stay), not created anew: `Name` is updateable
    ("C U", salesforce-api.md §1), and the org refuses a name another public or private group bears."""
    return next((ctx.snapshot.groups[name.casefold()] for name in group.previously
                 if name.casefold() in ctx.snapshot.groups), None)


def _note_previous_left(ctx: PlanContext, group: Group) -> None:
    """Warns when the org has a group of the declared name and of a `previously` name too: the declared one is
    managed; the old one is not renamed (the names would clash) and stays as it is, undeclared."""
    for name in group.previously:
        old = ctx.snapshot.groups.get(name.casefold())
        if old is not None:
            ctx.warn("previous-group-remains",
                     f"group {group.name!r} exists, and so does {old.name!r} (previously): the old group is left "
                     f"as it is (id {old.id}); delete it with state: absent, or move its members yourself",
                     group.sources.get("previously", group.source), GROUP.key(group.name))


def _note_site_groups(ctx: PlanContext, group: Group) -> None:
    """Warns when Experience Cloud sites have groups of the declared name: guestlist manages the internal group
    only (names are unique per site, real-orgs.md §1.2) and never changes, empties or deletes a site's group."""
    found = ctx.snapshot.site_groups.get(group.key, ())
    if found:
        sites = ", ".join(f"{site.site_name or 'a site'} ({site.network_id}: group {site.id})" for site in found)
        ctx.warn(
            "site-group-name",
            f"group {group.name!r} is also the name of a group in an Experience Cloud site: {sites}; guestlist "
            "manages the internal group only and leaves the site's group alone",
            group.source,
            GROUP.key(group.name),
        )


def _owner(ctx: PlanContext, users: UsersDecided, group: Group, observed: ObservedGroup | None) -> UserRef | None:
    if group.owner is not None:
        owner = ctx.find_user(group.owner, users.planned)
        if owner is None:
            ctx.block(
                "missing-owner",
                f"owner {group.owner} of group {group.name!r} is not a user in the org",
                group.source,
                GROUP.key(group.name),
            )
        elif owner.observed is not None and not owner.observed.is_active and owner.id not in users.activated:
            ctx.warn(
                "inactive-owner",
                f"owner {group.owner} of group {group.name!r} is inactive",
                group.source,
                GROUP.key(group.name),
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


def _check_unlisted_visible(ctx: PlanContext, group: Group, key: str) -> None:
    """Without Manage Unlisted Groups the connected user can't see unlisted groups it isn't a member of, even with
    Modify All Data (real-orgs.md §2.1): an existing one would look absent and be created again on every run."""
    if group.access is Access.UNLISTED and ctx.snapshot.can_manage_unlisted_groups is False:
        ctx.block(
            "unlisted-permission",
            f"group {group.name!r} is unlisted, and the connected user {ctx.snapshot.org.username} lacks \"Manage "
            f'Unlisted Groups" ({MANAGE_UNLISTED_GROUPS_PERMISSION}): it can\'t see unlisted groups it isn\'t a '
            "member of, so guestlist can't tell whether the group exists (grant the permission to that user)",
            group.source,
            key,
        )


def _create(ctx: PlanContext, group: Group, owner: UserRef | None) -> GroupTarget:
    key = GROUP.key(group.name)
    access = group.access or assumptions.DEFAULT_GROUP_ACCESS
    draft = Draft(Action.CREATE, Kind.GROUP, key, GROUP.sobject, source=group.source, lookup={"Name": group.name})
    declare(draft, [GROUP.field("name")], {"name": group.name})
    declare(draft, GROUP.fields, {**group.settings, "access": access})
    if group.allow_customers:
        draft.risks.add(Risk.IRREVERSIBLE)
    if group.owner is not None and owner is not None:
        draft.point("OwnerId", owner)
        draft.after["owner"] = owner.username
    _check_access(ctx, group, access, bool(group.allow_customers), key)
    ctx.add(draft)
    if owner is not None:
        ctx.people.gain(owner.person, f"group {group.name} (owner)")
    return GroupTarget(group, None, key, owner, bool(group.allow_customers), changed=True)


def _update(ctx: PlanContext, group: Group, observed: ObservedGroup, owner: UserRef | None) -> GroupTarget:
    key = GROUP.key(group.name)
    draft = Draft(Action.UPDATE, Kind.GROUP, key, GROUP.sobject, source=group.source, record=observed)
    if observed.name != group.name and observed.name.casefold() != group.key:  # found by a `previously` name
        record(draft, GROUP.field("name"), observed.name, group.name)
        draft.reason = f"renamed from {observed.name!r}"
    for spec, current, wanted in differing(GROUP.fields, group.settings, observed.settings):
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
        record(draft, spec, current, wanted)
    allows_customers = observed.allow_customers or bool(group.allow_customers)
    if "CanHaveGuests" in draft.values:
        draft.risks.add(Risk.IRREVERSIBLE)
    if "CanHaveGuests" in draft.values or "CollaborationType" in draft.values:
        _check_access(ctx, group, group.access or observed.access, allows_customers, key)
    if draft.values:
        ctx.add(draft)
    return GroupTarget(group, observed, key, owner, allows_customers, changed=bool(draft.values))


def _delete(ctx: PlanContext, group: Group, observed: ObservedGroup) -> str:
    """Deletes a `state: absent` group; returns its id."""
    key = GROUP.key(group.name)
    members = ctx.snapshot.members.get(observed.id, {})
    people: list[Person] = []
    for user_id in members:
        user = ctx.snapshot.users.get(user_id)
        person = ctx.user_ref(user).person if user is not None else Person(user_id, False)
        people.append(person)
        ctx.people.lose(person, f"group {group.name} (deleted)")
    risks = {Risk.IRREVERSIBLE} | ({Risk.REVOKES_ACCESS} if observed.member_count else set())
    ctx.add(
        Draft(
            Action.DELETE,
            Kind.GROUP,
            key,
            GROUP.sobject,
            source=group.source,
            before={"name": observed.name, "members": observed.member_count},
            reason="state: absent",
            risks=risks,
            record=observed,
            people=tuple(people),
        )
    )
    return observed.id
