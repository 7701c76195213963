"""The hook interface of per-object business rules, and the error builders the rules share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.schema import FieldSpec
    from reconciler.sandbox.store import Session

Row = dict[str, Any]

# Licence names the rules rely on (UserLicense.Name, the same in every org; profile names are labels, translated)
CHATTER_FREE_LICENSE = "Chatter Free"
CHATTER_EXTERNAL_LICENSE = "Chatter External"
CUSTOMER_COMMUNITY = "Customer Community"
CUSTOMER_COMMUNITY_PLUS = "Customer Community Plus"
PARTNER_COMMUNITY = "Partner Community"
COMMUNITY_LICENSES = frozenset({CUSTOMER_COMMUNITY, CUSTOMER_COMMUNITY_PLUS, PARTNER_COMMUNITY})
ROLE_BASED_LICENSES = frozenset({CUSTOMER_COMMUNITY_PLUS, PARTNER_COMMUNITY})
PORTAL_USER_TYPES = frozenset({"PowerPartner", "PowerCustomerSuccess", "CustomerSuccess", "CspLitePortal"})


class Rules:
    """Business rules of one sObject. Every hook may raise ApiError; the default hooks do nothing.

    Create runs: field checks -> prepare_insert -> defaults -> required -> references -> before_insert ->
    validation rules -> INSERT -> after_insert. Update: field checks -> references -> before_update -> UPDATE ->
    after_update. Delete: before_delete -> DELETE (or IsDeleted=1) -> after_delete.
    """

    def picklist_values(self, session: Session, spec: FieldSpec) -> tuple[str, ...]:
        """The values a restricted picklist accepts right now (settings can widen them)."""
        return spec.picklist_values

    def prepare_insert(self, session: Session, values: Row) -> None:
        """Fill values the platform generates before required fields are checked."""

    def before_insert(self, session: Session, values: Row) -> None:
        """Check the record and derive system-maintained fields (values may be changed in place)."""

    def after_insert(self, session: Session, row: Row) -> None:
        """Side effects once the row exists (child rows, counters)."""

    @property
    def has_after_insert(self) -> bool:
        """Whether after_insert does anything (the store then reads the new row back to pass it)."""
        return type(self).after_insert is not Rules.after_insert

    def before_update(self, session: Session, old: Row, changes: Row) -> None:
        """Check a change (changes may be extended in place with derived fields)."""

    def after_update(self, session: Session, old: Row, new: Row) -> None:
        """Side effects of a change."""

    def before_delete(self, session: Session, row: Row) -> None:
        """Refuse a delete."""

    def after_delete(self, session: Session, row: Row) -> None:
        """Cascades."""


def field_integrity(message: str, fields: list[str] | None = None) -> ApiError:
    return ApiError(400, "FIELD_INTEGRITY_EXCEPTION", message, fields)


def duplicate_value(field: str | None, record_id: str | None) -> ApiError:
    """DUPLICATE_VALUE with Salesforce's unique-key message (`<unknown>` for composite keys)."""
    shown_field = field or "<unknown>"
    shown_id = record_id[:15] if record_id else "<unknown>"
    return ApiError(
        400,
        "DUPLICATE_VALUE",
        f"duplicate value found: {shown_field} duplicates value on record with id: {shown_id}",
        [field] if field else [],
    )


def insufficient_access(message: str = "insufficient access rights on object id") -> ApiError:
    return ApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY", message)


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()
