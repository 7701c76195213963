"""--redact (and GUESTLIST_REDACT=1) covers every byte a command writes to stdout and stderr, in every format:
canary people in the config and in the org never appear, through validate, plan and apply, on success, warnings,
errors and a broken config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app

REPO = Path(__file__).resolve().parents[1]
TODAY = "2026-11-22"
# each canary is a token that must never be printed while redacting (masking keeps only a first character)
CANARIES = ("zyxcanary", "vexcanary", "quillfeather", "marrowcanary", "quokkanary", "oldcanary")

CANARY_CUSTOMERS = """
      - customer: zyxcanary@canarycorp.example
        expires: 2027-03-31
        sponsor: bob@acme.com
        message: Quokkanary says hello
      - customer: oldcanary@canarycorp.example
        expires: 2026-01-31
        sponsor: bob@acme.com
"""
CANARY_EXTERNAL_USER = """
  - username: vexcanary@contoso.com.acmepartners
    email: vexcanary@contoso.com
    first_name: Quillfeather
    last_name: Marrowcanary
    account: Contoso Ltd
    license: Partner Community
    profile: Partner Community User
    portal_role: user
    active: true
    expires: 2027-06-30
    sponsor: bob@acme.com
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The demo config with canary customers (one expired: a warning names them) and a canary external user."""
    target = tmp_path / "desired"
    shutil.copytree(REPO / "desired", target)
    partners = target / "groups" / "partners.yaml"
    text = partners.read_text()
    anchor = "      - customer: raj@contoso.com\n"
    assert anchor in text
    partners.write_text(text.replace(anchor, CANARY_CUSTOMERS.lstrip("\n") + anchor, 1))
    people = target / "people.yaml"
    text = people.read_text()
    assert "external_users:\n" in text
    people.write_text(text.replace("external_users:\n", "external_users:" + CANARY_EXTERNAL_USER, 1))
    return target


def run(args: list[str], env: dict[str, str] | None = None) -> tuple[int, bytes]:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout_bytes + result.stderr_bytes


def leaked(output: bytes) -> list[str]:
    text = output.decode("utf-8", "replace").lower()
    return [canary for canary in CANARIES if canary in text]


def test_without_redact_the_canaries_are_printed(config: Path, tmp_path: Path) -> None:
    """The control: the canaries do reach the output, so the redacted runs below can fail."""
    _, output = run(["plan", str(config), "--sandbox-db", str(tmp_path / "org.sqlite3"), "--today", TODAY])
    assert set(leaked(output)) >= {"zyxcanary", "vexcanary", "quillfeather", "marrowcanary", "oldcanary"}


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_nothing_private_in_any_format_of_validate_plan_and_apply(config: Path, tmp_path: Path, how: str) -> None:
    flag = ["--redact"] if how == "flag" else []
    env = {"GUESTLIST_REDACT": "1"} if how == "environment" else None
    db = ["--sandbox-db", str(tmp_path / "org.sqlite3")]
    runs: list[tuple[list[str], set[int]]] = [
        (["validate", str(config), "--today", TODAY], {0}),
        (["validate", str(config), "--today", TODAY, "--format", "json"], {0}),
        (["validate", str(config), "--today", TODAY, "--format", "github"], {0}),
        *((["plan", str(config), *db, "--today", TODAY, "--format", f], {0})
          for f in ("text", "markdown", "json", "github")),
        (["apply", str(config), *db, "--today", TODAY, "--yes", "--allow-irreversible",
          "--journal", str(tmp_path / "journal.jsonl")], {0, 1}),
        (["plan", str(config), *db, "--today", TODAY], {0}),
    ]
    for args, codes in runs:
        code, output = run([*args, *flag], env)
        assert code in codes, (args, output.decode())
        assert leaked(output) == [], (args, output.decode())
    # the canaries now live in the org: a config without them plans their removal, which names them too
    shutil.copytree(REPO / "desired", tmp_path / "without")
    for output_format in ("text", "markdown", "json", "github"):
        _, output = run(["plan", str(tmp_path / "without"), *db, "--today", TODAY, "--format", output_format,
                         *flag], env)
        assert b"canarycorp.example" in output  # the removal is there, its person masked
        assert leaked(output) == [], output.decode()


def test_a_broken_config_names_nobody(config: Path) -> None:
    partners = config / "groups" / "partners.yaml"
    partners.write_text(partners.read_text().replace("        message: Quokkanary says hello\n",
                                                     "        mesage: Quokkanary says hello\n"))
    (config / "more.yaml").write_text("groups:\n  - name: Oops\n    members:\n      - customer: zyxcanary@nowhere\n")
    for args in (["validate", str(config)], ["validate", str(config), "--format", "json"],
                 ["plan", str(config), "--org", "env"], ["apply", str(config), "--org", "env", "--yes"]):
        code, output = run([*args, "--today", TODAY, "--redact"])
        assert code == 1, output.decode()
        assert b"unknown-key" in output or b"unknown key" in output
        assert leaked(output) == [], (args, output.decode())


def test_the_environment_switch_covers_a_whole_process(config: Path, tmp_path: Path) -> None:
    """`python -m reconciler`, as a pipeline runs it: every byte of stdout and stderr."""
    env = {**os.environ, "GUESTLIST_REDACT": "1"}
    args = [sys.executable, "-m", "reconciler", "plan", str(config), "--sandbox-db", str(tmp_path / "o.sqlite3"),
            "--today", TODAY, "--format", "markdown"]
    done = subprocess.run(args, capture_output=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert b"z***@canarycorp.example" in done.stdout
    assert leaked(done.stdout + done.stderr) == []
