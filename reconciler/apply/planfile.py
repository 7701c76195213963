"""`apply --plan FILE`: the saved plan read back safely (a bounded regular file, strict UTF-8, nesting bounded
before parsing) and checked (every field, then the changes' integrity) before any request uses it."""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.apply.integrity import PlanInconsistent, check_integrity
from reconciler.errors import CommandError
from reconciler.inputfile import NotARegularFile, TooLarge, read_bounded
from reconciler.plan.change import Action, Plan, PlanFormatError

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan of 100,000 changes is ~60 MB less than that; /dev/zero is refused
MAX_PLAN_DEPTH = 64  # a plan nests about 6 deep; 100,000 deep would exhaust the parser's stack


def load_plan_file(path: Path) -> Plan:
    """The saved plan at `path`, read safely and checked before any request uses it; a CommandError (exit 1)
    naming the file otherwise."""
    data = _parse_plan(path, _read_plan_text(path))
    try:
        plan = Plan.from_json(data)
        _check_as_written(data, plan)
    except PlanFormatError as exc:
        raise CommandError(f"error: {path}: {exc}; make a new plan with this guestlist") from None
    try:
        check_integrity(plan.changes)
        _check_observed(plan)
    except PlanInconsistent as exc:
        raise CommandError(f"error: {path}: the plan can't be executed as it stands (edited or damaged?); "
                           f"nothing was written:\n{exc}\nMake a new plan with guestlist plan --out.") from None
    return plan


def _read_plan_text(path: Path) -> str:
    """The plan file as text: a regular file (a FIFO or device is refused without blocking on it), at most
    MAX_PLAN_BYTES, strictly UTF-8."""
    try:
        raw = read_bounded(path, MAX_PLAN_BYTES)
    except NotARegularFile:
        raise CommandError(f"error: {path}: not a regular file (a directory, FIFO or device can't be a plan); "
                           "nothing was written") from None
    except TooLarge:
        raise CommandError(f"error: {path}: larger than {MAX_PLAN_BYTES // (1024 * 1024)} MB, not a plan guestlist "
                           "made; nothing was written") from None
    except OSError as exc:
        raise CommandError(f"error: cannot read the plan {path}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CommandError(f"error: {path}: not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); a plan "
                           "is the UTF-8 JSON that guestlist plan --out writes; nothing was written") from None


def _check_as_written(data: object, plan: Plan) -> None:
    """The file holds exactly what guestlist plan --out writes for this plan (Plan.to_json round-trips exactly):
    no field missing or added, no total (summary, removals) edited, nothing that reading normalised away."""
    for where, problem in _differences(data, plan.to_json(), ""):
        raise PlanFormatError(f"{where or 'the plan'}: {problem}, not as guestlist plan --out writes it (edited?)")
    if not plan.generated:
        raise PlanFormatError("generated: empty; guestlist plan --out stamps every plan it saves")


def _differences(found: Any, expected: Any, where: str) -> Iterator[tuple[str, str]]:
    """(path, what) for each place where the file's JSON differs from the plan's own (first found first)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for key in expected:
            inner = f"{where}.{key}" if where else key
            if key not in found:
                yield inner, "missing"
            else:
                yield from _differences(found[key], expected[key], inner)
        for key in found:
            if key not in expected:
                yield (f"{where}.{key}" if where else key), "a field guestlist does not write"
    elif isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        for index, (one, other) in enumerate(zip(found, expected, strict=True)):
            yield from _differences(one, other, f"{where}[{index}]")
    elif type(found) is not type(expected) and not (_number(found) and _number(expected)) or found != expected:
        yield where, f"{_shown(found)} where the plan's own content makes {_shown(expected)}"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_observed(plan: Plan) -> None:
    """Every update and delete names a record the plan saw (its fingerprint, which the stale check compares with
    the org): a record id edited into the file would write a record nobody reviewed. Every dependency is a change
    of the plan (a saved plan is whole)."""
    problems = []
    keys = {change.key for change in plan.changes}
    for change in plan.changes:
        problems += [f"  - {change.key}: depends_on names {key!r}, which the plan does not hold"
                     for key in change.depends_on if key not in keys]
        if change.action is not Action.CREATE and change.record_id not in change.fingerprint:
            problems.append(f"  - {change.key}: {change.record_id} is not among the records the change relies on "
                            "(its fingerprint)")
        problems += [f"  - {change.key}: fingerprint names {record_id}, which the plan's fingerprints lack"
                     for record_id in change.fingerprint if record_id not in plan.fingerprints]
    if problems:
        raise PlanInconsistent("\n".join(problems[:10]))


def _parse_plan(path: Path, text: str) -> object:
    """Strict JSON (no NaN or Infinity, no number too large for a double, no key twice in an object) with nesting
    bounded before parsing (no RecursionError on a hand-made 100,000-deep file)."""
    if not text.strip():
        raise CommandError(f"error: {path}:1:1: not JSON (the file is empty), not a plan; nothing was written")
    depth = _nesting(text)
    if depth > MAX_PLAN_DEPTH:
        raise CommandError(f"error: {path}: nested {depth} deep, more than a plan's {MAX_PLAN_DEPTH}; not a plan "
                           "guestlist made; nothing was written")
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise CommandError(f"error: {path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None
    except _NotStrictJson as exc:
        raise CommandError(f"error: {path}: not the strict JSON guestlist writes ({exc}); nothing was written") \
            from None
    except ValueError:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        raise CommandError(f"error: {path}: holds a number too long to read ({sys.get_int_max_str_digits()} digits "
                           "at most); not a plan guestlist made; nothing was written") from None
    except RecursionError:
        raise CommandError(f"error: {path}: nested too deep to be a plan; nothing was written") from None


class _NotStrictJson(ValueError):
    """Something Python's json module accepts but JSON (RFC 8259) and guestlist's plans don't contain."""


def _no_constant(name: str) -> Any:
    raise _NotStrictJson(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotStrictJson(f"the number {text[:40]} is too large")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _NotStrictJson(f"the key {json.dumps(key)[:60]} appears twice in one object")
        seen[key] = value
    return seen


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    """The deepest [ / { nesting outside JSON strings (a prescan; malformed JSON is json.loads's to report)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
