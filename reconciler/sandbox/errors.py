"""The one error type of the sandbox: a Salesforce API error with its HTTP status and REST error body."""

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
