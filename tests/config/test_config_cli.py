"""`guestlist validate` through the CLI: output formats, exit codes, options."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from tests.config.helpers import write

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^(?P<file>[^:]+)(:(?P<line>\d+):(?P<col>\d+))?: (?P<severity>error|warning) "
                  r"(?P<rule>[a-z0-9-]+): .+$")
DESIRED_SUMMARY = "5 files: 4 groups, 17 members, 6 customers, 3 chatter users, 4 external users, 2 permission sets"


def validate(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    return write(tmp_path, {
        "groups.yaml": "groups:\n  - name: Hub\n    acess: private\n    access: public\n    allow_customers: true\n",
        "org.yaml": "org:\n  chatter: {unlisted_groups: true}\n",
    })


def test_the_default_path_is_desired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = validate("--today", "2026-11-22")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == DESIRED_SUMMARY + "\n"


def test_errors_are_listed_one_per_line_then_exit_1(broken: Path) -> None:
    result = validate(str(broken))
    assert result.exit_code == 1
    *lines, last = result.stdout.splitlines()
    assert [LINE.match(line)["rule"] for line in lines] == [
        "unknown-key", "allow-customers-needs-private", "customer-invitations-undeclared"]
    assert lines[0] == (f"{broken / 'groups.yaml'}:3:5: error unknown-key: unknown key 'acess' in groups[0] "
                        "(did you mean 'access'?)")
    assert last == "invalid: 2 errors, 1 warning in 2 files"


def test_json_output(broken: Path) -> None:
    result = validate(str(broken), "--format", "json", "--today", "2026-11-22")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"ok", "files", "today", "summary", "problems"}
    assert document["ok"] is False and document["today"] == "2026-11-22"
    assert document["files"] == [str(broken / "groups.yaml"), str(broken / "org.yaml")]
    assert document["summary"]["errors"] == 2 and document["summary"]["warnings"] == 1
    assert document["problems"][0] == {
        "file": str(broken / "groups.yaml"), "line": 3, "col": 5, "rule": "unknown-key", "severity": "error",
        "message": "unknown key 'acess' in groups[0] (did you mean 'access'?)"}


def test_json_output_of_a_valid_config() -> None:
    result = validate(str(REPO / "desired"), "--format", "json", "--today", "2026-11-22")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["problems"] == []
    assert document["summary"] == {"files": 5, "groups": 4, "members": 17, "customers": 6, "chatter_users": 3,
                                   "external_users": 4, "permission_sets": 2, "errors": 0, "warnings": 0}


def test_warnings_pass_unless_strict() -> None:
    later = ["--today", "2099-08-01"]  # some expiry dates of desired/ have passed by then
    relaxed = validate(str(REPO / "desired"), *later)
    assert relaxed.exit_code == 0
    *warnings, summary = relaxed.stdout.splitlines()
    assert warnings and all(LINE.match(w)["rule"] == "access-expired" for w in warnings)
    assert summary == f"{DESIRED_SUMMARY} ({len(warnings)} warnings)"
    assert validate(str(REPO / "desired"), *later, "--strict").exit_code == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xml"], "--format 'xml'"),
    (["--today", "22/11/2026"], "--today '22/11/2026'"),
])
def test_bad_options_exit_1(args: list[str], message: str) -> None:
    result = validate(str(REPO / "desired"), *args)
    assert result.exit_code == 1
    assert message in result.stderr


def test_a_missing_path_exits_1(tmp_path: Path) -> None:
    result = validate(str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.stdout.startswith(f"{tmp_path / 'nope'}: error path-not-found: ")


def test_python_dash_m_without_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"groups:\n  - name: [\xff\n")
    run = subprocess.run([sys.executable, "-m", "reconciler", "validate", str(tmp_path)],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert f"{tmp_path / 'bad.yaml'}:2:12: error not-utf8:" in run.stdout


@pytest.mark.parametrize("args", [["--bogus"], ["desired", "extra"], ["--format"]])
def test_command_line_usage_errors_exit_1_not_2(args: list[str]) -> None:
    """2 is plan --detailed-exitcode's "changes present": a typo in a pipeline must never look like it."""
    run = subprocess.run([sys.executable, "-m", "reconciler", "validate", *args],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.returncode == 1
    assert "Error: " in run.stderr and "Traceback" not in run.stderr


def test_json_reports_domain_rules_beside_schema_errors(tmp_path: Path) -> None:
    """A schema error in one group or file hides no domain-rule error of the parts whose structure is valid."""
    root = write(tmp_path, {
        "org.yaml": "org:\n  chatter: {enabled: true, customer_invitations: true, bogus: 1}\n",
        "g1.yaml": "groups:\n  - name: A\n    access: privat\n  - name: B\n    access: private\n"
                   "    members:\n      - customer: jane@contoso.com\n",
        "g2.yaml": "groups:\n  - name: C\n    access: private\n    members:\n      - customer: joe@contoso.com\n",
    })
    result = validate(str(root), "--format", "json", "--today", "2026-11-22")
    found = [(Path(p["file"]).name, p["line"], p["rule"]) for p in json.loads(result.stdout)["problems"]]
    assert result.exit_code == 1
    assert found == [("g1.yaml", 3, "invalid-value"), ("g1.yaml", 7, "customers-need-allow-customers"),
                     ("g2.yaml", 5, "customers-need-allow-customers"), ("org.yaml", 2, "unknown-key")]


EXPIRING = """\
org: {chatter: {enabled: true, customer_invitations: true}}
groups:
  - name: Hub
    access: private
    allow_customers: true
    members:
      - customer: jane@contoso.com
        expires: 2026-11-30
        sponsor: bob@acme.com
"""


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_validate_warns_about_access_expiring_in_every_format_and_redacts_it(tmp_path: Path,
                                                                             output_format: str) -> None:
    write(tmp_path, {"config.yaml": EXPIRING})
    args = ["validate", str(tmp_path / "config.yaml"), "--today", "2026-11-22", "--format", output_format]
    plain = CliRunner().invoke(app, args)
    assert plain.exit_code == 0, plain.output  # a warning: valid
    assert "access-expiring" in plain.stdout and "jane@contoso.com: access to group 'Hub' expires on 2026-11-30 " \
        "(in 8 days); sponsor bob@acme.com" in plain.stdout
    redacted = CliRunner().invoke(app, [*args, "--redact"])
    assert "jane@contoso.com" not in redacted.stdout and "j***@contoso.com" in redacted.stdout
    assert "sponsor bob@acme.com" in redacted.stdout
    narrow = CliRunner().invoke(app, [*args, "--expiring-within", "7"])
    assert "access-expiring" not in narrow.stdout
    assert CliRunner().invoke(app, [*args, "--strict"]).exit_code == 1
