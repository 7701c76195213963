"""bench/scale_org.py's contract at a small size: plan against the generated org with the generated config says
"No changes"; with the 5% variant it counts exactly the adds, changes and removals the variant made."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bench.scale_org import TODAY, generate, sandbox_env
from reconciler.sandbox.runner import start_sandbox

SUMMARY = re.compile(r"Plan: (\d+) to add, (\d+) to change, (\d+) to remove\.")


def _plan(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reconciler", "plan", str(config), "--org", "env", "--today", TODAY,
                           "--detailed-exitcode"], env=env, capture_output=True, text=True, timeout=600, check=False)


def test_generated_config_matches_and_variant_counts_its_changes(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    counts = generate(db, "XS", tmp_path / "desired", tmp_path / "variant")
    assert counts["users"] >= 200 and counts["groups"] == 10
    assert counts["add"] and counts["remove"] and counts["change"]
    with start_sandbox(db, seed="empty") as sandbox:
        env = sandbox_env(sandbox.info.instance_url, sandbox.info.access_token, sandbox.info.ca_file)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env["PYTHONPATH"], os.environ.get("PYTHONPATH")]))
        matching = _plan(tmp_path / "desired", env)
        variant = _plan(tmp_path / "variant", env)
    assert matching.returncode == 0, matching.stdout + matching.stderr
    assert "No changes" in matching.stdout
    assert variant.returncode == 2, variant.stdout + variant.stderr
    summary = SUMMARY.search(variant.stdout)
    assert summary, variant.stdout
    assert tuple(map(int, summary.groups())) == (counts["add"], counts["change"], counts["remove"])
