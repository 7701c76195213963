"""Running the export contract through the CLI: export, then validate and plan on what it wrote, with the same
--today and the same org."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from reconciler.cli import app
from tests.test_cli_contract import NO_CREDENTIALS

TODAY = "2026-11-22"
# a Salesforce record id: a known key prefix, then 12 or 15 more letters and digits
RECORD_ID = re.compile(r"\b(?:005|0F9|0FB|0H1|0PS|0Pa|001|003|00D|00e|100)[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?\b")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str


def cli(args: list[str], env: dict[str, str] | None = None) -> Run:
    result = CliRunner().invoke(app, args, env={**NO_CREDENTIALS, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    assert "failed unexpectedly" not in result.stderr, result.stderr
    return Run(result.exit_code, result.stdout, result.stderr)


def assert_contract(out: Path, org_args: list[str], *export_args: str, today: str = TODAY,
                    env: dict[str, str] | None = None) -> Run:
    """`guestlist export --out out && guestlist validate out && guestlist plan out --detailed-exitcode` exits 0;
    returns the export's run."""
    exported = cli(["export", "--out", str(out), *export_args, *org_args, "--today", today], env)
    assert exported.code == 0, exported.stderr
    validated = cli(["validate", str(out), "--today", today], env)
    assert validated.code == 0, (validated.stdout, _files(out))
    planned = cli(["plan", str(out), *org_args, "--today", today, "--detailed-exitcode"], env)
    assert planned.code == 0, (planned.stdout, planned.stderr, _files(out))
    assert "No changes" in planned.stdout
    return exported


def _files(out: Path) -> str:
    return "\n".join(f"--- {p}\n{p.read_text()}" for p in sorted(out.rglob("*.yaml")))
