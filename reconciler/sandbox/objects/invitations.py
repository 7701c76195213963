"""CollaborationInvitation (create/delete only) and what happens when an invitee accepts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.access import as_system
from reconciler.sandbox.objects.base import (
    CHATTER_EXTERNAL_PROFILE,
    CHATTER_FREE_PROFILE,
    Row,
    Rules,
    email_domain,
    field_integrity,
    insufficient_access,
)
from reconciler.sandbox.objects.fields import EMAIL
from reconciler.sandbox.objects.groups import membership
from reconciler.sandbox.objects.permissions import has_permission
from reconciler.sandbox.objects.settings import chatter_flag, invitation_settings

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

INVITE_CUSTOMERS = "PermissionsChatterInviteExternalUsers"
MODIFY_ALL_DATA = "PermissionsModifyAllData"
_ERRORS = assumed("invitation-errors")
_DELETE = assumed("invitation-delete")
_EXPIRY = assumed("invitation-expiry")
_COWORKER = assumed("invitation-coworker-accept")
_ACCEPT_ALL = assumed("invitation-accept-all")
_GUEST_COLLISION = assumed("guest-username-collision")


def _has_active_user(session: Session, email: str) -> bool:
    return bool(
        session.scalar('SELECT count(*) FROM "User" WHERE lower("Email") = lower(?) AND "IsActive" = 1', (email,))
    )


def _check_group_inviter(session: Session, group: Row, inviter_id: str) -> None:
    """Group owners, managers and administrators (Modify All Data) may invite to a group."""
    row = membership(session, group["Id"], inviter_id)
    if (row is None or row["CollaborationRole"] != "Admin") and not has_permission(
        session, inviter_id, MODIFY_ALL_DATA
    ):
        raise insufficient_access("Only the group's owner, managers and administrators can invite people to it")


class CollaborationInvitationRules(Rules):
    def prepare_insert(self, session: Session, values: Row) -> None:
        values["InviterId"] = session.actor()
        values["Status"] = "Sent"
        if values.get("InvitedUserEmail"):
            values["InvitedUserEmail"] = values["InvitedUserEmail"].strip()
            values["InvitedUserEmailNormalized"] = values["InvitedUserEmail"].lower()

    def before_insert(self, session: Session, values: Row) -> None:
        email, inviter, target = values["InvitedUserEmail"], values["InviterId"], values["SharedEntityId"]
        if not EMAIL.match(email):
            raise ApiError(
                400, "INVALID_EMAIL_ADDRESS", f"Invited Email: invalid email address: {email}", ["InvitedUserEmail"]
            )
        if _has_active_user(session, email):
            raise field_integrity(f"{email} is already a user of this organization", ["InvitedUserEmail"])
        group = session.fetch("CollaborationGroup", target) if target.startswith("0F9") else None
        allowed, domains = invitation_settings(session)
        if email_domain(email) in domains:
            if not allowed:
                raise insufficient_access("Invitations aren't allowed in this organization")
            if group is not None:
                _check_group_inviter(session, group, inviter)
            elif target != inviter:
                raise field_integrity("An invitation to join Chatter is shared by its inviter", ["SharedEntityId"])
            return
        if group is None:
            raise field_integrity(
                f"{email_domain(email)} isn't a company email domain: people outside the company can only be "
                "invited to a private or unlisted group that allows customers",
                ["InvitedUserEmail"],
            )
        if not chatter_flag(session, "enableInviteCsnUsers"):
            raise insufficient_access("Customer invitations aren't allowed in this organization")
        if group["CollaborationType"] == "Public" or not group["CanHaveGuests"]:
            raise field_integrity(
                "Customers can only be invited to private or unlisted groups that allow customers", ["SharedEntityId"]
            )
        if not has_permission(session, inviter, INVITE_CUSTOMERS):
            raise insufficient_access("The inviter doesn't have the permission Invite Customers To Chatter")
        _check_group_inviter(session, group, inviter)


def _free_username(session: Session, local: str, domain: str) -> str:
    candidate, n = f"{local}@{domain}", 0
    while session.scalar('SELECT count(*) FROM "User" WHERE lower("Username") = lower(?)', (candidate,)):
        n += 1
        candidate = f"{local}{n}@{domain}"
    return candidate


def _profile_id(session: Session, name: str) -> str:
    return session.scalar('SELECT "Id" FROM "Profile" WHERE "Name" = ?', (name,))


def accept_invitation(session: Session, email: str) -> str:
    """The invitee signs up: a Chatter External user (customer) or a Chatter Free user (coworker), a Standard
    membership in each invited group, every pending invitation of the email Accepted. Returns the user id. The
    sign-up is the invitee's own: the org makes the user and memberships, whoever the acting user is."""
    with as_system(session):
        return _sign_up(session, email)


def _sign_up(session: Session, email: str) -> str:
    pending = session.rows(
        "CollaborationInvitation",
        'lower("InvitedUserEmail") = lower(?) AND "Status" = \'Sent\' ORDER BY "CreatedDate", "Id"',
        (email.strip(),),
    )
    if not pending:
        raise ApiError(404, "NOT_FOUND", f"No pending invitation for {email}")
    email = pending[0]["InvitedUserEmail"]
    if _has_active_user(session, email):
        raise field_integrity(f"{email} is already a user of this organization", ["InvitedUserEmail"])
    inviter = session.fetch("User", pending[0]["InviterId"]) or session.fetch("User", session.actor())
    local, domain = email.split("@")[0], email_domain(email)
    coworker = domain in invitation_settings(session)[1]
    username_domain = domain if coworker else f"guest.{email_domain(inviter['Email'])}"  # type: ignore[index]
    user_id = session.create(
        "User",
        {
            "Username": _free_username(session, local, username_domain),
            "Email": email,
            "LastName": local,
            "Alias": local[:8],
            "ProfileId": _profile_id(session, CHATTER_FREE_PROFILE if coworker else CHATTER_EXTERNAL_PROFILE),
            **{k: inviter[k] for k in ("TimeZoneSidKey", "LocaleSidKey", "EmailEncodingKey", "LanguageLocaleKey")},  # type: ignore[index]
        },
    )
    for invitation in pending:
        group_id = invitation["SharedEntityId"]
        if session.fetch("CollaborationGroup", group_id) and membership(session, group_id, user_id) is None:
            session.create(
                "CollaborationGroupMember",
                {"CollaborationGroupId": group_id, "MemberId": user_id, "CollaborationRole": "Standard"},
            )
        session.system_update("CollaborationInvitation", invitation["Id"], {"Status": "Accepted"})
    return user_id
