"""Inputs that are not UTF-8 text files: one clear, file-named message and exit 1 from every command that loads
the config (validate, plan, apply share the loader), never a hang or a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [["validate"], ["plan"], ["apply", "--yes"]]


def _inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "latin1.yaml").write_bytes("groups:\n  - name: Caf\xe9\n".encode("latin-1"))
    (tmp_path / "utf16.yaml").write_bytes("groups: []\n".encode("utf-16"))
    (tmp_path / "stray.yaml").write_bytes(b"version: 1\norg: \x80\n")
    return {
        "fifo": (tmp_path / "pipe.yaml", "unreadable-file: is not a regular file"),
        "dev-zero": (Path("/dev/zero"), "unreadable-file: is not a regular file"),
        "latin1": (tmp_path / "latin1.yaml", ":2:14: error not-utf8: byte 0xE9"),
        "utf16": (tmp_path / "utf16.yaml", ":1:1: error not-utf8: byte 0xFF"),
        "stray": (tmp_path / "stray.yaml", ":2:6: error not-utf8: byte 0x80"),
    }


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", ["fifo", "dev-zero", "latin1", "utf16", "stray"])
def test_one_clear_message_and_exit_1(tmp_path: Path, command: list[str], case: str) -> None:
    path, expected = _inputs(tmp_path)[case]
    result = subprocess.run([sys.executable, "-m", "reconciler", *command, str(path)], capture_output=True,
                            text=True, timeout=60, cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"})
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Traceback" not in output
    assert [line for line in output.splitlines() if "error " in line and str(path) in line] == \
        [line for line in output.splitlines() if expected in line]
    assert any(line.startswith(str(path)) and expected in line for line in output.splitlines())
