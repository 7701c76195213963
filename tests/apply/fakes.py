"""A small in-memory stand-in for simple_salesforce.Salesforce: sObject Collections, queries and ChatterSettings,
with scripted faults. Unit tests of writes/execute use it; the scenario tests use the real sandbox."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from reconciler.org.writes import RetryPolicy

UNIQUE = {
    "CollaborationGroupMember": (("CollaborationGroupId", "MemberId"), "DUPLICATE_VALUE"),
    "PermissionSetAssignment": (("AssigneeId", "PermissionSetId"), "DUPLICATE_VALUE"),
    "User": (("Username",), "DUPLICATE_USERNAME"),
    "CollaborationGroup": (("Name",), "DUPLICATE_VALUE"),
}
PREFIX = {"User": "005", "CollaborationGroup": "0F9", "CollaborationGroupMember": "0FB", "Contact": "003",
          "CollaborationInvitation": "0H1", "PermissionSetAssignment": "0Pa", "Account": "001"}


def _error(code: str, message: str = "", fields: list[str] | None = None) -> list[dict[str, Any]]:
    return [{"errorCode": code, "message": message or code.lower(), "fields": fields or []}]


class FakeMdapiType:
    def __init__(self, org: FakeSalesforce):
        self.org = org

    def __call__(self, **kwargs: Any) -> dict[str, Any]:
        return dict(kwargs)

    def update(self, items: list[dict[str, Any]]) -> None:
        self.org.write_calls.append(("ChatterSettings", "update", 1))
        self.org.apply_fault(self.org.next_fault(), commit=lambda: None)
        for item in items:
            reject = self.org.settings_reject
            if reject:
                raise Exception(f"\nChatter: ({reject}, the org refused it), ")
            self.org.settings.update({k: v for k, v in item.items() if k != "fullName"})

    def read(self, names: list[str]) -> dict[str, Any]:
        return {"fullName": names[0], **self.org.settings}


class FakeMdapi:
    def __init__(self, org: FakeSalesforce):
        self.ChatterSettings = FakeMdapiType(org)


@dataclass
class FakeSalesforce:
    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: defaultdict(dict))
    faults: list[str | None] = field(default_factory=list)  # one per write request, in order (None: no fault)
    query_faults: list[str | None] = field(default_factory=list)
    record_errors: dict[str, str] = field(default_factory=dict)  # a field value -> error code for that record
    lock_once: set[str] = field(default_factory=set)  # field values whose first write answers UNABLE_TO_LOCK_ROW
    other_org_usernames: set[str] = field(default_factory=set)
    settings: dict[str, Any] = field(default_factory=dict)
    settings_reject: str | None = None
    write_calls: list[tuple[str, str, int]] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    session_valid: bool = True

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self.mdapi = FakeMdapi(self)

    # -- faults --------------------------------------------------------------------------------------------

    def next_fault(self) -> str | None:
        return self.faults.pop(0) if self.faults else None

    def apply_fault(self, fault: str | None, commit: Callable[[], Any]) -> Any:
        if not self.session_valid or fault == "expired":
            self.session_valid = False
            raise SalesforceExpiredSession("u", 401, "x", _error("INVALID_SESSION_ID", "Session expired or invalid"))
        if fault == "limit":
            raise SalesforceRefusedRequest("u", 403, "x", _error("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit"))
        if fault in ("500", "503"):
            raise SalesforceGeneralError("u", int(fault), "x", "<html>server error</html>")
        if fault == "lock":
            raise SalesforceMalformedRequest("u", 400, "x", _error("UNABLE_TO_LOCK_ROW", "unable to obtain lock"))
        if fault == "drop_before":
            raise requests.ConnectionError("('Connection aborted.', RemoteDisconnected('closed'))")
        result = commit()
        if fault == "drop_after":
            raise requests.ConnectionError("('Connection aborted.', RemoteDisconnected('closed'))")
        if fault == "timeout_after":
            raise requests.ReadTimeout("read timed out")
        return result

    # -- REST ----------------------------------------------------------------------------------------------

    def restful(self, path: str, params: dict[str, Any] | None = None, method: str = "GET",
                json: dict[str, Any] | None = None, timeout: Any = None) -> Any:
        assert path == "composite/sobjects", path
        assert timeout is not None, "every request has a timeout"
        fault = self.next_fault()
        if method == "DELETE":
            ids = (params or {})["ids"].split(",")
            assert (params or {})["allOrNone"] == "false"
            self.write_calls.append(("?", "delete", len(ids)))
            return self.apply_fault(fault, lambda: [self._delete(i) for i in ids])
        assert json is not None and json["allOrNone"] is False
        records = json["records"]
        assert 1 <= len(records) <= 200
        sobjects = {r["attributes"]["type"] for r in records}
        assert len(sobjects) == 1, "one sObject a request"
        sobject = sobjects.pop()
        operation = "create" if method == "POST" else "update"
        self.write_calls.append((sobject, operation, len(records)))
        handler = self._create if method == "POST" else self._update
        return self.apply_fault(fault, lambda: [handler(sobject, r) for r in records])

    def _record_error(self, values: dict[str, Any]) -> str | None:
        for value in values.values():
            if isinstance(value, str) and value in self.lock_once:
                self.lock_once.discard(value)
                return "UNABLE_TO_LOCK_ROW"
            if isinstance(value, str) and value in self.record_errors:
                return self.record_errors[value]
        return None

    def _create(self, sobject: str, record: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in record.items() if k != "attributes"}
        code = self._record_error(values)
        if code:
            return {"success": False, "errors": [{"statusCode": code, "message": f"{code} message", "fields": []}]}
        unique = UNIQUE.get(sobject)
        if unique:
            fields, dup_code = unique
            key = tuple(str(values.get(f, "")).casefold() for f in fields)
            taken = any(tuple(str(r.get(f, "")).casefold() for f in fields) == key
                        for r in self.tables[sobject].values())
            if taken or (sobject == "User" and values.get("Username") in self.other_org_usernames):
                return {"success": False, "errors": [{"statusCode": dup_code, "message": "duplicate", "fields": []}]}
        record_id = f"{PREFIX.get(sobject, '0XX')}{next(self._ids):015d}"
        self.tables[sobject][record_id] = {"Id": record_id, **values}
        if sobject == "CollaborationInvitation":
            self.tables[sobject][record_id]["Status"] = "Sent"
        return {"id": record_id, "success": True, "errors": []}

    def _update(self, sobject: str, record: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in record.items() if k not in ("attributes", "id")}
        code = self._record_error({"id": record["id"], **values})
        if code:
            return {"id": record["id"], "success": False,
                    "errors": [{"statusCode": code, "message": f"{code} message", "fields": []}]}
        row = self.tables[sobject].get(record["id"])
        if row is None:
            return {"id": record["id"], "success": False,
                    "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]}
        row.update(values)
        return {"id": record["id"], "success": True, "errors": []}

    def _delete(self, record_id: str) -> dict[str, Any]:
        code = self._record_error({"id": record_id})
        if code:
            return {"id": record_id, "success": False,
                    "errors": [{"statusCode": code, "message": f"{code} message", "fields": []}]}
        for table in self.tables.values():
            if table.pop(record_id, None) is not None:
                return {"id": record_id, "success": True, "errors": []}
        return {"id": record_id, "success": False,
                "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]}

    def query_all_iter(self, soql: str, timeout: Any = None) -> list[dict[str, Any]]:
        """Returns every row of the FROM object; callers match keys themselves, which is what is under test."""
        assert timeout is not None
        self.queries.append(soql)
        fault = self.query_faults.pop(0) if self.query_faults else None
        sobject = re.search(r"\bFROM (\w+)", soql).group(1)  # type: ignore[union-attr]
        return self.apply_fault(fault, lambda: [dict(r) for r in self.tables[sobject].values()])


@dataclass
class FakeConn:
    sf: FakeSalesforce
    reauthentications: int = 0
    can_reauthenticate: bool = True

    @property
    def reauthenticate(self) -> Callable[[], None] | None:
        if not self.can_reauthenticate:
            return None

        def renew() -> None:
            self.reauthentications += 1
            self.sf.session_valid = True

        return renew


def no_sleep_policy(attempts: int = 5) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, sleep=lambda seconds: None)
