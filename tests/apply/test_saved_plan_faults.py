"""Saved plans under injected faults, seeded and deterministic (issue 8 point 10): demo orgs in varied states (config
edits, someone else's writes before the plan, an earlier apply stopped part way), each saved plan (`plan --out`)
applied with `apply --plan` while the sandbox injects a fault, then planned and applied again until the org matches.

(a) a saved plan made while nothing else wrote to the org is never refused as stale (exit 4);
(b) every run converges, with no duplicate record and no removal that no applied plan asked for;
(c) control: a saved plan IS refused (exit 4, nothing written) when someone else wrote in between.

The normal suite runs SMALL_RUNS seeds; GUESTLIST_FAULT_RUNS=1000 runs that many (figures printed; see them with -s).
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.org.connect import connect
from reconciler.sandbox.admin import accept_invitation
from reconciler.sandbox.runner import RunningSandbox
from tests.apply.conftest import inject, org_env
from tests.apply.test_apply_cli import TODAY, WRITES, assert_no_duplicates, census, guestlist, plan_exit, query
from tests.plan.test_cli_scenarios import edit

DESIRED = Path(__file__).resolve().parents[2] / "desired"
SMALL_RUNS = 24
RUNS = int(os.environ.get("GUESTLIST_FAULT_RUNS", SMALL_RUNS))
ROUNDS = 3  # plan --out + apply --plan rounds with a fault injected ...
CLEAN_ROUNDS = 2  # ... then without: by then every run must have converged (a fault while apply reads the org
# ends that apply before any write, exit 1, so three faulted rounds can all end so)
STALE = 4
# faults a retry or a natural-key lookup recovers from; the request limit and a second expired session stop an
# apply (exit 1) and leave the rest to the next round
RECOVERABLE = ("500", "503", "drop-before-commit", "drop-after-commit", "lock-row", "expired-session")
STOPPING = ("limit-exceeded",)

PARTNERS = Path("groups") / "partners.yaml"
CONFIG_EDITS: dict[str, tuple[Path, str, str]] = {
    # mike's invitation in the seed is Sent and expired: the plan deletes it and sends a new one
    "resend mike's expired invitation": (PARTNERS, "      - customer: li.wei@globex.com\n",
                                         "      - customer: mike@contoso.com\n        expires: 2027-06-30\n"
                                         "        sponsor: bob@acme.com\n      - customer: li.wei@globex.com\n"),
    "cancel raj's invitation": (PARTNERS, "      - customer: raj@contoso.com\n        expires: 2099-06-30\n"
                                          "        sponsor: bob@acme.com\n", ""),
    "remove erin from the hub": (PARTNERS, "      - user: erin@acme.com\n      - user: grace", "      - user: grace"),
    "invite zoe to the deal room": (PARTNERS, "      - customer: tom@contoso.com\n",
                                    "      - customer: zoe@contoso.com\n        expires: 2027-04-30\n"
                                    "        sponsor: bob@acme.com\n      - customer: tom@contoso.com\n"),
    "describe the deal room anew": (PARTNERS, "description: The 2027 Contoso framework agreement",
                                    "description: The 2028 Contoso framework agreement"),
}


@dataclass
class Figures:
    runs: int = 0
    applies: int = 0
    saved_plans: int = 0
    false_stale: list[str] = field(default_factory=list)
    controls_refused: int = 0
    controls_skipped: int = 0
    exits: Counter[int] = field(default_factory=Counter)
    read_faults: int = 0  # applies ended (exit 1, nothing written) by a fault while reading the org
    rounds: Counter[int] = field(default_factory=Counter)


def test_saved_plans_under_faults_are_refused_only_when_someone_else_wrote(
        sandbox: RunningSandbox, tmp_path: Path) -> None:
    figures = Figures()
    for seed in range(RUNS):
        _one_run(sandbox, tmp_path / f"run{seed}", random.Random(seed), figures, seed)
    print(f"\n{figures.runs} runs, {figures.applies} applies, {figures.saved_plans} saved plans, "
          f"{len(figures.false_stale)} refused as stale with nothing else writing, {figures.controls_refused} "
          f"control plans refused (exit 4), {figures.controls_skipped} controls skipped; apply exits "
          f"{dict(sorted(figures.exits.items()))} ({figures.read_faults} ended by a fault while reading the org); "
          f"converged after rounds {dict(sorted(figures.rounds.items()))}")
    assert figures.false_stale == []
    assert figures.controls_refused > 0  # the control case ran and was caught


def _one_run(sandbox: RunningSandbox, work: Path, rng: random.Random, figures: Figures, seed: int) -> None:
    inject(sandbox)
    sandbox.reset("demo")
    work.mkdir(parents=True)
    config = work / "desired"
    shutil.copytree(DESIRED, config)
    for name in rng.sample(sorted(CONFIG_EDITS), rng.randint(0, len(CONFIG_EDITS))):
        where, old, new = CONFIG_EDITS[name]
        edit(config / where, old, new)
    if rng.random() < 0.3:  # written before any plan is made: not a change "since the plan"
        accept_invitation(sandbox.store, "raj@contoso.com")
    if rng.random() < 0.3:
        _edit_group(sandbox, "Acme Partner Hub", f"edited before planning ({seed})")
    before = _records(sandbox)
    planned_removals: set[str] = set()
    figures.runs += 1
    control_round = 0 if rng.random() < 0.4 else None
    if rng.random() < 0.5:  # an earlier apply stopped part way (the request limit) leaves the org half done
        _saved_apply(sandbox, config, work, rng, figures, planned_removals, seed, stop=True)
    for round_number in range(ROUNDS + CLEAN_ROUNDS):
        if round_number == control_round and _control(sandbox, config, work, figures, seed):
            continue
        _saved_apply(sandbox, config, work, rng, figures, planned_removals, seed, faults=round_number < ROUNDS)
        if plan_exit(sandbox, config) == 0:
            figures.rounds[round_number + 1] += 1
            break
    else:
        raise AssertionError(f"seed {seed}: not converged after {ROUNDS + CLEAN_ROUNDS} rounds; refused as stale: "
                             f"{figures.false_stale[-ROUNDS:]}")
    inject(sandbox)
    assert_no_duplicates(census(sandbox))
    after = _records(sandbox)
    removed = {record_id for record_id in before if record_id not in after or not after[record_id]}
    removed -= {record_id for record_id in before if not before[record_id]}  # inactive before
    assert removed <= planned_removals, f"seed {seed}: removed without a plan: {removed - planned_removals}"


def _saved_apply(sandbox: RunningSandbox, config: Path, work: Path, rng: random.Random, figures: Figures,
                 planned_removals: set[str], seed: int, *, stop: bool = False, faults: bool = True) -> int:
    """plan --out, then apply --plan with a fault injected (nobody else writes in between): never exit 4."""
    saved = _save_plan(sandbox, config, work, figures)
    planned_removals |= _removals_of(saved)
    specs = _faults(rng, stop)
    if faults:
        inject(sandbox, *specs)
    result = guestlist(sandbox, "apply", str(config), "--org", "env", "--today", TODAY, "--plan", str(saved),
                       "--journal", str(work / "journal.jsonl"), "--yes", "--allow-irreversible", "--force",
                       "--lock-timeout", "0")
    inject(sandbox)
    figures.applies += 1
    figures.exits[result.exit_code] += 1
    figures.read_faults += int(result.exit_code == 1 and "error: reading " in result.stderr)
    if result.exit_code == STALE:
        figures.false_stale.append(f"seed {seed}: {result.stderr.strip()}")
    assert result.exit_code in (0, 1, STALE), f"seed {seed}: {result.output}"
    return result.exit_code


def _control(sandbox: RunningSandbox, config: Path, work: Path, figures: Figures, seed: int) -> bool:
    """Someone else writes between plan and apply: edits a group the saved plan relies on (even seeds) or creates a
    membership the plan creates (odd seeds). Refused, exit 4, nothing written. False when the plan offers neither."""
    saved = _save_plan(sandbox, config, work, figures)
    document = json.loads(saved.read_text())
    groups = [record_id for record_id in document["fingerprints"] if record_id.startswith("0F9")]
    members = [c for c in document["changes"] if c["action"] == "create" and c["sobject"] == "CollaborationGroupMember"
               and not c["refs"]]
    with connect("env", env=org_env(sandbox)) as conn:
        if members and (seed % 2 or not groups):
            member = members[seed % len(members)]
            conn.sf.CollaborationGroupMember.create(dict(member["values"]))
            expected = f"{member['key']} exists already"
        elif groups:
            group = groups[seed % len(groups)]
            conn.sf.CollaborationGroup.update(group, {"Description": f"edited meanwhile ({seed})"})
            expected = f"({group}) changed"
        else:
            figures.controls_skipped += 1
            return False
    before = census(sandbox)
    result = guestlist(sandbox, "apply", str(config), "--org", "env", "--today", TODAY, "--plan", str(saved),
                       "--journal", str(work / "journal.jsonl"), "--yes", "--allow-irreversible", "--force",
                       "--lock-timeout", "0")
    figures.applies += 1
    assert result.exit_code == STALE, f"seed {seed}: {result.output}"
    assert "the org changed since this plan was made" in result.stderr and expected in result.stderr, result.stderr
    assert census(sandbox) == before
    figures.controls_refused += 1
    return True


def _save_plan(sandbox: RunningSandbox, config: Path, work: Path, figures: Figures) -> Path:
    figures.saved_plans += 1
    path = work / f"plan{figures.saved_plans}.json"
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--out", str(path))
    assert result.exit_code == 0 and path.exists(), result.output
    return path


def _faults(rng: random.Random, stop: bool) -> list[str]:
    """One write fault at a random request (the first POST creates the apply lock), sometimes a query fault too."""
    kind = rng.choice(STOPPING if stop else RECOVERABLE)
    faults = [f"{kind}:path={WRITES},nth={rng.randint(2 if stop else 1, 8)}"]
    if not stop and rng.random() < 0.3:
        faults.append(f"{rng.choice(('500', '503'))}:method=GET,path=query,nth={rng.randint(1, 30)}")
    return faults


def _removals_of(saved: Path) -> set[str]:
    """The record ids the plan deletes or deactivates."""
    changes = json.loads(saved.read_text())["changes"]
    return {c["record_id"] for c in changes if c["record_id"] and (
        c["action"] == "delete" or (c["sobject"] == "User" and c["values"].get("IsActive") is False))}


def _records(sandbox: RunningSandbox) -> dict[str, bool]:
    """Every membership, pending invitation, assignment and user by id: live (True) or inactive (False)."""
    records = {r["Id"]: True for soql in (
        "SELECT Id FROM CollaborationGroupMember",
        "SELECT Id FROM CollaborationInvitation WHERE Status = 'Sent'",
        "SELECT Id FROM PermissionSetAssignment") for r in query(sandbox, soql)}
    records.update({r["Id"]: bool(r["IsActive"]) for r in query(sandbox, "SELECT Id, IsActive FROM User")})
    return records


def _edit_group(sandbox: RunningSandbox, name: str, description: str) -> None:
    with connect("env", env=org_env(sandbox)) as conn:
        [group] = query(sandbox, f"SELECT Id FROM CollaborationGroup WHERE Name = '{name}'")
        conn.sf.CollaborationGroup.update(group["Id"], {"Description": description})
