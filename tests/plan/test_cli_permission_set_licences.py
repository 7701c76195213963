"""A permission set bound to a permission set licence (PermissionSet.LicenseId 0PL..., real-orgs.md §9.1 and
real-orgs.md §15), through the CLI against the sandbox: no false licence-mismatch blocker; an assignee without the
licence gets it with the set (a seat, shown in the plan's licences); a licence with no seat left blocks, naming it,
before any write. The org's state is read back through the API."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import start_sandbox

TODAY = "2026-12-07"
LICENCE = "Lightning Console"  # the seeded permission set licence, and Console_Agents the set bound to it
CONFIG = """version: 1
permission_sets:
  Console_Agents:
    assignees: [{assignees}]
"""


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "org" / "org.sqlite3"
    code, out = run("sandbox", "reset", "--db", str(path))
    assert code == 0, out
    return path


def config(tmp_path: Path, *assignees: str) -> Path:
    directory = tmp_path / "desired"
    directory.mkdir(exist_ok=True)
    (directory / "access.yaml").write_text(CONFIG.format(assignees=", ".join(assignees)))
    return directory


@contextlib.contextmanager
def api(db: Path) -> Iterator[Salesforce]:
    """The sandbox's org through simple-salesforce, for setting it up and reading it back."""
    with start_sandbox(db) as org:
        session = requests.Session()
        session.trust_env = False
        session.verify = org.info.ca_file
        yield Salesforce(instance_url=org.info.instance_url, session_id=org.info.access_token, session=session)


def records(db: Path, soql: str) -> list[dict[str, Any]]:
    with api(db) as sf:
        return list(sf.query(soql)["records"])


def licence_id(db: Path) -> str:
    return str(records(db, f"SELECT Id FROM PermissionSetLicense WHERE MasterLabel = '{LICENCE}'")[0]["Id"])


def used(db: Path) -> int:
    return int(records(db, f"SELECT UsedLicenses FROM PermissionSetLicense WHERE MasterLabel = '{LICENCE}'")[0]
               ["UsedLicenses"])


def holders(db: Path) -> set[str]:
    rows = records(db, "SELECT Assignee.Username FROM PermissionSetLicenseAssign "
                       f"WHERE PermissionSetLicense.MasterLabel = '{LICENCE}'")
    return {r["Assignee"]["Username"] for r in rows}


def assignees(db: Path, permission_set: str = "Console_Agents") -> set[str]:
    rows = records(db, "SELECT Assignee.Username FROM PermissionSetAssignment "
                       f"WHERE PermissionSet.Name = '{permission_set}'")
    return {r["Assignee"]["Username"] for r in rows}


def give_licence(db: Path, *usernames: str) -> None:
    psl = licence_id(db)
    with api(db) as sf:
        for username in usernames:
            user = sf.query(f"SELECT Id FROM User WHERE Username = '{username}'")["records"][0]
            sf.PermissionSetLicenseAssign.create({"AssigneeId": user["Id"], "PermissionSetLicenseId": psl})


def plan_json(desired: Path, db: Path) -> tuple[int, dict[str, Any]]:
    code, out = run("plan", str(desired), "--sandbox-db", str(db), "--today", TODAY, "--format", "json",
                    "--detailed-exitcode")
    return code, json.loads(out)


def apply(desired: Path, db: Path) -> tuple[int, str]:
    return run("apply", str(desired), "--sandbox-db", str(db), "--today", TODAY, "--yes",
               "--journal", str(db.parent / "journal.jsonl"))


def test_an_assignee_who_holds_the_licence_is_assigned_without_a_blocker(tmp_path: Path, db: Path) -> None:
    give_licence(db, "erin@acme.com")
    desired = config(tmp_path, "erin@acme.com")
    code, plan = plan_json(desired, db)
    assert code == 2 and plan["blockers"] == []
    [change] = plan["changes"]
    assert change["key"] == "permission_set_assignment:Console_Agents/erin@acme.com"
    assert "consumes_license" not in change["risks"] and plan["licenses"] == []  # erin has her seat already
    code, out = apply(desired, db)
    assert code == 0, out
    assert assignees(db) == {"erin@acme.com"} and used(db) == 1
    assert plan_json(desired, db)[0] == 0


def test_an_assignee_without_the_licence_gets_it_with_the_set(tmp_path: Path, db: Path) -> None:
    desired = config(tmp_path, "erin@acme.com")
    code, plan = plan_json(desired, db)
    assert code == 2 and plan["blockers"] == []
    [change] = plan["changes"]
    assert "consumes_license" in change["risks"]
    assert plan["licenses"] == [{"name": LICENCE, "total": 3, "used_before": 0, "used_after": 1}]
    code, out = apply(desired, db)
    assert code == 0, out
    assert assignees(db) == {"erin@acme.com"} and holders(db) == {"erin@acme.com"} and used(db) == 1
    assert plan_json(desired, db)[0] == 0


def test_two_sets_of_one_licence_take_one_seat(tmp_path: Path, db: Path) -> None:
    with api(db) as sf:
        sf.PermissionSet.create({"Name": "Console_Supervisors", "Label": "Console Supervisors",
                                 "LicenseId": licence_id(db)})
    desired = config(tmp_path, "erin@acme.com")
    (desired / "access.yaml").write_text(CONFIG.format(assignees="erin@acme.com")
                                         + "  Console_Supervisors:\n    assignees: [erin@acme.com]\n")
    code, plan = plan_json(desired, db)
    assert code == 2 and len(plan["changes"]) == 2
    assert plan["licenses"] == [{"name": LICENCE, "total": 3, "used_before": 0, "used_after": 1}]
    code, out = apply(desired, db)
    assert code == 0, out
    assert assignees(db, "Console_Supervisors") == {"erin@acme.com"} and used(db) == 1
    assert plan_json(desired, db)[0] == 0


def test_a_licence_with_no_seat_left_blocks_naming_it_and_nothing_is_written(tmp_path: Path, db: Path) -> None:
    give_licence(db, "carol@acme.com", "dan@acme.com")  # 2 of 3 seats used
    code, plan = plan_json(config(tmp_path, "erin@acme.com"), db)
    assert code == 2 and plan["licenses"][0]["used_after"] == 3
    desired = config(tmp_path, "erin@acme.com", "alice@acme.com", "carol@acme.com")  # carol has hers
    code, plan = plan_json(desired, db)
    assert code == 1
    [blocker] = plan["blockers"]
    assert blocker["code"] == "license-exhausted"
    assert f"licence {LICENCE!r}: 2 of 3 seats used; the plan needs 2 more" in blocker["message"]
    code, _ = apply(desired, db)
    assert code == 1
    assert assignees(db) == set() and holders(db) == {"carol@acme.com", "dan@acme.com"}
