"""Fault injection: latency and failures that real orgs produce, deterministic under a seed.

A FaultPlan is a list of rules. A rule matches requests by method and a path regex and fires on the Nth matching
request (for `times` requests, default 1), with a probability drawn from its own seeded generator, or on every
match. Rules are consulted in order; latency rules add up, and the first failure rule that fires decides the
request's fate (later failure rules do not see that request). The admin path `/_sandbox/` is never faulted.
See docs/decisions/sandbox-fault-injection.md for what each kind does on the wire.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from reconciler.sandbox.errors import ApiError

ADMIN_PREFIX = "/_sandbox/"


class FaultKind(StrEnum):
    LATENCY = "latency"
    ERROR_500 = "500"
    ERROR_503 = "503"
    DROP_BEFORE_COMMIT = "drop-before-commit"
    DROP_AFTER_COMMIT = "drop-after-commit"
    LOCK_ROW = "lock-row"
    LIMIT_EXCEEDED = "limit-exceeded"  # REQUEST_LIMIT_EXCEEDED, the daily allowance ("TotalRequests")
    CONCURRENT_LIMIT = "concurrent-limit"  # REQUEST_LIMIT_EXCEEDED, the concurrent-request limit (real-orgs.md §7.2)
    EXPIRED_SESSION = "expired-session"


class FaultSpecError(ValueError):
    """A fault rule or plan that cannot be understood; the message says which part and why."""


_SPEC_KEYS = {"method", "path", "nth", "times", "p", "ms", "record"}
_SPEC_SPLIT = re.compile(r",(?=\s*(?:" + "|".join(sorted(_SPEC_KEYS)) + r")\s*=)")


@dataclass(frozen=True)
class FaultRule:
    kind: FaultKind
    method: str | None = None  # HTTP method, any when None
    path: str | None = None  # regex searched in the request path, any when None
    nth: int | None = None  # fire from the Nth matching request (1-based) ...
    times: int | None = None  # ... for this many requests (default 1 with nth, unlimited otherwise)
    probability: float | None = None  # fire each matching request with this probability
    latency_ms: int = 0  # kind latency: how long to wait
    record: int = 1  # kind lock-row: which write of the request (1-based) meets the lock

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _kind(self.kind))
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.path is not None:
            try:
                re.compile(self.path)
            except re.error as exc:
                raise FaultSpecError(f"path {self.path!r} is not a valid regular expression: {exc}") from None
        if self.nth is not None and self.probability is not None:
            raise FaultSpecError("give either nth or a probability (p), not both")
        if self.nth is not None and self.nth < 1:
            raise FaultSpecError(f"nth must be 1 or more, got {self.nth}")
        if self.times is not None and self.times < 1:
            raise FaultSpecError(f"times must be 1 or more, got {self.times}")
        if self.probability is not None and not 0.0 <= self.probability <= 1.0:
            raise FaultSpecError(f"p must be between 0 and 1, got {self.probability}")
        if self.latency_ms < 0:
            raise FaultSpecError(f"ms must not be negative, got {self.latency_ms}")
        if self.kind is FaultKind.LATENCY and self.latency_ms == 0:
            raise FaultSpecError("a latency rule needs ms=<milliseconds>")
        if self.record < 1:
            raise FaultSpecError(f"record must be 1 or more, got {self.record}")

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method.upper()) and (
            self.path is None or re.search(self.path, path) is not None
        )

    @classmethod
    def from_spec(cls, spec: str) -> FaultRule:
        """Parse `KIND[:key=value,...]`, e.g. `503:method=POST,path=/composite,nth=2` or `latency:ms=200,p=0.5`.

        Keys: method, path (regex), nth, times, p (probability), ms (latency), record (lock-row).
        """
        kind_text, _, options = spec.strip().partition(":")
        values: dict[str, Any] = {"kind": kind_text.strip()}
        for item in _SPEC_SPLIT.split(options) if options.strip() else []:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in _SPEC_KEYS:
                raise FaultSpecError(
                    f"fault {spec!r}: {item.strip()!r} is not key=value with a key among "
                    f"{', '.join(sorted(_SPEC_KEYS))}"
                )
            values[_SPEC_TO_FIELD.get(key, key)] = value.strip()
        try:
            return cls.from_dict(values)
        except FaultSpecError as exc:
            raise FaultSpecError(f"fault {spec!r}: {exc}") from None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        """Build a rule from JSON (the admin path) or parsed spec text; FaultSpecError on any bad part."""
        if not isinstance(data, dict):
            raise FaultSpecError(f"a fault rule must be an object, got {data!r}")
        unknown = set(data) - _FIELDS
        if unknown:
            raise FaultSpecError(f"unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_FIELDS))}")
        if "kind" not in data:
            raise FaultSpecError("a fault rule needs a kind")
        converted: dict[str, Any] = {}
        for name, value in data.items():
            converted[name] = _convert(name, value)
        return cls(**converted)

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if k == "kind" else v) for k, v in asdict(self).items() if v is not None}


_SPEC_TO_FIELD = {"p": "probability", "ms": "latency_ms"}
_FIELDS = {"kind", "method", "path", "nth", "times", "probability", "latency_ms", "record"}
_INT_FIELDS = {"nth", "times", "latency_ms", "record"}


def _kind(value: object) -> FaultKind:
    try:
        return FaultKind(str(value).strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in FaultKind)
        raise FaultSpecError(f"unknown fault kind {value!r}; known kinds: {known}") from None


def _convert(name: str, value: Any) -> Any:
    if value is None or name in {"kind", "method", "path"}:
        return value if value is None or name == "kind" else str(value)
    try:
        if name in _INT_FIELDS:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        return float(value)
    except (TypeError, ValueError):
        raise FaultSpecError(f"{name} must be a number, got {value!r}") from None


@dataclass(frozen=True)
class FaultPlan:
    """The faults a sandbox injects: rules, the seed of their random draws, and a latency for every request."""

    rules: tuple[FaultRule, ...] = ()
    seed: int = 0
    latency_ms: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if self.latency_ms < 0:
            raise FaultSpecError(f"latency must not be negative, got {self.latency_ms} ms")

    @classmethod
    def from_specs(cls, specs: list[str], *, seed: int = 0, latency_ms: int = 0) -> FaultPlan:
        return cls(tuple(FaultRule.from_spec(s) for s in specs), seed=seed, latency_ms=latency_ms)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        if not isinstance(data, dict):
            raise FaultSpecError("a fault plan must be an object {rules, seed, latency_ms}")
        unknown = set(data) - {"rules", "seed", "latency_ms"}
        if unknown:
            raise FaultSpecError(f"unknown key(s) {', '.join(sorted(unknown))} in the fault plan")
        rules = data.get("rules", [])
        if not isinstance(rules, list):
            raise FaultSpecError("rules must be a list")
        parsed = []
        for index, rule in enumerate(rules):
            try:
                parsed.append(FaultRule.from_spec(rule) if isinstance(rule, str) else FaultRule.from_dict(rule))
            except FaultSpecError as exc:
                raise FaultSpecError(f"rules[{index}]: {exc}") from None
        return cls(
            tuple(parsed),
            seed=int(_convert("seed", data.get("seed", 0))),
            latency_ms=int(_convert("latency_ms", data.get("latency_ms", 0))),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"rules": [r.to_dict() for r in self.rules], "seed": self.seed, "latency_ms": self.latency_ms}


@dataclass(frozen=True)
class Decision:
    """What to do to one request: wait `delay_s`, then inject `fault` (None: serve it normally)."""

    delay_s: float = 0.0
    fault: FaultRule | None = None


@dataclass
class _RuleState:
    rng: random.Random
    matched: int = 0
    fired: int = 0


@dataclass
class FaultInjector:
    """Applies a FaultPlan to the stream of requests; thread-safe; replacing the plan restarts its counters."""

    plan: FaultPlan = field(default_factory=FaultPlan)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._states = self._fresh_states(self.plan)

    @staticmethod
    def _fresh_states(plan: FaultPlan) -> list[_RuleState]:
        return [_RuleState(random.Random(f"{plan.seed}:{index}")) for index in range(len(plan.rules))]

    def set_plan(self, plan: FaultPlan) -> None:
        with self._lock:
            self.plan = plan
            self._states = self._fresh_states(plan)

    def decide(self, method: str, path: str) -> Decision:
        if path.startswith(ADMIN_PREFIX):
            return Decision()
        delay_ms = self.plan.latency_ms
        fault: FaultRule | None = None
        with self._lock:
            for rule, state in zip(self.plan.rules, self._states, strict=True):
                if (fault is not None and rule.kind is not FaultKind.LATENCY) or not rule.matches(method, path):
                    continue
                state.matched += 1
                if not self._fires(rule, state):
                    continue
                state.fired += 1
                if rule.kind is FaultKind.LATENCY:
                    delay_ms += rule.latency_ms
                else:
                    fault = rule
        return Decision(delay_ms / 1000.0, fault)

    @staticmethod
    def _fires(rule: FaultRule, state: _RuleState) -> bool:
        if rule.nth is not None:
            return rule.nth <= state.matched < rule.nth + (rule.times or 1)
        if rule.times is not None and state.fired >= rule.times:
            return False
        return rule.probability is None or state.rng.random() < rule.probability

    def stats(self) -> list[dict[str, Any]]:
        """Per rule: the rule, how many requests it matched and how many it fired on."""
        with self._lock:
            return [
                {"rule": rule.to_dict(), "matched": state.matched, "fired": state.fired}
                for rule, state in zip(self.plan.rules, self._states, strict=True)
            ]


class LockedRowSession:
    """A store Session whose `nth` write of the request fails with UNABLE_TO_LOCK_ROW (fault kind lock-row).

    Single-record calls then answer 400, sObject Collections report it on that record, composite on that
    subrequest, and updateMetadata in that component's SaveResult: wherever Salesforce would report a lock.
    """

    WRITES = frozenset({"create", "update", "delete", "update_chatter_settings", "reset_password"})

    def __init__(self, session: Any, nth: int) -> None:
        self._session = session
        self._nth = nth
        self._writes = 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._session, name)
        if name not in self.WRITES:
            return attribute

        def write(*args: Any, **kwargs: Any) -> Any:
            self._writes += 1
            if self._writes == self._nth:
                target = args[1] if name in {"update", "delete"} and len(args) > 1 else None
                detail = f"or 1 records: {target}" if target else "or 1 records"
                raise ApiError(400, "UNABLE_TO_LOCK_ROW", f"unable to obtain exclusive access to this record {detail}")
            return attribute(*args, **kwargs)

        return write
