"""The daily API allowance of an Enterprise Edition org, from its licences (scale.md §4): 100,000 plus a number of
calls per purchased licence of each type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

ENTERPRISE_BASE = 100_000
SALESFORCE_LICENCE_CALLS = 1_000  # a Salesforce or Salesforce Platform licence (documented)
# LicenseDefinitionKey -> calls per licence; a licence type not listed adds none (assumed("licence-api-calls"))
CALLS_PER_LICENCE = {
    "SFDC": SALESFORCE_LICENCE_CALLS,
    "PID_Customer_Community_Plus": 200,
    "PID_Partner_Community": 200,
}
_EXTERNAL_LICENCES = assumed("licence-api-calls")


def daily_allowance(session: Session) -> int:
    """100,000 + the sum over licence types of purchased licences (TotalLicenses) times calls per licence."""
    totals = session.conn.execute('SELECT "LicenseDefinitionKey", "TotalLicenses" FROM "UserLicense"')
    return ENTERPRISE_BASE + sum(CALLS_PER_LICENCE.get(key, 0) * int(total or 0) for key, total in totals)
