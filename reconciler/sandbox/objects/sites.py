"""Experience Cloud sites (Network): made by the sandbox's own controls, as Salesforce's API can't create them
(real-orgs.md §1.1); a new org has none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.objects.base import duplicate_value

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

_NETWORK = assumed("network-object")
NAME_LENGTH = 255


def add_site(session: Session, name: str, status: str | None = None) -> str:
    name = name.strip()
    if not name or len(name) > NAME_LENGTH:
        raise ApiError(400, "STRING_TOO_LONG" if name else "REQUIRED_FIELD_MISSING",
                       f"a site name needs 1 to {NAME_LENGTH} characters, got {len(name)}", ["Name"])
    spec = session.obj("Network").field("Status")
    allowed = spec.picklist_values if spec is not None else ()
    if status is not None and status not in allowed:
        raise ApiError(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                       f"Status: bad value for restricted picklist field: {status} (one of {', '.join(allowed)})",
                       ["Status"])
    clash = session.scalar('SELECT "Id" FROM "Network" WHERE lower("Name") = lower(?)', (name,))
    if clash:
        raise duplicate_value("Name", clash)
    values: dict[str, Any] = {"Name": name}
    if status is not None:
        values["Status"] = status
    return session.system_insert("Network", values)


def list_sites(session: Session) -> list[dict[str, Any]]:
    return [{"id": row["Id"], "name": row["Name"], "status": row["Status"]}
            for row in session.rows("Network", '1 ORDER BY lower("Name"), "Id"')]
