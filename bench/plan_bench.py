"""How the pure diff and the renderers scale: a figure per org size (not a test; run `python bench/plan_bench.py`).

The diff is meant to be linear in the org's size (keyed dictionaries, no pairwise comparisons): time per change
should stay about flat as the org grows.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.plan import build_plan  # noqa: E402
from reconciler.render.json import render_json  # noqa: E402
from reconciler.render.markdown import render_markdown  # noqa: E402
from reconciler.render.redact import redact  # noqa: E402
from reconciler.render.text import plain_text  # noqa: E402
from tests.plan.builders import TODAY, OrgBuilder, customer_member, desired, group, policy, user_member  # noqa: E402


def run(n: int) -> None:
    """n users and n/2 customers; half of each already in one big group; the config moves a quarter of them."""
    org = OrgBuilder()
    users = [org.user(f"u{i}@acme.com") for i in range(n)]
    customers = [org.customer(f"c{i}@contoso.com") for i in range(n // 2)]
    big = org.group("Big", allow_customers=True)
    for user in users[: n // 2]:
        org.member(big, user)
    for customer in customers[: n // 4]:
        org.member(big, customer)
    members = (
        *(user_member(u.username) for u in users[n // 4 :]),
        *(customer_member(c.email) for c in customers),
        *(customer_member(f"new{i}@example.com") for i in range(n // 4)),
    )
    state = desired(groups=(group("Big", *members, allow_customers=True),),
                    policy=policy(deactivate_orphaned_customers=True))
    snapshot = org.build()
    started = time.perf_counter()
    plan = build_plan(state, snapshot, TODAY)
    diffed = time.perf_counter()
    shown = redact(plan)
    for render in (plain_text, render_markdown, render_json):
        render(shown)
    rendered = time.perf_counter()
    per_change = (diffed - started) / max(len(plan.changes), 1) * 1e6
    print(f"{n:>7} users  {len(plan.changes):>7} changes  diff {diffed - started:6.2f} s ({per_change:5.1f} us/change)"
          f"  redact+render 3 formats {rendered - diffed:6.2f} s")


if __name__ == "__main__":
    for size in (1_000, 4_000, 16_000):
        run(size)
