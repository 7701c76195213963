"""UserLicense accounting and Profile rules: every active user holds one licence of its profile's licence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import COMMUNITY_LICENSES, Row, Rules, insufficient_access

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

_MESSAGE = assumed("license-message")
_COUNT = assumed("license-count")
_PROTECTED = assumed("setup-object-protection")


def profile_of(session: Session, profile_id: str) -> Row:
    """The profile's Id, Name, UserType and UserLicenseId (not its hundreds of permissions)."""
    found = session.conn.execute(
        'SELECT "Id", "Name", "UserType", "UserLicenseId" FROM "Profile" WHERE "Id" = ?', (profile_id,)
    ).fetchone()
    profile = dict(found) if found is not None else None
    if profile is None:
        raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["ProfileId"])
    return profile


def licence_of(session: Session, profile: Row) -> Row:
    licence = session.fetch("UserLicense", profile["UserLicenseId"])
    if licence is None:  # pragma: no cover - seeded profiles always have a licence
        raise ApiError(500, "UNKNOWN_EXCEPTION", f"profile {profile['Name']} has no licence")
    return licence


def require_capacity(licence: Row) -> None:
    """LICENSE_LIMIT_EXCEEDED when one more active user would exceed the licence's total."""
    if (licence["UsedLicenses"] or 0) + 1 > (licence["TotalLicenses"] or 0):
        suffix = f" - {licence['Name']}" if licence["Name"] in COMMUNITY_LICENSES else ""
        raise ApiError(400, "LICENSE_LIMIT_EXCEEDED", f"License Limit Exceeded{suffix}")


def adjust_usage(session: Session, licence_id: str | None, delta: int) -> None:
    if licence_id and delta:
        session.conn.execute(
            'UPDATE "UserLicense" SET "UsedLicenses" = coalesce("UsedLicenses", 0) + ?, '
            '"UsedLicensesLastUpdated" = ? WHERE "Id" = ?',
            (delta, session.now, licence_id),
        )


def recount_usage(session: Session) -> None:
    """Recompute every UsedLicenses from the active users (the seed and tests use it as a cross-check)."""
    session.conn.execute(
        'UPDATE "UserLicense" SET "UsedLicenses" = (SELECT count(*) FROM "User" u JOIN "Profile" p '
        'ON p."Id" = u."ProfileId" WHERE p."UserLicenseId" = "UserLicense"."Id" AND u."IsActive" = 1), '
        '"UsedLicensesLastUpdated" = ?',
        (session.now,),
    )


class ProfileRules(Rules):
    """Standard profiles: permissions may change (mirrored on the profile's own permission set); no delete."""

    def after_update(self, session: Session, old: Row, new: Row) -> None:
        changed = {k: v for k, v in new.items() if k.startswith("Permissions") and old.get(k) != v}
        if changed:
            for owned in session.rows("PermissionSet", '"ProfileId" = ?', (new["Id"],)):
                session.system_update("PermissionSet", owned["Id"], changed)

    def before_delete(self, session: Session, row: Row) -> None:
        raise insufficient_access(f"Cannot delete the standard profile {row['Name']}")
