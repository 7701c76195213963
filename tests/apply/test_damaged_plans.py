"""`apply --plan` on damaged or hand-made plan files: each is refused with exit 1 and one line naming the file,
before anything is written (no traceback, no hang on a FIFO, no reading /dev/zero into memory)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.sandbox.runner import RunningSandbox
from tests.apply.test_apply_cli import apply, census, journal, save_plan


def _edit(change: Callable[[dict], None]) -> Callable[[Path], Path]:
    def damage(path: Path) -> Path:
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))
        return path
    return damage


def _bytes(make: Callable[[str], bytes]) -> Callable[[Path], Path]:
    def damage(path: Path) -> Path:
        path.write_bytes(make(path.read_text()))
        return path
    return damage


def _fifo(path: Path) -> Path:
    path.unlink()
    os.mkfifo(path)
    return path


def _deep(path: Path) -> Path:
    path.write_text("[" * 100_000 + "]" * 100_000)
    return path


DAMAGE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "stray byte": (_bytes(lambda text: text.replace('"today"', '"to\xffday"', 1).encode("latin-1")), "not UTF-8"),
    "utf-16": (_bytes(lambda text: text.encode("utf-16")), "not UTF-8"),
    "latin-1": (_bytes(lambda text: text.replace("Acme", "Acm\xe9").encode("latin-1")), "not UTF-8"),
    "nested 100000 deep": (_deep, "nested 100000 deep"),
    "today not a date": (_edit(lambda d: d.update(today="yesterday")), "today: 'yesterday' is not a calendar date"),
    "today 2026-02-30": (_edit(lambda d: d.update(today="2026-02-30")), "today: '2026-02-30' is not a calendar"),
    "today a number": (_edit(lambda d: d.update(today=20261122)), "today: expected a string"),
    "a FIFO": (_fifo, "not a regular file"),
    "/dev/zero": (lambda path: Path("/dev/zero"), "not a regular file"),
    "a directory": (lambda path: path.parent, "not a regular file"),
}


@pytest.mark.parametrize("name", list(DAMAGE))
def test_a_damaged_plan_file_is_refused_in_one_line(sandbox: RunningSandbox, config: Path, tmp_path: Path,
                                                    name: str) -> None:
    damage, message = DAMAGE[name]
    saved = damage(save_plan(sandbox, config, tmp_path))
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(saved) in lines[0] and message in lines[0], result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []


def _first_create(document: dict, sobject: str) -> dict:
    return next(c for c in document["changes"] if c["action"] == "create" and c["sobject"] == sobject)


def _lookup(sobject: str, change: Callable[[dict], None]) -> Callable[[Path], Path]:
    return _edit(lambda document: change(_first_create(document, sobject)["lookup"]))


EDITED_LOOKUPS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "SOQL in a lookup value": (
        _lookup("User", lambda lookup: lookup.update(Username="x' OR Username != 'x")),
        "lookup.Username is \"x' OR Username != 'x\" but the create writes"),
    "a lookup that never matches": (
        _lookup("CollaborationInvitation", lambda lookup: lookup.update(InvitedUserEmail="nobody@example.com")),
        "lookup.InvitedUserEmail is 'nobody@example.com' but the create writes"),
    "a lookup emptied": (_lookup("CollaborationGroup", lambda lookup: lookup.clear()),
                         "a create needs a lookup (its natural key)"),
}


@pytest.mark.parametrize("name", list(EDITED_LOOKUPS))
def test_a_hand_edited_lookup_is_refused(sandbox: RunningSandbox, config: Path, tmp_path: Path, name: str) -> None:
    damage, message = EDITED_LOOKUPS[name]
    saved = damage(save_plan(sandbox, config, tmp_path))
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 1, result.output
    first = next(line for line in result.stderr.splitlines() if not line.startswith("connected to "))
    assert first.startswith(f"error: {saved}: the plan can't be executed as it stands"), result.stderr
    assert message in result.stderr, result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []
