"""CollaborationInvitation rules and accepting invitations."""

from __future__ import annotations

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.store import Session

from .conftest import named, new_user_values, raises, user_id


@pytest.fixture
def hub(s: Session) -> str:
    """Acme Partner Hub, with customer invitations allowed, invitations sent by its owner alice."""
    s.update_chatter_settings({"enableInviteCsnUsers": True})
    s.actor_id = user_id(s, "alice@acme.com")
    return named(s, "CollaborationGroup", "Acme Partner Hub")


def _invite(s: Session, target: str, email: str, **extra: object) -> str:
    return s.create("CollaborationInvitation", {"SharedEntityId": target, "InvitedUserEmail": email, **extra})


def test_customer_invitation(s: Session, hub: str) -> None:
    invitation = s.retrieve("CollaborationInvitation", _invite(s, hub, " Li.Wei@Globex.com ", OptionalMessage="Hi"))
    assert invitation["Status"] == "Sent" and invitation["InviterId"] == s.actor_id
    assert invitation["InvitedUserEmail"] == "Li.Wei@Globex.com"
    assert invitation["InvitedUserEmailNormalized"] == "li.wei@globex.com"
    assert invitation["ParentId"] is None
    with raises("INVALID_FIELD_FOR_INSERT_UPDATE"):
        _invite(s, hub, "x@globex.com", InviterId=s.actor_id)


def test_customer_invitations_need_the_org_flag(s: Session, hub: str) -> None:
    s.update_chatter_settings({"enableInviteCsnUsers": False})
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        _invite(s, hub, "li.wei@globex.com")


def test_customer_invitations_need_the_permission(s: Session, hub: str) -> None:
    s.actor_id = user_id(s, "bob@acme.com")  # a manager of the hub, without "Invite Customers To Chatter"
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        _invite(s, hub, "li.wei@globex.com")
    s.actor_id = None
    s.create(
        "PermissionSetAssignment",
        {
            "AssigneeId": user_id(s, "bob@acme.com"),
            "PermissionSetId": named(s, "PermissionSet", "Invite_Customers_To_Chatter"),
        },
    )
    s.actor_id = user_id(s, "bob@acme.com")
    assert _invite(s, hub, "li.wei@globex.com")


def test_customer_invitations_need_a_group_that_allows_customers(s: Session, hub: str) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        _invite(s, s.actor_id, "li.wei@globex.com")  # type: ignore[arg-type]
    s.actor_id = None
    closed = s.create("CollaborationGroup", {"Name": "Closed", "CollaborationType": "Private"})
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        _invite(s, closed, "li.wei@globex.com")
    assert error.value.fields == ["SharedEntityId"]
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        _invite(s, named(s, "CollaborationGroup", "Acme Announcements"), "li.wei@globex.com")


def test_only_owners_managers_and_admins_invite_to_a_group(s: Session, hub: str) -> None:
    s.actor_id = user_id(s, "dan@acme.com")  # has the permission, but is not in the hub
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        _invite(s, hub, "li.wei@globex.com")
    s.actor_id = s.meta("admin_user_id")  # an administrator need not be a member
    assert _invite(s, hub, "li.wei@globex.com")


def test_coworker_invitations(s: Session, hub: str) -> None:
    alice = s.actor_id
    assert _invite(s, alice, "grace@acme.co.uk")  # type: ignore[arg-type]
    assert _invite(s, hub, "newbie@acme.com")
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        _invite(s, user_id(s, "bob@acme.com"), "other@acme.com")  # an org invitation is shared by its inviter
    s.set_invitation_settings(allowed=False)
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        _invite(s, alice, "late@acme.com")  # type: ignore[arg-type]


def test_no_invitation_for_an_existing_active_user(s: Session, hub: str) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        _invite(s, hub, "JANE@contoso.com")
    assert error.value.fields == ["InvitedUserEmail"]


def test_invalid_email(s: Session, hub: str) -> None:
    with raises("INVALID_EMAIL_ADDRESS"):
        _invite(s, hub, "not an email")


def test_cancel_is_delete(s: Session, hub: str) -> None:
    invitation = _invite(s, hub, "li.wei@globex.com")
    with pytest.raises(ApiError) as error:
        s.update("CollaborationInvitation", invitation, {"OptionalMessage": "changed"})
    assert error.value.status == 405
    s.delete("CollaborationInvitation", invitation)
    assert s.fetch("CollaborationInvitation", invitation, include_deleted=True) is None


def test_accepting_a_customer_invitation(s: Session) -> None:
    new = s.accept_invitation("RAJ@contoso.com")
    user = s.retrieve("User", new)
    assert user["Username"] == "raj@guest.acme.com" and user["Email"] == "raj@contoso.com"
    assert user["UserType"] == "CsnOnly" and user["IsActive"] is True
    assert s.retrieve("Profile", user["ProfileId"])["Name"] == "Chatter External User"
    hub = named(s, "CollaborationGroup", "Acme Partner Hub")
    member = s.rows("CollaborationGroupMember", '"CollaborationGroupId" = ? AND "MemberId" = ?', (hub, new))
    assert member[0]["CollaborationRole"] == "Standard"
    status = s.scalar(
        'SELECT "Status" FROM "CollaborationInvitation" WHERE "InvitedUserEmail" = ?', ("raj@contoso.com",)
    )
    assert status == "Accepted"
    with pytest.raises(ApiError) as error:
        s.accept_invitation("raj@contoso.com")
    assert error.value.status == 404


def test_guest_username_collision_gets_a_suffix(s: Session, hub: str) -> None:
    s.actor_id = None
    s.create("User", new_user_values(s, "li.wei@guest.acme.com", "Chatter External User", Email="li@other.example"))
    s.actor_id = user_id(s, "alice@acme.com")
    _invite(s, hub, "li.wei@globex.com")
    assert s.retrieve("User", s.accept_invitation("li.wei@globex.com"))["Username"] == "li.wei1@guest.acme.com"


def test_accepting_a_coworker_invitation(s: Session, hub: str) -> None:
    _invite(s, s.actor_id, "grace@acme.co.uk")  # type: ignore[arg-type]
    user = s.retrieve("User", s.accept_invitation("grace@acme.co.uk"))
    assert user["Username"] == "grace@acme.co.uk"
    assert s.retrieve("Profile", user["ProfileId"])["Name"] == "Chatter Free User"


def test_sign_up_can_fail_on_a_validation_rule(s: Session) -> None:
    s.add_validation_rule("User", "No_Guests", "Username", "contains", "@guest.", "Guests need approval")
    with raises("FIELD_CUSTOM_VALIDATION_EXCEPTION"):
        s.accept_invitation("raj@contoso.com")
    assert (
        s.scalar('SELECT "Status" FROM "CollaborationInvitation" WHERE "InvitedUserEmail" = ?', ("raj@contoso.com",))
        == "Sent"
    )


def test_sign_up_can_fail_on_the_licence(s: Session) -> None:
    s.set_license_total("Chatter External", 3)
    with raises("LICENSE_LIMIT_EXCEEDED") as error:
        s.accept_invitation("raj@contoso.com")
    assert error.value.message == "License Limit Exceeded"
