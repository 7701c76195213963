"""MIXED_DML_OPERATION: one Salesforce transaction may change setup objects or other objects, not both.

The store opens a `DmlTransaction` when the API layer says several writes form one transaction (a composite
request with allOrNone=true, an sObject Collections request); a lone REST write is trivially unmixed.
"""

from __future__ import annotations

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError

_MIXED_DML = assumed("mixed-dml")
SETUP_OBJECTS = frozenset({"User", "UserRole", "PermissionSet", "PermissionSetAssignment"})


class DmlTransaction:
    """The first setup and the first non-setup object changed in one transaction."""

    def __init__(self) -> None:
        self._first: dict[bool, str] = {}

    def check(self, obj_name: str) -> None:
        """MIXED_DML_OPERATION when the transaction already changed an object of the other kind."""
        original = self._first.get(obj_name not in SETUP_OBJECTS)
        if original is not None:
            raise ApiError(
                400,
                "MIXED_DML_OPERATION",
                "DML operation on setup object is not permitted after you have updated a non-setup object (or vice "
                f"versa): {obj_name}, original object: {original}",
            )

    def changed(self, obj_name: str) -> None:
        self._first.setdefault(obj_name in SETUP_OBJECTS, obj_name)
