"""Chatter groups (CollaborationGroup) and their memberships (CollaborationGroupMember)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.access import (
    as_system,
    check_group_create,
    check_membership_write,
    check_notification,
    check_owner_change,
)
from reconciler.sandbox.objects.base import (
    CHATTER_EXTERNAL_PROFILE,
    Row,
    Rules,
    duplicate_value,
    field_integrity,
)
from reconciler.sandbox.objects.settings import chatter_flag
from reconciler.sandbox.objects.visibility import check_writable

if TYPE_CHECKING:
    from reconciler.sandbox.schema import FieldSpec
    from reconciler.sandbox.store import Session

UNIQUE_NAME_TYPES = ("Public", "Private")
_DUPLICATE_NAME = assumed("cg-duplicate-name")
_NAME_PER_SITE = assumed("cg-name-per-site")
_GUESTS_ON_PUBLIC = assumed("cg-guests-on-public")
_GUESTS_ONE_WAY = assumed("cg-guests-one-way")
_OWNER_CHANGE = assumed("cg-owner-change")
_OWNER_NOTIFICATION = assumed("cg-owner-notification")
_UNLISTED = assumed("unlisted-picklist-value")
_DUPLICATE_MEMBER = assumed("cgm-duplicate")
_OWNER_DELETE = assumed("cgm-owner-delete")
_CUSTOMER_GROUP = assumed("cgm-customer-group")
_INACTIVE = assumed("cgm-inactive-member")
_ROLE_DEFAULT = assumed("cgm-role-default")


def is_customer(session: Session, user_id: str) -> bool:
    """A Chatter External user (UserType CsnOnly like Chatter Free: told apart by the profile)."""
    profile = session.scalar(
        'SELECT p."Name" FROM "User" u JOIN "Profile" p ON p."Id" = u."ProfileId" WHERE u."Id" = ?', (user_id,)
    )
    return profile == CHATTER_EXTERNAL_PROFILE


def _inactive(user_id: str, field: str) -> ApiError:
    return ApiError(400, "INACTIVE_OWNER_OR_USER", f"operation performed with inactive user [{user_id}]", [field])


def membership(session: Session, group_id: str, user_id: str) -> Row | None:
    found = session.rows(
        "CollaborationGroupMember", '"CollaborationGroupId" = ? AND "MemberId" = ?', (group_id, user_id)
    )
    return found[0] if found else None


class CollaborationGroupRules(Rules):
    def picklist_values(self, session: Session, spec: FieldSpec) -> tuple[str, ...]:
        if spec.name == "CollaborationType" and chatter_flag(session, "unlistedGroupsEnabled"):
            return (*spec.picklist_values, "Unlisted")
        return spec.picklist_values

    def prepare_insert(self, session: Session, values: Row) -> None:
        if values.get("OwnerId") is None:
            values["OwnerId"] = session.actor()

    def before_insert(self, session: Session, values: Row) -> None:
        check_group_create(session)
        self._check_name(session, values, None)
        self._check_guests(values)
        self._check_owner(session, values["OwnerId"])
        values["MemberCount"] = 0  # the owner's row, made right after, counts itself

    def after_insert(self, session: Session, row: Row) -> None:
        with as_system(session):  # the org makes the owner's row, whoever creates the group
            session.create(
                "CollaborationGroupMember",
                {"CollaborationGroupId": row["Id"], "MemberId": row["OwnerId"], "CollaborationRole": "Admin"},
            )

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        check_writable(session, old)
        new = {**old, **changes}
        if old["CanHaveGuests"] and not new["CanHaveGuests"]:
            raise field_integrity("Allow Customers can't be turned off once it is on", ["CanHaveGuests"])
        if old["CanHaveGuests"] and new["CollaborationType"] != old["CollaborationType"]:
            raise field_integrity(
                "The access type of a group that allows customers can't be changed", ["CollaborationType"]
            )
        if new["Name"] != old["Name"] or new["CollaborationType"] != old["CollaborationType"]:
            self._check_name(session, new, old["Id"])
        self._check_guests(new)
        if new["OwnerId"] != old["OwnerId"]:
            check_owner_change(session, old["OwnerId"])
            self._check_owner(session, new["OwnerId"])

    def after_update(self, session: Session, old: Row, new: Row) -> None:
        if new["OwnerId"] != old["OwnerId"]:
            row = membership(session, new["Id"], new["OwnerId"])
            if row is None:
                with as_system(session):  # the new owner's row comes with the owner change
                    session.create(
                        "CollaborationGroupMember",
                        {"CollaborationGroupId": new["Id"], "MemberId": new["OwnerId"], "CollaborationRole": "Admin"},
                    )
            elif row["CollaborationRole"] != "Admin":
                session.system_update("CollaborationGroupMember", row["Id"], {"CollaborationRole": "Admin"})

    def before_delete(self, session: Session, row: Row) -> None:
        check_writable(session, row)

    def after_delete(self, session: Session, row: Row) -> None:
        session.conn.execute('DELETE FROM "CollaborationGroupMember" WHERE "CollaborationGroupId" = ?', (row["Id"],))
        session.conn.execute('DELETE FROM "CollaborationInvitation" WHERE "SharedEntityId" = ?', (row["Id"],))

    @staticmethod
    def _check_name(session: Session, group: Row, own_id: str | None) -> None:
        if group["CollaborationType"] not in UNIQUE_NAME_TYPES:
            return
        clash = session.scalar(  # one namespace per site; internal groups (NetworkId null) are one too
            'SELECT "Id" FROM "CollaborationGroup" WHERE lower("Name") = lower(?) AND "CollaborationType" IN (?, ?) '
            'AND "NetworkId" IS ? AND "Id" IS NOT ?',
            (group["Name"], *UNIQUE_NAME_TYPES, group.get("NetworkId"), own_id),
        )
        if clash:
            raise duplicate_value("Name", clash)

    @staticmethod
    def _check_guests(group: Row) -> None:
        if group["CanHaveGuests"] and group["CollaborationType"] == "Public":
            raise field_integrity("Only private and unlisted groups can allow customers", ["CanHaveGuests"])

    @staticmethod
    def _check_owner(session: Session, owner_id: str) -> None:
        if not session.scalar('SELECT "IsActive" FROM "User" WHERE "Id" = ?', (owner_id,)):
            raise _inactive(owner_id, "OwnerId")
        if is_customer(session, owner_id):
            raise field_integrity("Customers can't own groups", ["OwnerId"])


class CollaborationGroupMemberRules(Rules):
    def prepare_insert(self, session: Session, values: Row) -> None:
        if values.get("NotificationFrequency") is not None and values.get("MemberId"):
            check_notification(session, values["MemberId"])  # set explicitly, not the member's default
        if values.get("NotificationFrequency") is None and values.get("MemberId"):
            values["NotificationFrequency"] = session.scalar(
                'SELECT "DefaultGroupNotificationFrequency" FROM "User" WHERE "Id" = ?', (values["MemberId"],)
            )
        if values.get("CollaborationRole") is None:
            values["CollaborationRole"] = "Standard"

    def before_insert(self, session: Session, values: Row) -> None:
        group = session.fetch("CollaborationGroup", values["CollaborationGroupId"])
        check_membership_write(session, group or {})
        member_id = values["MemberId"]
        if not session.scalar('SELECT "IsActive" FROM "User" WHERE "Id" = ?', (member_id,)):
            raise _inactive(member_id, "MemberId")
        if membership(session, values["CollaborationGroupId"], member_id) is not None:
            raise duplicate_value(None, None)
        if is_customer(session, member_id) and not group["CanHaveGuests"]:  # type: ignore[index]
            raise field_integrity("Customers can only be members of groups that allow customers", ["MemberId"])

    def after_insert(self, session: Session, row: Row) -> None:
        self._count(session, row["CollaborationGroupId"], 1)

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        if changes.get("NotificationFrequency", old["NotificationFrequency"]) != old["NotificationFrequency"]:
            check_notification(session, old["MemberId"])
        if changes.get("CollaborationRole", old["CollaborationRole"]) != old["CollaborationRole"]:
            check_membership_write(session, session.fetch("CollaborationGroup", old["CollaborationGroupId"]) or {})
        if changes.get("CollaborationRole", "Admin") != "Admin" and self._is_owner_row(session, old):
            raise field_integrity("The group owner's membership must stay a manager", ["CollaborationRole"])

    def before_delete(self, session: Session, row: Row) -> None:
        if row["MemberId"] != session.actor_id:  # members may leave a group themselves
            check_membership_write(session, session.fetch("CollaborationGroup", row["CollaborationGroupId"]) or {})
        if self._is_owner_row(session, row):
            raise field_integrity("You can't remove the owner of the group; change the group owner first")

    def after_delete(self, session: Session, row: Row) -> None:
        self._count(session, row["CollaborationGroupId"], -1)

    @staticmethod
    def _is_owner_row(session: Session, row: Row) -> bool:
        owner = session.scalar(
            'SELECT "OwnerId" FROM "CollaborationGroup" WHERE "Id" = ?', (row["CollaborationGroupId"],)
        )
        return owner == row["MemberId"]

    @staticmethod
    def _count(session: Session, group_id: str, delta: int) -> None:
        session.conn.execute(
            'UPDATE "CollaborationGroup" SET "MemberCount" = coalesce("MemberCount", 0) + ? WHERE "Id" = ?',
            (delta, group_id),
        )
