"""build_plan: the pure diff. Desired state + snapshot + today's date -> Plan; no I/O, linear in the org's size."""

from __future__ import annotations

import datetime as dt

from reconciler.expiry import DEFAULT_EXPIRING_WITHIN, expiring_access
from reconciler.model import DesiredState, MemberKind, Snapshot
from reconciler.plan.access import check_access
from reconciler.plan.blockers import (
    check_deactivated_owners,
    check_hidden_profiles,
    check_invitations,
    check_licenses,
    check_removals,
)
from reconciler.plan.change import Plan
from reconciler.plan.context import PlanContext
from reconciler.plan.email_change import NO_REQUESTS, EmailRequests
from reconciler.plan.groups import diff_groups
from reconciler.plan.manual import manual_checks
from reconciler.plan.members import diff_members
from reconciler.plan.order import in_order
from reconciler.plan.orphans import deactivate_orphaned_customers
from reconciler.plan.permission_sets import diff_permission_sets
from reconciler.plan.settings import diff_settings
from reconciler.plan.users import deactivate_undeclared_external_users, diff_users

EXPIRING = "access-expiring"  # the warning's code, the same rule id as validate's (config/problems.py)


def external_names(desired: DesiredState, snapshot: Snapshot) -> tuple[str, ...]:
    """The emails and usernames of every external person the config or the snapshot names: what --redact masks."""
    names = {m.identity for g in desired.groups for m in g.members if m.kind is MemberKind.CUSTOMER}
    names.update(n for u in desired.external_users for n in (u.username, u.email.lower()))
    names.update(n for u in snapshot.users.values() if u.is_customer or u.is_external for n in (u.username, u.email))
    names.update(email for invitations in snapshot.invitations.values() for email in invitations)
    return tuple(sorted(names))


def build_plan(desired: DesiredState, snapshot: Snapshot, today: dt.date,
               expiring_within: int = DEFAULT_EXPIRING_WITHIN, email_requests: EmailRequests = NO_REQUESTS) -> Plan:
    """Wires the diffs: each takes what the earlier ones decided as parameters, so the order is in the types.
    Access ending within `expiring_within` days is an `access-expiring` warning. `email_requests`: the email changes
    apply requested before (the journal), held back while they await confirmation."""
    ctx = PlanContext(desired, snapshot, today, email_requests)
    settings = diff_settings(ctx)
    users = diff_users(ctx)
    groups = diff_groups(ctx, users)
    permission_sets = diff_permission_sets(ctx, users)
    members = diff_members(ctx, users, settings, groups)
    orphaned = deactivate_orphaned_customers(ctx, users, groups, members)
    undeclared = deactivate_undeclared_external_users(ctx, users, members.reactivated | orphaned)
    managed_access = users.managed_access + members.managed_access + permission_sets.managed_access
    changes = in_order(ctx.entries)
    licenses = ctx.seats.impacts(snapshot.seat_licenses())
    check_licenses(ctx, licenses)
    check_invitations(ctx, members.invited)
    check_removals(ctx, sum(1 for c in changes if c.is_removal), managed_access)
    check_deactivated_owners(ctx, users.deactivated | orphaned | undeclared, groups, members)
    for soon in expiring_access(desired, today, expiring_within):
        ctx.warn(EXPIRING, soon.message, soon.source, soon.key)
    check_hidden_profiles(ctx)
    check_access(ctx, changes)
    return Plan(
        org=snapshot.org,
        today=today.isoformat(),
        changes=changes,
        blockers=tuple(ctx.blockers),
        warnings=tuple(ctx.warnings),
        manual_checks=manual_checks(desired.org.invitations),
        manual_steps=tuple(ctx.manual_steps),
        fingerprints=dict(sorted(ctx.fingerprints.items())),
        licenses=licenses,
        people=ctx.people.impacts(),
        managed_access=managed_access,
        max_removals=desired.policy.max_removals,
        protected=tuple(desired.policy.protected),
        undeclared_groups=groups.undeclared,
        external_names=external_names(desired, snapshot),
        api_requests=snapshot.api_requests,
    )
