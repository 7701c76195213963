"""UserRole: internal roles made through the API, and the portal roles the platform makes per account."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import Row, Rules, field_integrity

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

PORTAL_ROLES = ("Executive", "Manager", "Worker")  # the API values; "Worker" is labelled "User"
_ROLE_LABELS = {"Executive": "Executive", "Manager": "Manager", "Worker": "User"}
_PORTAL_NAMES = {"Partner": "Partner", "CustomerPortal": "Customer"}
_CREATION = assumed("portal-role-creation")
_PROTECTED = assumed("setup-object-protection")
_MISMATCH = assumed("role-type-mismatch")


def is_portal_role(role: Row) -> bool:
    return role.get("PortalType") not in (None, "None")


def role_mismatch() -> ApiError:
    return field_integrity("role type must match user type")


def ensure_portal_roles(session: Session, account: Row, portal_type: str) -> dict[str, str]:
    """The account's portal roles of this type (Partner or CustomerPortal) by PortalRole, made when missing:
    Executive under the account owner's role, Manager under Executive, Worker under Manager."""
    existing = {
        r["PortalRole"]: r["Id"]
        for r in session.rows("UserRole", '"PortalAccountId" = ? AND "PortalType" = ?', (account["Id"], portal_type))
    }
    if len(existing) == len(PORTAL_ROLES):
        return existing
    owner = session.fetch("User", account["OwnerId"])
    parent = owner["UserRoleId"] if owner else None
    for portal_role in PORTAL_ROLES:
        if portal_role not in existing:
            name = f"{account['Name']} {_PORTAL_NAMES[portal_type]} {_ROLE_LABELS[portal_role]}"
            existing[portal_role] = session.system_insert(
                "UserRole",
                {
                    "Name": name,
                    "DeveloperName": re.sub(r"\W", "", name.title()) or "PortalRole",
                    "ParentRoleId": parent,
                    "PortalAccountId": account["Id"],
                    "PortalType": portal_type,
                    "PortalRole": portal_role,
                    "PortalAccountOwnerId": account["OwnerId"],
                    "OpportunityAccessForAccountOwner": "None",
                    "CaseAccessForAccountOwner": "Edit",
                    "ContactAccessForAccountOwner": "Edit",
                },
            )
        parent = existing[portal_role]
    return existing


def delete_portal_roles(session: Session, account_id: str, portal_type: str) -> None:
    session.conn.execute(
        'DELETE FROM "UserRole" WHERE "PortalAccountId" = ? AND "PortalType" = ?', (account_id, portal_type)
    )


class UserRoleRules(Rules):
    def prepare_insert(self, session: Session, values: Row) -> None:
        if values.get("OpportunityAccessForAccountOwner") is None:
            values["OpportunityAccessForAccountOwner"] = "None"

    def before_insert(self, session: Session, values: Row) -> None:
        portal_fields = [f for f in ("PortalAccountId", "PortalType") if values.get(f) not in (None, "None")]
        if portal_fields:
            raise field_integrity(f"Cannot specify system-maintained portal role field: [{', '.join(portal_fields)}]")
        values["PortalType"] = "None"
        if values.get("DeveloperName") is None:
            values["DeveloperName"] = re.sub(r"\W", "", values["Name"].title()) or "Role"

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        if is_portal_role(old):
            raise field_integrity(f"Cannot specify system-maintained portal role field: [{', '.join(changes)}]")

    def before_delete(self, session: Session, row: Row) -> None:
        if is_portal_role(row):
            raise field_integrity("Cannot delete a system-maintained portal role")
        if session.scalar('SELECT count(*) FROM "User" WHERE "UserRoleId" = ?', (row["Id"],)):
            raise ApiError(400, "DELETE_FAILED", "Cannot delete a role that is assigned to users")
