"""guestlist apply at scale against the sandbox org over HTTPS: N Chatter Free users and their memberships in G
groups (default 1,000 users x 10 groups = 10,000 memberships), with injected latency per request (default 50 ms).

Prints the write requests per sObject and operation against the floor ceil(n/200), every request the apply made
(observe, writes, read-back) as the server counted them, and the wall time. Not a test: figures only.

python bench/apply_bench.py [--users 1000] [--groups 10] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import tempfile
import time
from pathlib import Path

from reconciler.commands.apply import ApplyOptions, run
from reconciler.sandbox.runner import RunningSandbox, start_sandbox

ADMIN = "admin@acme.com"


def write_config(directory: Path, users: int, groups: int) -> list[str]:
    """The YAML config; returns the usernames."""
    names = [f"bench{n:05d}@acme.com" for n in range(users)]
    (directory / "org.yaml").write_text(
        "version: 1\npolicy:\n  max_removals: 25%\n  require_sponsor: false\n", encoding="utf-8"
    )
    people = ["chatter_users:"]
    for n, name in enumerate(names):
        people += [f"  - username: {name}", f"    email: {name}", f"    first_name: Bench{n}", "    last_name: User"]
    (directory / "people.yaml").write_text("\n".join(people) + "\n", encoding="utf-8")
    lines = ["groups:"]
    for g in range(groups):
        lines += [f"  - name: Bench Group {g:02d}", "    access: public", "    allow_customers: false",
                  f"    owner: {ADMIN}", "    members:"]
        lines += [f"      - user: {name}" for name in names]
    (directory / "groups.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


def connect_env(sandbox: RunningSandbox) -> None:
    os.environ.update({
        "SF_USERNAME": ADMIN, "SF_PASSWORD": "sandbox", "SF_SECURITY_TOKEN": "",
        "SF_LOGIN_URL": sandbox.info.instance_url, "SF_CA_FILE": sandbox.info.ca_file,
    })


def apply_once(config: Path, journal: Path, today: dt.date) -> tuple[int, float, str]:
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    code = run(ApplyOptions(config, "env", yes=True, journal=journal, today=today), out=out, err=err)
    return code, time.perf_counter() - started, out.getvalue() + err.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    today = dt.date(2026, 11, 22)

    with tempfile.TemporaryDirectory(prefix="guestlist-apply-bench-") as tmp:
        root = Path(tmp)
        config = root / "config"
        config.mkdir()
        names = write_config(config, args.users, args.groups)
        memberships = len(names) * args.groups
        journal = root / "journal.jsonl"
        with start_sandbox(root / "org.sqlite3", seed="empty", latency_ms=args.latency_ms) as sandbox:
            connect_env(sandbox)
            sandbox.admin.counters.reset()
            code, seconds, output = apply_once(config, journal, today)
            served = sandbox.admin.counters.snapshot()
            if code != 0:
                print(output)
                raise SystemExit(f"apply failed with exit code {code}")
            done = [json.loads(line) for line in journal.read_text().splitlines()][-1]
            sandbox.admin.counters.reset()
            rerun_code, rerun_seconds, _ = apply_once(config, journal, today)
            rerun_served = sandbox.admin.counters.snapshot()

    print(f"apply: {len(names):,} users, {args.groups} groups, {memberships:,} memberships, "
          f"{args.latency_ms} ms latency per request")
    print(f"{'sObject operation':<34}{'records':>9}{'requests':>10}{'floor':>7}")
    records = {"User create": len(names), "CollaborationGroup create": args.groups,
               "CollaborationGroupMember create": memberships}
    for operation, requests in done["write_requests"].items():
        count = records.get(operation)
        floor = math.ceil(count / 200) if count else "?"
        print(f"{operation:<34}{count if count is not None else '?':>9}{requests:>10}{floor:>7}")
    writes = sum(done["write_requests"].values())
    print(f"write requests: {writes} (floor {sum(math.ceil(n / 200) for n in records.values())})")
    print(f"all requests the server answered: {served['total']} "
          f"({', '.join(f'{k} {v}' for k, v in served['by_endpoint'].items())})")
    print(f"wall time: {seconds:.1f} s (converged: {done['converged']})")
    print(f"rerun (nothing to do): exit {rerun_code}, {rerun_served['total']} requests, {rerun_seconds:.1f} s")


if __name__ == "__main__":
    main()
