"""The group's owner listed as a member: the owner is always a manager (docs/reference/salesforce-api.md §1), so an
explicit `role: member` is a difference nothing can write, a blocker, never a quiet warning; a role left out
yields to the owner's role and plans nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.model import Role
from tests.plan.builders import OrgBuilder, codes, desired, group, keyed, plan_of, src, user_member

REPO = Path(__file__).resolve().parents[2]


def _org_owned_by_alice() -> OrgBuilder:
    org = OrgBuilder()
    alice, bob = org.user("alice@acme.com"), org.user("bob@acme.com")
    hub = org.group("Hub", alice)
    org.member(hub, bob)
    return org


def test_the_orgs_owner_listed_with_an_explicit_role_member_blocks_at_the_role() -> None:
    explicit = user_member("alice@acme.com", Role.MEMBER, line=12, sources={"role": src(13)})
    plan = plan_of(_org_owned_by_alice(), desired(groups=(group("Hub", user_member("bob@acme.com"), explicit),)))
    [blocker] = plan.blockers
    assert (blocker.code, blocker.key, blocker.source) == ("owner-role-member", "member:Hub/alice@acme.com", src(13))
    assert "alice@acme.com owns group 'Hub'" in blocker.message
    assert "declare role: manager" in blocker.message and "name another owner" in blocker.message
    assert codes(plan.warnings) == []


def test_the_orgs_owner_listed_without_a_role_or_as_manager_plans_nothing() -> None:
    for alice in (user_member("alice@acme.com"),
                  user_member("alice@acme.com", Role.MANAGER, sources={"role": src(13)})):
        plan = plan_of(_org_owned_by_alice(), desired(groups=(group("Hub", user_member("bob@acme.com"), alice),)))
        assert plan.blockers == () and plan.warnings == ()
        assert "member:Hub/alice@acme.com" not in keyed(plan)


def test_a_declared_new_owner_with_an_explicit_role_member_blocks_too() -> None:
    """validate refuses it first (owner-role-member); the plan, given it anyway, never plans a quiet demotion."""
    bob = user_member("bob@acme.com", Role.MEMBER, sources={"role": src(11)})
    plan = plan_of(_org_owned_by_alice(), desired(groups=(group("Hub", bob, owner="bob@acme.com"),)))
    assert codes(plan.blockers) == ["owner-role-member"]


def _hub_owned_by_the_org_with_alice(tmp_path: Path, alice: str) -> Path:
    """A copy of desired/ whose "Acme Partner Hub" declares no owner (the org's is alice) and lists alice."""
    config = tmp_path / "desired"
    shutil.copytree(REPO / "desired", config)
    partners = config / "groups" / "partners.yaml"
    text = partners.read_text()
    bob = "      - user: bob@acme.com\n        role: manager\n        notify: daily\n"
    assert "    owner: alice@acme.com\n" in text and bob in text
    partners.write_text(text.replace("    owner: alice@acme.com\n", "", 1).replace(bob, bob + alice, 1))
    return config


def _plan(config: Path, tmp_path: Path, *args: str):
    result = CliRunner().invoke(app, ["plan", str(config), "--sandbox-db", str(tmp_path / "org.sqlite3"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_through_the_cli_the_orgs_owner_with_role_member_blocks_the_plan(tmp_path: Path) -> None:
    config = _hub_owned_by_the_org_with_alice(tmp_path, "      - user: alice@acme.com\n        role: member\n")
    assert CliRunner().invoke(app, ["validate", str(config)]).exit_code == 0  # no owner declared: only the org knows
    result = _plan(config, tmp_path, "--format", "json")
    assert result.exit_code == 1
    [blocker] = json.loads(result.stdout)["blockers"]
    assert blocker["code"] == "owner-role-member"
    assert blocker["source"]["file"].endswith("groups/partners.yaml") and blocker["source"]["line"] == 20


def test_through_the_cli_the_orgs_owner_without_a_role_changes_nothing(tmp_path: Path) -> None:
    config = _hub_owned_by_the_org_with_alice(tmp_path, "      - user: alice@acme.com\n")
    result = _plan(config, tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["blockers"] == [] and document["warnings"] == []
    assert not [c for c in document["changes"] if "alice@acme.com" in c["key"]]
