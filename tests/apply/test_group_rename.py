"""`previously: [Old Name]` renames a group in place: the same record, its members and pending invitations kept,
nobody invited again (issue 13 item 7)."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.sandbox.runner import RunningSandbox
from tests.apply.test_apply_cli import apply, guestlist, plan_exit, query
from tests.plan.test_cli_scenarios import edit

OLD, NEW = "Acme Partner Hub", "Acme Partner Lounge"


def renamed(config: Path) -> Path:
    edit(config / "groups" / "partners.yaml", f"  - name: {OLD}\n", f"  - name: {NEW}\n    previously: [{OLD}]\n")
    return config


def group(sandbox: RunningSandbox, name: str) -> list[dict]:
    return query(sandbox, f"SELECT Id, Name FROM CollaborationGroup WHERE Name = '{name}'")


def state_of(sandbox: RunningSandbox, group_id: str) -> tuple[list[str], list[str]]:
    members = sorted(r["MemberId"] for r in query(
        sandbox, f"SELECT MemberId FROM CollaborationGroupMember WHERE CollaborationGroupId = '{group_id}'"))
    invitations = sorted(r["Id"] for r in query(
        sandbox, f"SELECT Id FROM CollaborationInvitation WHERE SharedEntityId = '{group_id}' AND Status = 'Sent'"))
    return members, invitations


def test_the_plan_renames_the_group_instead_of_creating_one(sandbox: RunningSandbox, config: Path) -> None:
    result = guestlist(sandbox, "plan", str(renamed(config)), "--org", "env", "--today", "2026-11-22",
                       "--format", "json")
    changes = {c["key"]: c for c in json.loads(result.stdout)["changes"]}
    rename = changes[f"group:{NEW}"]
    assert rename["action"] == "update" and rename["values"] == {"Name": NEW}
    assert rename["reason"] == f"renamed from {OLD!r}"
    added = sorted(key for key, c in changes.items() if c["action"] == "create" and key.startswith(f"member:{NEW}/"))
    assert added == [f"member:{NEW}/grace@acme.co.uk"]  # the demo's missing member only: nobody is added again
    assert f"invitation:{NEW}/raj@contoso.com" not in changes  # raj's pending invitation is kept, not sent again


def test_a_renamed_group_keeps_its_record_id_members_and_invitations(sandbox: RunningSandbox, config: Path,
                                                                     tmp_path: Path) -> None:
    [before] = group(sandbox, OLD)
    members, _ = state_of(sandbox, before["Id"])
    raj = query(sandbox, f"SELECT Id FROM CollaborationInvitation WHERE SharedEntityId = '{before['Id']}' "
                         "AND InvitedUserEmail = 'raj@contoso.com' AND Status = 'Sent'")
    assert raj  # the demo's pending invitation
    result = apply(sandbox, renamed(config), tmp_path, "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 0, result.output
    [after] = group(sandbox, NEW)
    assert after["Id"] == before["Id"] and group(sandbox, OLD) == []
    members_after, invitations_after = state_of(sandbox, after["Id"])
    [kim] = query(sandbox, "SELECT Id FROM User WHERE Username = 'kim@guest.acme.com'")
    assert set(members) - set(members_after) == {kim["Id"]}  # the demo removes kim; everyone else stays a member
    assert raj[0]["Id"] in invitations_after  # raj's pending invitation is the same record: not sent again
    assert plan_exit(sandbox, config) == 0  # converged under the new name


def test_without_previously_the_new_name_is_a_new_group(sandbox: RunningSandbox, config: Path) -> None:
    edit(config / "groups" / "partners.yaml", f"  - name: {OLD}\n", f"  - name: {NEW}\n")
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", "2026-11-22", "--format", "json")
    changes = {c["key"]: c for c in json.loads(result.stdout)["changes"]}
    assert changes[f"group:{NEW}"]["action"] == "create"


def test_an_old_group_next_to_the_new_one_is_left_alone_with_a_warning(sandbox: RunningSandbox, config: Path) -> None:
    partners = config / "groups" / "partners.yaml"
    edit(partners, "  - name: Contoso Deal Room\n", "  - name: Contoso Deal Room\n    previously: [Acme Partner Hub]\n")
    edit(partners, f"  - name: {OLD}\n", "  - name: Unrelated Hub\n")  # so that no declared group bears the old name
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", "2026-11-22", "--format", "json")
    document = json.loads(result.stdout)
    [warning] = [w for w in document["warnings"] if w["code"] == "previous-group-remains"]
    assert "'Acme Partner Hub' (previously): the old group is left as it is" in warning["message"]
    changes = {c["key"]: c for c in document["changes"]}
    assert "Name" not in changes.get("group:Contoso Deal Room", {}).get("values", {})  # no rename
    assert changes["group:Unrelated Hub"]["action"] == "create"
