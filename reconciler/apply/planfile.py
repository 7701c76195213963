"""`apply --plan FILE`: the saved plan read back safely (a bounded regular file, strict UTF-8, nesting bounded
before parsing) and checked (every field, then the changes' integrity) before any request uses it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from reconciler.apply.integrity import PlanInconsistent, check_integrity
from reconciler.errors import CommandError
from reconciler.inputfile import NotARegularFile, TooLarge, read_bounded
from reconciler.plan.change import Plan, PlanFormatError

MAX_PLAN_BYTES = 64 * 1024 * 1024  # a plan of 100,000 changes is ~60 MB less than that; /dev/zero is refused
MAX_PLAN_DEPTH = 64  # a plan nests about 6 deep; 100,000 deep would exhaust the parser's stack


def load_plan_file(path: Path) -> Plan:
    """The saved plan at `path`, read safely and checked before any request uses it; a CommandError (exit 1)
    naming the file otherwise."""
    data = _parse_plan(path, _read_plan_text(path))
    try:
        plan = Plan.from_json(data)
    except PlanFormatError as exc:
        raise CommandError(f"error: {path}: {exc}; make a new plan with this guestlist") from None
    try:
        check_integrity(plan.changes)
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


def _parse_plan(path: Path, text: str) -> object:
    """JSON with nesting bounded before parsing (no RecursionError on a hand-made 100,000-deep file)."""
    depth = _nesting(text)
    if depth > MAX_PLAN_DEPTH:
        raise CommandError(f"error: {path}: nested {depth} deep, more than a plan's {MAX_PLAN_DEPTH}; not a plan "
                           "guestlist made; nothing was written")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"error: {path}:{exc.lineno}:{exc.colno}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise CommandError(f"error: {path}: nested too deep to be a plan; nothing was written") from None


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
