"""The installed entry point's exit codes: usage errors are 1, never 2 (2 means "changes" for plan)."""

from __future__ import annotations

import subprocess
import sys

import pytest

RUN = [sys.executable, "-m", "reconciler"]


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--bogus", "--detailed-exitcode"],
        ["plan", "--detailed-exitcode", "--format", "xml"],
        ["validate", "desired", "--format", "xml"],
        ["apply", "--no-such-flag"],
        ["sandbox", "serve", "--fault", "nonsense"],
    ],
)
def test_usage_errors_exit_1_with_a_message_and_no_traceback(args: list[str]) -> None:
    result = subprocess.run([*RUN, *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_arguments_shows_help_and_succeeds() -> None:
    result = subprocess.run(RUN, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "validate" in result.stdout and "plan" in result.stdout and "apply" in result.stdout
