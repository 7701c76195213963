"""PermissionSet and PermissionSetAssignment: profile-owned sets, licence-bound sets, create/delete assignments;
PermissionSetLicenseAssign: who holds a permission set licence, counted in its UsedLicenses (real-orgs.md §15)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import Row, Rules, duplicate_value, field_integrity, insufficient_access
from reconciler.sandbox.objects.licences import licence_of, profile_of

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

_DUPLICATE_NAME = assumed("ps-duplicate-name")
_PROTECTED = assumed("setup-object-protection")
_LICENSE_MISMATCH = assumed("psa-license-mismatch")
_PROFILE_OWNED = assumed("psa-profile-owned")
_PSL_AUTO_ASSIGN = assumed("psl-auto-assign")
_PSL_RULES = assumed("psla-rules")

USER_LICENSE_PREFIX = "100"  # PermissionSet.LicenseId is a UserLicense (100) or a PermissionSetLicense (0PL)
_EXPIRY_REFUSED = assumed("psa-expiration-refused")
_EXPIRY_PAST = assumed("psa-expiration-past")
_EXPIRY_REMOVAL = assumed("psa-expiry-removal")

# A set holding one of these can't have an expiration date (Salesforce Help, real-orgs.md §15)
NON_EXPIRING = ("PermissionsAssignPermissionSets", "PermissionsManageProfilesPermissionsets", "PermissionsManageUsers")
EXPIRATION_SETTING = "psa_expiration"  # meta key: "off" when User Management Settings has expiration dates off


def has_permission(session: Session, user_id: str, permission: str) -> bool:
    """Whether the user holds `permission` (a Permissions* field) through its profile or any assigned set."""
    via_profile = session.scalar(
        f'SELECT p."{permission}" FROM "User" u JOIN "Profile" p ON p."Id" = u."ProfileId" WHERE u."Id" = ?',
        (user_id,),
    )
    if via_profile:
        return True
    return bool(
        session.scalar(
            f'SELECT count(*) FROM "PermissionSetAssignment" a JOIN "PermissionSet" s ON s."Id" = a."PermissionSetId" '
            f'WHERE a."AssigneeId" = ? AND s."{permission}" = 1',
            (user_id,),
        )
    )


def profile_set(session: Session, profile_id: str) -> str | None:
    return session.scalar('SELECT "Id" FROM "PermissionSet" WHERE "ProfileId" = ?', (profile_id,))


def assign_profile_set(session: Session, user_id: str, profile_id: str) -> None:
    """Every user has an assignment of its profile's own permission set, as in a real org."""
    owned = profile_set(session, profile_id)
    if owned is not None:
        session.system_insert(
            "PermissionSetAssignment", {"AssigneeId": user_id, "PermissionSetId": owned, "IsActive": True}
        )


def move_profile_set(session: Session, user_id: str, old_profile_id: str, new_profile_id: str) -> None:
    session.conn.execute(
        'DELETE FROM "PermissionSetAssignment" WHERE "AssigneeId" = ? AND "PermissionSetId" = ?',
        (user_id, profile_set(session, old_profile_id)),
    )
    assign_profile_set(session, user_id, new_profile_id)


def _check_unique_name(session: Session, name: str, own_id: str | None) -> None:
    clash = session.scalar(
        'SELECT "Id" FROM "PermissionSet" WHERE lower("Name") = lower(?) AND "Id" IS NOT ?', (name, own_id)
    )
    if clash:
        raise ApiError(400, "DUPLICATE_DEVELOPER_NAME", f"The permission set name {name} is already in use", ["Name"])


class PermissionSetRules(Rules):
    def before_insert(self, session: Session, values: Row) -> None:
        _check_set_write(session)
        _check_unique_name(session, values["Name"], None)
        values["IsCustom"] = True
        values["IsOwnedByProfile"] = False
        values["Type"] = values.get("Type") or "Regular"

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        _check_set_write(session)
        if old["IsOwnedByProfile"]:
            raise insufficient_access("Permission sets owned by a profile can't be edited; edit the profile")
        if "Name" in changes:
            _check_unique_name(session, changes["Name"], old["Id"])

    def before_delete(self, session: Session, row: Row) -> None:
        _check_set_write(session)
        if row["IsOwnedByProfile"]:
            raise insufficient_access("Permission sets owned by a profile can't be deleted")
        if session.scalar('SELECT count(*) FROM "PermissionSetAssignment" WHERE "PermissionSetId" = ?', (row["Id"],)):
            raise ApiError(400, "DELETE_FAILED", "This permission set is assigned to users and can't be deleted")


def _check_assignment(session: Session) -> None:
    from reconciler.sandbox.objects.access import check_assignment  # access builds on has_permission above

    check_assignment(session)


def _check_set_write(session: Session) -> None:
    from reconciler.sandbox.objects.access import check_permission_set_write

    check_permission_set_write(session)


class PermissionSetAssignmentRules(Rules):
    def before_insert(self, session: Session, values: Row) -> None:
        _check_assignment(session)
        if values.get("PermissionSetId") is None:
            raise ApiError(
                400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [PermissionSetId]", ["PermissionSetId"]
            )
        permission_set = session.fetch("PermissionSet", values["PermissionSetId"])
        if permission_set is None or permission_set["IsOwnedByProfile"]:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["PermissionSetId"])
        clash = session.scalar(
            'SELECT "Id" FROM "PermissionSetAssignment" WHERE "AssigneeId" = ? AND "PermissionSetId" = ?',
            (values["AssigneeId"], values["PermissionSetId"]),
        )
        if clash:
            raise duplicate_value(None, None)
        _check_expiration(session, permission_set, values.get("ExpirationDate"))
        licence_id = permission_set["LicenseId"]
        if licence_id and licence_id.startswith(USER_LICENSE_PREFIX):
            user = session.fetch("User", values["AssigneeId"])
            licence = licence_of(session, profile_of(session, user["ProfileId"]))  # type: ignore[index]
            if licence["Id"] != licence_id:
                raise field_integrity(
                    f"The user license doesn't match the user license of the permission set {permission_set['Name']}",
                    ["PermissionSetId"],
                )
        elif licence_id and not holds_licence(session, values["AssigneeId"], licence_id):
            # "any user assigned to the permission set is auto-assigned the permission set license"
            # (real-orgs.md §15)
            psl = session.fetch("PermissionSetLicense", licence_id)
            if psl is not None:
                require_seat(psl, ["PermissionSetId"])
                grant = {"AssigneeId": values["AssigneeId"], "PermissionSetLicenseId": licence_id}
                session.system_insert("PermissionSetLicenseAssign", grant)
                _count_seat(session, licence_id, 1)
        values["IsActive"] = True

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        _check_assignment(session)
        if "ExpirationDate" in changes:
            permission_set = session.fetch("PermissionSet", old["PermissionSetId"])
            _check_expiration(session, permission_set or {}, changes["ExpirationDate"])

    def before_delete(self, session: Session, row: Row) -> None:
        _check_assignment(session)
        owned = session.scalar(
            'SELECT "IsOwnedByProfile" FROM "PermissionSet" WHERE "Id" = ?', (row["PermissionSetId"],)
        )
        if owned:
            raise insufficient_access("The assignment of a profile's permission set can't be deleted")


def holds_licence(session: Session, user_id: str, licence_id: str) -> bool:
    """Whether the user holds the permission set licence (a live PermissionSetLicenseAssign row)."""
    return bool(
        session.scalar(
            'SELECT count(*) FROM "PermissionSetLicenseAssign" '
            'WHERE "AssigneeId" = ? AND "PermissionSetLicenseId" = ? AND "IsDeleted" = 0',
            (user_id, licence_id),
        )
    )


def require_seat(psl: Row, fields: list[str]) -> None:
    """An active permission set licence with a seat left, else refused (the errors are `assumed("psla-rules")`)."""
    if psl["Status"] != "Active":
        raise field_integrity(f"The permission set license {psl['MasterLabel']} isn't active", fields)
    if (psl["UsedLicenses"] or 0) + 1 > (psl["TotalLicenses"] or 0):
        raise ApiError(400, "LICENSE_LIMIT_EXCEEDED", f"License Limit Exceeded - {psl['MasterLabel']}", fields)


def _count_seat(session: Session, licence_id: str, delta: int) -> None:
    session.conn.execute(
        'UPDATE "PermissionSetLicense" SET "UsedLicenses" = coalesce("UsedLicenses", 0) + ? WHERE "Id" = ?',
        (delta, licence_id),
    )


def _check_licence_write(session: Session) -> None:
    """Assigning a permission set licence needs Manage Users (Salesforce Help, real-orgs.md §15)."""
    from reconciler.sandbox.objects.access import MANAGE_USERS, holds

    if not holds(session, MANAGE_USERS):
        raise insufficient_access("Assigning permission set licenses requires the Manage Users permission")


class PermissionSetLicenseAssignRules(Rules):
    """Insert and delete only (no update, ObjRef); one row per user and licence; each row takes a seat."""

    def before_insert(self, session: Session, values: Row) -> None:
        _check_licence_write(session)
        psl = session.fetch("PermissionSetLicense", values["PermissionSetLicenseId"])
        if psl is None:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["PermissionSetLicenseId"])
        clash = session.scalar(
            'SELECT "Id" FROM "PermissionSetLicenseAssign" '
            'WHERE "AssigneeId" = ? AND "PermissionSetLicenseId" = ? AND "IsDeleted" = 0',
            (values["AssigneeId"], values["PermissionSetLicenseId"]),
        )
        if clash:
            raise duplicate_value(None, None)
        require_seat(psl, ["PermissionSetLicenseId"])

    def after_insert(self, session: Session, row: Row) -> None:
        _count_seat(session, row["PermissionSetLicenseId"], 1)

    def before_delete(self, session: Session, row: Row) -> None:
        _check_licence_write(session)

    def after_delete(self, session: Session, row: Row) -> None:
        _count_seat(session, row["PermissionSetLicenseId"], -1)
def _check_expiration(session: Session, permission_set: Row, expiration: str | None) -> None:
    """An ExpirationDate needs the org setting on, a set without NON_EXPIRING permissions, and a future moment."""
    if expiration is None:
        return
    if session.meta(EXPIRATION_SETTING) == "off":
        raise field_integrity(
            "Permission Set & Permission Set Group Assignments with Expiration Dates is not enabled in this org",
            ["ExpirationDate"],
        )
    if any(permission_set.get(name) for name in NON_EXPIRING):
        raise field_integrity(
            f"The permission set {permission_set.get('Name')} contains a permission that can't have an expiration "
            "date (Assign Permission Sets, Manage Profiles and Permission Sets, Manage Users)",
            ["ExpirationDate"],
        )
    if expiration <= session.now:  # both are stored datetimes: '2027-04-01T00:00:00.000+0000'
        raise field_integrity("The expiration date must be in the future", ["ExpirationDate"])


def end_expired_assignments(conn: sqlite3.Connection, now: str) -> None:
    """The org ends an assignment when its ExpirationDate passes: the sandbox deletes it, on the first request at or
    after that moment, in a transaction of its own before the request's (the `psa-expiry-removal` assumption)."""
    try:
        expired = conn.execute(
            'SELECT 1 FROM "PermissionSetAssignment" WHERE "ExpirationDate" IS NOT NULL AND "ExpirationDate" <= ? '
            "LIMIT 1",
            (now,),
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # a database being created
            return
        raise
    if expired:
        conn.execute(
            'DELETE FROM "PermissionSetAssignment" WHERE "ExpirationDate" IS NOT NULL AND "ExpirationDate" <= ?',
            (now,),
        )
