"""Group members (CollaborationGroupMember) and pending invitations (CollaborationInvitation), by group and person."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.field import Field, through
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import Audit, KindSpec
from reconciler.model import (
    NOTIFY_FROM_SF,
    NOTIFY_TO_SF,
    ROLE_FROM_SF,
    ROLE_TO_SF,
    Notify,
    ObservedMember,
    Role,
    Snapshot,
)


def _member_records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    groups = {g.id: g.name for g in snapshot.groups.values()}
    for group_id, members in snapshot.members.items():
        for user_id, member in members.items():
            user = snapshot.users.get(user_id)
            who = user.username if user is not None else user_id
            yield member.id, member, f"membership of {who} in {groups.get(group_id, group_id)}"


def _invitation_records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    groups = {g.id: g.name for g in snapshot.groups.values()}
    for group_id, invitations in snapshot.invitations.items():
        for email, invitation in invitations.items():
            yield invitation.id, invitation, f"invitation of {email} to {groups.get(group_id, group_id)}"


def _restore_member(member: ObservedMember) -> dict[str, Any]:
    values = {"CollaborationGroupId": member.group_id, "MemberId": member.user_id,
              "CollaborationRole": ROLE_TO_SF[member.role]}
    return values | ({"NotificationFrequency": NOTIFY_TO_SF[member.notify]} if member.notify else {})


MEMBER = KindSpec(
    Kind.MEMBER, "CollaborationGroupMember", "Members", "member", Phase.MEMBERS,
    fields=(
        Field("role", "CollaborationRole", through(ROLE_TO_SF), through(ROLE_FROM_SF), parse=Role),
        Field("notify", "NotificationFrequency", through(NOTIFY_TO_SF), through(NOTIFY_FROM_SF), parse=Notify),
    ),
    other_fields=(Field("group", "CollaborationGroupId", in_config=False),
                  Field("member", "MemberId", in_config=False)),
    inline=True,
    records=_member_records,
    audit=Audit("CreatedDate", "CreatedById"),  # real-orgs.md §13.1
    restore=_restore_member,
)

INVITATION = KindSpec(
    Kind.INVITATION, "CollaborationInvitation", "Invitations", "invitation", Phase.MEMBERS,
    fields=(Field("email", "InvitedUserEmail"), Field("message", "OptionalMessage", private="message")),
    other_fields=(Field("group", "SharedEntityId", in_config=False),),
    inline=True,
    named_by_subject=frozenset({"email"}),
    records=_invitation_records,
    audit=Audit("CreatedDate", "InviterId"),  # the invitation's sender (real-orgs.md §13.1)
)
