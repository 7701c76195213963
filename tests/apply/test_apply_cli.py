"""`guestlist apply` through the real path: YAML -> the sandbox org over HTTPS -> plan -> gates -> batched writes ->
read-back, then `guestlist plan --detailed-exitcode` exits 0. Each test has its own demo org (`--org env`)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from reconciler.cli import app
from reconciler.commands.apply import ApplyOptions, run
from reconciler.org.connect import connect
from reconciler.sandbox.runner import RunningSandbox
from tests.apply.conftest import inject, org_env
from tests.apply.fakes import no_sleep_policy
from tests.plan.test_cli_scenarios import edit

TODAY = "2026-11-22"  # the demo seed's "now"
WRITES = r"composite/sobjects|/Soap/m/"


def guestlist(sandbox: RunningSandbox, *args: str, input: str | None = None) -> Result:
    result = CliRunner().invoke(app, list(args), env=org_env(sandbox), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def apply(sandbox: RunningSandbox, config: Path, tmp_path: Path, *args: str) -> Result:
    return guestlist(sandbox, "apply", str(config), "--org", "env", "--today", TODAY,
                     "--journal", str(tmp_path / "journal.jsonl"), *args)


def plan_exit(sandbox: RunningSandbox, config: Path) -> int:
    return guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--detailed-exitcode").exit_code


def journal(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def query(sandbox: RunningSandbox, soql: str) -> list[dict[str, Any]]:
    with connect("env", env=org_env(sandbox)) as conn:
        return list(conn.sf.query_all_iter(soql))


def census(sandbox: RunningSandbox) -> dict[str, list[Any]]:
    """Everything an apply could duplicate or remove: users, members, pending invitations, assignments."""
    return {
        "users": sorted(r["Username"] for r in query(sandbox, "SELECT Username FROM User")),
        "members": sorted((r["CollaborationGroupId"], r["MemberId"]) for r in query(
            sandbox, "SELECT CollaborationGroupId, MemberId FROM CollaborationGroupMember")),
        "invitations": sorted((r["SharedEntityId"], r["InvitedUserEmail"]) for r in query(
            sandbox, "SELECT SharedEntityId, InvitedUserEmail FROM CollaborationInvitation WHERE Status = 'Sent'")),
        "assignments": sorted((r["PermissionSetId"], r["AssigneeId"]) for r in query(
            sandbox, "SELECT PermissionSetId, AssigneeId FROM PermissionSetAssignment")),
    }


def assert_no_duplicates(state: dict[str, list[Any]]) -> None:
    for name, rows in state.items():
        assert len(rows) == len(set(rows)), f"duplicate {name}: {[r for r in rows if rows.count(r) > 1]}"


# -- the demo -----------------------------------------------------------------------------------------------------


def test_demo_applies_every_change_and_converges(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    assert "Plan: 11 to add, 5 to change, 4 to remove." in result.stdout
    assert "Applied: 11 created, 5 updated, 4 deleted." in result.stdout
    assert "Converged" in result.stdout
    assert "daily allowance left:" in result.stdout
    assert plan_exit(sandbox, config) == 0
    lines = journal(tmp_path)
    outcomes = [e for e in lines if "outcome" in e]
    assert len(outcomes) == 20 and {e["outcome"] for e in outcomes} == {"applied"}
    assert all(e["record_id"] for e in outcomes)
    done = lines[-1]
    assert done["event"] == "done" and done["converged"] is True
    # one request per sObject and operation: 20 changes in 11 write requests
    assert sum(done["write_requests"].values()) == 11
    assert set(done["write_requests"].values()) == {1}
    assert "sandbox" not in json.dumps(lines)  # no password, no token


def test_a_refused_request_limit_says_the_allowance_is_spent_not_a_stale_count(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    # the first POST creates the apply lock (apply/lock.py); the second is the apply's first write
    inject(sandbox, "limit-exceeded:method=POST,path=composite/sobjects,nth=2")
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 1, result.output
    assert "Stopped: REQUEST_LIMIT_EXCEEDED" in result.stdout
    [usage] = [line for line in result.stdout.splitlines() if line.startswith("API requests:")]
    assert usage.endswith("; daily allowance left: none of 113,000 (spent: the org refused a request with "
                          "REQUEST_LIMIT_EXCEEDED).")


def test_a_concurrent_request_limit_is_waited_out_not_taken_for_the_daily_allowance(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    """real-orgs.md §7.2: the apply's first write meets the org's concurrent-request limit twice, is retried with
    backoff (a lookup first: nothing is created twice) and goes through; every request sent is counted."""
    inject(sandbox, "concurrent-limit:method=POST,path=composite/sobjects,nth=2,times=2")
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    assert "Applied: 11 created, 5 updated, 4 deleted." in result.stdout and "Converged" in result.stdout
    assert "REQUEST_LIMIT_EXCEEDED" not in result.stdout and "daily allowance left: none" not in result.stdout
    done = journal(tmp_path)[-1]
    assert sum(done["write_requests"].values()) == 13  # 11 write requests, the first one sent three times
    assert_no_duplicates(census(sandbox))
    assert plan_exit(sandbox, config) == 0


def test_a_write_the_org_keeps_refusing_at_the_concurrent_limit_fails_alone_and_says_why(
        sandbox: RunningSandbox, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every attempt of the first write meets the concurrent-request limit (the Writer's 5, without sleeping): its
    changes fail with the concurrency named, the rest of the apply goes on, and nobody is told the allowance is
    spent (real-orgs.md §7.2)."""
    inject(sandbox, "concurrent-limit:method=POST,path=composite/sobjects,nth=2,times=5")
    for name, value in org_env(sandbox).items():
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    options = ApplyOptions(config, "env", yes=True, allow_irreversible=True, journal=tmp_path / "journal.jsonl",
                           today=dt.date.fromisoformat(TODAY))
    assert run(options, out=out, err=err, policy=no_sleep_policy()) == 1, out.getvalue() + err.getvalue()
    text = out.getvalue()
    assert ("REQUEST_LIMIT_EXCEEDED: the org kept refusing it at its limit of concurrent long-running API requests "
            "(retried with backoff): rerun apply in a few minutes") in text
    assert "Stopped:" not in text and "daily allowance left: none" not in text and "Applied: " in text
    assert journal(tmp_path)[-1]["write_requests"]  # the apply ran to its end


def test_nothing_to_do_exits_0_without_asking(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    result = apply(sandbox, config, tmp_path)
    assert result.exit_code == 0 and "Nothing to do." in result.stdout


def test_off_a_terminal_apply_needs_yes(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--allow-irreversible")
    assert result.exit_code == 1
    assert "apply needs --yes when it does not run on a terminal" in result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []


# -- every kind of change -----------------------------------------------------------------------------------------


def test_every_kind_of_change_then_plan_finds_nothing(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0
    groups = config / "groups"
    # a group update, a group delete, a user update, a new external user whose contact must be created,
    # a member role change and removal, a permission set assignment change
    edit(groups / "internal.yaml", "description: Company news from the leadership team",
         "description: Company news, weekly")
    edit(groups / "partners.yaml", "- name: Contoso Deal Room", "- name: Contoso Deal Room\n    state: absent")
    edit(config / "people.yaml", "last_name: Taylor", "last_name: Taylor-Brown")
    edit(config / "people.yaml", "external_users:\n", "external_users:\n"
         "  - username: zoe.quinn@globex.com.acmecustomers\n"
         "    email: zoe.quinn@globex.com\n    first_name: Zoe\n    last_name: Quinn\n"
         "    account: Globex Corporation\n    license: Customer Community Plus\n"
         "    profile: Customer Community Plus User\n    portal_role: user\n    active: true\n"
         "    expires: 2027-06-30\n    sponsor: bob@acme.com\n")
    before_plan = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json")
    kinds = {(c["kind"], c["action"]) for c in json.loads(before_plan.stdout)["changes"]}
    assert {("group", "update"), ("group", "delete"), ("user", "update"), ("user", "create"),
            ("contact", "create")} <= kinds, kinds
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 0, result.output
    assert plan_exit(sandbox, config) == 0
    assert_no_duplicates(census(sandbox))


# -- gates --------------------------------------------------------------------------------------------------------


def test_irreversible_changes_are_refused_without_their_flag(sandbox: RunningSandbox, config: Path,
                                                              tmp_path: Path) -> None:
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--yes")
    assert result.exit_code == 3
    assert "cannot be undone" in result.stderr
    assert "group:Initech Pilot (allows customers: Salesforce can't turn that off again)" in result.stderr
    assert "partners.yaml:59" in result.stderr
    assert "--allow-irreversible" in result.stderr and "Nothing was written." in result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []


def test_too_many_removals_are_refused_without_force(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    edit(config / "org.yaml", "max_removals: 25%", "max_removals: 2")
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 3
    assert "6 removals exceed policy.max_removals (2; 25 managed access entries)." in result.stderr
    assert "--force" in result.stderr
    assert census(sandbox) == before
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 0, result.output
    assert plan_exit(sandbox, config) == 0


SMALL_GROUP = """version: 1
groups:
  - name: Contoso Deal Room
    access: private
    allow_customers: true
    owner: bob@acme.com
    members:
      - user: alice@acme.com
        role: manager
      - user: dan@acme.com
        notify: each_post
policy:
  max_removals: {limit}
"""


def test_offboarding_from_a_small_set_needs_no_force(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """2 removals of 5 managed entries are 40%, over 25%: a share applies only from 10 managed entries."""
    config = tmp_path / "small.yaml"
    config.write_text(SMALL_GROUP.format(limit="25%"))
    result = apply(sandbox, config, tmp_path, "--yes")
    assert result.exit_code == 0, result.output
    assert "--force" not in result.output
    assert plan_exit(sandbox, config) == 0
    members = query(sandbox, "SELECT Member.Email FROM CollaborationGroupMember "
                             "WHERE CollaborationGroup.Name = 'Contoso Deal Room'")
    assert sorted(r["Member"]["Email"] for r in members) == ["alice@acme.com", "bob@acme.com", "dan@acme.com"]


def test_a_count_limit_applies_to_a_small_set_too(sandbox: RunningSandbox, tmp_path: Path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text(SMALL_GROUP.format(limit="1"))
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--yes")
    assert result.exit_code == 3
    assert "2 removals exceed policy.max_removals (1; 5 managed access entries)." in result.stderr
    assert census(sandbox) == before


# -- saved plans --------------------------------------------------------------------------------------------------


def save_plan(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--out", str(path))
    assert result.exit_code == 0 and path.exists(), result.output
    return path


def test_a_saved_plan_is_applied_as_reviewed(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    saved = save_plan(sandbox, config, tmp_path)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    assert plan_exit(sandbox, config) == 0


def test_a_stale_saved_plan_is_refused_and_nothing_written(sandbox: RunningSandbox, config: Path,
                                                            tmp_path: Path) -> None:
    saved = save_plan(sandbox, config, tmp_path)
    with connect("env", env=org_env(sandbox)) as conn:  # someone edits a group the plan changes a member of
        hub = conn.sf.query("SELECT Id FROM CollaborationGroup WHERE Name = 'Acme Partner Hub'")["records"][0]["Id"]
        conn.sf.CollaborationGroup.update(hub, {"Description": "edited by hand"})
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible")
    assert result.exit_code == 4
    assert "the org changed since this plan was made" in result.stderr
    assert f"group Acme Partner Hub ({hub}) changed" in result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []


def test_a_saved_plan_whose_creates_appeared_is_refused(sandbox: RunningSandbox, config: Path,
                                                         tmp_path: Path) -> None:
    saved = save_plan(sandbox, config, tmp_path)
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code == 0  # applied meanwhile
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible")
    assert result.exit_code == 4 and "the org changed since this plan was made" in result.stderr
    assert "invitation:Acme Partner Hub/li.wei@globex.com exists already" in result.stderr
    assert census(sandbox) == before


def test_a_saved_plan_that_resends_an_expired_invitation_is_not_refused_as_stale(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    """mike's invitation expired: the plan deletes it and sends a new one. The old one, which the plan itself
    deletes, is no sign that someone else created the invitation meanwhile."""
    edit(config / "groups" / "partners.yaml", "      - customer: raj@contoso.com\n",
         "      - customer: mike@contoso.com\n        expires: 2027-06-30\n        sponsor: bob@acme.com\n"
         "      - customer: raj@contoso.com\n")
    saved = save_plan(sandbox, config, tmp_path)
    keys = {(c["key"], c["action"]) for c in json.loads(saved.read_text())["changes"]}
    assert {("invitation:Acme Partner Hub/mike@contoso.com#expired", "delete"),
            ("invitation:Acme Partner Hub/mike@contoso.com", "create")} <= keys
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    assert plan_exit(sandbox, config) == 0
    assert_no_duplicates(census(sandbox))


def test_a_saved_plan_is_refused_when_the_config_now_keeps_someone_it_removes(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    """The org did not move, but the config did: paul is protected now, and orphans are no longer deactivated."""
    saved = save_plan(sandbox, config, tmp_path)
    edit(config / "org.yaml", "protected: [admin@acme.com]", "protected: [admin@acme.com, paul@guest.acme.com]")
    edit(config / "org.yaml", "deactivate_orphaned_customers: true", "deactivate_orphaned_customers: false")
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 4, result.output
    assert f"Refused: the config at {config} plans differently now; nothing was written:" in result.stderr
    assert "user:kim@guest.acme.com: the config no longer asks for this update" in result.stderr
    assert "user:paul@guest.acme.com: the config no longer asks for this update" in result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []


@pytest.mark.parametrize(("field", "value", "message", "code"), [
    ("format_version", 99, "format_version 99 is not supported", 1),
    ("org", "another", "this plan was made for org 00D000000000099AAA", 4),
])
def test_a_plan_for_another_org_or_format_is_refused(sandbox: RunningSandbox, config: Path, tmp_path: Path,
                                                     field: str, value: Any, message: str, code: int) -> None:
    """A plan for another org is stale (exit 4: plan again); a format this guestlist can't read is an error."""
    saved = save_plan(sandbox, config, tmp_path)
    document = json.loads(saved.read_text())
    if field == "org":
        document["org"]["id"] = "00D000000000099AAA"
    else:
        document[field] = value
    saved.write_text(json.dumps(document))
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible")
    assert result.exit_code == code and message in result.stderr
    assert census(sandbox) == before


# -- partial failure, then a converging rerun ---------------------------------------------------------------------


def test_a_validation_rule_fails_one_user_and_its_membership_then_a_rerun_converges(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    sandbox.admin.add_validation_rule("User", "No_Taylors", "LastName", "equals", "Taylor",
                                      "Taylors need a manager's approval")
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 1
    out = result.stdout
    assert "x user:grace@acme.co.uk" in out
    assert ("FIELD_CUSTOM_VALIDATION_EXCEPTION: a validation rule on User rejected it: "
            "Taylors need a manager's approval") in out
    assert "member:Acme Partner Hub/grace@acme.co.uk: depends on user:grace@acme.co.uk, which failed" in out
    assert "Applied: 9 created, 5 updated, 4 deleted." in out
    assert "2 change(s) listed above were not applied" in out
    sandbox.admin.remove_validation_rule("User", "No_Taylors")
    rerun = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert rerun.exit_code == 0, rerun.output
    assert "Plan: 2 to add, 0 to change, 0 to remove." in rerun.stdout
    assert plan_exit(sandbox, config) == 0


# -- faults, then a rerun -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", [  # POST number 1 creates the apply lock (apply/lock.py): writes start at 2
    "drop-after-commit:method=POST,path=composite/sobjects,nth=6",  # the invitations' create: answer lost
    "drop-after-commit:method=POST,path=composite/sobjects,nth=5",  # the members' create
    "drop-before-commit:method=POST,path=composite/sobjects,nth=3",  # the group's create
    "500:method=POST,path=composite/sobjects,nth=2",
    "503:method=DELETE,path=composite/sobjects,nth=1",
    "lock-row:method=POST,path=composite/sobjects,nth=6,record=2",
    "expired-session:method=PATCH,path=composite/sobjects,nth=1",
    "limit-exceeded:method=POST,path=composite/sobjects,nth=4",
    "concurrent-limit:method=POST,path=composite/sobjects,nth=3,times=5",  # retried until the Writer gives up
    "drop-after-commit:method=POST,path=composite/sobjects,nth=6,times=5",  # every attempt loses its answer
])
def test_faults_during_apply_then_a_rerun_converges_with_nothing_twice(
        sandbox: RunningSandbox, config: Path, tmp_path: Path, fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The faulty apply runs the command's body with a retry policy that doesn't sleep (the suite stays fast)."""
    before = census(sandbox)
    inject(sandbox, fault)
    for name, value in org_env(sandbox).items():
        monkeypatch.setenv(name, value)
    out, err = io.StringIO(), io.StringIO()
    options = ApplyOptions(config, "env", yes=True, allow_irreversible=True, journal=tmp_path / "journal.jsonl",
                           today=dt.date.fromisoformat(TODAY))
    assert run(options, out=out, err=err, policy=no_sleep_policy()) in (0, 1), out.getvalue() + err.getvalue()
    inject(sandbox)
    assert_no_duplicates(census(sandbox))
    rerun = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert rerun.exit_code == 0, rerun.output
    assert plan_exit(sandbox, config) == 0
    after = census(sandbox)
    assert_no_duplicates(after)
    # no removal the plan did not contain: only kim, paul (members), mike (invitation), victor (assignment) went
    assert len(set(before["members"]) - set(after["members"])) == 2
    assert len(set(before["invitations"]) - set(after["invitations"])) == 1
    assert len(set(before["assignments"]) - set(after["assignments"])) == 1
    invitations = [email for _, email in after["invitations"]]
    assert sorted(set(invitations)) == sorted(invitations)  # nobody invited twice


# -- asking on a terminal, bad input, the default org -------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code"), [("no\n", 1), ("yes\n", 0)])
def test_on_a_terminal_apply_asks_and_only_yes_goes_ahead(
        sandbox: RunningSandbox, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        answer: str, code: int) -> None:
    for name, value in org_env(sandbox).items():
        monkeypatch.setenv(name, value)
    before = census(sandbox)
    out, err = Terminal(), Terminal()
    options = ApplyOptions(config, "env", allow_irreversible=True, journal=tmp_path / "journal.jsonl",
                           today=dt.date.fromisoformat(TODAY))
    assert run(options, out=out, err=err, stdin=Terminal(answer)) == code
    assert "Apply 20 change(s) to Acme (00D" in out.getvalue() and "Only 'yes' is accepted" in out.getvalue()
    if code:
        assert "Apply cancelled; nothing was written." in err.getvalue()
        assert census(sandbox) == before and journal(tmp_path) == []
    else:
        assert "Converged" in out.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["--today", "22/11/2026"], "--today '22/11/2026' is not a date"),
    (["--plan", "missing.json"], "cannot read the plan missing.json"),
    (["--org", "production"], "unknown org 'production'"),
])
def test_bad_input_is_one_clear_line_and_exit_1(sandbox: RunningSandbox, config: Path, args: list[str],
                                                message: str) -> None:
    result = guestlist(sandbox, "apply", str(config), "--yes", *args)
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.output


def test_a_plan_file_that_is_not_json_is_named_with_its_position(sandbox: RunningSandbox, config: Path,
                                                                  tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"format_version": 1,\n  oops}')
    result = guestlist(sandbox, "apply", str(config), "--yes", "--plan", str(bad))
    assert result.exit_code == 1 and f"{bad}:2:3: not JSON" in result.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("", "plan.json:1:1: not JSON"),
    ("[]", "a plan file holds a JSON object"),
    ('{"format_version": "one"}', "format_version 'one' is not supported"),
])
def test_an_empty_or_foreign_plan_file_is_refused_before_connecting(tmp_path: Path, config: Path, content: str,
                                                                     message: str) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text(content)
    env = {"SF_INSTANCE_URL": "https://127.0.0.1:9", "SF_ACCESS_TOKEN": "x"}  # nothing listens: never reached
    result = CliRunner().invoke(app, ["apply", str(config), "--org", "env", "--yes", "--plan", str(bad)], env=env)
    assert result.exit_code == 1 and message in result.stderr
    assert "Traceback" not in result.output


def test_a_tampered_saved_plan_is_refused_before_any_request_uses_it(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    saved = save_plan(sandbox, config, tmp_path)
    document = json.loads(saved.read_text())
    invitation = next(c for c in document["changes"] if c["kind"] == "invitation" and c["action"] == "create")
    invitation["lookup"] = {"InvitedUserEmail != null OR Id": "x"}  # would reach SOQL unquoted
    removal = next(c for c in document["changes"] if c["action"] == "delete")
    removal["record_id"] = None
    saved.write_text(json.dumps(document))
    before = census(sandbox)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible", "--force")
    assert result.exit_code == 1, result.output
    assert "the plan can't be executed as it stands" in result.stderr
    assert f"{invitation['key']}: lookup field 'InvitedUserEmail != null OR Id' is not an API name" in result.stderr
    assert f"{removal['key']}: a delete needs a Salesforce record id, not None" in result.stderr
    assert census(sandbox) == before and journal(tmp_path) == []


def test_the_default_org_is_the_built_in_sandbox(config: Path, tmp_path: Path, demo_template: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    shutil.copyfile(demo_template, db)
    result = CliRunner().invoke(app, ["apply", str(config), "--sandbox-db", str(db), "--today", TODAY, "--yes",
                                      "--allow-irreversible", "--journal", str(tmp_path / "journal.jsonl")])
    assert result.exit_code == 0, result.output
    assert "Converged" in result.stdout


def test_an_unexpected_failure_is_one_line_journaled_and_redacted(
        sandbox: RunningSandbox, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reconciler.apply import execute

    token = "00D5g0000000001!SECRETTOKENVALUE123"

    def explode(self, changes):
        raise RuntimeError(f"boom with {token}")

    monkeypatch.setattr(execute.Executor, "run", explode)
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 1
    assert "apply failed unexpectedly (RuntimeError: boom with ***)" in result.stderr
    assert token not in result.output and "Traceback" not in result.output
    assert [e["event"] for e in journal(tmp_path)] == ["apply", "crashed"]
