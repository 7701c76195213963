"""PermissionSet, PermissionSetAssignment, Profile, UserRole, Account and Contact rules."""

from __future__ import annotations

from reconciler.sandbox.objects.permissions import has_permission
from reconciler.sandbox.store import Session

from .conftest import named, raises, user_id

INVITE = "Invite_Customers_To_Chatter"
PERMISSION = "PermissionsChatterInviteExternalUsers"


def _assign(s: Session, username: str, permission_set: str) -> str:
    return s.create(
        "PermissionSetAssignment",
        {"AssigneeId": user_id(s, username), "PermissionSetId": named(s, "PermissionSet", permission_set)},
    )


def test_assign_and_unassign(s: Session) -> None:
    assert not has_permission(s, user_id(s, "erin@acme.com"), PERMISSION)
    assignment = _assign(s, "erin@acme.com", INVITE)
    assert s.retrieve("PermissionSetAssignment", assignment)["IsActive"] is True
    assert has_permission(s, user_id(s, "erin@acme.com"), PERMISSION)
    s.delete("PermissionSetAssignment", assignment)
    assert not has_permission(s, user_id(s, "erin@acme.com"), PERMISSION)
    assert has_permission(s, s.meta("admin_user_id"), PERMISSION)  # through the System Administrator profile


def test_duplicate_assignment(s: Session) -> None:
    with raises("DUPLICATE_VALUE"):
        _assign(s, "alice@acme.com", INVITE)


def test_assignments_are_create_delete_only_for_their_keys(s: Session) -> None:
    assignment = _assign(s, "erin@acme.com", INVITE)
    with raises("INVALID_FIELD_FOR_INSERT_UPDATE"):
        s.update(
            "PermissionSetAssignment", assignment, {"PermissionSetId": named(s, "PermissionSet", "Deal_Registration")}
        )


def test_licence_of_the_permission_set_must_match(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        _assign(s, "erin@acme.com", "Deal_Registration")
    assert error.value.fields == ["PermissionSetId"]
    assert _assign(s, "nina.ross@contoso.com.acmepartners", "Deal_Registration")


def test_permission_set_is_required(s: Session) -> None:
    with raises("REQUIRED_FIELD_MISSING"):
        s.create("PermissionSetAssignment", {"AssigneeId": user_id(s, "erin@acme.com")})


def test_profile_owned_permission_sets_are_hands_off(s: Session) -> None:
    owned = s.rows(
        "PermissionSet", '"IsOwnedByProfile" = 1 AND "ProfileId" = ?', (named(s, "Profile", "Standard User"),)
    )[0]
    with raises("INVALID_CROSS_REFERENCE_KEY"):
        s.create(
            "PermissionSetAssignment", {"AssigneeId": user_id(s, "frank@acme.com"), "PermissionSetId": owned["Id"]}
        )
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        s.update("PermissionSet", owned["Id"], {"Label": "Mine now"})
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        s.delete("PermissionSet", owned["Id"])
    profile_assignment = s.rows(
        "PermissionSetAssignment",
        '"PermissionSetId" = ? AND "AssigneeId" = ?',
        (owned["Id"], user_id(s, "erin@acme.com")),
    )[0]
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        s.delete("PermissionSetAssignment", profile_assignment["Id"])


def test_permission_sets(s: Session) -> None:
    created = s.create("PermissionSet", {"Name": "Group_Helpers", "Label": "Group helpers"})
    row = s.retrieve("PermissionSet", created)
    assert (row["IsCustom"], row["IsOwnedByProfile"], row["Type"]) == (True, False, "Regular")
    with raises("DUPLICATE_DEVELOPER_NAME"):
        s.create("PermissionSet", {"Name": "group_helpers", "Label": "Again"})
    with raises("DELETE_FAILED"):
        s.delete("PermissionSet", named(s, "PermissionSet", INVITE))
    s.delete("PermissionSet", created)


def test_profile_permissions_reach_the_owned_set(s: Session) -> None:
    profile = named(s, "Profile", "Standard User")
    s.update("Profile", profile, {PERMISSION: True})
    assert has_permission(s, user_id(s, "erin@acme.com"), PERMISSION)
    owned = s.rows("PermissionSet", '"ProfileId" = ?', (profile,))[0]
    assert owned[PERMISSION] is True
    with raises("INSUFFICIENT_ACCESS_OR_READONLY"):
        s.delete("Profile", profile)


def test_internal_roles(s: Session) -> None:
    role = s.create("UserRole", {"Name": "Sales Manager", "ParentRoleId": named(s, "UserRole", "CEO")})
    row = s.retrieve("UserRole", role)
    assert (row["PortalType"], row["DeveloperName"]) == ("None", "SalesManager")
    s.update("User", user_id(s, "erin@acme.com"), {"UserRoleId": role})
    with raises("DELETE_FAILED"):
        s.delete("UserRole", role)
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.create("UserRole", {"Name": "Fake portal", "PortalType": "Partner"})


def test_portal_roles_are_system_maintained(s: Session) -> None:
    portal_role = s.retrieve("User", user_id(s, "sam.patel@contoso.com.acmepartners"))["UserRoleId"]
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.update("UserRole", portal_role, {"Name": "Renamed"})
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.delete("UserRole", portal_role)


def test_turning_off_partner_access_disables_partner_users(s: Session) -> None:
    contoso = named(s, "Account", "Contoso Ltd")
    assert s.retrieve("Account", contoso)["IsPartner"] is True
    s.update("Account", contoso, {"IsPartner": False})
    partners = s.rows("User", '"UserType" = ?', ("PowerPartner",))
    assert partners and all(not u["IsActive"] and not u["IsPortalEnabled"] and u["AccountId"] is None for u in partners)
    assert s.rows("UserRole", '"PortalAccountId" = ?', (contoso,)) == []
    assert s.scalar('SELECT "UsedLicenses" FROM "UserLicense" WHERE "Name" = ?', ("Partner Community",)) == 0


def test_accounts_and_contacts_with_external_users_stay(s: Session) -> None:
    with raises("DELETE_FAILED"):
        s.delete("Account", named(s, "Account", "Globex Corporation"))
    with raises("DELETE_FAILED"):
        s.delete("Contact", named(s, "Contact", "Omar Haddad"))
    initech = named(s, "Account", "Initech")
    s.delete("Account", initech)
    assert s.rows("Contact", '"AccountId" = ? AND "IsDeleted" = 0', (initech,)) == []


def test_contact_name_is_computed(s: Session) -> None:
    contact = s.create("Contact", {"FirstName": "Ada", "LastName": "Lovelace"})
    assert s.retrieve("Contact", contact)["Name"] == "Ada Lovelace"
    s.update("Contact", contact, {"FirstName": "Augusta"})
    assert s.retrieve("Contact", contact)["Name"] == "Augusta Lovelace"
