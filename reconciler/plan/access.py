"""The connected user's permissions against what the plan reads and writes (real-orgs.md §10; plan assumption
"permission-alternatives"): every permission it lacks is a blocker naming it, so neither plan nor apply gets as
far as a write the org would refuse."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from reconciler.kinds import GROUP, MEMBER, PERMISSION_SET_ASSIGNMENT, SETTING, USER
from reconciler.model import (
    ASSIGN_PERMISSION_SETS_PERMISSION,
    CUSTOMIZE_APPLICATION_PERMISSION,
    MANAGE_INTERNAL_USERS_PERMISSION,
    MANAGE_USERS_PERMISSION,
    MODIFY_ALL_DATA_PERMISSION,
    MODIFY_METADATA_PERMISSION,
    OWN_GROUPS_PERMISSION,
    PERMISSION_NAMES,
    Access,
    ObservedGroup,
    Role,
)
from reconciler.plan.assumptions import DEFAULT_GROUP_ACCESS
from reconciler.plan.change import Action, Change
from reconciler.plan.context import PlanContext

Alternatives = tuple[frozenset[str], ...]  # any one of these sets of permissions, each held together, is enough

_ALL_DATA: Alternatives = (frozenset({MODIFY_ALL_DATA_PERMISSION}),)
_READ_METADATA: Alternatives = (frozenset({MODIFY_METADATA_PERMISSION}), frozenset({MODIFY_ALL_DATA_PERMISSION}))
_UPDATE_SETTINGS: Alternatives = (frozenset({MODIFY_METADATA_PERMISSION, CUSTOMIZE_APPLICATION_PERMISSION}),
                                  frozenset({MODIFY_ALL_DATA_PERMISSION}))
_INTERNAL_USERS: Alternatives = (frozenset({MANAGE_USERS_PERMISSION}), frozenset({MANAGE_INTERNAL_USERS_PERMISSION}))
_EXTERNAL_USERS: Alternatives = (frozenset({MANAGE_USERS_PERMISSION}),)
_OWN_GROUPS: Alternatives = (frozenset({OWN_GROUPS_PERMISSION}),)
_ASSIGNMENTS: Alternatives = (frozenset({ASSIGN_PERMISSION_SETS_PERMISSION}), frozenset({MANAGE_USERS_PERMISSION}))


@dataclass(frozen=True)
class Need:
    """What one read or change needs: `doing` in words ("change the owner of a group"), and the permissions."""

    doing: str
    alternatives: Alternatives


def check_access(ctx: PlanContext, changes: Iterable[Change]) -> None:
    """One blocker per need the connected user's permissions don't meet, naming the permissions it lacks, the
    changes that need them and the first one's key. Nothing is checked when the permissions weren't read."""
    held = ctx.snapshot.connected_permissions
    if held is None:
        return
    needing: dict[Need, list[str]] = {}
    if ctx.desired.org.chatter is not None or ctx.desired.groups:  # observe reads ChatterSettings for these
        needing[Need("read ChatterSettings through the Metadata API", _READ_METADATA)] = []
    groups = _Groups.of(ctx)
    for change in changes:
        for need in _needs_of(ctx, groups, change):
            needing.setdefault(need, []).append(change.key)
    for need, keys in needing.items():
        if any(alternative <= held for alternative in need.alternatives):
            continue
        count = f" ({len(keys)} {'change' if len(keys) == 1 else 'changes'})" if keys else ""
        ctx.block(
            "missing-permission",
            f"the connected user {ctx.snapshot.org.username} lacks {_missing(need.alternatives, held)}, needed to "
            f"{need.doing}{count}",
            None,
            keys[0] if keys else None,
        )


@dataclass(frozen=True)
class _Groups:
    """Whom the plan's member changes concern: each observed group by id, each member row's group."""

    by_id: Mapping[str, ObservedGroup]
    of_member_row: Mapping[str, str]

    @classmethod
    def of(cls, ctx: PlanContext) -> _Groups:
        rows = {row.id: group_id for group_id, members in ctx.snapshot.members.items() for row in members.values()}
        return cls({g.id: g for g in ctx.snapshot.groups.values()}, rows)

    def private_unmanaged(self, ctx: PlanContext, change: Change) -> bool:
        """Whether a member change is in a private group the connected user neither owns nor manages (its owner
        and managers add, remove and re-role members; real-orgs.md §10.3)."""
        me = ctx.snapshot.org.user_id
        group_id = change.values.get("CollaborationGroupId") or self.of_member_row.get(change.record_id or "")
        observed = self.by_id.get(group_id or "")
        if observed is not None:
            mine = ctx.snapshot.members.get(observed.id, {}).get(me)
            manages = observed.owner_id == me or (mine is not None and mine.role is Role.MANAGER)
            return observed.access is Access.PRIVATE and not manages
        created = change.refs.get("CollaborationGroupId")
        declared = next((g for g in ctx.desired.groups if GROUP.key(g.name) == created), None)
        if declared is None:
            return False
        access = declared.access or DEFAULT_GROUP_ACCESS
        return access is Access.PRIVATE and declared.owner not in (None, ctx.snapshot.org.username)


def _needs_of(ctx: PlanContext, groups: _Groups, change: Change) -> Iterator[Need]:
    me = ctx.snapshot.org.user_id
    if change.kind is SETTING.kind:
        yield Need("update ChatterSettings through the Metadata API", _UPDATE_SETTINGS)
    elif change.kind is MEMBER.kind:
        if MEMBER.field("notify").sf_field in change.values and change.values.get("MemberId") != me:
            yield Need("set another member's notification frequency", _ALL_DATA)
        changes_role = change.action is not Action.UPDATE or MEMBER.field("role").sf_field in change.values
        if changes_role and groups.private_unmanaged(ctx, change):
            yield Need("add, remove or re-role members of private groups it doesn't own or manage", _ALL_DATA)
    elif change.kind is GROUP.kind and change.action is Action.CREATE:
        yield Need("create groups", _OWN_GROUPS)
    elif change.kind is GROUP.kind and change.action is Action.UPDATE and "OwnerId" in {*change.values, *change.refs}:
        group = groups.by_id.get(change.record_id or "")
        if group is None or group.owner_id != me:
            yield Need("change the owner of a group it doesn't own", _ALL_DATA)
    elif change.kind is USER.kind and _external(ctx, change):
        yield Need("create or change Experience Cloud users", _EXTERNAL_USERS)
    elif change.kind is USER.kind:
        yield Need("create or change users", _INTERNAL_USERS)
    elif change.kind is PERMISSION_SET_ASSIGNMENT.kind:
        yield Need("assign or remove permission sets", _ASSIGNMENTS)


def _external(ctx: PlanContext, change: Change) -> bool:
    """Whether a user change concerns an Experience Cloud user (one with a contact)."""
    if "ContactId" in change.values or "ContactId" in change.refs:
        return True
    user = ctx.snapshot.users.get(change.record_id or "")
    return user is not None and user.contact_id is not None


def _missing(alternatives: Alternatives, held: frozenset[str]) -> str:
    """`"A" (PermissionsA) and "B" (PermissionsB), or "C" (PermissionsC)`: what each alternative still lacks."""
    return ", or ".join(" and ".join(f'"{PERMISSION_NAMES[p]}" ({p})' for p in sorted(alternative - held))
                        for alternative in alternatives)
