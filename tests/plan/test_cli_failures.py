"""`guestlist plan` when no plan can be made: an invalid config, an org that can't be reached, an org that fails
or refuses mid-read (the sandbox's own daily allowance and its fault injection through the /_sandbox/ admin path).

Every failure exits 1 with one plain line on stderr; with --format json stdout also holds exactly one JSON object
(`{"format_version": 1, "ok": false, "error": {...}}`), so a pipeline reading stdout always gets a document.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.faults import FaultKind, FaultPlan, FaultRule
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.plan.conftest import env_of

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-22"
NO_CREDENTIALS = dict.fromkeys(
    ("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_PASSWORD")
)


def invoke(args: list[str], env: dict[str, str | None]):
    result = CliRunner().invoke(app, ["plan", *args, "--today", TODAY], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result


def one_json_object(stdout: str) -> dict:
    document = json.loads(stdout)  # raises unless stdout is exactly one JSON document
    assert isinstance(document, dict)
    return document


def plan_against(org: RunningSandbox, *args: str):
    return invoke([str(REPO / "desired"), "--org", "env", *args], {**NO_CREDENTIALS, **env_of(org)})


def error_lines(stderr: str) -> str:
    """stderr without the line saying where plan connected (printed before it reads the org)."""
    return "\n".join(line for line in stderr.strip().splitlines() if not line.startswith("connected to "))


def set_faults(org: RunningSandbox, rules: list[dict]) -> None:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    answer = session.put(f"{org.info.instance_url}/_sandbox/faults", json={"rules": rules}, verify=org.info.ca_file,
                         headers={"Authorization": f"Bearer {org.info.access_token}"})  # the administrator's session
    assert answer.status_code == 200, answer.text


# -- --format json always prints one object -----------------------------------------------------------------------


def test_an_invalid_config_prints_its_problems_as_json(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("groups:\n  - name: X\n    acess: private\n")
    result = invoke([str(tmp_path / "bad.yaml"), "--org", "env", "--format", "json"], NO_CREDENTIALS)
    assert result.exit_code == 1
    document = one_json_object(result.stdout)
    assert document["format_version"] == 1 and document["ok"] is False
    assert document["error"]["code"] == "invalid-config"
    assert "no plan was made" in document["error"]["message"]
    problem = document["problems"][0]
    assert problem["file"].endswith("bad.yaml") and (problem["line"], problem["col"]) == (3, 5)
    assert problem["severity"] == "error"
    assert "bad.yaml:3:5" in result.stderr  # the human lines stay on stderr


def test_an_unreachable_org_prints_a_json_error(tmp_path: Path) -> None:
    result = invoke([str(REPO / "desired"), "--org", "env", "--format", "json"], NO_CREDENTIALS)
    assert result.exit_code == 1
    document = one_json_object(result.stdout)
    assert document["ok"] is False and document["error"]["code"] == "connect-failed"
    assert "no complete set of Salesforce credentials" in document["error"]["message"]
    assert result.stderr.startswith("error: ")


def test_a_bad_option_prints_a_json_error() -> None:
    result = invoke([str(REPO / "desired"), "--format", "json", "--out", str(REPO / "desired")], NO_CREDENTIALS)
    assert result.exit_code == 1
    error = one_json_object(result.stdout)["error"]
    assert error["code"] == "bad-option" and "is a directory: name the file to write" in error["message"]


def test_a_missing_out_directory_is_refused_before_the_org_is_read(tmp_path: Path) -> None:
    out = tmp_path / "typo" / "plan.json"
    result = invoke([str(REPO / "desired"), "--org", "env", "--format", "json", "--out", str(out)], NO_CREDENTIALS)
    assert result.exit_code == 1
    assert result.stderr == f"error: --out {out}: the directory {out.parent} does not exist (create it first)\n"
    assert one_json_object(result.stdout)["error"]["code"] == "bad-option"  # not connect-failed: nothing was read
    assert not out.parent.exists()


def test_text_and_markdown_keep_stdout_empty_on_errors(tmp_path: Path) -> None:
    for output_format in ("text", "markdown"):
        result = invoke([str(REPO / "desired"), "--org", "env", "--format", output_format], NO_CREDENTIALS)
        assert result.exit_code == 1 and result.stdout == "" and result.stderr.startswith("error: ")


def test_a_plan_says_ok_and_a_blocked_plan_says_not_ok(org: RunningSandbox, tmp_path: Path) -> None:
    fine = plan_against(org, "--format", "json")
    assert fine.exit_code == 0 and one_json_object(fine.stdout)["ok"] is True
    config = tmp_path / "desired"
    shutil.copytree(REPO / "desired", config)
    partners = config / "groups/partners.yaml"
    partners.write_text(partners.read_text().replace("owner: alice@acme.com", "owner: nobody@acme.com", 1))
    blocked = invoke([str(config), "--org", "env", "--format", "json"], {**NO_CREDENTIALS, **env_of(org)})
    assert blocked.exit_code == 1
    document = one_json_object(blocked.stdout)
    assert document["ok"] is False and "missing-owner" in {b["code"] for b in document["blockers"]}


# -- the org failing while it is read -----------------------------------------------------------------------------


def test_a_spent_daily_allowance_is_said_in_plain_words(demo_db: Path, tmp_path: Path) -> None:
    """The sandbox's own daily allowance (set with `guestlist sandbox limits`), spent during the reads."""
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    limits = CliRunner().invoke(app, ["sandbox", "limits", "--db", str(db), "--daily-api-requests", "3"])
    assert limits.exit_code == 0, limits.stdout + limits.stderr
    result = invoke([str(REPO / "desired"), "--org", "sandbox", "--sandbox-db", str(db), "--format", "json"], {})
    assert result.exit_code == 1
    line = error_lines(result.stderr)
    assert "\n" not in line and "HTTP 403" not in line and "fault" not in line
    assert "the org's daily API request allowance is spent (the org last reported 3 of 3 used)" in line
    assert "rolling 24 hours" in line and "raise the org's API request limit" in line
    error = one_json_object(result.stdout)["error"]
    assert error["code"] == "api-limit-exceeded" and error["message"] == line.removeprefix("error: ")


@pytest.mark.parametrize(
    ("kind", "expected", "code"),
    [
        ("limit-exceeded", "the org's daily API request allowance is spent", "api-limit-exceeded"),
        ("500", "the org failed with an internal error (HTTP 500 UNKNOWN_EXCEPTION): try again; if it persists, "
                "give Salesforce support ErrorId ", "org-error"),
        ("503", "the org is temporarily unavailable (HTTP 503 SERVER_UNAVAILABLE; retried): try again in a few "
                "minutes", "org-error"),
    ],
)
def test_org_failures_while_reading_are_one_plain_line(org: RunningSandbox, kind: str, expected: str,
                                                      code: str) -> None:
    set_faults(org, [{"kind": kind, "path": "/query"}])
    try:
        result = plan_against(org, "--format", "json")
    finally:
        set_faults(org, [])
    assert result.exit_code == 1
    line = error_lines(result.stderr)
    assert "\n" not in line and line.startswith("error: reading ") and expected in line, line
    assert org.info.access_token not in result.stdout + result.stderr
    error = one_json_object(result.stdout)["error"]
    assert error["code"] == code and expected in error["message"]


def test_an_ended_session_that_cannot_be_renewed_is_one_plain_line(demo_db: Path, tmp_path: Path) -> None:
    """A 401 mid-read (the sandbox's expired-session fault, which really ends the session, so on an org of its
    own): an access token can't be renewed, and the message says what to do."""
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    with start_sandbox(db, faults=FaultPlan((FaultRule(FaultKind.EXPIRED_SESSION, path="/query"),))) as running:
        result = plan_against(running, "--format", "json")
    assert result.exit_code == 1
    line = error_lines(result.stderr)
    assert "\n" not in line and line.startswith("error: reading ") and running.info.access_token not in line
    assert ("the org does not accept the session (HTTP 401 INVALID_SESSION_ID); an access token cannot be "
            "renewed: set a fresh SF_ACCESS_TOKEN") in line
    assert one_json_object(result.stdout)["error"]["code"] == "connect-failed"
