"""The pre-commit hooks guestlist ships run `guestlist validate` on the whole config directory."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples.conftest import ROOT

HOOKS = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def run_hook(hook: dict[str, Any], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs the hook as pre-commit does with pass_filenames: false: entry, then args, and no file names."""
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [*shlex.split(hook["entry"]), *hook.get("args", [])]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_hooks_take_the_whole_directory_not_the_changed_files() -> None:
    assert set(HOOKS) == {"guestlist-validate", "guestlist-validate-strict"}
    for hook in HOOKS.values():
        assert hook["pass_filenames"] is False
        assert hook["language"] == "python"
        assert hook["entry"].startswith("guestlist validate")


def test_the_validate_hook_passes_on_the_demo() -> None:
    result = run_hook(HOOKS["guestlist-validate"], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 files: 4 groups" in result.stdout


@pytest.mark.parametrize("hook_id", sorted(HOOKS))
def test_the_hooks_fail_a_commit_that_breaks_the_config(hook_id: str, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "desired", tmp_path / "desired")
    partners = tmp_path / "desired" / "groups" / "partners.yaml"
    partners.write_text(partners.read_text().replace("access: private", "access: secret", 1))

    result = run_hook(HOOKS[hook_id], tmp_path)

    assert result.returncode == 1
    assert "desired/groups/partners.yaml:" in result.stdout + result.stderr
