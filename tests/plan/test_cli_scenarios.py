"""`guestlist plan` through the real path: YAML config -> the sandbox org over HTTPS -> observe -> diff -> output.

Most tests talk to one running demo org with `--org env` (an access token and the sandbox's CA), which is how a
real org is reached and keeps the suite fast; a few go through `--org sandbox --sandbox-db`, the default path.
Planning never writes to the org, so the org is shared. Dates are pinned with --today: the seed's "now".
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.plan.change import Plan
from reconciler.sandbox.faults import FaultKind, FaultPlan, FaultRule
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from reconciler.sandbox.store import Store
from tests.logins import jwt_env
from tests.plan.conftest import env_of
from tests.sandbox.api.conftest import connect

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-22"  # the demo seed's "now": raj's invitation is fresh, mike's is stale


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of desired/ to edit."""
    target = tmp_path / "desired"
    shutil.copytree(REPO / "desired", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def plan(org: RunningSandbox, path: Path, *args: str):
    result = CliRunner().invoke(app, ["plan", str(path), "--org", "env", "--today", TODAY, *args], env=env_of(org))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def plan_json(org: RunningSandbox, path: Path, *args: str) -> tuple[int, dict]:
    result = plan(org, path, "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def changes(document: dict) -> dict[str, dict]:
    return {c["key"]: c for c in document["changes"]}


# -- the demo -------------------------------------------------------------------------------------------------------


def test_the_demo_plan_through_the_default_sandbox_path(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    shutil.copyfile(demo_db, db)
    args = ["plan", str(REPO / "desired"), "--org", "sandbox", "--sandbox-db", str(db), "--today", TODAY]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    found = changes(document)
    expected = {
        "setting:chatter.customer_invitations": ("update", {"customer_invitations": True}),
        "user:grace@acme.co.uk": ("create", None),
        "user:lena.berg@initech.com.acmecustomers": ("create", None),
        "group:Initech Pilot": ("create", None),
        "member:Acme Announcements/dan@acme.com": ("update", {"role": "manager"}),
        "member:Acme Partner Hub/carol@acme.com": ("update", {"notify": "weekly"}),
        "member:Acme Partner Hub/kim@contoso.com": ("delete", None),
        "member:Contoso Deal Room/paul@globex.com": ("delete", None),
        "invitation:Acme Partner Hub/li.wei@globex.com": ("create", None),
        "invitation:Contoso Deal Room/tom@contoso.com": ("create", None),
        "invitation:Acme Partner Hub/mike@contoso.com": ("delete", None),
        "permission_set_assignment:Invite_Customers_To_Chatter/bob@acme.com": ("create", None),
        "permission_set_assignment:Deal_Registration/nina.ross@contoso.com.acmepartners": ("create", None),
        "permission_set_assignment:Deal_Registration/victor.klein@contoso.com.acmepartners": ("delete", None),
    }
    for key, (action, after) in expected.items():
        assert found[key]["action"] == action, key
        if after is not None:
            assert found[key]["after"] == after, key
    assert not any("raj@contoso.com" in key for key in found)  # a pending invitation counts as done
    assert found["member:Acme Partner Hub/kim@contoso.com"]["reason"] == "not in config"
    orphans = [c for c in document["changes"] if (c["reason"] or "").startswith("orphaned customer")]
    assert {c["key"] for c in orphans} == {"user:kim@guest.acme.com", "user:paul@guest.acme.com"}
    assert document["blockers"] == [] and document["org"]["name"] == "Acme"
    assert [m["code"] for m in document["manual_checks"]] == ["coworker-invitations", "company-domains"]
    assert 0 < document["api_requests"] <= 20
    assert CliRunner().invoke(app, [*args, "--detailed-exitcode"]).exit_code == 2
    # two runs, two sandbox processes on different ports: the PR comment is the same bytes
    first, second = (CliRunner().invoke(app, [*args, "--format", "markdown"]).stdout_bytes for _ in range(2))
    assert first == second and first.startswith(b"<!-- guestlist-plan -->\n")


def test_execution_order_puts_removals_and_deactivations_last(org: RunningSandbox) -> None:
    _, document = plan_json(org, REPO / "desired")
    keys = [c["key"] for c in document["changes"]]
    kinds = [(c["kind"], c["action"]) for c in document["changes"]]
    first_delete = next(i for i, (kind, action) in enumerate(kinds) if action == "delete")
    assert all(
        action == "delete" or (kind == "user" and document["changes"][i]["values"] == {"IsActive": False})
        for i, (kind, action) in enumerate(kinds[first_delete:], first_delete)
    )
    assert keys[0] == "setting:chatter.customer_invitations"
    created = [k for k, (kind, action) in zip(keys, kinds, strict=True) if action == "create"]
    assert created.index("group:Initech Pilot") < created.index("member:Initech Pilot/erin@acme.com")


# -- formats ------------------------------------------------------------------------------------------------------


def test_text_output_is_grouped_and_ends_with_the_summary(org: RunningSandbox) -> None:
    result = plan(org, REPO / "desired")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "Members" in lines and "Invitations" in lines
    assert any(
        line.startswith("  - member Acme Partner Hub/kim@contoso.com  role: member  (not in config)") for line in lines
    )
    assert any(line.startswith("Access: ") and "external people gain access" in line for line in lines)
    assert re.fullmatch(r"Plan: \d+ to add, \d+ to change, \d+ to remove\.", lines[-2])
    assert re.fullmatch(r"API requests used: \d+\.", lines[-1])
    assert "\x1b[" not in result.stdout  # no colour off a terminal


def test_markdown_output_is_identical_on_a_second_run(org: RunningSandbox) -> None:
    first = plan(org, REPO / "desired", "--format", "markdown")
    second = plan(org, REPO / "desired", "--format", "markdown")
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert first.stdout.startswith("<!-- guestlist-plan -->\n### guestlist plan: Acme\n")
    assert "> [!WARNING]" in first.stdout and "<details>" in first.stdout


def test_redact_masks_external_people_in_every_format(org: RunningSandbox) -> None:
    for output_format in ("text", "markdown", "json"):
        result = plan(org, REPO / "desired", "--format", output_format, "--redact")
        assert result.exit_code == 0
        for secret in (
            "kim@contoso.com",
            "li.wei@globex.com",
            "lena.berg@initech.com",
            "paul@guest.acme.com",
            "sam.patel@contoso.com",
        ):  # sam has no change, only a warning
            assert secret not in result.stdout, (output_format, secret)
        assert "k***@contoso.com" in result.stdout and "bob@acme.com" in result.stdout


MESSAGES = ("Li, you can approve requests from Globex colleagues.", "Tom, the draft contract is pinned in this group.")


@pytest.mark.parametrize("output_format", ["text", "markdown", "json"])
def test_redact_hides_invitation_messages_but_the_saved_plan_keeps_them(org: RunningSandbox, tmp_path: Path,
                                                                        output_format: str) -> None:
    saved = tmp_path / "plan.json"
    result = plan(org, REPO / "desired", "--format", output_format, "--redact", "--out", str(saved))
    assert result.exit_code == 0, result.stderr
    for message in MESSAGES:  # they name people ("Li, ...")
        assert message not in result.stdout and message.split(",")[0] + "," not in result.stdout
    assert result.stdout.count("(message hidden)") >= 2
    unredacted = {c.key: c for c in Plan.from_json(json.loads(saved.read_text())).changes}
    invitation = unredacted["invitation:Acme Partner Hub/li.wei@globex.com"]
    assert invitation.after["message"] == invitation.values["OptionalMessage"] == MESSAGES[0]  # apply sends it


def test_out_saves_the_plan_that_from_json_loads(org: RunningSandbox, tmp_path: Path) -> None:
    saved = tmp_path / "plans" / "plan.json"
    saved.parent.mkdir()
    code, document = plan_json(org, REPO / "desired", "--out", str(saved))
    assert code == 0
    loaded = Plan.from_json(json.loads(saved.read_text()))
    assert [c.key for c in loaded.changes] == [c["key"] for c in document["changes"]]
    assert loaded.fingerprints and all(
        c.record_id in loaded.fingerprints for c in loaded.changes if c.record_id and c.kind.value != "setting"
    )
    assert loaded.org.id == document["org"]["id"]


# -- exit codes ---------------------------------------------------------------------------------------------------


def test_detailed_exitcode_is_zero_when_the_org_matches(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("groups:\n  - name: Acme Announcements\n    membership: additive\n")
    result = plan(org, tmp_path / "one.yaml", "--detailed-exitcode")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "No changes: the org matches the config." in result.stdout


def test_a_bad_config_exits_1_with_located_problems(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("groups:\n  - name: X\n    acess: private\n")
    result = plan(org, tmp_path / "bad.yaml", "--detailed-exitcode")
    assert result.exit_code == 1
    assert "bad.yaml:3:5" in result.stderr and "no plan was made" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "yaml"], "--format 'yaml' is not one of text, markdown, json"),
        (["--today", "tomorrow"], "--today 'tomorrow' is not a date: use YYYY-MM-DD, e.g. 2026-11-22"),
        (["--out", str(REPO / "desired")], "is a directory: name the file to write"),
        (["--out", "/nonexistent/dir/p.json"], "--out /nonexistent/dir/p.json: the directory /nonexistent/dir does "
                                                "not exist (create it first)"),
        (["--out", str(REPO / "README.md" / "p.json")], f"{REPO / 'README.md'} is a file, not a directory"),
    ],
)
def test_bad_options_exit_1_with_a_message(org: RunningSandbox, args: list[str], message: str) -> None:
    result = plan(org, REPO / "desired", *args)
    assert result.exit_code == 1 and message in result.stderr


def test_an_unreachable_org_exits_1_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["plan", str(REPO / "desired"), "--org", "env", "--today", TODAY],
        env={
            "SF_INSTANCE_URL": None,
            "SF_ACCESS_TOKEN": None,
            "SF_USERNAME": None,
            "SF_CONSUMER_KEY": None,
            "SF_CONSUMER_SECRET": None,
            "SF_PASSWORD": None,
        },
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr + result.stdout


# -- blockers, expiry, invitations --------------------------------------------------------------------------------


def test_missing_things_are_blockers_with_exit_1(org: RunningSandbox, config: Path) -> None:
    edit(config / "groups/partners.yaml", "owner: alice@acme.com", "owner: nobody@acme.com")
    edit(
        config / "groups/partners.yaml",
        "      - user: erin@acme.com\n      - user: grace",
        "      - user: erin@acme.com\n      - user: ghost@acme.com\n      - user: grace",
    )
    edit(config / "people.yaml", "profile: Chatter Free User", "profile: Chatter Deluxe User")
    edit(config / "people.yaml", "account: Initech\n", "account: Initech Unlimited\n")
    edit(config / "access.yaml", "Deal_Registration:", "Deal_Registrations:")
    code, document = plan_json(org, config, "--detailed-exitcode")
    assert code == 1
    codes = {b["code"] for b in document["blockers"]}
    assert {"missing-owner", "missing-user", "missing-profile", "missing-account", "missing-permission-set"} <= codes
    ghost = next(b for b in document["blockers"] if b["code"] == "missing-user")
    assert ghost["source"]["file"].endswith("partners.yaml") and ghost["source"]["line"] > 0


def test_allow_customers_one_way_and_access_locked(org: RunningSandbox, config: Path) -> None:
    partners = config / "groups/partners.yaml"
    text = partners.read_text()
    text = text.replace(
        "    access: private\n    allow_customers: true\n    owner: alice@acme.com",
        "    access: private\n    allow_customers: false\n    owner: alice@acme.com",
        1,
    )
    text = text.replace(
        "  - name: Contoso Deal Room\n    access: private", "  - name: Contoso Deal Room\n    access: unlisted", 1
    )
    partners.write_text(text)
    edit(
        partners,
        "      - customer: jane@contoso.com\n        expires: 2099-03-31\n        sponsor: bob@acme.com\n"
        "        message: Welcome to the Acme Partner Hub, Jane!\n",
        "",
    )
    for customer in ("raj@contoso.com", "li.wei@globex.com"):
        _drop_customer(partners, customer)
    code, document = plan_json(org, config)
    assert code == 1, document["blockers"]
    assert {"allow-customers-one-way", "access-locked"} <= {b["code"] for b in document["blockers"]}


def _drop_customer(path: Path, email: str) -> None:
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.strip() == f"- customer: {email}")
    end = start + 1
    while end < len(lines) and lines[end].startswith("        "):
        end += 1
    path.write_text("".join(lines[:start] + lines[end:]))


def test_customer_invitations_off_and_not_turned_on_blocks(org: RunningSandbox, config: Path) -> None:
    edit(config / "org.yaml", "    customer_invitations: true", "")
    code, document = plan_json(org, config)
    assert code == 1
    [blocker] = [b for b in document["blockers"] if b["code"] == "customer-invitations-off"]
    assert blocker["key"].startswith("invitation:")


def test_protected_user_removal_blocks(org: RunningSandbox, config: Path) -> None:
    edit(config / "org.yaml", "protected: [admin@acme.com]", "protected: [admin@acme.com, kim@guest.acme.com]")
    code, document = plan_json(org, config)
    assert code == 1
    assert {b["key"] for b in document["blockers"] if b["code"] == "protected-user"} >= {
        "member:Acme Partner Hub/kim@contoso.com"
    }


def test_a_licence_running_out_blocks(org: RunningSandbox, config: Path) -> None:
    extra = "".join(
        f"  - username: p{n}@contoso.com.acmepartners\n    email: p{n}@contoso.com\n    last_name: P{n}\n"
        f"    account: Contoso Ltd\n    license: Partner Community\n    profile: Partner Community User\n"
        f"    portal_role: user\n    expires: 2027-06-30\n    sponsor: bob@acme.com\n"
        for n in range(3)
    )
    edit(config / "people.yaml", "external_users:\n", "external_users:\n" + extra)
    code, document = plan_json(org, config)
    assert code == 1
    [blocker] = [b for b in document["blockers"] if b["code"] == "license-exhausted"]
    assert "Partner Community" in blocker["message"]
    [seats] = [lic for lic in document["licenses"] if lic["name"] == "Partner Community"]
    assert seats["used_after"] > seats["total"]
    contacts = [c for c in document["changes"] if c["kind"] == "contact"]
    assert len(contacts) == 3 and all(c["action"] == "create" for c in contacts)


def test_expired_entries_are_removed_on_their_date(org: RunningSandbox) -> None:
    result = plan(org, REPO / "desired", "--format", "json", "--today", "2099-03-01")
    document = json.loads(result.stdout)
    found = changes(document)
    assert found["user:heidi@acme.com"]["values"] == {"IsActive": False}
    assert found["user:heidi@acme.com"]["reason"] == "expired 2099-02-28"
    assert "invitation:Contoso Deal Room/tom@contoso.com" not in found  # expired before it was ever sent


def test_a_stale_invitation_is_sent_again(org: RunningSandbox, config: Path) -> None:
    edit(
        config / "groups/partners.yaml",
        "      - customer: raj@contoso.com",
        "      - customer: mike@contoso.com\n        expires: 2027-06-30\n        sponsor: bob@acme.com\n"
        "      - customer: raj@contoso.com",
    )
    _, document = plan_json(org, config)
    keys = [c["key"] for c in document["changes"]]
    stale = "invitation:Acme Partner Hub/mike@contoso.com#expired"
    assert stale in keys and keys.index(stale) < keys.index("invitation:Acme Partner Hub/mike@contoso.com")
    assert stale in changes(document)["invitation:Acme Partner Hub/mike@contoso.com"]["depends_on"]


def test_an_invitation_says_its_role_and_notify_follow_the_acceptance(demo_db: Path, tmp_path: Path) -> None:
    """An invitation can't carry a role or notify: the plan says so, and after the invitee accepts, the next plan
    sets them on the membership the acceptance made."""
    db = tmp_path / "sandbox.sqlite3"
    shutil.copyfile(demo_db, db)
    common = [str(REPO / "desired"), "--sandbox-db", str(db), "--today", TODAY]
    first = CliRunner().invoke(app, ["plan", *common, "--format", "json"])
    invitations = {c["key"]: c for c in json.loads(first.stdout)["changes"] if c["kind"] == "invitation"}
    li = invitations.pop("invitation:Acme Partner Hub/li.wei@globex.com")  # role: manager, notify: daily
    assert li["reason"] == "role manager and notify daily are set by the next apply after li.wei@globex.com accepts"
    assert all(c["reason"] in (None, "not in config") for c in invitations.values())  # declared as plain members
    text = CliRunner().invoke(app, ["plan", *common]).stdout
    assert "(role manager and notify daily are set by the next apply after li.wei@globex.com accepts)" in text
    applied = CliRunner().invoke(app, ["apply", *common, "--yes", "--allow-irreversible",
                                       "--journal", str(tmp_path / "journal.jsonl")])
    assert applied.exit_code == 0, applied.output
    accepted = CliRunner().invoke(app, ["sandbox", "accept", "li.wei@globex.com", "--db", str(db)])
    assert accepted.exit_code == 0, accepted.output
    after = CliRunner().invoke(app, ["plan", *common, "--format", "json"])
    [update] = json.loads(after.stdout)["changes"]
    assert (update["key"], update["action"]) == ("member:Acme Partner Hub/li.wei@globex.com", "update")
    assert update["after"] == {"role": "manager", "notify": "daily"}


def test_group_delete_is_last_irreversible_and_counted_in_people(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").write_text("groups:\n  - name: Contoso Deal Room\n    state: absent\n")
    code, document = plan_json(org, tmp_path / "gone.yaml", "--detailed-exitcode")
    assert code == 2
    [change] = document["changes"]
    assert (change["key"], change["action"]) == ("group:Contoso Deal Room", "delete")
    assert change["risks"] == ["irreversible", "revokes_access"] and change["reason"] == "state: absent"
    assert {p["person"] for p in document["people"] if p["losses"]} >= {"bob@acme.com", "jane@contoso.com"}


def test_updates_carry_only_the_fields_that_differ(org: RunningSandbox, config: Path) -> None:
    edit(
        config / "groups/partners.yaml",
        "description: Deals and onboarding with partners",
        "description: Deals, onboarding and support with partners",
    )
    edit(config / "people.yaml", "last_name: Miller", "last_name: Miller-Jones")
    _, document = plan_json(org, config)
    found = changes(document)
    group = found["group:Acme Partner Hub"]
    assert group["before"] == {"description": "Deals and onboarding with partners"}
    assert group["values"] == {"Description": "Deals, onboarding and support with partners"}
    user = found["user:frank@acme.com"]
    assert (user["action"], user["after"], user["values"]) == (
        "update",
        {"last_name": "Miller-Jones"},
        {"LastName": "Miller-Jones"},
    )


def test_a_contact_that_already_has_a_user_blocks(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "nina.yaml").write_text(
        "external_users:\n  - username: nina2@contoso.com.acmepartners\n    email: nina.ross@contoso.com\n"
        "    last_name: Ross\n    account: Contoso Ltd\n    license: Partner Community\n"
        "    profile: Partner Community User\n    portal_role: user\n"
    )
    code, document = plan_json(org, tmp_path / "nina.yaml", "--detailed-exitcode")
    assert code == 1
    [blocker] = document["blockers"]
    assert blocker["code"] == "contact-has-user" and "nina.ross@contoso.com.acmepartners" in blocker["message"]
    assert blocker["source"] == {"file": str(tmp_path / "nina.yaml"), "line": 2, "col": 5}


def test_an_account_name_two_accounts_bear_is_ambiguous_and_blocks(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    (tmp_path / "priya.yaml").write_text(
        "external_users:\n  - username: priya@contoso.com.acmepartners\n    email: priya@contoso.com\n"
        "    last_name: Shah\n    account: Contoso Ltd\n    license: Partner Community\n"
        "    profile: Partner Community User\n"
    )
    with start_sandbox(db) as running:
        assert connect(running.info).Account.create({"Name": "Contoso Ltd"})["success"]
        code, document = plan_json(running, tmp_path / "priya.yaml")
    assert code == 1
    [blocker] = document["blockers"]
    assert blocker["code"] == "ambiguous-account" and blocker["key"] == "account:Contoso Ltd"
    assert "'Contoso Ltd' matches 2 Accounts" in blocker["message"]
    assert f"{tmp_path / 'priya.yaml'}:2" in blocker["message"]
    assert blocker["source"] == {"file": str(tmp_path / "priya.yaml"), "line": 2, "col": 5}
    assert document["changes"] == []


def test_a_permission_set_of_another_licence_blocks(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "ps.yaml").write_text(
        "permission_sets:\n  Deal_Registration:\n    assignees: [frank@acme.com]\n    membership: additive\n"
    )
    code, document = plan_json(org, tmp_path / "ps.yaml")
    assert code == 1
    assert [b["code"] for b in document["blockers"]] == ["permission-set-license"]


def test_a_public_group_cannot_start_allowing_customers(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "pub.yaml").write_text(
        "org:\n  chatter:\n    customer_invitations: true\n"
        "groups:\n  - name: Acme Announcements\n    allow_customers: true\n    membership: additive\n"
    )
    result = plan(org, tmp_path / "pub.yaml")
    assert result.exit_code == 1
    assert "allow-customers-public: group 'Acme Announcements' is public" in result.stdout
    assert result.stdout.splitlines()[-2].endswith("; blocked by 1 problem.")


def test_a_connected_user_without_the_invite_permission_blocks_invitations(org: RunningSandbox) -> None:
    env = {**jwt_env(org.info, "bob@acme.com"), "SF_INSTANCE_URL": None, "SF_ACCESS_TOKEN": None}
    args = ["plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--format", "json"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["org"]["username"] == "bob@acme.com" and not document["org"]["can_invite_customers"]
    # bob also lacks Manage Unlisted Groups, which the demo's unlisted "Initech Pilot" needs (real-orgs.md §2.1),
    # and, a Standard User, the Metadata API, Manage Users and Modify All Data the demo's changes need (§10)
    assert {b["code"] for b in document["blockers"]} == {"invite-permission", "unlisted-permission",
                                                         "missing-permission"}
    [blocker] = [b for b in document["blockers"] if b["code"] == "invite-permission"]
    assert blocker["message"].startswith("4 customer invitations can't")


def test_an_unlisted_group_in_an_org_without_unlisted_groups_blocks(tmp_path: Path) -> None:
    db = tmp_path / "bare.sqlite3"
    Store(db, seed="empty").close()
    secret = "groups:\n  - name: Secret Room\n    access: unlisted\n    owner: admin@acme.com\n"
    (tmp_path / "secret.yaml").write_text(secret)
    args = ["plan", str(tmp_path / "secret.yaml"), "--sandbox-db", str(db), "--today", TODAY, "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.stderr
    assert [b["code"] for b in json.loads(result.stdout)["blockers"]] == ["unlisted-groups-disabled"]


def test_a_session_that_ends_mid_plan_is_renewed_once(demo_db: Path, tmp_path: Path) -> None:
    """The org ends the session on the third query (the sandbox's expired-session fault): guestlist logs in again
    with the same credentials and reads everything again; the plan is the one an undisturbed run makes."""
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    faults = FaultPlan((FaultRule(FaultKind.EXPIRED_SESSION, path="/query", nth=3),))
    with start_sandbox(db, faults=faults) as running:
        env = {**jwt_env(running.info), "SF_INSTANCE_URL": None, "SF_ACCESS_TOKEN": None}
        args = ["plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--format", "json"]
        renewed = CliRunner().invoke(app, args, env=env)
        again = CliRunner().invoke(app, args, env=env)
    assert renewed.exit_code == 0, renewed.stderr
    first, second = json.loads(renewed.stdout), json.loads(again.stdout)
    assert [c["key"] for c in first["changes"]] == [c["key"] for c in second["changes"]]
    assert first["api_requests"] > second["api_requests"]  # the second login and the reads made twice


@pytest.mark.parametrize("refusals", [1, None])
def test_a_read_at_the_concurrent_request_limit_is_retried_and_counted(demo_db: Path, tmp_path: Path,
                                                                        refusals: int | None) -> None:
    """real-orgs.md §7.2: REQUEST_LIMIT_EXCEEDED "ConcurrentRequests" is transient: a read is tried again (each
    attempt counted, so the plan reports one request more); when every query is refused, plan gives up after 3
    attempts, naming the concurrency limit, not a spent daily allowance."""
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    rule = FaultRule(FaultKind.CONCURRENT_LIMIT, path="/query", **({"nth": 2} if refusals else {}))
    faults = FaultPlan((rule,))
    with start_sandbox(db, faults=faults) as running:
        env = {**jwt_env(running.info), "SF_INSTANCE_URL": None, "SF_ACCESS_TOKEN": None}
        args = ["plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--format", "json"]
        refused = CliRunner().invoke(app, args, env=env)
        running.admin.set_faults(FaultPlan())
        undisturbed = CliRunner().invoke(app, args, env=env)
    assert undisturbed.exit_code == 0, undisturbed.stderr
    if refusals == 1:
        assert refused.exit_code == 0, refused.stderr
        first, second = json.loads(refused.stdout), json.loads(undisturbed.stdout)
        assert [c["key"] for c in first["changes"]] == [c["key"] for c in second["changes"]]
        assert first["api_requests"] == second["api_requests"] + 1
        return
    assert refused.exit_code == 1
    assert json.loads(refused.stdout)["error"]["code"] == "org-error"
    assert "the org is running as many long API requests at once as it allows (REQUEST_LIMIT_EXCEEDED: " \
           "ConcurrentRequests (Concurrent API Requests) Limit exceeded.; retried with backoff)" in refused.stderr
    assert "daily" not in refused.stderr.replace("the daily allowance is not affected", "")
