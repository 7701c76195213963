"""Issue 14's table at a reference org size: each figure against its goal, PASS/FAIL, with a per-record baseline
(one request per record, as terraform-provider-salesforce reads and writes) for comparison. Not a test: figures.

The org (bench/scale_org.py: written through the sandbox's own store), its matching config and the 5% variant are
generated once per size under --keep DIR (reused on the next run) or in a temporary directory. Each run works on a
copy of the generated database. YAML load, plan (no latency), plan (--latency-ms, default 50), apply of the
variant and export run as child processes (wall time, and peak RSS through os.wait4); the sandbox counts the
requests it answers. The diff's time exponent is measured in-process on two generated snapshots.

Figures:
- read floor: sum over sObjects of ceil(distinct rows / 2,000) for the rows a plan of the matching config needs,
  counted in the org's database (bench/scale_measure.read_floor), plus userinfo and ChatterSettings;
- critical path with latency: the no-latency wall + latency x (the longest chain of query pages, each waiting for
  the page before, + 2: the connection's userinfo, and the group query that the member reads wait for);
- apply write floor: sum of ceil(records / 200) per sObject and operation of the variant's plan.

python bench/scale.py --size XS|S|M|L [--latency-ms 50] [--keep DIR] [--diff-sizes 10000,400000]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale_measure import (  # noqa: E402
    OTHER_READS,
    WRITE_BATCH,
    Run,
    exponent,
    pages,
    read_floor,
    run_child,
    serve,
)
from bench.scale_org import SIZES, TODAY, generate, sandbox_env  # noqa: E402

PY = sys.executable
GOALS = {"plan_seconds": 90.0, "plan_rss_mb": 1536.0, "read_ratio": 1.05, "latency_ratio": 1.3,
         "write_ratio": 1.0, "exponent": 1.05}
LOAD_CHILD = ("import sys, time; from reconciler.config import load_desired; t = time.perf_counter(); "
              "r = load_desired(sys.argv[1], __import__('datetime').date.fromisoformat(sys.argv[2])); "
              "print(time.perf_counter() - t, len(r.errors), r.summary.line())")


def prepared(root: Path, size: str) -> tuple[Path, dict[str, int]]:
    """The generated org, config and variant of `size` under root/size (made once: a finished one has counts.json)."""
    home = root / size
    if (home / "counts.json").exists():
        return home, json.loads((home / "counts.json").read_text())
    partial = root / f".{size}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    started = time.perf_counter()
    counts = generate(partial / "org.sqlite3", size, partial / "desired", partial / "variant")
    counts["generate_seconds"] = round(time.perf_counter() - started)
    (partial / "counts.json").write_text(json.dumps(counts, indent=1) + "\n")
    shutil.rmtree(home, ignore_errors=True)
    partial.rename(home)
    return home, counts


@contextmanager
def workspace(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="guestlist-scale-") as tmp:
        yield Path(tmp)


def fresh_db(home: Path, work: Path, name: str) -> Path:
    """A copy of the generated database (apply changes it; every run starts from the generated org)."""
    db = work / name / "org.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(home / "org.sqlite3", db)
    return db


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def row(self, figure: str, value: str, goal: str, ok: bool | None, baseline: str = "") -> None:
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append((figure, value, goal, verdict, baseline))

    def print(self) -> None:
        head = ("figure", "measured", "goal", "", "per-record baseline")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(5)]
        for line in [head, *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def plan_run(home: Path, work: Path, config: Path, latency_ms: int, name: str) -> tuple[Run, dict[str, int], int]:
    """A plan of `config` against a fresh copy of the org; (the run, requests by endpoint, longest page chain)."""
    with serve(fresh_db(home, work, name), latency_ms) as sandbox:
        env = sandbox_env(sandbox.instance_url, sandbox.access_token, sandbox.ca_file)
        run = run_child([PY, "-m", "reconciler", "plan", str(config), "--org", "env", "--today", TODAY,
                         "--format", "json", "--detailed-exitcode"], env, work, name)
        served = {"total": sandbox.chains.requests}
    if run.code not in (0, 2):
        raise SystemExit(f"{name} failed with exit code {run.code}: {run.stderr[-2000:]}")
    return run, served, sandbox.chains.longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), required=True)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="generate into (and reuse from) DIR/<size>")
    parser.add_argument("--diff-sizes", default="10000,400000", help="the two membership counts of the exponent")
    args = parser.parse_args()
    small, large = (int(n) for n in args.diff_sizes.split(","))
    with workspace(args.keep) as root:
        home, counts = prepared(root, args.size)
        work = Path(tempfile.mkdtemp(prefix="runs-", dir=root))
        try:
            measure(args, home, work, counts, small, large)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def measure(args: argparse.Namespace, home: Path, work: Path, counts: dict[str, int], small: int,
            large: int) -> None:
    table = Table()
    print(f"reference org {args.size}: {counts['users']:,} users, {counts['groups']:,} groups, "
          f"{counts['memberships']:,} memberships, {counts['invitations']:,} pending invitations, "
          f"{counts['assignments']:,} permission-set assignments (generated in {counts.get('generate_seconds')} s)")
    env = sandbox_env("https://127.0.0.1:1", "unused", "unused")
    load = run_child([PY, "-c", LOAD_CHILD, str(home / "desired"), TODAY], env, work, "load")
    load_seconds = float(load.stdout.split()[0]) if load.code == 0 and load.stdout else math.nan
    print(f"YAML load: {load_seconds:.1f} s, max RSS {load.max_rss_mb:.0f} MB "
          f"({' '.join(load.stdout.split()[2:])})")

    plan, served, chain = plan_run(home, work, home / "desired", 0, "plan")
    document = json.loads(plan.stdout)
    print(f"plan (no latency): exit {plan.code}, {len(document['changes'])} changes, "
          f"{document['api_requests']} API requests as plan counted")
    table.row("plan wall time, no latency", f"{plan.seconds:.1f} s (YAML load {load_seconds:.1f} s)",
              f"<= {GOALS['plan_seconds']:.0f} s", plan.seconds <= GOALS["plan_seconds"])
    table.row("plan peak memory (max RSS)", f"{plan.max_rss_mb:.0f} MB (YAML load alone {load.max_rss_mb:.0f} MB)",
              f"<= {GOALS['plan_rss_mb']:.0f} MB", plan.max_rss_mb <= GOALS["plan_rss_mb"])

    with serve(fresh_db(home, work, "floor")) as sandbox:
        rows = read_floor(sandbox.store)
    floor = sum(pages(n) for n in rows.values()) + OTHER_READS
    reads = served["total"]
    table.row("plan read requests / floor", f"{reads} / {floor} = {reads / floor:.2f}x",
              f"<= {GOALS['read_ratio']}x", reads <= floor * GOALS["read_ratio"],
              f"{sum(rows.values()) + OTHER_READS:,} requests")

    slow, _, _ = plan_run(home, work, home / "desired", args.latency_ms, "plan-latency")
    critical = plan.seconds + args.latency_ms / 1000 * (chain + 2)
    table.row(f"plan wall with {args.latency_ms} ms latency / critical path",
              f"{slow.seconds:.1f} s / {critical:.1f} s = {slow.seconds / critical:.2f}x",
              f"<= {GOALS['latency_ratio']}x", slow.seconds <= critical * GOALS["latency_ratio"],
              f"{(sum(rows.values()) + OTHER_READS) * args.latency_ms / 1000:.0f} s of latency alone")

    applied = apply_run(home, work, table)
    exported = export_run(home, work)
    first, second, k = exponent(small, large)
    table.row(f"diff time exponent, {small:,} -> {large:,} memberships",
              f"{k:.2f} ({first:.2f} s -> {second:.2f} s)", f"<= {GOALS['exponent']}", k <= GOALS["exponent"])
    print(applied)
    print(exported)
    print()
    table.print()


def apply_run(home: Path, work: Path, table: Table) -> str:
    """apply of the 5% variant: its write requests against sum(ceil(records / 200)) per sObject and operation."""
    with serve(fresh_db(home, work, "apply")) as sandbox:
        env = sandbox_env(sandbox.instance_url, sandbox.access_token, sandbox.ca_file)
        planned = run_child([PY, "-m", "reconciler", "plan", str(home / "variant"), "--org", "env", "--today",
                             TODAY, "--format", "json"], env, work, "variant-plan")
        before = sandbox.chains.requests
        journal = work / "journal.jsonl"
        run = run_child([PY, "-m", "reconciler", "apply", str(home / "variant"), "--org", "env", "--yes",
                         "--journal", str(journal), "--today", TODAY], env, work, "apply")
        answered = sandbox.chains.requests - before
    if run.code != 0 or planned.code != 0:
        raise SystemExit(f"apply failed with exit code {run.code}: {run.stderr[-2000:]}{planned.stderr[-2000:]}")
    records = Counter((c["sobject"], c["action"]) for c in json.loads(planned.stdout)["changes"] if c.get("sobject"))
    done = [json.loads(line) for line in journal.read_text().splitlines() if '"done"' in line][-1]
    writes = sum(done["write_requests"].values())
    floor = sum(math.ceil(n / WRITE_BATCH) for n in records.values())
    table.row("apply: write requests / sum ceil(n/200)", f"{writes} / {floor}", "keep (1.0x)", writes <= floor,
              f"{sum(records.values()):,} requests")
    by_op = ", ".join(f"{op} {n}" for op, n in done["write_requests"].items())
    return (f"apply of the 5% variant: {run.seconds:.1f} s, max RSS {run.max_rss_mb:.0f} MB, {answered} requests "
            f"answered (writes: {by_op}; converged: {done.get('converged')})")


def export_run(home: Path, work: Path) -> str:
    with serve(fresh_db(home, work, "export")) as sandbox:
        env = sandbox_env(sandbox.instance_url, sandbox.access_token, sandbox.ca_file)
        run = run_child([PY, "-m", "reconciler", "export", "--org", "env", "--out", str(work / "exported"),
                         "--split", "--today", TODAY], env, work, "export")
        answered = sandbox.chains.requests
    if run.code != 0:
        raise SystemExit(f"export failed with exit code {run.code}: {run.stderr[-2000:]}")
    return f"export: {run.seconds:.1f} s, max RSS {run.max_rss_mb:.0f} MB, {answered} requests answered"


if __name__ == "__main__":
    main()
