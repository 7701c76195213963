"""The org's own backstop (issue 13 item 4): a permission set assignment of a user declared with `expires` carries
ExpirationDate = 00:00 UTC of the day after (real-orgs.md §15), so the org ends the access even if guestlist stops
running. Through the CLI against the sandbox: plan, apply, read-back, plan again, updates, undo and the org's clock."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.org.connect import connect
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.apply.conftest import org_env
from tests.apply.test_apply_cli import TODAY, apply, guestlist, journal, plan_exit, query
from tests.plan.test_cli_scenarios import edit

SAM = "sam.patel@contoso.com.acmepartners"
NINA = "nina.ross@contoso.com.acmepartners"
SAM_KEY = f"permission_set_assignment:Deal_Registration/{SAM}"
NINA_KEY = f"permission_set_assignment:Deal_Registration/{NINA}"
SAM_EXPIRES = "    expires: 2099-06-30\n    sponsor: bob@acme.com\n  - username: nina"  # Sam's entry, not Nina's


def _plan(sandbox: RunningSandbox, config: Path, *args: str) -> dict[str, Any]:
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json", *args)
    assert result.exit_code in (0, 2), result.output
    return dict(json.loads(result.stdout))


def _plan_text(sandbox: RunningSandbox, config: Path, today: str = TODAY) -> str:
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", today)
    assert result.exit_code == 0, result.output
    return result.stdout


def _assignment_changes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in document["changes"] if c["kind"] == "permission_set_assignment"}


def _expiration(sandbox: RunningSandbox, username: str) -> list[str | None]:
    """The ExpirationDate of each Deal_Registration assignment of `username`, read back through the API."""
    rows = query(sandbox, "SELECT ExpirationDate FROM PermissionSetAssignment WHERE PermissionSet.Name = "
                          f"'Deal_Registration' AND Assignee.Username = '{username}'")
    return [r["ExpirationDate"] for r in rows]


def test_plan_shows_the_expiration_date_and_apply_writes_it(sandbox: RunningSandbox, config: Path,
                                                           tmp_path: Path) -> None:
    nina = _assignment_changes(_plan(sandbox, config))[NINA_KEY]
    assert nina["action"] == "create" and nina["after"]["expires"] == "2099-06-30"
    assert nina["values"]["ExpirationDate"] == "2099-07-01T00:00:00.000+0000"  # access lasts through 2099-06-30
    [line] = [x for x in _plan_text(sandbox, config).splitlines() if f"Deal_Registration/{NINA}" in x]
    assert line.startswith(f"  + permission set Deal_Registration/{NINA}  expires: 2099-06-30  "), line
    assert SAM_KEY not in _assignment_changes(_plan(sandbox, config))  # the seed's matches his expires already

    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output  # the read-back found what was written
    assert _expiration(sandbox, NINA) == ["2099-07-01T00:00:00.000+0000"]
    assert plan_exit(sandbox, config) == 0


def test_a_changed_expires_is_one_update_that_undo_puts_back(sandbox: RunningSandbox, config: Path,
                                                            tmp_path: Path) -> None:
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    edit(config / "people.yaml", SAM_EXPIRES, SAM_EXPIRES.replace("2099-06-30", "2099-03-31"))
    document = _plan(sandbox, config)
    assert [(c["key"], c["action"]) for c in document["changes"]] == [(SAM_KEY, "update")]
    [update] = document["changes"]
    assert (update["before"], update["after"]) == ({"expires": "2099-06-30"}, {"expires": "2099-03-31"})
    assert update["values"] == {"ExpirationDate": "2099-04-01T00:00:00.000+0000"}
    [line] = [x for x in _plan_text(sandbox, config).splitlines() if f"Deal_Registration/{SAM}" in x]
    assert line.startswith(f"  ~ permission set Deal_Registration/{SAM}  expires: 2099-06-30 -> 2099-03-31"), line

    result = apply(sandbox, config, tmp_path, "--yes", "--undo-out", str(tmp_path / "undo.json"))
    assert result.exit_code == 0, result.output
    assert _expiration(sandbox, SAM) == ["2099-04-01T00:00:00.000+0000"]
    assert plan_exit(sandbox, config) == 0
    [written] = [e for e in journal(tmp_path) if e.get("key") == SAM_KEY and e.get("outcome") == "applied"]
    assert written["before"] == {"expires": "2099-06-30"}

    back = apply(sandbox, config, tmp_path, "--yes", "--plan", str(tmp_path / "undo.json"))
    assert back.exit_code == 0, back.output
    assert _expiration(sandbox, SAM) == ["2099-07-01T00:00:00.000+0000"]


def test_removing_expires_clears_the_expiration_date(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    edit(config / "org.yaml", "  max_access_days: 36500", "  max_access_days: null")
    edit(config / "people.yaml", SAM_EXPIRES, SAM_EXPIRES.replace("    expires: 2099-06-30\n", ""))
    sam = _assignment_changes(_plan(sandbox, config))[SAM_KEY]
    assert (sam["action"], sam["before"], sam["after"]) == ("update", {"expires": "2099-06-30"}, {"expires": None})
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    assert _expiration(sandbox, SAM) == [None]
    assert plan_exit(sandbox, config) == 0


class _Clock:
    """The sandbox org's time, moved by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC))  # TODAY, noon


@pytest.fixture
def clocked(tmp_path: Path, demo_template: Path, clock: _Clock) -> Iterator[RunningSandbox]:
    db = tmp_path / "clocked" / "org.sqlite3"
    db.parent.mkdir()
    shutil.copyfile(demo_template, db)
    with start_sandbox(db, clock=clock) as running:
        yield running


def test_the_org_ends_the_assignment_when_its_clock_passes_the_expiration_date(
        clocked: RunningSandbox, clock: _Clock, config: Path, tmp_path: Path) -> None:
    nina = "    expires: 2099-06-30\n    sponsor: bob@acme.com\n  - username: omar"  # Nina's entry
    edit(config / "people.yaml", nina, nina.replace("2099-06-30", "2026-11-25"))
    assert apply(clocked, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    assert _expiration(clocked, NINA) == ["2026-11-26T00:00:00.000+0000"]

    clock.now = dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=dt.UTC)
    assert _expiration(clocked, NINA) == ["2026-11-26T00:00:00.000+0000"]  # through the whole `expires` day
    clock.now = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    assert _expiration(clocked, NINA) == []  # ended by the org itself, with no guestlist run
    assert _expiration(clocked, SAM) == ["2099-07-01T00:00:00.000+0000"]
    later = _plan(clocked, config, "--today", "2026-11-26")  # the last --today wins
    assert NINA_KEY not in _assignment_changes(later)  # expired: not assigned again


def test_a_set_whose_assignments_cannot_expire_warns_and_is_assigned_without_a_date(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    with connect("env", env=org_env(sandbox)) as conn:
        conn.sf.PermissionSet.create({"Name": "User_Admins", "Label": "User Admins", "PermissionsManageUsers": True})
    edit(config / "access.yaml", "permission_sets:\n",
         "permission_sets:\n  User_Admins:\n    assignees: [heidi@acme.com]\n")
    document = _plan(sandbox, config)
    [warning] = [w for w in document["warnings"] if w["code"] == "permission-set-cannot-expire"]
    assert "heidi@acme.com" in warning["message"] and "2099-02-28" in warning["message"], warning
    heidi = _assignment_changes(document)["permission_set_assignment:User_Admins/heidi@acme.com"]
    assert "ExpirationDate" not in heidi["values"] and "expires" not in heidi["after"]

    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0  # not a failing write
    rows = query(sandbox, "SELECT ExpirationDate FROM PermissionSetAssignment WHERE PermissionSet.Name = "
                          "'User_Admins' AND Assignee.Username = 'heidi@acme.com'")
    assert [r["ExpirationDate"] for r in rows] == [None]
    assert plan_exit(sandbox, config) == 0


def test_an_org_that_refuses_expiration_dates_fails_the_write_with_a_hint(sandbox: RunningSandbox, config: Path,
                                                                          tmp_path: Path) -> None:
    sandbox.admin.set_assignment_expiration(False)  # no API reads it: the refusal is reported (real-orgs.md §15)
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code != 0
    failed = result.output.split("Failed (1):\n", 1)[1].splitlines()
    assert failed[0].startswith(f"  x {NINA_KEY} "), result.output
    assert failed[1].strip().startswith("FIELD_INTEGRITY_EXCEPTION: ") and "User Management Settings" in failed[1]
    assert _expiration(sandbox, NINA) == []
