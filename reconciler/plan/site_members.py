"""Users who belong to an Experience Cloud site: a member of a site's group is the site's, not guestlist's, so the
offboarding sweeps (orphaned customers, undeclared external users) leave them active and say so once."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.model import ObservedUser
from reconciler.plan.context import PlanContext

_SHOWN = 3


def outside_sites(ctx: PlanContext, swept: Iterable[ObservedUser], what: str) -> list[ObservedUser]:
    """`swept` (the users a sweep would deactivate) without the members of site groups; one `site-member` warning
    names those left active (`what`: "orphaned customers"), real-orgs.md §1.5."""
    kept: list[ObservedUser] = []
    spared: list[ObservedUser] = []
    for user in swept:
        (spared if user.id in ctx.snapshot.site_members else kept).append(user)
    if spared:
        named = ", ".join(f"{u.username} ({', '.join(ctx.snapshot.site_members[u.id])})" for u in spared[:_SHOWN])
        more = f" and {len(spared) - _SHOWN} more" if len(spared) > _SHOWN else ""
        ctx.warn(
            "site-member",
            f"{len(spared)} {what} left active: members of Experience Cloud sites' groups, which guestlist doesn't "
            f"manage (the site decides): {named}{more}",
            ctx.desired.policy.source,
        )
    return kept
