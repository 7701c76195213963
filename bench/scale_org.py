"""Issue 14's reference org at size S, M or L, and its config: the org is written through the sandbox's own store
and rules in one transaction (tests/export/large_org.py), the matching config is what `guestlist export --split`
writes for it (so plan says "No changes"), and a variant with about 5% changes (adds, removals, setting changes).

    from bench.scale_org import generate
    counts = generate(Path("org.sqlite3"), "S", Path("desired"), Path("desired-5pct"))
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reconciler.sandbox.runner import start_sandbox  # noqa: E402
from tests.export.large_org import LargeOrg, seed_large_org  # noqa: E402

TODAY = "2026-11-22"
# L as issue 14 states it (200,000 external users, 10,000 groups, 400,000 memberships); M and S a tenth and a
# hundredth. External users: Chatter External customers, Experience Cloud users on contacts, Chatter Free.
SIZES: dict[str, LargeOrg] = {
    "L": LargeOrg(chatter_free=60_000, standard=2_000, customers=80_000, community=60_000, groups=10_000,
                  memberships=400_000),
    "M": LargeOrg(chatter_free=6_000, standard=200, customers=8_000, community=6_000, groups=1_000,
                  memberships=40_000),
    "S": LargeOrg(chatter_free=600, standard=20, customers=800, community=600, groups=100, memberships=4_000),
    "XS": LargeOrg(chatter_free=60, standard=4, customers=80, community=60, groups=10, memberships=800),
}
CHANGE_SHARE = 0.05


def sandbox_env(instance_url: str, token: str, ca_file: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SF_", "SFDX_", "GUESTLIST_"))}
    env.update({"SF_INSTANCE_URL": instance_url, "SF_ACCESS_TOKEN": token, "SF_CA_FILE": ca_file,
                "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    return env


def generate(db_path: Path, size: str, config_dir: Path, variant_dir: Path | None = None) -> dict[str, int]:
    """Writes the org of `size` to `db_path` (a new file), its matching config to `config_dir` and, if given, the
    5% variant to `variant_dir`; returns the counts the seeder made."""
    counts = seed_large_org(db_path, SIZES[size])
    with start_sandbox(db_path, seed="empty") as sandbox:
        env = sandbox_env(sandbox.info.instance_url, sandbox.info.access_token, sandbox.info.ca_file)
        done = subprocess.run([sys.executable, "-m", "reconciler", "export", "--org", "env", "--out",
                               str(config_dir), "--split", "--today", TODAY], env=env, capture_output=True,
                              text=True, timeout=7200, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"export of the generated org failed ({done.returncode}): {done.stderr}")
    if variant_dir is not None:
        counts.update(write_variant(config_dir, variant_dir))
    return counts


def _yaml_files(root: Path, key: str) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if key in (yaml.safe_load(p.read_text()) or {}))


def write_variant(config_dir: Path, variant_dir: Path) -> dict[str, int]:
    """Copies the config and changes about 5% of it: every 20th group gets a new description and every 20th
    Chatter Free colleague a new last name (setting changes); every 40th member is dropped from an authoritative
    group (a removal) and each group gains one member per 40 it holds, rounded up (adds). Returns the plan's
    expected counts."""
    shutil.copytree(config_dir, variant_dir)
    counts = {"add": 0, "change": 0, "remove": 0}
    step = round(1 / CHANGE_SHARE)
    for path in _yaml_files(variant_dir, "chatter_users"):
        data = yaml.safe_load(path.read_text())
        for n, person in enumerate(data["chatter_users"]):
            if n % step == step - 1:
                person["last_name"] = f"{person['last_name']} Changed"
                counts["change"] += 1
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    files = _yaml_files(variant_dir, "groups")
    colleagues = sorted({m["user"] for p in files for g in yaml.safe_load(p.read_text())["groups"]
                         for m in g.get("members") or [] if "user" in m and "role" not in m})
    n = seen = 0
    for path in files:
        data = yaml.safe_load(path.read_text())
        for group in data["groups"]:
            n += 1
            if n % step == 0:
                group["description"] = f"{group.get('description', '')} (changed)".strip()
                counts["change"] += 1
            members = group.get("members") or []
            if not members:
                continue
            present = {m.get("user") for m in members}
            kept = []
            for member in members:  # every 40th member of the whole config, counted across groups
                seen += 1
                if seen % (2 * step) or "role" in member:
                    kept.append(member)
            counts["remove"] += len(members) - len(kept)
            wanted = -(-len(members) // (2 * step))  # one per 40 members, rounded up
            extra = [u for u in colleagues[n % len(colleagues):] + colleagues if u not in present]
            added = list(dict.fromkeys(extra))[:wanted]
            kept.extend({"user": user} for user in added)
            counts["add"] += len(added)
            group["members"] = kept
            group["membership"] = "authoritative"  # so that a dropped member is a removal
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return counts
