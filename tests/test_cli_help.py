"""The CLI describes itself: `--version`, and each command's --help lists its exit codes and shows flags as flags
(the same whatever typer version is installed: click's plain help, not typer's rich panels)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ("validate", "plan", "apply")


def test_version_prints_the_packages_version_and_exits_0() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    done = subprocess.run([sys.executable, "-m", "reconciler", "--version"], capture_output=True, text=True,
                          cwd=REPO, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"guestlist {version}\n", "")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lists_the_exit_codes_and_shows_flags_as_flags(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=120)
    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    assert "Exit codes: 0 " in help_text and "130 interrupted" in help_text
    assert "<bool>" not in result.stdout and "╭" not in result.stdout
    assert "--redact " in result.stdout


def test_apply_help_names_every_exit_code_apply_can_end_with() -> None:
    help_text = " ".join(CliRunner().invoke(app, ["apply", "--help"], terminal_width=120).stdout.split())
    for code in ("0 applied", "1 an error", "3 refused by a safety gate", "4 --plan: the saved plan is stale",
                 "5 another apply holds the org's lock"):
        assert code in help_text
