"""A journal that can't be written mid-apply (file size limit, disk full): one line saying so and what had
reached the org by then, exit 1, no traceback; a rerun converges."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from reconciler.sandbox.runner import RunningSandbox
from tests.apply.conftest import org_env
from tests.apply.test_apply_cli import TODAY, apply, plan_exit


def test_a_journal_hitting_the_file_size_limit_ends_in_one_line(sandbox: RunningSandbox, config: Path,
                                                                 tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    journal.write_text("x" * 4000 + "\n")  # earlier runs; the limit lets a few more lines in
    limit = journal.stat().st_size + 700

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "apply", str(config), "--org", "env", "--today", TODAY,
         "--journal", str(journal), "--yes", "--allow-irreversible"],
        env={**os.environ, **org_env(sandbox)}, capture_output=True, text=True, preexec_fn=small_files,
        timeout=120, check=False)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("connected to ")]
    assert len(lines) == 1, result.stderr  # besides the line saying where apply connected
    assert f"error: the journal {journal} could not be written: File too large" in lines[0]
    assert "written to the org by then: " in lines[0] and "rerun apply" in lines[0]
    rerun = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert rerun.exit_code == 0, rerun.output
    assert plan_exit(sandbox, config) == 0
