"""Record visibility for the acting user: unlisted groups stay hidden from anyone without "Manage Unlisted Groups",
even Modify All Data and View All Data users, except from the group's own members (real-orgs.md §2.1)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import Row, insufficient_access
from reconciler.sandbox.objects.permissions import has_permission

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

MANAGE_UNLISTED_GROUPS = "PermissionsManageUnlistedGroups"
_VISIBILITY = assumed("unlisted-visibility")
_ID = re.compile(r"[A-Za-z0-9]{15,18}")


def sees_every_group(session: Session) -> bool:
    """Whether the acting user holds Manage Unlisted Groups (through its profile or a permission set)."""
    actor = session.actor()
    return not actor or session.memo(f"sees-unlisted:{actor}", lambda: has_permission(session, actor,
                                                                                      MANAGE_UNLISTED_GROUPS))


def _hidden_groups(user_id: str) -> str:
    """SQL selecting the ids of the unlisted groups `user_id` is not a member of."""
    return ('SELECT h."Id" FROM "CollaborationGroup" h WHERE h."CollaborationType" = \'Unlisted\' AND h."Id" NOT IN '
            f'(SELECT m."CollaborationGroupId" FROM "CollaborationGroupMember" m WHERE m."MemberId" = \'{user_id}\')')


def row_filters(session: Session) -> tuple[tuple[str, str], ...]:
    """The (sObject, condition on "{t}") pairs SOQL applies for the acting user; empty when it sees every row."""
    actor = session.actor()
    if sees_every_group(session) or not _ID.fullmatch(actor):
        return ()
    hidden = _hidden_groups(actor)
    return (
        ("CollaborationGroup", f'{{t}}."Id" NOT IN ({hidden})'),
        ("CollaborationGroupMember", f'{{t}}."CollaborationGroupId" NOT IN ({hidden})'),
        ("CollaborationInvitation", f'{{t}}."SharedEntityId" NOT IN ({hidden})'),
    )


def can_see_group(session: Session, group: Row) -> bool:
    if group.get("CollaborationType") != "Unlisted" or sees_every_group(session):
        return True
    return bool(session.scalar('SELECT count(*) FROM "CollaborationGroupMember" WHERE "CollaborationGroupId" = ? '
                               'AND "MemberId" = ?', (group["Id"], session.actor())))


def check_retrievable(session: Session, sobject: str, row: Row) -> None:
    """404 NOT_FOUND for a group the acting user can't see, as for a record that doesn't exist."""
    if sobject == "CollaborationGroup" and not can_see_group(session, row):
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def check_writable(session: Session, group: Row) -> None:
    if not can_see_group(session, group):
        raise insufficient_access()
