"""`guestlist sandbox ...` from the command line: serve (first line JSON, clean stop), reset, accept, settings,
limits."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceRefusedRequest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import SandboxInfo
from tests.sandbox.api.conftest import connect

RUN = [sys.executable, "-c", "from reconciler.cli import main; main()", "sandbox"]


def _serve(db: Path, *options: str) -> tuple[subprocess.Popen[str], SandboxInfo]:
    process = subprocess.Popen([*RUN, "serve", "--db", str(db), *options], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()
    data = json.loads(first)
    assert set(data) == {"instance_url", "access_token", "ca_file", "username"}
    return process, SandboxInfo(**data)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_how_to_connect_and_stops_cleanly(tmp_path: Path, templates: dict[str, Path],
                                                       stop: signal.Signals) -> None:
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(templates["demo"], db)
    process, info = _serve(db, "--fault", "503:path=/limits,nth=1")
    try:
        sf = connect(info)
        assert sf.query("SELECT Name FROM Organization")["records"][0]["Name"] == "Acme"
        assert info.username == "admin@acme.com" and info.ca_file == str(tmp_path / "ca.pem")
        with pytest.raises(SalesforceGeneralError):
            sf.limits()
        assert sf.limits()["DailyApiRequests"]["Max"] == 113000
    finally:
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0, stderr
    assert "sandbox org stopped" in stderr and "Traceback" not in stderr


def test_serve_creates_a_bare_org_with_empty(tmp_path: Path) -> None:
    process, info = _serve(tmp_path / "new" / "org.sqlite3", "--empty", "--latency-ms", "1")
    try:
        sf = connect(info)
        assert sf.query("SELECT COUNT() FROM CollaborationGroup")["totalSize"] == 0
        assert sf.query("SELECT COUNT() FROM User")["totalSize"] == 1
    finally:
        process.terminate()
        process.communicate(timeout=20)
    assert process.returncode == 0


def test_serve_refuses_a_bad_fault_spec(tmp_path: Path) -> None:
    result = subprocess.run([*RUN, "serve", "--db", str(tmp_path / "x.sqlite3"), "--fault", "500:nth=zero"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stdout == ""
    assert "error: fault '500:nth=zero': nth must be a number" in result.stderr and "Traceback" not in result.stderr


def test_reset_accept_and_settings(tmp_path: Path, templates: dict[str, Path]) -> None:
    runner = CliRunner()
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(templates["demo"], db)
    accepted = runner.invoke(app, ["sandbox", "accept", "raj@contoso.com", "--db", str(db)])
    assert accepted.exit_code == 0, accepted.output
    assert json.loads(accepted.stdout)["username"] == "raj@guest.acme.com"
    again = runner.invoke(app, ["sandbox", "accept", "raj@contoso.com", "--db", str(db)])
    assert again.exit_code == 1 and "raj@contoso.com: No pending invitation" in again.output

    changed = runner.invoke(app, ["sandbox", "settings", "--db", str(db), "--no-allow-invitations",
                                  "--domains", "acme.com, acme.org"])
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout) == {"allow_invitations": False, "domains": ["acme.com", "acme.org"]}
    shown = runner.invoke(app, ["sandbox", "settings", "--db", str(db)])
    assert json.loads(shown.stdout) == json.loads(changed.stdout)

    reset = runner.invoke(app, ["sandbox", "reset", "--db", str(db)])
    assert reset.exit_code == 0 and "the demo org" in reset.output
    assert json.loads(runner.invoke(app, ["sandbox", "settings", "--db", str(db)]).stdout)["allow_invitations"]
    emptied = runner.invoke(app, ["sandbox", "reset", "--db", str(db), "--empty"])
    assert emptied.exit_code == 0 and "a bare org" in emptied.output


def test_commands_on_a_missing_database_say_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sandbox", "settings", "--db", str(tmp_path / "none.sqlite3")])
    assert result.exit_code == 1 and "no sandbox database at" in result.output
    assert not (tmp_path / "none.sqlite3").exists()


def test_a_file_that_is_not_a_database_is_refused_without_a_traceback(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.sqlite3"
    not_a_db.write_text("shopping list\n")
    for command in (["reset"], ["settings"], ["accept", "someone@example.com"]):
        result = CliRunner().invoke(app, ["sandbox", *command, "--db", str(not_a_db)])
        assert result.exit_code == 1, command
        assert f"{not_a_db} is not a sandbox database" in result.output and result.exception.__class__ is SystemExit


def _foreign_database(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("command", [["accept", "raj@contoso.com"], ["settings", "--domains", "x.com"],
                                     ["limits", "--daily-api-requests", "1"], ["reset"], ["serve"]])
def test_another_applications_database_is_refused_and_left_alone(tmp_path: Path, command: list[str]) -> None:
    other = tmp_path / "other.db"
    before = _foreign_database(other)
    result = CliRunner().invoke(app, ["sandbox", command[0], "--db", str(other), *command[1:]])
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [f"error: {other} is not a sandbox database (no sandbox marker, and it "
                                          "holds other tables: invoices; name a new file to create a sandbox)"]
    assert other.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_plan_refuses_another_applications_database_as_its_sandbox(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    before = _foreign_database(other)
    desired = Path(__file__).resolve().parents[3] / "desired"
    result = CliRunner().invoke(app, ["plan", str(desired), "--sandbox-db", str(other)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1
    assert f"{other} is not a sandbox database (no sandbox marker" in result.stderr
    assert other.read_bytes() == before


def test_limits_sets_the_daily_allowance_of_a_running_sandbox(tmp_path: Path, start: Any) -> None:
    runner = CliRunner()
    with start(tmp_path / "org") as sandbox:
        db = str(tmp_path / "org" / "org.sqlite3")
        shown = runner.invoke(app, ["sandbox", "limits", "--db", db])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["daily_api_requests"]["max"] == 113000
        changed = runner.invoke(app, ["sandbox", "limits", "--db", db, "--daily-api-requests", "3",
                                      "--reset-usage"])
        assert json.loads(changed.stdout) == {"daily_api_requests": {"max": 3, "used": 0},
                                              "concurrent_api_requests": {"refusals_pending": 0}}
        sf = connect(sandbox.info)
        assert sf.limits()["DailyApiRequests"] == {"Max": 3, "Remaining": 2}
        sf.limits()
        sf.limits()
        with pytest.raises(SalesforceRefusedRequest):
            sf.limits()
    refused = runner.invoke(app, ["sandbox", "limits", "--db", db, "--daily-api-requests", "-1"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output


def test_limits_busy_refuses_the_next_requests_at_the_concurrent_limit(tmp_path: Path, start: Any) -> None:
    """real-orgs.md §7.2: REQUEST_LIMIT_EXCEEDED for the concurrent-request limit, not the daily allowance."""
    runner = CliRunner()
    with start(tmp_path / "org") as sandbox:
        db = str(tmp_path / "org" / "org.sqlite3")
        sf = connect(sandbox.info)
        sf.query("SELECT Id FROM Organization")
        used = sf.api_usage["api-usage"].used
        busy = runner.invoke(app, ["sandbox", "limits", "--db", db, "--busy", "2"])
        assert json.loads(busy.stdout)["concurrent_api_requests"] == {"refusals_pending": 2}
        for _ in range(2):
            with pytest.raises(SalesforceRefusedRequest) as caught:
                sf.query("SELECT Id FROM Organization")
            assert caught.value.content == [{"message": "ConcurrentRequests (Concurrent API Requests) Limit "
                                                        "exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED",
                                             "fields": []}]
        assert sf.query("SELECT Id FROM Organization")["totalSize"] == 1
        shown = json.loads(runner.invoke(app, ["sandbox", "limits", "--db", db]).stdout)
    assert shown == {"daily_api_requests": {"max": 113000, "used": used + 1},  # the refusals were not counted
                     "concurrent_api_requests": {"refusals_pending": 0}}
