"""User: unique username and nickname, licences, internal vs external (Experience Cloud) users, roles, no delete."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.access import check_user_write
from reconciler.sandbox.objects.base import (
    PARTNER_COMMUNITY,
    PORTAL_USER_TYPES,
    ROLE_BASED_LICENSES,
    Row,
    Rules,
    field_integrity,
)
from reconciler.sandbox.objects.licences import adjust_usage, licence_of, profile_of, require_capacity
from reconciler.sandbox.objects.permissions import assign_profile_set, move_profile_set
from reconciler.sandbox.objects.roles import ensure_portal_roles, is_portal_role, role_mismatch

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

USERNAME = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
DUPLICATE_USERNAME_MESSAGE = (
    "Duplicate Username.<br>The username already exists in this or another Salesforce organization. Usernames must "
    "be unique across all Salesforce organizations. To resolve, use a different username (it doesn't need to match "
    "the user's email address)."
)
_NICKNAME_MESSAGE = "Duplicate Nickname.<br>Another user has already selected this nickname.<br>Please select another."
_NICKNAME_LENGTH = 40
_NICKNAME = assumed("nickname-generation")
_NICKNAME_TEXT = assumed("comm-nickname-message")
_USERNAME_FORMAT = assumed("username-format")
_CONTACT_CHANGE = assumed("contactid-change")
_PORTAL_DISABLE = assumed("portal-disable-with-isactive")
_OWNER_ROLE = assumed("portal-owner-role")
_PROFILE_CONTACT = assumed("portal-profile-contact")
_NO_ROLES = assumed("customer-community-role")
_ACCOUNT_FLAGS = assumed("account-portal-flags")


def full_name(first: str | None, last: str | None) -> str:
    return " ".join(part for part in (first, last) if part)


def _taken(session: Session, column: str, value: str, own_id: str | None) -> bool:
    return bool(
        session.scalar(
            f'SELECT count(*) FROM "User" WHERE lower("{column}") = lower(?) AND "Id" IS NOT ?', (value, own_id)
        )
    )


def unique_nickname(session: Session, base: str) -> str:
    """`base` (cut to 40 characters), or base1, base2, ... when taken."""
    candidate, n = base[:_NICKNAME_LENGTH], 0
    while _taken(session, "CommunityNickname", candidate, None):
        n += 1
        candidate = base[: _NICKNAME_LENGTH - len(str(n))] + str(n)
    return candidate


def _check_username(session: Session, username: str, own_id: str | None) -> None:
    if not USERNAME.match(username):
        raise field_integrity(
            "Username must be in the form of an email address (for example, john@acme.com)", ["Username"]
        )
    if _taken(session, "Username", username, own_id):
        raise ApiError(400, "DUPLICATE_USERNAME", DUPLICATE_USERNAME_MESSAGE, ["Username"])


def _check_nickname(session: Session, nickname: str, own_id: str | None) -> None:
    if _taken(session, "CommunityNickname", nickname, own_id):
        raise ApiError(400, "DUPLICATE_COMM_NICKNAME", _NICKNAME_MESSAGE, ["CommunityNickname"])


def _portal_type(licence_name: str) -> str:
    return "Partner" if licence_name == PARTNER_COMMUNITY else "CustomerPortal"


def _settle_role(session: Session, user: Row, licence_name: str, account: Row | None) -> None:
    """Make UserRoleId and PortalRole fit the user's kind: an internal role for internal users, one of the
    account's portal roles for role-based external licences (default Worker), none for Customer Community."""
    role = session.fetch("UserRole", user["UserRoleId"]) if user.get("UserRoleId") else None
    if account is None:
        if role is not None and is_portal_role(role):
            raise role_mismatch()
        user["PortalRole"] = None
        return
    if licence_name not in ROLE_BASED_LICENSES:
        if role is not None:
            raise role_mismatch()
        user["PortalRole"] = None
        return
    roles = ensure_portal_roles(session, account, _portal_type(licence_name))
    if role is not None:
        if role["Id"] not in roles.values():
            raise role_mismatch()
        user["PortalRole"] = role["PortalRole"]
        return
    portal_role = user.get("PortalRole") or "Worker"
    if portal_role not in roles:
        raise role_mismatch()
    user["PortalRole"], user["UserRoleId"] = portal_role, roles[portal_role]


def _portal_account(session: Session, user: Row, profile: Row) -> Row | None:
    """The account of an external user (checked: portal profile <=> contact with an account); None if internal."""
    portal = profile["UserType"] in PORTAL_USER_TYPES
    if not user.get("ContactId"):
        if portal:
            raise field_integrity(f"A user with the profile {profile['Name']} needs a ContactId", ["ContactId"])
        return None
    if not portal:
        raise field_integrity(
            f"Cannot create an external user with the non-portal profile {profile['Name']}", ["ProfileId"]
        )
    contact = session.fetch("Contact", user["ContactId"])
    account = session.fetch("Account", contact["AccountId"]) if contact and contact["AccountId"] else None
    if account is None:
        raise field_integrity("The contact of an external user must belong to an account", ["ContactId"])
    return account


def disable_portal_user(session: Session, user: Row) -> None:
    """What IsPortalEnabled=false does: inactive, no contact, no account, no role (the licence is freed)."""
    session.system_update(
        "User",
        user["Id"],
        {
            "IsPortalEnabled": False,
            "IsActive": False,
            "ContactId": None,
            "AccountId": None,
            "UserRoleId": None,
            "PortalRole": None,
        },
    )
    if user["IsActive"]:
        adjust_usage(session, licence_of(session, profile_of(session, user["ProfileId"]))["Id"], -1)


class UserRules(Rules):
    def prepare_insert(self, session: Session, values: Row) -> None:
        if values.get("CommunityNickname") is None:
            base = (values.get("Username") or values.get("Alias") or "user").split("@")[0]
            values["CommunityNickname"] = unique_nickname(session, base)

    def before_insert(self, session: Session, values: Row) -> None:
        check_user_write(session, external=bool(values.get("ContactId")))
        _check_username(session, values["Username"], None)
        _check_nickname(session, values["CommunityNickname"], None)
        profile = profile_of(session, values["ProfileId"])
        licence = licence_of(session, profile)
        values["UserType"] = profile["UserType"]
        values["Name"] = full_name(values.get("FirstName"), values["LastName"])
        account = _portal_account(session, values, profile)
        if account is not None:
            if session.scalar('SELECT count(*) FROM "User" WHERE "ContactId" = ?', (values["ContactId"],)):
                raise ApiError(400, "PORTAL_USER_ALREADY_EXISTS_FOR_CONTACT", "portal user already exists for contact")
            owner_role = session.scalar('SELECT "UserRoleId" FROM "User" WHERE "Id" = ?', (account["OwnerId"],))
            if owner_role is None:
                raise ApiError(400, "UNKNOWN_EXCEPTION", "portal account owner must have a role")
            values["AccountId"], values["IsPortalEnabled"] = account["Id"], True
        else:
            values["IsPortalEnabled"] = False
        _settle_role(session, values, licence["Name"], account)
        if values["IsActive"]:
            require_capacity(licence)

    def after_insert(self, session: Session, row: Row) -> None:
        licence = licence_of(session, profile_of(session, row["ProfileId"]))
        if row["IsActive"]:
            adjust_usage(session, licence["Id"], 1)
        assign_profile_set(session, row["Id"], row["ProfileId"])
        if row["AccountId"]:
            flag = "IsPartner" if licence["Name"] == PARTNER_COMMUNITY else "IsCustomerPortal"
            session.conn.execute(f'UPDATE "Account" SET "{flag}" = 1 WHERE "Id" = ?', (row["AccountId"],))

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        if old["Id"] != session.actor():  # users edit their own details themselves
            check_user_write(session, external=bool(old["IsPortalEnabled"] or old["ContactId"]))
        if changes.get("IsPortalEnabled") is False and old["IsPortalEnabled"]:
            if "IsActive" in changes:
                raise field_integrity(
                    "IsActive can't be changed in the update that disables external access", ["IsActive"]
                )
            changes.update(IsActive=False, ContactId=None, AccountId=None, UserRoleId=None, PortalRole=None)
            return
        if changes.get("IsPortalEnabled") and not old["IsPortalEnabled"]:
            raise field_integrity(
                "External access can only be given by creating a user for a contact", ["IsPortalEnabled"]
            )
        if "ContactId" in changes and changes["ContactId"] != old["ContactId"]:
            raise field_integrity("ContactId of an existing user can't be changed", ["ContactId"])
        new = {**old, **changes}
        if changes.get("IsActive") is False and old["IsActive"] and old["Id"] == session.actor_id:
            raise field_integrity("Cannot de-activate self", ["IsActive"])
        if "Username" in changes:
            _check_username(session, new["Username"], old["Id"])
        if "CommunityNickname" in changes:
            _check_nickname(session, new["CommunityNickname"], old["Id"])
        if "FirstName" in changes or "LastName" in changes:
            changes["Name"] = full_name(new["FirstName"], new["LastName"])
        old_licence = licence_of(session, profile_of(session, old["ProfileId"]))
        profile = profile_of(session, new["ProfileId"])
        licence = licence_of(session, profile)
        if new["ProfileId"] != old["ProfileId"] or "UserRoleId" in changes:
            self._change_kind(session, old, new, profile, licence)
            changes.update({k: new[k] for k in ("UserType", "UserRoleId", "PortalRole")})
        if new["IsActive"] and not new["IsPortalEnabled"] and old["UserType"] in PORTAL_USER_TYPES:
            raise field_integrity("A user whose external access was disabled can't be activated", ["IsActive"])
        if new["IsActive"] and (not old["IsActive"] or licence["Id"] != old_licence["Id"]):
            require_capacity(licence)

    @staticmethod
    def _change_kind(session: Session, old: Row, new: Row, profile: Row, licence: Row) -> None:
        was_portal = old["UserType"] in PORTAL_USER_TYPES
        if (profile["UserType"] in PORTAL_USER_TYPES) != was_portal:
            raise field_integrity(
                f"An {'external' if was_portal else 'internal'} user can't move to the profile {profile['Name']}",
                ["ProfileId"],
            )
        new["UserType"] = profile["UserType"]
        if was_portal and new["UserRoleId"] == old["UserRoleId"] and new["ProfileId"] != old["ProfileId"]:
            new["UserRoleId"] = None  # a new licence gets the role that fits it
        account = session.fetch("Account", old["AccountId"]) if old["AccountId"] else None
        _settle_role(session, new, licence["Name"], account)

    def after_update(self, session: Session, old: Row, new: Row) -> None:
        old_licence = licence_of(session, profile_of(session, old["ProfileId"]))["Id"]
        new_licence = licence_of(session, profile_of(session, new["ProfileId"]))["Id"]
        if old["IsActive"]:
            adjust_usage(session, old_licence, -1)
        if new["IsActive"]:
            adjust_usage(session, new_licence, 1)
        if old["ProfileId"] != new["ProfileId"]:
            move_profile_set(session, new["Id"], old["ProfileId"], new["ProfileId"])
