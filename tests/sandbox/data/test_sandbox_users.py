"""User rules: uniqueness, licences, external (Experience Cloud) users, roles, deactivation."""

from __future__ import annotations

import pytest

from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.licences import recount_usage
from reconciler.sandbox.objects.users import DUPLICATE_USERNAME_MESSAGE
from reconciler.sandbox.store import Session

from .conftest import named, new_user_values, raises, user_id


def _licence(s: Session, name: str) -> tuple[int, int]:
    row = s.rows("UserLicense", '"Name" = ?', (name,))[0]
    return row["UsedLicenses"], row["TotalLicenses"]


def _contact(s: Session, last: str, account: str | None = "Contoso Ltd") -> str:
    values = {"LastName": last, "Email": f"{last.lower()}@contoso.com"}
    if account:
        values["AccountId"] = named(s, "Account", account)
    return s.create("Contact", values)


def _portal_user(s: Session, last: str, profile: str, account: str = "Contoso Ltd", **extra: object) -> str:
    contact = _contact(s, last, account)
    return s.create("User", new_user_values(s, f"{last.lower()}@portal.acme.com", profile, ContactId=contact, **extra))


def test_required_fields_are_the_documented_ones(s: Session) -> None:
    with raises("REQUIRED_FIELD_MISSING") as error:
        s.create("User", {})
    assert error.value.fields == [
        "Username",
        "LastName",
        "Email",
        "Alias",
        "TimeZoneSidKey",
        "LocaleSidKey",
        "EmailEncodingKey",
        "ProfileId",
        "LanguageLocaleKey",
    ]  # CommunityNickname is generated when absent


def test_created_user(s: Session) -> None:
    new = s.create("User", new_user_values(s, "zoe@acme.com", FirstName="Zoe"))
    user = s.retrieve("User", new)
    assert user["IsActive"] is True and user["UserType"] == "Standard" and user["Name"] == "Zoe Zoe"
    assert user["CommunityNickname"] == "zoe" and user["IsPortalEnabled"] is False
    assert user["DefaultGroupNotificationFrequency"] == "N" and user["DigestFrequency"] == "N"


def test_nickname_generated_unique_and_checked(s: Session) -> None:
    first = s.create("User", new_user_values(s, "alice@elsewhere.example"))  # "alice" is taken by alice@acme.com
    assert s.retrieve("User", first)["CommunityNickname"] == "alice1"
    with raises("DUPLICATE_COMM_NICKNAME") as error:
        s.create("User", new_user_values(s, "zoe@acme.com", CommunityNickname="ALICE"))
    assert error.value.fields == ["CommunityNickname"]


def test_duplicate_username(s: Session) -> None:
    with raises("DUPLICATE_USERNAME") as error:
        s.create("User", new_user_values(s, "Bob@Acme.com"))
    assert error.value.message == DUPLICATE_USERNAME_MESSAGE and error.value.fields == ["Username"]
    carol = user_id(s, "carol@acme.com")
    with raises("DUPLICATE_USERNAME"):
        s.update("User", carol, {"Username": "bob@acme.com"})


def test_username_must_look_like_an_email(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        s.create("User", new_user_values(s, "zoe@acme.com", Username="zoe"))
    assert error.value.message.startswith("Username must be in the form of an email address")


def test_user_type_follows_the_licence(s: Session) -> None:
    free = s.create("User", new_user_values(s, "free@acme.com", "Chatter Free User"))
    external = s.create("User", new_user_values(s, "guest@guest.acme.com", "Chatter External User"))
    assert s.retrieve("User", free)["UserType"] == s.retrieve("User", external)["UserType"] == "CsnOnly"


def test_licence_accounting(s: Session) -> None:
    assert _licence(s, "Salesforce") == (6, 10)
    new = s.create("User", new_user_values(s, "zoe@acme.com"))
    assert _licence(s, "Salesforce") == (7, 10)
    s.update("User", new, {"IsActive": False})
    assert _licence(s, "Salesforce") == (6, 10)
    s.create("User", new_user_values(s, "off@acme.com", IsActive=False))
    assert _licence(s, "Salesforce") == (6, 10)
    s.update("User", new, {"IsActive": True, "ProfileId": named(s, "Profile", "Chatter Free User")})
    assert _licence(s, "Salesforce") == (6, 10) and _licence(s, "Chatter Free") == (3, 5000)
    counted = {r["Name"]: r["UsedLicenses"] for r in s.rows("UserLicense")}
    recount_usage(s)
    assert counted == {r["Name"]: r["UsedLicenses"] for r in s.rows("UserLicense")}


def test_licence_limit_on_create_and_activation(s: Session) -> None:
    for n in range(4):
        s.create("User", new_user_values(s, f"seat{n}@acme.com"))
    assert _licence(s, "Salesforce") == (10, 10)
    with raises("LICENSE_LIMIT_EXCEEDED") as error:
        s.create("User", new_user_values(s, "one.too.many@acme.com"))
    assert error.value.message == "License Limit Exceeded" and error.value.fields == []
    parked = s.create("User", new_user_values(s, "parked@acme.com", IsActive=False))
    with raises("LICENSE_LIMIT_EXCEEDED"):
        s.update("User", parked, {"IsActive": True})


def test_community_licence_limit_names_the_licence(s: Session) -> None:
    assert _licence(s, "Partner Community") == (3, 5)
    _portal_user(s, "Four", "Partner Community User")
    _portal_user(s, "Five", "Partner Community User")
    with raises("LICENSE_LIMIT_EXCEEDED") as error:
        _portal_user(s, "Six", "Partner Community User")
    assert error.value.message == "License Limit Exceeded - Partner Community"
    s.set_license_total("Partner Community", 6)
    assert _portal_user(s, "Six2", "Partner Community User")


def test_users_cannot_be_deleted(s: Session) -> None:
    with pytest.raises(ApiError) as error:
        s.delete("User", user_id(s, "erin@acme.com"))
    assert error.value.status == 405


def test_self_deactivation_is_refused(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        s.update("User", s.actor_id, {"IsActive": False})  # type: ignore[arg-type]
    assert (error.value.message, error.value.fields) == ("Cannot de-activate self", ["IsActive"])


def test_external_user_from_contact(s: Session) -> None:
    new = _portal_user(s, "Quinn", "Partner Community User")
    user = s.retrieve("User", new)
    contact = s.retrieve("Contact", user["ContactId"])
    assert user["AccountId"] == contact["AccountId"] == named(s, "Account", "Contoso Ltd")
    assert user["IsPortalEnabled"] is True and user["UserType"] == "PowerPartner"
    assert user["PortalRole"] == "Worker"
    role = s.retrieve("UserRole", user["UserRoleId"])
    assert (role["PortalType"], role["PortalRole"], role["PortalAccountId"]) == ("Partner", "Worker", user["AccountId"])
    assert role["Name"] == "Contoso Ltd Partner User"
    roles = s.rows("UserRole", '"PortalAccountId" = ?', (user["AccountId"],))
    assert sorted(r["PortalRole"] for r in roles) == ["Executive", "Manager", "Worker"]  # made once per account


def test_portal_role_choice(s: Session) -> None:
    new = _portal_user(s, "Exec", "Customer Community Plus User", "Initech", PortalRole="Executive")
    user = s.retrieve("User", new)
    assert user["UserType"] == "PowerCustomerSuccess" and user["PortalRole"] == "Executive"
    assert s.retrieve("UserRole", user["UserRoleId"])["Name"] == "Initech Customer Executive"
    assert s.retrieve("Account", user["AccountId"])["IsCustomerPortal"] is True


def test_customer_community_users_have_no_role(s: Session) -> None:
    new = _portal_user(s, "Cc", "Customer Community User", "Globex Corporation", PortalRole="Manager")
    user = s.retrieve("User", new)
    assert user["UserType"] == "CspLitePortal" and user["UserRoleId"] is None and user["PortalRole"] is None


def test_one_user_per_contact(s: Session) -> None:
    contact = named(s, "Contact", "Omar Haddad")
    with raises("PORTAL_USER_ALREADY_EXISTS_FOR_CONTACT"):
        s.create("User", new_user_values(s, "omar2@portal.acme.com", "Customer Community User", ContactId=contact))


def test_contact_and_profile_must_fit(s: Session) -> None:
    loose = _contact(s, "Loose", account=None)
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.create("User", new_user_values(s, "loose@portal.acme.com", "Partner Community User", ContactId=loose))
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.create("User", new_user_values(s, "nocontact@portal.acme.com", "Partner Community User"))
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.create("User", new_user_values(s, "internal@acme.com", ContactId=_contact(s, "Inside")))


def test_role_type_must_match_user_type(s: Session) -> None:
    ceo = named(s, "UserRole", "CEO")
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        _portal_user(s, "Boss", "Partner Community User", UserRoleId=ceo)
    assert error.value.message == "role type must match user type"
    portal_role = s.retrieve("User", user_id(s, "sam.patel@contoso.com.acmepartners"))["UserRoleId"]
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.update("User", user_id(s, "erin@acme.com"), {"UserRoleId": portal_role})
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        _portal_user(s, "Globexer", "Customer Community Plus User", "Globex Corporation", UserRoleId=portal_role)


def test_change_portal_role_through_user_role(s: Session) -> None:
    sam = user_id(s, "sam.patel@contoso.com.acmepartners")
    manager = s.scalar(
        'SELECT "Id" FROM "UserRole" WHERE "PortalAccountId" = ? AND "PortalRole" = ?',
        (named(s, "Account", "Contoso Ltd"), "Manager"),
    )
    s.update("User", sam, {"UserRoleId": manager})
    assert s.retrieve("User", sam)["PortalRole"] == "Manager"


def test_portal_account_owner_needs_a_role(s: Session) -> None:
    account = s.create("Account", {"Name": "Roleless", "OwnerId": user_id(s, "erin@acme.com")})
    contact = s.create("Contact", {"LastName": "Roleless", "AccountId": account})
    with raises("UNKNOWN_EXCEPTION") as error:
        s.create("User", new_user_values(s, "r@portal.acme.com", "Customer Community User", ContactId=contact))
    assert error.value.message == "portal account owner must have a role"


def test_disabling_external_access(s: Session) -> None:
    nina = user_id(s, "nina.ross@contoso.com.acmepartners")
    used = _licence(s, "Partner Community")[0]
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        s.update("User", nina, {"IsPortalEnabled": False, "IsActive": False})
    assert error.value.fields == ["IsActive"]
    s.update("User", nina, {"IsPortalEnabled": False})
    user = s.retrieve("User", nina)
    assert (user["IsActive"], user["ContactId"], user["AccountId"], user["UserRoleId"]) == (False, None, None, None)
    assert _licence(s, "Partner Community")[0] == used - 1
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.update("User", nina, {"IsActive": True})
    contact = named(s, "Contact", "Nina Ross")
    assert s.create("User", new_user_values(s, "nina2@portal.acme.com", "Partner Community User", ContactId=contact))


def test_contact_of_a_user_cannot_move(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.update("User", user_id(s, "sam.patel@contoso.com.acmepartners"), {"ContactId": _contact(s, "Other")})


def test_licence_upgrade_gives_a_role(s: Session) -> None:
    omar = user_id(s, "omar.haddad@globex.com.acmecustomers")
    s.update("User", omar, {"ProfileId": named(s, "Profile", "Customer Community Plus User")})
    user = s.retrieve("User", omar)
    assert user["UserType"] == "PowerCustomerSuccess" and user["PortalRole"] == "Worker" and user["UserRoleId"]
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.update("User", omar, {"ProfileId": named(s, "Profile", "Standard User")})


def test_profile_permission_set_assignment_follows_the_profile(s: Session) -> None:
    new = s.create("User", new_user_values(s, "zoe@acme.com"))
    owned = s.rows(
        "PermissionSetAssignment",
        '"AssigneeId" = ? AND "PermissionSetId" IN (SELECT "Id" FROM "PermissionSet" WHERE "IsOwnedByProfile" = 1)',
        (new,),
    )
    assert len(owned) == 1
    s.update("User", new, {"ProfileId": named(s, "Profile", "Chatter Free User")})
    profile_set = s.scalar(
        'SELECT "PermissionSetId" FROM "PermissionSetAssignment" a JOIN "PermissionSet" p '
        'ON p."Id" = a."PermissionSetId" WHERE a."AssigneeId" = ? AND p."IsOwnedByProfile" = 1',
        (new,),
    )
    assert s.retrieve("PermissionSet", profile_set)["ProfileId"] == named(s, "Profile", "Chatter Free User")


def test_validation_rule_on_users(s: Session) -> None:
    s.add_validation_rule("User", "Company_Email", "Email", "ends_with", "@gmail.com", "Use your company email")
    with raises("FIELD_CUSTOM_VALIDATION_EXCEPTION") as error:
        s.create("User", new_user_values(s, "someone@gmail.com"))
    assert error.value.message == "Use your company email"
