"""Account and Contact: the records external users hang on; Lead, a person the duplicate rules also match."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import PORTAL_USER_TYPES, Row, Rules
from reconciler.sandbox.objects.roles import delete_portal_roles
from reconciler.sandbox.objects.users import disable_portal_user, full_name

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

_FLAGS = assumed("account-portal-flags")
_DELETE = assumed("contact-delete-portal-user")
# Account flag -> (portal role type, user types it enables)
_PORTAL_FLAGS = {
    "IsPartner": ("Partner", frozenset({"PowerPartner"})),
    "IsCustomerPortal": ("CustomerPortal", PORTAL_USER_TYPES - {"PowerPartner"}),
}


def _owner_default(session: Session, values: Row) -> None:
    if values.get("OwnerId") is None:
        values["OwnerId"] = session.actor()


def _refuse_if_external_users(session: Session, column: str, record_id: str, what: str) -> None:
    if session.scalar(f'SELECT count(*) FROM "User" WHERE "{column}" = ?', (record_id,)):
        raise ApiError(400, "DELETE_FAILED", f"Cannot delete a {what} that has an external user")


class AccountRules(Rules):
    def prepare_insert(self, session: Session, values: Row) -> None:
        _owner_default(session, values)

    def after_update(self, session: Session, old: Row, new: Row) -> None:
        for flag, (portal_type, user_types) in _PORTAL_FLAGS.items():
            if old[flag] and not new[flag]:
                for user in session.rows("User", '"AccountId" = ?', (new["Id"],)):
                    if user["UserType"] in user_types:
                        disable_portal_user(session, user)
                delete_portal_roles(session, new["Id"], portal_type)

    def before_delete(self, session: Session, row: Row) -> None:
        _refuse_if_external_users(session, "AccountId", row["Id"], "account")

    def after_delete(self, session: Session, row: Row) -> None:
        for contact in session.rows("Contact", '"AccountId" = ? AND "IsDeleted" = 0', (row["Id"],)):
            session.system_delete("Contact", contact["Id"])


class LeadRules(Rules):
    """A person record (Lead, and Contact below): owned by its creator, Name derived from first and last name."""

    def prepare_insert(self, session: Session, values: Row) -> None:
        _owner_default(session, values)

    def before_insert(self, session: Session, values: Row) -> None:
        values["Name"] = full_name(values.get("FirstName"), values["LastName"])

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        if "FirstName" in changes or "LastName" in changes:
            new = {**old, **changes}
            changes["Name"] = full_name(new["FirstName"], new["LastName"])


class ContactRules(LeadRules):
    def before_delete(self, session: Session, row: Row) -> None:
        _refuse_if_external_users(session, "ContactId", row["Id"], "contact")
