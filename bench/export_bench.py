"""guestlist export of a large sandbox org over HTTPS (issue 11's goal: 20,000 users and 40,000 memberships in
bounded memory, the request count within 5% of the query-page floor). Not a test: figures against the goals.

The org is seeded through the sandbox's own store and rules (tests/export/large_org.py), served on loopback, and
exported by `python -m reconciler export` in a child process, whose peak resident memory (ru_maxrss) is measured.
The floor is the fewest query pages that can carry the records each read returns: max(1, ceil(records / 2,000))
per read, summed, plus the connected user's identity (userinfo) and ChatterSettings (a Metadata API read), one
request each (tests/export/page_floor.py); the sandbox counts every request it answers.

python bench/export_bench.py [--scale 1.0] [--memory-goal-mb 256]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.sandbox.runner import start_sandbox  # noqa: E402
from tests.export.large_org import BENCH_ORG, LargeOrg, seed_large_org  # noqa: E402
from tests.export.page_floor import query_page_floor  # noqa: E402

REQUESTS_GOAL = 1.05  # within 5% of the floor


def scaled(org: LargeOrg, scale: float) -> LargeOrg:
    return replace(org, **{name: max(2, round(getattr(org, name) * scale))
                           for name in ("chatter_free", "standard", "customers", "community", "groups",
                                        "memberships")})


def export(instance_url: str, token: str, ca_file: str, out: Path) -> tuple[int, str, float, int]:
    """Runs the export in a child process; returns (exit code, stderr, seconds, peak RSS in KiB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "SFDX_", "GUESTLIST_"))}
    env.update({"SF_INSTANCE_URL": instance_url, "SF_ACCESS_TOKEN": token, "SF_CA_FILE": ca_file,
                "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "reconciler", "export", "--org", "env", "--out", str(out),
                           "--split", "--today", "2026-11-22"], env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return done.returncode, done.stderr, seconds, peak if peak > before else before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of the goal's org (1.0: 20,000 users)")
    parser.add_argument("--memory-goal-mb", type=int, default=256, help="the peak RSS the export should stay under")
    args = parser.parse_args()
    org = scaled(BENCH_ORG, args.scale) if args.scale != 1.0 else BENCH_ORG

    with tempfile.TemporaryDirectory(prefix="guestlist-export-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        seeded = seed_large_org(root / "org.sqlite3", org)
        seed_seconds = time.perf_counter() - started
        with start_sandbox(root / "org.sqlite3", seed="empty") as sandbox:
            floor = query_page_floor(sandbox.store)
            sandbox.admin.counters.reset()
            code, stderr, seconds, peak_kib = export(sandbox.info.instance_url, sandbox.info.access_token,
                                                     sandbox.info.ca_file, root / "out")
            served = sandbox.admin.counters.snapshot()
        if code != 0:
            print(stderr)
            raise SystemExit(f"export failed with exit code {code}")
        files = sorted((root / "out").rglob("*.yaml"))
        size = sum(f.stat().st_size for f in files)

    printed = [line for line in stderr.splitlines() if line.startswith("API requests used: ")]
    requests = int(printed[-1].split(": ")[1].rstrip(".")) if printed else -1
    peak_mb = peak_kib / 1024
    print(f"export: {seeded['users']:,} users, {seeded['groups']} groups, {seeded['memberships']:,} memberships, "
          f"{seeded['assignments']:,} permission-set assignments, {seeded['invitations']} pending invitations "
          f"(seeded in {seed_seconds:.0f} s)")
    print(f"{'read':<32}{'records':>9}{'floor':>7}")
    for read, (records, pages) in floor.items():
        print(f"{read:<32}{records:>9}{pages:>7}")
    total_floor = sum(pages for _, pages in floor.values())
    goal = math.floor(total_floor * REQUESTS_GOAL)
    print(f"API requests: {requests} as export printed, {served['total']} as the sandbox answered "
          f"({', '.join(f'{k} {v}' for k, v in served['by_endpoint'].items())})")
    print(f"query-page floor: {total_floor}; goal: at most {goal} (floor + 5%): "
          f"{'met' if 0 < requests <= goal else 'NOT met'}")
    print(f"peak memory of the export process: {peak_mb:.0f} MB (goal: under {args.memory_goal_mb} MB): "
          f"{'met' if peak_mb < args.memory_goal_mb else 'NOT met'}")
    print(f"wall time: {seconds:.1f} s; wrote {len(files)} files, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
