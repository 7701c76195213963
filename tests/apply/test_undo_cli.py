"""Undo (issue 13 item 5): every apply that writes saves the inverse plan, which `apply --plan` applies like any
saved plan (stale-checked against the org as apply left it); what no write can put back is listed in it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from reconciler.sandbox.runner import RunningSandbox
from tests.apply.test_apply_cli import TODAY, apply, census, guestlist, journal, query
from tests.plan.test_cli_scenarios import edit


def _undo_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "undo").glob("*.json"))


def active_users(sandbox: RunningSandbox) -> list[str]:
    return sorted(r["Username"] for r in query(sandbox, "SELECT Username FROM User WHERE IsActive = true"))


def _plan_changes(sandbox: RunningSandbox, config: Path) -> tuple[int, list[dict[str, Any]]]:
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json",
                       "--detailed-exitcode")
    return result.exit_code, json.loads(result.stdout)["changes"]


def test_undo_of_an_apply_restores_the_config_before_the_edit(sandbox: RunningSandbox, config: Path,
                                                            tmp_path: Path) -> None:
    first = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert first.exit_code == 0, first.output
    old = tmp_path / "old"
    subprocess.run(["cp", "-r", str(config), str(old)], check=True)
    text = (config / "people.yaml").read_text()
    edited = text.replace("last_name: Taylor", "last_name: Taylor-Smith", 1)
    assert edited != text
    (config / "people.yaml").write_text(edited)
    before = _undo_files(tmp_path)
    second = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible", "--undo-out",
                   str(tmp_path / "mine.json"))
    assert second.exit_code == 0, second.output
    [undo] = [p for p in _undo_files(tmp_path) if p not in before]  # 2nd in one second: ...Z1.json
    assert f"Undo: {undo}" in second.stdout and (tmp_path / "mine.json").read_text() == undo.read_text()
    assert _plan_changes(sandbox, old)[0] == 2  # the org differs from the old config now

    back = apply(sandbox, config, tmp_path, "--yes", "--plan", str(undo))
    assert back.exit_code == 0, back.output
    code, changes = _plan_changes(sandbox, old)
    assert (code, changes) == (0, []), changes
    undone = [e for e in journal(tmp_path) if e.get("event") == "apply"][-1]
    assert undone["undoes"] == json.loads(undo.read_text())["undoes"]


def test_undo_lists_what_cannot_be_undone_and_inverts_what_was_written(sandbox: RunningSandbox, config: Path,
                                                                        tmp_path: Path) -> None:
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    [undo] = _undo_files(tmp_path)
    saved = json.loads(undo.read_text())
    irreversible = {w["key"] for w in saved["warnings"] if w["code"] == "irreversible"}
    assert {"group:Initech Pilot", "invitation:Initech Pilot/maria@initech.com",
            "invitation:Acme Partner Hub/mike@contoso.com", "user:grace@acme.co.uk"} <= irreversible
    by_key = {c["key"]: c for c in saved["changes"]}
    assert by_key["member:Acme Announcements/dan@acme.com"]["values"] == {"CollaborationRole": "Standard"}
    # kim, deactivated and no longer declared, is read back by id after the apply, so undo reactivates her and
    # then adds her membership again (another record id, the same group, role and notifications)
    assert by_key["user:kim@guest.acme.com"]["values"] == {"IsActive": True}
    restored = by_key["member:Acme Partner Hub/kim@contoso.com"]
    assert restored["action"] == "create" and "user:kim@guest.acme.com" in restored["depends_on"]
    assert "member:Acme Partner Hub/kim@contoso.com" not in irreversible
    assert by_key["user:grace@acme.co.uk"]["values"] == {"IsActive": False}  # deactivated, never deleted
    assert by_key["group:Initech Pilot"]["action"] == "delete"
    assert all(c["record_id"] in saved["fingerprints"] for c in saved["changes"] if c["action"] != "create")
    assert all(c["record_id"] is None and c["lookup"] for c in saved["changes"] if c["action"] == "create")


def test_undo_of_the_demo_apply_puts_the_seeded_org_back_except_what_it_lists(sandbox: RunningSandbox,
                                                                              config: Path, tmp_path: Path) -> None:
    seeded = census(sandbox) | {"active": active_users(sandbox)}
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    [undo] = _undo_files(tmp_path)
    # undoing the whole demo removes 10 grants, over the removal limit: the gates apply to an undo as to any plan
    back = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible", "--plan", str(undo))
    assert back.exit_code == 3 and "exceed policy.max_removals" in back.output
    back = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible", "--force", "--plan", str(undo))
    assert back.exit_code == 0, back.output
    assert "Converged" in back.stdout
    now = census(sandbox) | {"active": active_users(sandbox)}
    assert now["members"] == seeded["members"]  # kim's and paul's memberships are back, the apply's added gone
    seeded_users = {assignee for _, assignee in seeded["assignments"]}  # new users have their profile's own
    assert [a for a in now["assignments"] if a[1] in seeded_users] == seeded["assignments"]  # victor's is back
    # the one difference in access that undo lists: mike's cancelled invitation is not sent again
    mike = [i for i in seeded["invitations"] if i[1] == "mike@contoso.com"]
    assert now["invitations"] == sorted(set(seeded["invitations"]) - set(mike)) and len(mike) == 1
    created = set(now["users"]) - set(seeded["users"])  # users can't be deleted: the apply's are deactivated
    assert now["active"] == seeded["active"] and created and not created & set(now["active"])
    saved = json.loads(undo.read_text())
    assert {"user:" + u for u in created} <= {w["key"] for w in saved["warnings"] if w["code"] == "irreversible"}


def test_undo_is_refused_when_the_org_moved_since(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    [undo] = _undo_files(tmp_path)
    edit(config / "people.yaml", "last_name: Taylor", "last_name: Taylor-Smith")
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0  # grace changed
    stale = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible", "--plan", str(undo))
    assert stale.exit_code == 4, stale.output
    assert "the org changed since this plan was made" in stale.output


def test_journal_names_the_runner_and_before_values_and_the_git_commit(sandbox: RunningSandbox, config: Path,
                                                                      tmp_path: Path) -> None:
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    entries = journal(tmp_path)
    [started] = [e for e in entries if e.get("event") == "apply"]
    assert started["runner"]["user"] and started["runner"]["user_id"].startswith("005")
    assert "git" not in started["runner"]  # the config's copy is in no repository
    [role] = [e for e in entries if e.get("key") == "member:Acme Announcements/dan@acme.com"]
    assert role["before"] == {"role": "member"}
    [user] = [e for e in entries if e.get("key") == "user:kim@guest.acme.com" and "before" in e]
    assert user["before"] == {"active": True}

    git = ["git", "-C", str(config), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "config"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    edit(config / "people.yaml", "last_name: Taylor", "last_name: Taylor-Smith")
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    last = [e for e in journal(tmp_path) if e.get("event") == "apply"][-1]
    assert last["runner"]["git"] == {"commit": head, "dirty": True}
    report = guestlist(sandbox, "report", str(config), "--org", "env", "--as-of", TODAY, "--format", "markdown")
    assert report.exit_code == 0, report.output
    assert f"{head} + uncommitted changes" in report.stdout  # the report header: the same helper as the journal
