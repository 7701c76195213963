"""A declared value that differs from the org and that guestlist can't write is a manual step, never "No changes":
listed in text, markdown and json, counted in the summary, exit 2 under --detailed-exitcode, and apply doesn't
call the org converged while one is left."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.plan.change import Plan
from tests.plan.test_cli_scenarios import REPO, TODAY, edit

SAM = "sam.patel@contoso.com.acmepartners"


@pytest.fixture(scope="module")
def converged_db(tmp_path_factory: pytest.TempPathFactory, demo_db: Path) -> Path:
    """The demo org after `guestlist apply desired/`: the next plan of desired/ has nothing to do."""
    tmp = tmp_path_factory.mktemp("converged")
    db = tmp / "sandbox.sqlite3"
    shutil.copyfile(demo_db, db)
    applied = CliRunner().invoke(app, ["apply", str(REPO / "desired"), "--sandbox-db", str(db), "--today", TODAY,
                                       "--yes", "--allow-irreversible", "--journal", str(tmp / "journal.jsonl")])
    assert applied.exit_code == 0, applied.output
    return db


def _run(config: Path, db: Path, *args: str):
    return CliRunner().invoke(app, [*args[:1], str(config), "--sandbox-db", str(db), "--today", TODAY, *args[1:]])


@pytest.fixture
def edited(tmp_path: Path, converged_db: Path) -> tuple[Path, Path]:
    target = tmp_path / "desired"
    shutil.copytree(REPO / "desired", target)
    db = tmp_path / "sandbox.sqlite3"
    shutil.copyfile(converged_db, db)
    before = _run(target, db, "plan", "--detailed-exitcode")
    assert before.exit_code == 0, before.output  # converged before the edit
    assert "No changes: the org matches the config." in before.stdout
    return target, db


@pytest.mark.parametrize(
    ("old", "new", "code", "says"),
    [
        ("    account: Contoso Ltd", "    account: Globex Corporation", "account-move",
         "move their contact (sam.patel@contoso.com) to 'Globex Corporation'"),
        ("    portal_role: user", "    portal_role: executive",
         "portal-role-create-only", f"change the portal role of {SAM} from user to executive"),
    ],
    ids=["account", "portal-role"],
)
def test_a_difference_the_api_cant_write_is_a_manual_step(
    edited: tuple[Path, Path], old: str, new: str, code: str, says: str
) -> None:
    config, db = edited
    edit(config / "people.yaml", old, new)

    as_json = _run(config, db, "plan", "--format", "json", "--detailed-exitcode")
    assert as_json.exit_code == 2, as_json.output
    document = json.loads(as_json.stdout)
    assert document["changes"] == []
    [step] = document["manual_steps"]
    assert (step["code"], step["key"]) == (code, f"user:{SAM}")
    assert says in step["step"] and step["where"].startswith("Setup > ")
    assert step["source"]["file"].endswith("people.yaml")
    assert Plan.from_json(document).manual_steps[0].step == step["step"]  # a saved plan keeps it

    text = _run(config, db, "plan", "--detailed-exitcode")
    assert text.exit_code == 2
    assert "No changes" not in text.stdout
    assert "Plan: 0 to add, 0 to change, 0 to remove, 1 manual." in text.stdout
    assert "Manual steps (1)" in text.stdout and says in text.stdout

    markdown = _run(config, db, "plan", "--format", "markdown", "--detailed-exitcode")
    assert markdown.exit_code == 2
    assert "No changes" not in markdown.stdout
    assert "**Plan: 0 to add, 0 to change, 0 to remove, 1 manual.**" in markdown.stdout
    assert "**Manual steps**" in markdown.stdout and code in markdown.stdout

    applied = _run(config, db, "apply", "--yes", "--journal", str(config / "journal.jsonl"))
    assert applied.exit_code != 0, applied.output
    assert "Converged" not in applied.output and "Nothing to do." not in applied.output
    assert "Manual steps left (1" in applied.output


def test_a_customer_whose_email_is_a_partner_user_blocks(org, tmp_path: Path) -> None:
    """sam.patel@contoso.com is a Partner Community user's email: as `customer:` it must not add that user."""
    from tests.plan.test_cli_scenarios import plan_json

    (tmp_path / "g.yaml").write_text(
        "groups:\n  - name: Contoso Deal Room\n    allow_customers: true\n    membership: additive\n    members:\n"
        "      - customer: sam.patel@contoso.com\n"
    )
    code, document = plan_json(org, tmp_path / "g.yaml")
    assert code == 1
    [blocker] = [b for b in document["blockers"] if b["code"] == "customer-is-a-user"]
    assert f"list them as `user: {SAM}`" in blocker["message"]
    assert blocker["source"]["line"] == 6
    assert not [c for c in document["changes"] if c["kind"] == "member"]


def test_a_declared_member_who_is_inactive_in_the_org_is_a_manual_step(edited: tuple[Path, Path]) -> None:
    """carol is deactivated in Setup; the config adds her to another group: no write can, so the plan says what to
    do instead of "No changes"."""
    import requests

    from reconciler.sandbox.runner import start_sandbox

    config, db = edited
    running = start_sandbox(db, seed="demo")
    try:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        headers = {"Authorization": f"Bearer {running.info.access_token}"}
        base = f"{running.info.instance_url}/services/data/v59.0"
        found = session.get(f"{base}/query", params={"q": "SELECT Id FROM User WHERE Username = 'carol@acme.com'"},
                            headers=headers, verify=running.info.ca_file).json()
        carol = found["records"][0]["Id"]
        answer = session.patch(f"{base}/sobjects/User/{carol}", json={"IsActive": False}, headers=headers,
                               verify=running.info.ca_file)
        assert answer.status_code == 204, answer.text
    finally:
        running.stop()
    edit(config / "groups" / "partners.yaml", "      - user: dan@acme.com\n        notify: each_post\n",
         "      - user: dan@acme.com\n        notify: each_post\n      - user: carol@acme.com\n")
    result = _run(config, db, "plan", "--format", "json", "--detailed-exitcode")
    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)
    steps = [s for s in document["manual_steps"] if s["code"] == "inactive-member"]
    assert [s["key"] for s in steps] == ["member:Contoso Deal Room/carol@acme.com"]
    assert "reactivate carol@acme.com in Setup > Users" in steps[0]["step"]
