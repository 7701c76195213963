"""The sandbox's errors: `ApiError`, a Salesforce API error with its HTTP status and REST error body, and
`NotASandboxDatabase`, a file the sandbox refuses to open."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error Salesforce would answer with: `[{"message", "errorCode", "fields"}]` and an HTTP status."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = list(fields or [])

    def body(self) -> list[dict[str, Any]]:
        """The REST error array."""
        return [{"message": self.message, "errorCode": self.code, "fields": self.fields}]

    def record_error(self) -> dict[str, Any]:
        """The per-record error shape of sObject Collections results."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


INVALID_SESSION = ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")
# REQUEST_LIMIT_EXCEEDED has two meanings, told apart by the message (real-orgs.md §7.1, real-orgs.md §7.2)
DAILY_LIMIT = ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
CONCURRENT_LIMIT = ApiError(403, "REQUEST_LIMIT_EXCEEDED",
                            "ConcurrentRequests (Concurrent API Requests) Limit exceeded.")


class NotASandboxDatabase(Exception):
    """A file that is not a sandbox org's database (another application's SQLite file, or no SQLite at all): it is
    refused, never turned into a sandbox. The message is one line: "<path> is not a sandbox database (<why>)"."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path} is not a sandbox database ({reason})")
        self.path = path
        self.reason = reason
