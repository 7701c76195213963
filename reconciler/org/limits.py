"""REQUEST_LIMIT_EXCEEDED has two meanings (real-orgs.md §7.1, real-orgs.md §7.2): the daily API request allowance is
spent ("TotalRequests Limit exceeded"), or the org is running as many long requests at once as it allows
("ConcurrentRequests (Concurrent API Requests) Limit exceeded", "ConcurrentPerOrgLongTxn Limit exceeded"). Only
the message tells them apart; the second passes within seconds, so it is retried with backoff, and only the first
stops guestlist."""

from __future__ import annotations

import json
from typing import Any

LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"


def is_transient_limit(message: str) -> bool:
    """A REQUEST_LIMIT_EXCEEDED message about a concurrency limit (every documented one names "Concurrent..."),
    not the daily allowance; any other message counts as the daily allowance, which retrying cannot help."""
    return "concurrent" in message.lower()


def transient_limit_in(body: bytes) -> bool:
    """A REST error answer (a JSON list of {errorCode, message}) refusing for a concurrency limit."""
    try:
        errors: Any = json.loads(body)
    except ValueError:
        return False
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("errorCode") == LIMIT_CODE and is_transient_limit(str(e.get("message", "")))
        for e in errors)
