"""Members and invitations of the present groups: authoritative or additive per group; role and notify changes are
updates; a customer with no user is invited (a pending invitation counts as done); expired entries count as
absent; the owner is always a member and never removed; owner transfers go after the new owner's membership."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from reconciler.kinds import GROUP, INVITATION, MEMBER, SETTING
from reconciler.model import (
    Member,
    MemberKind,
    Membership,
    ObservedInvitation,
    ObservedMember,
    ObservedUser,
    Role,
)
from reconciler.plan import assumptions
from reconciler.plan.change import Action, Kind, Risk
from reconciler.plan.context import Draft, PlanContext, UserRef
from reconciler.plan.fields import declare, differing, record
from reconciler.plan.groups import GroupsDecided, GroupTarget
from reconciler.plan.order import Phase
from reconciler.plan.people import Person
from reconciler.plan.settings import SettingsDecided
from reconciler.plan.users import UsersDecided, switch_active


@dataclass(frozen=True)
class _Wanted:
    member: Member
    user: UserRef
    implicit: bool = False  # the new owner, added because ownership moves to them


@dataclass(frozen=True)
class MembersDecided:
    """What the members diff decided, for the diffs and checks after it."""

    added: frozenset[str]  # user ids this plan adds to some group
    removed_members: frozenset[str]  # CollaborationGroupMember ids this plan deletes
    removed_invitations: frozenset[str]  # CollaborationInvitation ids this plan deletes
    invited: tuple[str, ...]  # keys of the invitations this plan sends, in plan order
    invited_emails: frozenset[str]
    transferred: frozenset[str]  # group ids whose owner this plan changes
    reactivated: frozenset[str]  # ids of the dormant customers re-added to a group, so reactivated
    managed_access: int  # memberships and pending invitations of the present groups now


@dataclass
class _Tally:
    """MembersDecided while the members diff runs; frozen when it returns."""

    added: set[str] = field(default_factory=set)
    removed_members: set[str] = field(default_factory=set)
    removed_invitations: set[str] = field(default_factory=set)
    invited: list[str] = field(default_factory=list)
    invited_emails: set[str] = field(default_factory=set)
    transferred: set[str] = field(default_factory=set)
    reactivated: set[str] = field(default_factory=set)
    managed_access: int = 0

    def freeze(self) -> MembersDecided:
        return MembersDecided(
            frozenset(self.added),
            frozenset(self.removed_members),
            frozenset(self.removed_invitations),
            tuple(self.invited),
            frozenset(self.invited_emails),
            frozenset(self.transferred),
            frozenset(self.reactivated),
            self.managed_access,
        )


def diff_members(
    ctx: PlanContext, users: UsersDecided, settings: SettingsDecided, groups: GroupsDecided
) -> MembersDecided:
    tally = _Tally()
    for target in groups.targets:
        _GroupMembers(ctx, users, settings, tally, target).diff()
    return tally.freeze()


def invitation_stale(invitation: ObservedInvitation, today: dt.date) -> bool:
    """A Sent invitation can't be accepted INVITATION_VALID_DAYS after it was created (plan/assumptions.py)."""
    try:
        created = dt.date.fromisoformat(invitation.created[:10])
    except ValueError:
        return False
    return created + dt.timedelta(days=assumptions.INVITATION_VALID_DAYS) < today


def customer_user(
    ctx: PlanContext, users: UsersDecided, email: str
) -> tuple[UserRef | None, ObservedUser | None]:
    """(the user a customer entry is a membership of, an inactive Chatter External user to reactivate).
    Both None: the customer has no user and is invited. Order: plan/assumptions.py "customer-email-match"."""
    matches = ctx.users_by_email.get(email, [])
    active = [u for u in matches if u.is_active and u.id not in users.deactivated]
    if active:
        best = min(active, key=lambda u: (not u.is_customer, u.username))
        return ctx.user_ref(best), None
    planned = users.planned_by_email.get(email)
    if planned is not None:
        return planned, None
    dormant = sorted((u for u in matches if u.is_customer), key=lambda u: u.username)
    if dormant:
        return ctx.user_ref(dormant[0]), dormant[0]
    return None, None


def _is_customer(user: UserRef) -> bool:
    """A live Chatter External user (users this plan creates are colleagues or Experience Cloud users)."""
    return user.observed is not None and user.observed.is_customer


def settled_after_acceptance(entry: Member) -> str | None:
    """The note on an invitation whose declared role or notify can't be sent with it: an invitation carries neither,
    so they are set on the membership the acceptance creates, by the next apply."""
    settings = ([f"role {entry.role.value}"] if entry.role is not Role.MEMBER else []) + (
        [f"notify {entry.notify.value}"] if entry.notify is not None else []
    )
    if not settings:
        return None
    verb = "are" if len(settings) > 1 else "is"
    return f"{' and '.join(settings)} {verb} set by the next apply after {entry.identity} accepts"


class _GroupMembers:
    def __init__(
        self, ctx: PlanContext, users: UsersDecided, settings: SettingsDecided, tally: _Tally, target: GroupTarget
    ) -> None:
        self.ctx = ctx
        self.users = users
        self.settings = settings
        self.tally = tally
        self.t = target
        self.name = target.group.name
        self.rows: dict[str, ObservedMember] = ctx.snapshot.members.get(target.id, {}) if target.id else {}
        invitations = ctx.snapshot.invitations.get(target.id, {}) if target.id else {}
        self.pending = {email: inv for email, inv in invitations.items() if inv.pending}
        self.wanted: dict[str, _Wanted] = {}  # user id (or create key) -> entry
        self.invite: dict[str, Member] = {}  # email -> entry
        self.expired_users: dict[str, Member] = {}
        self.expired_emails: dict[str, Member] = {}
        self.owner_change_key: str | None = None
        tally.managed_access += len(self.rows) + len(self.pending)

    def diff(self) -> None:
        self._sort_entries()
        self._ensure_owner()
        owner_member_key = None
        previous_owner = self.t.observed.owner_id if self.t.owner_changes and self.t.observed else None
        for wanted in self.wanted.values():
            if wanted.user.id is not None and wanted.user.id == previous_owner:
                continue  # changed after the transfer: the owner's row can't be demoted
            key = self._member(wanted)
            if self.t.owner is not None and wanted.user.same(self.t.owner):
                owner_member_key = key
        self._transfer_owner(owner_member_key)
        if previous_owner is not None and previous_owner in self.wanted:
            self._member(self.wanted[previous_owner], after=self.owner_change_key)
        for email, entry in self.invite.items():
            self._invitation(email, entry)
        self._remove_members()
        self._remove_invitations()

    # -- the declared entries ------------------------------------------------------------------------------------

    def _sort_entries(self) -> None:
        for entry in self.t.group.members:
            user, dormant = self._resolve(entry)
            if entry.expired(self.ctx.today):
                if user is not None and user.id is not None:
                    self.expired_users[user.id] = entry
                if entry.kind is MemberKind.CUSTOMER:
                    self.expired_emails[entry.identity] = entry
                continue
            if entry.kind is MemberKind.CUSTOMER and user is not None and not _is_customer(user):
                self._block_not_a_customer(entry, user)
                continue
            if dormant is not None:
                self._reactivate(dormant, entry)
            if user is None:
                if entry.kind is MemberKind.CUSTOMER:
                    self.invite[entry.identity] = entry
                continue
            is_owner = self.t.owner is not None and user.same(self.t.owner)
            if self._inactive(user) and user.id not in self.rows and not is_owner:
                self._skip_inactive(entry, user)
                continue
            self.wanted[user.id or user.ref or entry.identity] = _Wanted(entry, user)

    def _reactivate(self, dormant: ObservedUser, entry: Member) -> None:
        """A dormant customer re-added to a group is reactivated (once, whichever group re-adds them first)."""
        reason = f"customer re-added to {self.name}"
        if switch_active(self.ctx, self.users, self.tally.reactivated, dormant, True, reason, entry.source):
            self.tally.reactivated.add(dormant.id)

    def _block_not_a_customer(self, entry: Member, user: UserRef) -> None:
        """A `customer:` email that belongs to an internal or Experience Cloud user, not a Chatter customer: adding
        that user would grant a colleague's or partner's access past validate's member-is-external-user rule."""
        what = user.license or ("an Experience Cloud user" if user.external else "an internal user")
        self.ctx.block(
            "customer-is-a-user",
            f"customer {entry.identity} of group {self.name!r} is the user {user.username} ({what}), not a "
            f"customer: list them as `user: {user.username}`",
            entry.source,
            self._key(entry.identity),
        )

    def _skip_inactive(self, entry: Member, user: UserRef) -> None:
        """An inactive user can't be added to a group. One this plan deactivates (expired, `active: false`) is
        meant to go: a warning. One inactive in the org already is a declared membership the org lacks and no
        write can add: a manual step, so the plan never says "No changes" while it differs."""
        key = self._key(entry.identity)
        if user.id in self.users.deactivated:
            self.ctx.warn("inactive-member", f"{user.username} is deactivated by this plan, so isn't added to "
                                             f"{self.name!r}", entry.source, key)
            return
        self.ctx.manual("inactive-member", f"reactivate {user.username} in Setup > Users (or remove them from "
                                           f"{self.name!r} in the config); an inactive user can't be added to a "
                                           "group", f"group {self.name!r}", entry.source, key)

    def _inactive(self, user: UserRef) -> bool:
        """A live user who won't be active after the plan."""
        if user.id is None:
            return False
        if user.id in self.users.deactivated:
            return True
        reactivated = user.id in self.users.activated or user.id in self.tally.reactivated
        return user.observed is not None and not user.observed.is_active and not reactivated

    def _resolve(self, entry: Member) -> tuple[UserRef | None, ObservedUser | None]:
        if entry.kind is MemberKind.CUSTOMER:
            return customer_user(self.ctx, self.users, entry.identity)
        user = self.ctx.find_user(entry.identity, self.users.planned)
        if user is None and not entry.expired(self.ctx.today):
            self.ctx.block(
                "missing-user",
                f"member {entry.identity} of group {self.name!r} is not a user in the org "
                "(nor declared in chatter_users or external_users)",
                entry.source,
                self._key(entry.identity),
            )
        return user, None

    def _ensure_owner(self) -> None:
        owner = self.t.owner
        if owner is None:
            return
        handle = owner.id or owner.ref or owner.username
        if self.t.is_new:
            entry = self.wanted.pop(handle, None)  # the org creates the owner's row (manager) with the group
            if entry is not None and entry.member.notify is not None:
                self.ctx.warn(
                    "owner-notify-next-run",
                    f"notify for {owner.username}, owner of the new group {self.name!r}, is set on the next run",
                    entry.member.source,
                    self._key(owner.username),
                )
            return
        if self.t.owner_changes and handle not in self.wanted:
            implicit = Member(MemberKind.USER, owner.username, Role.MANAGER, source=self.t.group.source)
            self.wanted = {handle: _Wanted(implicit, owner, implicit=True), **self.wanted}

    def _role(self, wanted: _Wanted) -> Role:
        """The owner is always a manager (docs/reference/salesforce-api.md §1): a declared `role: member` for them
        is a difference nothing can write, so it blocks; a role left out simply yields."""
        entry = wanted.member
        if self.t.owner is not None and wanted.user.same(self.t.owner):
            if entry.role is Role.MEMBER and "role" in entry.sources and not wanted.implicit:
                self.ctx.block(
                    "owner-role-member",
                    f"{wanted.user.username} owns group {self.name!r}, and a group's owner is always a manager: "
                    "declare role: manager for them (or leave role out), or name another owner (owner: <username>)",
                    entry.sources["role"],
                    self._key(entry.identity),
                )
            return Role.MANAGER
        return entry.role

    def _key(self, identity: str) -> str:
        return MEMBER.key(self.name, identity)

    def _member(self, wanted: _Wanted, after: str | None = None) -> str | None:
        ctx, entry, user = self.ctx, wanted.member, wanted.user
        role = self._role(wanted)
        row = self.rows.get(user.id) if user.id is not None else None
        key = self._key(entry.identity)
        if row is None:
            draft = Draft(
                Action.CREATE,
                Kind.MEMBER,
                key,
                MEMBER.sobject,
                source=entry.source,
                reason="new owner" if wanted.implicit else None,
                people=(user.person,),
            )
            self.t.point(draft, "CollaborationGroupId", lookup=True)
            draft.point("MemberId", user, lookup=True)
            declare(draft, MEMBER.fields, {"role": role, "notify": entry.notify})
            if user.external:
                draft.risks.add(Risk.GRANTS_EXTERNAL_ACCESS)
            if user.id is not None:
                self.tally.added.add(user.id)
            ctx.people.gain(user.person, f"group {self.name}")
            ctx.add(draft)
            return key
        draft = Draft(
            Action.UPDATE,
            Kind.MEMBER,
            key,
            MEMBER.sobject,
            source=entry.source,
            record=row,
            people=(user.person,),
            reason="new owner" if wanted.implicit else None,
        )
        for spec, current, want in differing(MEMBER.fields, {"role": role, "notify": entry.notify},
                                             {"role": row.role, "notify": row.notify}):
            record(draft, spec, current, want)
        if row.role is not role:
            ctx.people.role_change(user.person, f"{self.name}: {row.role.value} -> {role.value}")
            if role is Role.MEMBER:
                ctx.guard_protected(user.username, f"be demoted in {self.name!r}", entry.source, key)
        if not draft.values:
            return None
        if after is not None:
            draft.depends_on.append(after)
        ctx.add(draft)
        return key

    def _transfer_owner(self, owner_member_key: str | None) -> None:
        t, ctx = self.t, self.ctx
        if not t.owner_changes:
            return
        assert t.observed is not None and t.owner is not None
        previous = ctx.snapshot.users.get(t.observed.owner_id)
        previous_name = previous.username if previous is not None else t.observed.owner_id
        key = f"{GROUP.key(self.name)}#owner"
        draft = Draft(
            Action.UPDATE,
            Kind.GROUP,
            key,
            GROUP.sobject,
            source=t.group.source,
            before={"owner": previous_name},
            after={"owner": t.owner.username},
            record=t.observed,
            people=(t.owner.person,),
        )
        draft.point("OwnerId", t.owner)
        if owner_member_key is not None:
            draft.depends_on.append(owner_member_key)
        ctx.guard_protected(previous_name, f"lose ownership of {self.name!r}", t.group.source, key)
        ctx.add(draft, Phase.MEMBERS)
        self.tally.transferred.add(t.observed.id)
        self.owner_change_key = key

    # -- invitations ---------------------------------------------------------------------------------------------

    def _invitation(self, email: str, entry: Member) -> None:
        ctx, t = self.ctx, self.t
        key = INVITATION.key(self.name, email)
        person = Person(email, True, (email,))
        current = self.pending.get(email)
        depends: list[str] = []
        if current is not None:
            if not invitation_stale(current, ctx.today):
                return  # sent and still valid: done
            stale_key = f"{key}#expired"
            self.tally.removed_invitations.add(current.id)
            ctx.add(
                Draft(
                    Action.DELETE,
                    Kind.INVITATION,
                    stale_key,
                    INVITATION.sobject,
                    source=entry.source,
                    before={"email": email, "sent": current.created[:10]},
                    reason=f"invitation sent {current.created[:10]} expired",
                    record=current,
                    people=(person,),
                ),
                Phase.MEMBERS,
            )
            depends.append(stale_key)
        if not t.allows_customers:
            ctx.block(
                "group-disallows-customers",
                f"customer {email} can't be invited: group {self.name!r} doesn't "
                "allow customers (declare allow_customers: true)",
                entry.source,
                key,
            )
        draft = Draft(
            Action.CREATE,
            Kind.INVITATION,
            key,
            INVITATION.sobject,
            source=entry.source,
            reason=settled_after_acceptance(entry),
            risks={Risk.GRANTS_EXTERNAL_ACCESS},
            people=(person,),
            depends_on=depends,
        )
        self.t.point(draft, "SharedEntityId", lookup=True)
        declare(draft, INVITATION.fields, {"email": email, "message": entry.message or None})
        draft.lookup["InvitedUserEmail"] = email
        for before in self._invitation_follows():
            if before not in draft.depends_on:
                draft.depends_on.append(before)
        ctx.add(draft)
        self.tally.invited.append(key)
        self.tally.invited_emails.add(email)
        ctx.people.gain(person, f"group {self.name} (invited)")

    def _invitation_follows(self) -> list[str]:
        """The changes an invitation waits for: turning customer invitations on, and its group's create/update."""
        setting = SETTING.key("chatter.customer_invitations")
        follows = [setting] if setting in self.settings.changed else []
        return follows + [self.t.key] if self.t.changed else follows

    # -- removals ------------------------------------------------------------------------------------------------

    def _keeps(self) -> set[str]:
        """User ids whose row is never removed: the owner after the plan, and the current one unless it moves."""
        keep = {self.t.owner.id} if self.t.owner is not None and self.t.owner.id is not None else set()
        if self.t.observed is not None and not self.t.owner_changes:
            keep.add(self.t.observed.owner_id)
        return keep

    def _remove_members(self) -> None:
        ctx = self.ctx
        keep = self._keeps()
        authoritative = self.t.group.membership is Membership.AUTHORITATIVE
        people = {uid: self._person(uid) for uid in self.rows}
        for uid in sorted(self.rows, key=lambda u: people[u].person):
            row = self.rows[uid]
            if uid in self.wanted:
                continue
            expired = self.expired_users.get(uid)
            if expired is None and not authoritative:
                continue
            if uid in keep:
                if expired is not None:  # the access ended, yet the owner's membership can't be removed
                    ctx.manual(
                        "owner-expired",
                        f"give group {self.name!r} another owner (its `owner:`), so that {people[uid].person}'s "
                        "expired access can end: an owner can't be removed from their group",
                        f"the config: group {self.name!r}",
                        expired.source,
                        self._key(expired.identity),
                    )
                continue
            person = people[uid]
            key = ctx.unique_key(self._key(person.person), uid)
            user = ctx.snapshot.users.get(uid)
            draft = _removal(Kind.MEMBER, key, MEMBER.sobject, row, expired, person)
            draft.before["role"] = row.role.value
            if self.owner_change_key is not None and self.t.observed is not None and uid == self.t.observed.owner_id:
                draft.depends_on.append(self.owner_change_key)
            if user is not None:
                ctx.guard_protected(user.username, f"be removed from {self.name!r}", draft.source, key)
            self.tally.removed_members.add(row.id)
            ctx.people.lose(person, f"group {self.name}")
            ctx.add(draft)

    def _person(self, user_id: str) -> Person:
        user = self.ctx.snapshot.users.get(user_id)
        return self.ctx.user_ref(user).person if user is not None else Person(user_id, False)

    def _remove_invitations(self) -> None:
        ctx = self.ctx
        authoritative = self.t.group.membership is Membership.AUTHORITATIVE
        for email in sorted(self.pending):
            if email in self.invite:
                continue
            invitation = self.pending[email]
            expired = self.expired_emails.get(email)
            if expired is None and not authoritative:
                continue
            key = INVITATION.key(self.name, email)
            person = Person(email, True, (email,))
            self.tally.removed_invitations.add(invitation.id)
            ctx.people.lose(person, f"group {self.name} (invitation cancelled)")
            draft = _removal(Kind.INVITATION, key, INVITATION.sobject, invitation, expired, person)
            draft.before.update(email=email, sent=invitation.created[:10])
            ctx.add(draft)


def _removal(kind: Kind, key: str, sobject: str, record: Any, expired: Member | None, person: Person) -> Draft:
    """The delete of a member or invitation: for an expired entry (both modes) or one not in config (authoritative)."""
    return Draft(
        Action.DELETE,
        kind,
        key,
        sobject,
        source=expired.source if expired else None,
        reason=f"expired {expired.expires}" if expired else "not in config",
        before={},
        risks={Risk.REVOKES_ACCESS},
        record=record,
        people=(person,),
    )
