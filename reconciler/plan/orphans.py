"""Offboarding: with policy.deactivate_orphaned_customers, a customer (Chatter External user) left in no group and
with no pending invitation after the plan is deactivated; one in a site's group is the site's and stays active."""

from __future__ import annotations

from collections import Counter

from reconciler.plan.context import PlanContext
from reconciler.plan.groups import GroupsDecided
from reconciler.plan.members import MembersDecided
from reconciler.plan.site_members import outside_sites
from reconciler.plan.users import UsersDecided, switch_active


def deactivate_orphaned_customers(
    ctx: PlanContext, users: UsersDecided, groups: GroupsDecided, members: MembersDecided
) -> frozenset[str]:
    """Returns the ids of the customers it deactivates."""
    if not ctx.policy.deactivate_orphaned_customers:
        return frozenset()
    unread = [g.name for g in ctx.snapshot.groups.values() if g.allow_customers and g.id not in ctx.snapshot.members]
    if unread:
        ctx.warn(
            "orphans-unknown",
            f"orphaned customers not checked: the members of {len(unread)} group(s) allowing "
            f"customers weren't read ({', '.join(sorted(unread)[:3])}{', ...' if len(unread) > 3 else ''})",
            ctx.desired.policy.source,
        )
        return frozenset()
    memberships: Counter[str] = Counter()
    for group_id, rows in ctx.snapshot.members.items():
        if group_id in groups.deleted:
            continue
        for user_id, row in rows.items():
            if row.id not in members.removed_members:
                memberships[user_id] += 1
    invited = {
        email
        for group_id, invitations in ctx.snapshot.invitations.items()
        if group_id not in groups.deleted
        for email, invitation in invitations.items()
        if invitation.pending and invitation.id not in members.removed_invitations
    }
    invited |= members.invited_emails
    orphans = [
        user for user in sorted(ctx.snapshot.users.values(), key=lambda u: u.username)
        if user.is_customer and user.is_active and user.id not in members.added and user.id not in users.activated
        and user.id not in members.reactivated and memberships[user.id] == 0 and user.email.lower() not in invited
    ]
    deactivated: set[str] = set()
    for user in outside_sites(ctx, orphans, "orphaned customer(s)"):
        reason = "orphaned customer: in no group, no pending invitation"
        if switch_active(ctx, users, members.reactivated, user, False, reason):  # once per user
            deactivated.add(user.id)
    return frozenset(deactivated)
