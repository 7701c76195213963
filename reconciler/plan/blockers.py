"""Checks over the whole plan, after the per-kind diffs (which raise the blockers about single objects: a missing
owner, user, profile, licence, account or permission set; an ambiguous account name; allow_customers turned off; a
protected user removed)."""

from __future__ import annotations

from reconciler.kinds import USER
from reconciler.model import INVITE_CUSTOMERS_PERMISSION
from reconciler.plan.change import LicenseImpact
from reconciler.plan.context import PlanContext
from reconciler.plan.groups import GroupsDecided
from reconciler.plan.members import MembersDecided

# Every blocker code, for docs/plan-json.md and tests.
BLOCKER_CODES: dict[str, str] = {
    "missing-owner": "a group's owner is not a user in the org",
    "owner-role-member": "a group's owner listed with role: member (the owner is always a manager)",
    "missing-user": "a member or assignee is not a user in the org nor declared",
    "missing-profile": "a declared user's profile does not exist",
    "missing-license": "a profile's licence does not exist",
    "missing-account": "an external user's account does not exist",
    "ambiguous-account": "an external user's account name matches more than one Account",
    "portal-owner-role": "a new external user's account is owned by a user without a role",
    "missing-permission-set": "a managed permission set does not exist",
    "profile-license-mismatch": "an external user's profile belongs to another licence than declared",
    "permission-set-license": "a permission set is tied to another licence than its assignee's",
    "contact-has-user": "the contact an external user needs already has another user",
    "existing-contact-or-lead": "an external user's new contact would duplicate a Contact elsewhere or a Lead",
    "customer-is-a-user": "a customer: email belongs to an internal or Experience Cloud user (list them as user:)",
    "license-exhausted": "the plan needs more seats of a licence than are left",
    "allow-customers-one-way": "allow_customers true -> false (Salesforce can't)",
    "access-locked": "an access change on a group that allows customers",
    "allow-customers-public": "a public group allowing customers",
    "unlisted-groups-disabled": "an unlisted group while the org doesn't allow them",
    "unlisted-permission": "an unlisted group while the connected user lacks Manage Unlisted Groups",
    "group-disallows-customers": "a customer invited to a group that doesn't allow customers",
    "invite-permission": "the connected user lacks Invite Customers To Chatter",
    "customer-invitations-off": "customer invitations are off in the org and the config doesn't turn them on",
    "protected-user": "a protected user removed, demoted or deactivated",
    "missing-permission": "the connected user lacks a permission the plan's reads or changes need",
}


def check_licenses(ctx: PlanContext, impacts: tuple[LicenseImpact, ...]) -> None:
    for impact in impacts:
        if impact.runs_out:
            needed = impact.used_after - impact.used_before
            ctx.block(
                "license-exhausted",
                f"licence {impact.name!r}: {impact.used_before} of {impact.total} seats "
                f"used; the plan needs {needed} more than it frees ({impact.used_after} > {impact.total})",
            )


def check_invitations(ctx: PlanContext, invited: tuple[str, ...]) -> None:
    """`invited`: the keys of the invitations the plan sends (the members diff's)."""
    if not invited:
        return
    n = len(invited)
    count = f"{n} customer {'invitation' if n == 1 else 'invitations'}"
    org = ctx.snapshot.org
    if not org.can_invite_customers:
        ctx.block(
            "invite-permission",
            f"{count} can't be sent: the connected user {org.username} lacks \"Invite "
            f'Customers To Chatter" ({INVITE_CUSTOMERS_PERMISSION})',
            None,
            invited[0],
        )
    chatter = ctx.desired.org.chatter
    declared = chatter.customer_invitations if chatter is not None else None
    current = ctx.snapshot.chatter.get("customer_invitations")
    if declared is False or (declared is None and current is False):
        ctx.block(
            "customer-invitations-off",
            f"{count} can't be sent: customer invitations are off in the org "
            "(declare org.chatter.customer_invitations: true)",
            chatter.source if chatter else None,
            invited[0],
        )
    elif declared is None and current is None:
        ctx.warn(
            "customer-invitations-unknown",
            f"{count}: whether the org allows customer invitations wasn't read",
            None,
            invited[0],
        )


def check_removals(ctx: PlanContext, removals: int, managed_access: int) -> None:
    limit = ctx.policy.max_removals
    if removals and not limit.allows(removals, managed_access):
        ctx.warn(
            "max-removals",
            f"the plan removes {removals} of {managed_access} managed access entries, more "
            f"than policy.max_removals ({limit}); apply refuses without --force",
            ctx.policy.source,
        )


def check_deactivated_owners(
    ctx: PlanContext, deactivated: frozenset[str], groups: GroupsDecided, members: MembersDecided
) -> None:
    """A deactivated user keeps owning their groups (reference §1): say which groups need a new owner.
    `deactivated`: every user id the plan deactivates (the users, orphans and undeclared-users diffs')."""
    if not deactivated:
        return
    owned: dict[str, list[str]] = {}
    settled = groups.deleted | members.transferred
    for group in ctx.snapshot.groups.values():
        if group.owner_id in deactivated and group.id not in settled:
            owned.setdefault(group.owner_id, []).append(group.name)
    for user_id, names in owned.items():
        user = ctx.snapshot.users[user_id]
        ctx.warn(
            "deactivated-owner",
            f"{user.username} is deactivated but still owns {', '.join(repr(n) for n in sorted(names))}: declare "
            "another owner for these groups",
            None,
            USER.key(user.username),
        )
