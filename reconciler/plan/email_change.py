"""Email changes that await the person's confirmation (real-orgs.md §4).

A real org keeps User.Email unchanged until the person confirms the new address and mails both addresses on every
request (real-orgs.md §4.1); no API shows the pending address (real-orgs.md §4.3). So guestlist remembers its own
requests: apply journals a digest of each address it requested (never the address), and the planner holds a change
back while a request of the same address is younger than the confirmation link (72 hours, counted in days,
real-orgs.md §4.2): it says the change awaits confirmation instead of sending it again
(docs/decisions/email-changes.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

LINK_VALID_DAYS = 3  # the link expires after 72 hours (real-orgs.md §4.2); after that, the change is asked again


def request_digest(key: str, email: str) -> str:
    """What the journal keeps of a requested address: a digest of the change key and the address."""
    return hashlib.sha256(f"{key}\n{email.casefold()}".encode()).hexdigest()[:32]


@dataclass(frozen=True)
class EmailRequest:
    digest: str
    requested: dt.date  # the UTC day apply wrote it (a day after the plan's --today still counts as pending)


@dataclass(frozen=True)
class EmailRequests:
    """The email changes apply requested in this org, by user change key (from the journal)."""

    by_key: Mapping[str, tuple[EmailRequest, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def awaiting(self, key: str, email: str, today: dt.date) -> EmailRequest | None:
        """The latest request of `email` for this user whose link is still valid on `today`, else None."""
        digest = request_digest(key, email)
        live = [r for r in self.by_key.get(key, ()) if r.digest == digest and today < expiry(r)]
        return max(live, key=lambda r: r.requested, default=None)


def expiry(request: EmailRequest) -> dt.date:
    """The first day the request's link is no longer counted as valid."""
    return request.requested + dt.timedelta(days=LINK_VALID_DAYS)


NO_REQUESTS = EmailRequests()
