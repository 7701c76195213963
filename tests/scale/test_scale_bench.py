"""bench/scale.py at size XS prints every row of issue 14's table with a verdict; the deterministic figure (apply's
write requests against their floor) is asserted, the timed ones only shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROWS = ("plan wall time, no latency", "plan peak memory (max RSS)", "plan read requests / floor",
        "plan wall with 50 ms latency / critical path", "apply: write requests / sum ceil(n/200)",
        "diff time exponent, 1,000 -> 4,000 memberships")


def test_scale_bench_prints_the_table_at_xs(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "scale.py"), "--size", "XS", "--keep",
                           str(tmp_path), "--diff-sizes", "1000,4000"], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for row in ROWS:
        found = [line for line in lines if line.startswith(row)]
        assert found and re.search(r"\b(PASS|FAIL)\b", found[0]), (row, done.stdout)
    assert re.search(r"^YAML load: [\d.]+ s, max RSS \d+ MB", done.stdout, re.M), done.stdout
    writes = next(line for line in lines if line.startswith("apply: write requests"))
    assert re.search(r"\b3 / 3\b.*PASS", writes), writes  # one request per sObject and operation (XS's variant)
    assert (tmp_path / "XS" / "counts.json").exists()  # generated once, reused by the next run
