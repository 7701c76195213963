"""Batched writes to an org: sObject Collections (<= 200 records a request, allOrNone false) and the Metadata API.

Every request is retried, a bounded number of times with exponential backoff and jitter, when the org could not
answer (UNABLE_TO_LOCK_ROW, 5xx, timeouts, dropped connections). A create is never blindly repeated: before any
retry the records are looked up by their natural key (the caller's `find_existing`), and only those not found are
sent again. REQUEST_LIMIT_EXCEEDED for the org's concurrent-request limit is retried the same way (nothing was
carried out); for the daily allowance it stops at once (real-orgs.md §7.2). An expired session re-authenticates
once.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from simple_salesforce.exceptions import (
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceRefusedRequest,
)

from reconciler.org.limits import LIMIT_CODE, is_transient_limit
from reconciler.org.requests import DEFAULT_TIMEOUT, RetryPolicy, caller_retries

MAX_RECORDS = 200  # sObject Collections limit per request
RETRYABLE_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
SESSION_CODE = "INVALID_SESSION_ID"
# answers meaning "it exists already": reconciled by a lookup, not reported as failures
DUPLICATE_CODES = frozenset({"DUPLICATE_VALUE", "DUPLICATE_USERNAME"})
# answers to a delete meaning "it is gone already"
GONE_CODES = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND"})
SERVER_FAULT_CODES = frozenset({"UNKNOWN_EXCEPTION", "SERVER_UNAVAILABLE"})  # SOAP faults of a failing server
DUPLICATES_CODE = "DUPLICATES_DETECTED"  # the org's duplicate rule refused a create (real-orgs.md §3.4)
DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header"
OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"  # guestlist's own code: the answer was lost and no lookup could settle it


@dataclass(frozen=True)
class RecordError:
    code: str
    message: str
    fields: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


@dataclass(frozen=True)
class RecordResult:
    """The org's answer for one record. `already`: the org was in that state before this write (found by lookup,
    or already deleted), so nothing was written twice."""

    success: bool
    id: str | None = None
    errors: tuple[RecordError, ...] = ()
    already: bool = False

    @property
    def error(self) -> RecordError | None:
        return self.errors[0] if self.errors else None


class WriteStopped(Exception):
    """The apply must stop now (API allowance spent, session expired for good).

    `partial` holds the results known for the records of the interrupted request (None: not known); `in_doubt`
    says whether the unknown ones may have been written (a request whose answer was lost)."""

    def __init__(self, error: RecordError, partial: Sequence[RecordResult | None] = (), in_doubt: bool = False):
        super().__init__(str(error))
        self.error = error
        self.partial = list(partial)
        self.in_doubt = in_doubt


class _Transient(Exception):
    """A request the org did not answer usably. `in_doubt`: it may have been carried out (the answer was lost)."""

    def __init__(self, error: RecordError, in_doubt: bool):
        super().__init__(str(error))
        self.error = error
        self.in_doubt = in_doubt


class _Rejected(Exception):
    """The whole request was refused (a 4xx other than the ones above): every record fails with this error."""

    def __init__(self, error: RecordError):
        super().__init__(str(error))
        self.error = error


FindExisting = Callable[[Sequence[int]], Mapping[int, str]]
"""Given indices into the records of a create, the ids of those that already exist in the org."""


def _first_error(content: Any, status: int) -> RecordError:
    if isinstance(content, list) and content and isinstance(content[0], dict):
        item = content[0]
        return RecordError(str(item.get("errorCode", f"HTTP_{status}")), str(item.get("message", "")),
                           tuple(item.get("fields") or ()))
    text = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content or "")
    return RecordError(f"HTTP_{status}", text[:300])


def _connection_in_doubt(exc: requests.RequestException) -> bool:
    """False only when the request certainly never reached the org (it could not connect)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc)
        return not any(s in text for s in ("NewConnectionError", "Connection refused", "NameResolutionError"))
    return True


def _parse_mdapi_exception(exc: Exception) -> RecordError:
    """simple-salesforce raises a bare Exception "\\n<fullName>: (<statusCode>, <message>), " for failed saves."""
    match = re.search(r"\((\w+), (.*?)\),", str(exc), re.S)
    if match:
        return RecordError(match.group(1), match.group(2).strip())
    return RecordError("METADATA_ERROR", str(exc).strip()[:300])


def _message(error: Mapping[str, Any]) -> str:
    """A record error's message; for DUPLICATES_DETECTED with its duplicateResult, the rule and the records it
    matched: "Use one of these records? (Standard_Contact_Duplicate_Rule: 003..., 00Q...)" (real-orgs.md §3.4)."""
    message = str(error.get("message", ""))
    result = error.get("duplicateResult")
    if not isinstance(result, Mapping):
        return message
    ids = [str(match["record"]["Id"]) for found in result.get("matchResults") or () if isinstance(found, Mapping)
           for match in found.get("matchRecords") or ()
           if isinstance(match, Mapping) and isinstance(match.get("record"), Mapping) and match["record"].get("Id")]
    rule = str(result.get("duplicateRule") or "duplicate rule")
    return f"{message} ({rule}{': ' + ', '.join(ids) if ids else ''})"


def _results(raw: Any, expected: int) -> list[RecordResult]:
    if not isinstance(raw, list) or len(raw) != expected:
        raise _Rejected(RecordError("UNEXPECTED_RESPONSE", f"expected {expected} results, got {str(raw)[:200]}"))
    out = []
    for item in raw:
        errors = tuple(
            RecordError(str(e.get("statusCode", "UNKNOWN")), _message(e), tuple(e.get("fields") or ()))
            for e in item.get("errors") or ()
        )
        out.append(RecordResult(bool(item.get("success")), item.get("id"), errors))
    return out


class WriteConnection(Protocol):
    """What Writer needs of an OrgConnection: the client and, where the credentials allow, a session renewal."""

    @property
    def sf(self) -> Any: ...  # a simple_salesforce.Salesforce (tests pass a fake with the same methods)

    @property
    def reauthenticate(self) -> Callable[[], None] | None: ...


class Writer:
    """Writes through an OrgConnection (`conn.sf` a simple_salesforce.Salesforce, `conn.reauthenticate`).

    `requests_by_operation` counts the write requests sent (retries included), keyed by (sObject, operation);
    `allowance_spent` says the org refused a request because its daily allowance is spent (its last
    Sforce-Limit-Info header may then be stale)."""

    def __init__(self, conn: WriteConnection, *, policy: RetryPolicy | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT):
        self.conn = conn
        self.policy = policy or RetryPolicy()
        self.timeout = timeout
        self.requests_by_operation: Counter[tuple[str, str]] = Counter()
        self.allowance_spent = False
        self._reauthenticated = False

    # -- one request -----------------------------------------------------------------------------------------

    def _call(self, tag: tuple[str, str] | None, fn: Callable[[], Any]) -> Any:
        """One logical request (a write when `tag` names its sObject and operation): classify what went wrong;
        re-authenticate once on an expired session."""
        while True:
            if tag is not None:
                self.requests_by_operation[tag] += 1
            try:
                with caller_retries():  # this Writer's policy is the only one retrying its requests
                    return fn()
            except SalesforceExpiredSession as exc:
                self._renew_session(_first_error(exc.content, exc.status))
            except SalesforceRefusedRequest as exc:
                error = _first_error(exc.content, exc.status)
                if error.code == LIMIT_CODE and is_transient_limit(error.message):
                    raise _Transient(error, in_doubt=False) from None  # refused before anything was done
                if error.code == LIMIT_CODE:
                    self.allowance_spent = True
                    raise WriteStopped(error) from None
                raise _Rejected(error) from None
            except SalesforceError as exc:
                error = _first_error(exc.content, exc.status)
                if exc.status >= 500:
                    raise _Transient(error, in_doubt=True) from None
                if error.code in RETRYABLE_CODES:
                    raise _Transient(error, in_doubt=False) from None
                raise _Rejected(error) from None
            except requests.RequestException as exc:
                code = "TIMEOUT" if isinstance(exc, requests.Timeout) else "CONNECTION_ERROR"
                error = RecordError(code, f"no answer from the org ({type(exc).__name__})")
                raise _Transient(error, _connection_in_doubt(exc)) from None

    def _renew_session(self, error: RecordError) -> None:
        if self.conn.reauthenticate is None:
            raise WriteStopped(RecordError(SESSION_CODE, "the session expired, and an access token alone can't be "
                                                         "renewed (JWT or password credentials can)")) from None
        if self._reauthenticated:
            raise WriteStopped(RecordError(SESSION_CODE, "the session expired again after it was renewed once")) \
                from None
        self._reauthenticated = True
        try:
            self.conn.reauthenticate()
        except Exception as exc:  # the connection's own error, already free of secrets
            raise WriteStopped(RecordError(SESSION_CODE, f"the session expired and renewing it failed: {exc}")) \
                from None

    def _retrying(self, tag: tuple[str, str] | None, fn: Callable[[], Any]) -> Any:
        """For requests safe to repeat (queries, updates, deletes, settings): retry transient failures."""
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return self._call(tag, fn)
            except _Transient as exc:
                if attempt == self.policy.attempts:
                    raise _Rejected(_gave_up(exc.error, attempt)) from None
                self.policy.backoff(attempt)
        raise AssertionError("unreachable")

    # -- reads -----------------------------------------------------------------------------------------------

    def query(self, soql: str) -> list[dict[str, Any]]:
        """All records of a query (retried as a whole). Raises QueryFailed when the org refuses it."""
        try:
            return self._retrying(None, lambda: list(self.conn.sf.query_all_iter(soql, timeout=self.timeout)))
        except _Rejected as exc:
            raise QueryFailed(exc.error) from None

    # -- sObject Collections ---------------------------------------------------------------------------------

    def create(self, sobject: str, records: Sequence[Mapping[str, Any]], find_existing: FindExisting, *,
               allow_duplicates: bool = False) -> list[RecordResult]:
        """Create up to 200 records of one sObject. Never twice: before any retry, and for a duplicate answer, the
        records are looked up with `find_existing`; those found are reported as `already`. A record whose answer
        was lost and that cannot be looked up is reported OUTCOME_UNKNOWN, never sent again. `allow_duplicates`
        sends Sforce-Duplicate-Rule-Header allowSave=true: the org's duplicate rules alert but save
        (real-orgs.md §3.3); without it a duplicate fails with DUPLICATES_DETECTED."""
        headers = {DUPLICATE_RULE_HEADER: "allowSave=true"} if allow_duplicates else {}
        _check_size(records)
        results: list[RecordResult | None] = [None] * len(records)
        pending = list(range(len(records)))
        in_doubt = False  # the pending records' last request lost its answer and no lookup has settled it since
        last: RecordError | None = None
        try:
            for attempt in range(1, self.policy.attempts + 1):
                if attempt > 1:
                    self.policy.backoff(attempt - 1)
                    if not self._settle(pending, results, find_existing):
                        break
                    in_doubt = False
                    pending = [i for i in pending if results[i] is None]
                    if not pending:
                        break
                body = {"allOrNone": False,
                        "records": [{"attributes": {"type": sobject}, **records[i]} for i in pending]}
                try:
                    raw = self._call((sobject, "create"), functools.partial(
                        self.conn.sf.restful, "composite/sobjects", method="POST", json=body, timeout=self.timeout,
                        **({"headers": headers} if headers else {})))
                    answers = _results(raw, len(pending))
                except _Transient as exc:
                    in_doubt, last = in_doubt or exc.in_doubt, exc.error
                    continue
                except _Rejected as exc:
                    _fail(pending, results, exc.error)
                    return _known(results)
                retry, duplicates = [], []
                for i, answer in zip(pending, answers, strict=True):
                    code = answer.error.code if answer.error else None
                    if code in RETRYABLE_CODES:
                        retry.append(i)
                        last = answer.error
                    else:
                        results[i] = answer
                        if code in DUPLICATE_CODES:
                            duplicates.append(i)
                self._settle(duplicates, results, find_existing)
                pending = retry
                if not pending:
                    break
            if pending and in_doubt and self._settle(pending, results, find_existing):
                in_doubt = False
        except WriteStopped as exc:
            exc.partial, exc.in_doubt = list(results), in_doubt
            raise
        unknown = RecordError(OUTCOME_UNKNOWN, "the org's answer was lost and the record could not be looked up")
        _fail(pending, results, unknown if in_doubt else _gave_up(last, self.policy.attempts))
        return _known(results)

    def _settle(self, indices: Sequence[int], results: list[RecordResult | None], find_existing: FindExisting) \
            -> bool:
        """Look records up by natural key; those found are `already` done. False when the lookup itself failed."""
        if not indices:
            return True
        try:
            found = find_existing(indices)
        except QueryFailed:
            return False
        for i, record_id in found.items():
            results[i] = RecordResult(True, record_id, already=True)
        return True

    def update(self, sobject: str, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
        """Update up to 200 records of one sObject; each record has "Id" plus the fields to write."""
        _check_size(records)

        def send(indices: Sequence[int]) -> Any:
            body = {"allOrNone": False,
                    "records": [{"attributes": {"type": sobject}, "id": records[i]["Id"],
                                 **{k: v for k, v in records[i].items() if k != "Id"}} for i in indices]}
            return self.conn.sf.restful("composite/sobjects", method="PATCH", json=body, timeout=self.timeout)

        return self._idempotent((sobject, "update"), len(records), send)

    def delete(self, sobject: str, ids: Sequence[str]) -> list[RecordResult]:
        """Delete up to 200 records (one sObject, for the request count). A record already gone counts as done."""
        _check_size(ids)

        def send(indices: Sequence[int]) -> Any:
            params = {"ids": ",".join(ids[i] for i in indices), "allOrNone": "false"}
            return self.conn.sf.restful("composite/sobjects", method="DELETE", params=params, timeout=self.timeout)

        results = self._idempotent((sobject, "delete"), len(ids), send)
        return [RecordResult(True, ids[i], already=True) if r.error and r.error.code in GONE_CODES else r
                for i, r in enumerate(results)]

    def _idempotent(self, tag: tuple[str, str], count: int, send: Callable[[Sequence[int]], Any]) \
            -> list[RecordResult]:
        """Updates and deletes: repeating them is harmless, so transient failures are simply retried."""
        results: list[RecordResult | None] = [None] * count
        pending = list(range(count))
        last: RecordError | None = None
        try:
            for attempt in range(1, self.policy.attempts + 1):
                if attempt > 1:
                    self.policy.backoff(attempt - 1)
                try:
                    answers = _results(self._call(tag, functools.partial(send, tuple(pending))), len(pending))
                except _Transient as exc:
                    last = exc.error
                    continue
                except _Rejected as exc:
                    _fail(pending, results, exc.error)
                    return _known(results)
                retry = []
                for i, answer in zip(pending, answers, strict=True):
                    if answer.error and answer.error.code in RETRYABLE_CODES:
                        retry.append(i)
                        last = answer.error
                    else:
                        results[i] = answer
                pending = retry
                if not pending:
                    break
        except WriteStopped as exc:
            exc.partial, exc.in_doubt = list(results), True
            raise
        _fail(pending, results, _gave_up(last, self.policy.attempts))
        return _known(results)

    # -- a record's own resource ------------------------------------------------------------------------------

    def call_resource(self, sobject: str, record_id: str, resource: str, method: str) -> RecordResult:
        """One request to `/sobjects/<sObject>/<id>/<resource>` (the user's password reset, which mails them).
        Retried only when the org certainly did not act; a lost answer is OUTCOME_UNKNOWN, never sent again."""
        url = f"sobjects/{sobject}/{record_id}/{resource}"
        for attempt in range(1, self.policy.attempts + 1):
            try:
                self._call((sobject, resource), lambda: self.conn.sf.restful(url, method=method, timeout=self.timeout))
                return RecordResult(True, record_id)
            except _Transient as exc:
                if exc.in_doubt:
                    return RecordResult(False, record_id, (RecordError(OUTCOME_UNKNOWN, str(exc.error)),))
                if attempt == self.policy.attempts:
                    return RecordResult(False, record_id, (_gave_up(exc.error, attempt),))
                self.policy.backoff(attempt)
            except _Rejected as exc:
                return RecordResult(False, record_id, (exc.error,))
        raise AssertionError("unreachable")

    # -- Metadata API ----------------------------------------------------------------------------------------

    def update_settings(self, metadata_type: str, full_name: str, values: Mapping[str, Any]) -> RecordResult:
        """updateMetadata of one Settings component (e.g. ChatterSettings "Chatter") with only `values` set."""

        def send() -> None:
            kind = getattr(self.conn.sf.mdapi, metadata_type)
            kind.update([kind(fullName=full_name, **values)])

        try:
            self._retrying((metadata_type, "update"), lambda: _soap_call(send))
        except (_SaveFailed, _Rejected) as exc:
            return RecordResult(False, full_name, (exc.error,))
        return RecordResult(True, full_name)

    def read_settings(self, metadata_type: str, full_name: str) -> dict[str, Any]:
        """readMetadata of one Settings component as a plain dict. Raises QueryFailed when the org refuses it."""
        from zeep.helpers import serialize_object

        def read() -> dict[str, Any]:
            record = getattr(self.conn.sf.mdapi, metadata_type).read([full_name])
            return dict(serialize_object(record) or {})

        try:
            return self._retrying(None, lambda: _soap_call(read))
        except (_SaveFailed, _Rejected) as exc:
            raise QueryFailed(exc.error) from None


def _soap_call(fn: Callable[[], Any]) -> Any:
    """Run a Metadata API call, turning zeep's and simple-salesforce's errors into the REST error shapes."""
    import zeep.exceptions

    try:
        return fn()
    except zeep.exceptions.Fault as fault:
        code = str(fault.code or "").rpartition(":")[2] or "SOAP_FAULT"
        raise _soap_fault(code, str(fault.message or "")) from None
    except zeep.exceptions.TransportError as exc:
        raise _soap_fault(f"HTTP_{exc.status_code}", str(exc.message or "")[:300], exc.status_code) from None
    except (SalesforceError, requests.RequestException):
        raise
    except zeep.exceptions.Error as exc:
        raise _soap_fault("SOAP_ERROR", str(exc)[:300]) from None
    except Exception as exc:  # simple-salesforce's bare Exception for success=false
        error = _parse_mdapi_exception(exc)
        raise _soap_fault(error.code, error.message, 200) from None


class QueryFailed(Exception):
    def __init__(self, error: RecordError):
        super().__init__(str(error))
        self.error = error


class _SaveFailed(Exception):
    def __init__(self, error: RecordError):
        super().__init__(str(error))
        self.error = error


def _soap_fault(code: str, message: str, status: int = 500) -> Exception:
    """A SOAP fault in the shape of a REST error, so one classifier serves both APIs."""
    content = [{"errorCode": code, "message": message}]
    if code == SESSION_CODE:
        return SalesforceExpiredSession("metadata", 401, "metadata", content)  # type: ignore[arg-type]
    if code == LIMIT_CODE:
        return SalesforceRefusedRequest("metadata", 403, "metadata", content)  # type: ignore[arg-type]
    if (status >= 500 and code.startswith("HTTP_")) or code in SERVER_FAULT_CODES:
        return SalesforceError("metadata", max(status, 500), "metadata", content)  # type: ignore[arg-type]
    if code in RETRYABLE_CODES:
        return SalesforceError("metadata", 400, "metadata", content)  # type: ignore[arg-type]
    return _SaveFailed(RecordError(code, message))


def _gave_up(error: RecordError | None, attempts: int) -> RecordError:
    base = error or RecordError("NO_ANSWER", "the org did not answer")
    return RecordError(base.code, f"{base.message} (gave up after {attempts} attempts)".strip(), base.fields)


def _fail(indices: Sequence[int], results: list[RecordResult | None], error: RecordError) -> None:
    for i in indices:
        if results[i] is None:
            results[i] = RecordResult(False, errors=(error,))


def _known(results: Sequence[RecordResult | None]) -> list[RecordResult]:
    return [r if r is not None else RecordResult(False, errors=(RecordError(OUTCOME_UNKNOWN, "no answer"),))
            for r in results]


def _check_size(items: Sequence[Any]) -> None:
    if len(items) > MAX_RECORDS:
        raise ValueError(f"at most {MAX_RECORDS} records a request, got {len(items)}")


def chunks(items: Sequence[Any], size: int = MAX_RECORDS) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
