"""End to end: each GitHub template's run: steps, in order, in bash, with the files and variables Actions
provides, against the built-in sandbox org; uses: steps and gh are recorded stand-ins (tests/examples/standins.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from reconciler.org.connect import connect
from tests.examples.conftest import GITHUB, gh_state, pull_request_event, push_event
from tests.examples.gha import Runner
from tests.examples.standins import Recorder

MARKER = "<!-- guestlist-plan -->"
DEMO_PLAN = "Plan: 11 to add, 5 to change, 4 to remove."
UNMASKED = "lena.berg@initech.com"  # an external person of the demo: masked in every comment and summary


def step(job, name: str):
    return next(s for s in job.steps if s.name == name)


def guestlist(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reconciler", *args, "--sandbox-db", str(db)], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_a_pull_request_validates_plans_and_keeps_one_comment_updated(
        runner: Runner, recorder: Recorder, sandbox_env: dict[str, str]) -> None:
    jobs = runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)

    assert jobs["validate"].result == "success"
    assert "5 files" in step(jobs["validate"], "Validate").stdout
    plan = jobs["plan"]
    assert plan.result == "success", step(plan, "Plan").stderr
    assert step(plan, "Plan").outputs["exitcode"] == "2"  # changes present: handled, not a failure
    assert plan.summary.startswith(MARKER) and DEMO_PLAN in plan.summary
    assert [c.body for c in recorder.comments] == [(plan.workspace / "plan.md").read_text()]
    assert recorder.comments[0].body.startswith(MARKER)
    assert UNMASKED not in recorder.comments[0].body + plan.summary  # GUESTLIST_REDACT=1
    assert step(plan, "Full plan in the job summary").outputs["exitcode"] == "2"
    annotated = step(plan, "Annotate the YAML lines")
    assert annotated.outcome == "success"
    assert re.search(r"^::warning file=desired/groups/\S+\.yaml,line=\d+,col=\d+,title=guestlist delete member::",
                     annotated.stdout, re.M), annotated.stdout
    assert UNMASKED not in annotated.stdout

    again = runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)

    assert again["plan"].result == "success"
    assert len(recorder.comments) == 1 and recorder.comments[0].edits == 1  # one comment, updated in place
    assert DEMO_PLAN in recorder.comments[0].body


def test_the_job_summary_holds_the_whole_plan_when_the_comment_is_cut(
        runner: Runner, recorder: Recorder, repo: Path, sandbox_env: dict[str, str]) -> None:
    people = repo / "desired" / "people.yaml"
    bulk = "".join(f"  - username: bulk{n:04d}@acme.com\n    email: bulk{n:04d}@acme.com\n    first_name: Bulk\n"
                   f"    last_name: Colleague Number {n:04d}\n" for n in range(1_200))
    people.write_text(people.read_text().replace("chatter_users:\n", "chatter_users:\n" + bulk, 1))

    jobs = runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)

    plan = jobs["plan"]
    assert plan.result == "success", step(plan, "Plan").stderr
    comment = recorder.comments[0].body
    assert len(comment) <= 60_000 and "bulk1199@acme.com" not in comment
    assert "The full plan is in the job summary" in comment
    assert plan.summary.startswith(MARKER) and len(plan.summary.encode()) < 1024 * 1024
    assert all(f"bulk{n:04d}@acme.com" in plan.summary for n in range(1_200))


def test_a_pull_request_from_a_fork_is_validated_without_secrets_and_never_planned(
        runner: Runner, recorder: Recorder, sandbox_env: dict[str, str]) -> None:
    jobs = runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(head_repo="someone/fork"),
                      env=sandbox_env)

    assert jobs["validate"].result == "success"
    assert jobs["plan"].result == "skipped"
    assert recorder.comments == []


def test_a_plan_that_fails_fails_the_job_and_says_so_in_the_same_comment(
        runner: Runner, recorder: Recorder, repo: Path, sandbox_env: dict[str, str]) -> None:
    runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)
    partners = repo / "desired" / "groups" / "partners.yaml"
    partners.write_text(partners.read_text().replace("owner: dan@acme.com", "owner: nobody@acme.com"))

    jobs = runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)

    assert jobs["validate"].result == "success"  # offline the config is fine: the org has no such owner
    assert jobs["plan"].result == "failure"
    assert step(jobs["plan"], "Plan").outputs["exitcode"] == "1"
    assert len(recorder.comments) == 1
    body = recorder.comments[0].body
    assert body.startswith(MARKER) and "guestlist plan failed (exit 1)" in body and "nobody@acme.com" in body
    assert DEMO_PLAN not in body  # the outdated plan is gone
    annotated = step(jobs["plan"], "Annotate the YAML lines")  # the blocker, on its YAML line; never a 2nd failure
    assert annotated.outcome == "success"
    assert re.search(r"^::error file=desired/groups/partners\.yaml,line=\d+,col=\d+,.*nobody@acme\.com",
                     annotated.stdout, re.M), annotated.stdout


def test_a_push_that_breaks_validation_replaces_the_plan_comment(
        runner: Runner, recorder: Recorder, repo: Path, sandbox_env: dict[str, str]) -> None:
    runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)
    partners = repo / "desired" / "groups" / "partners.yaml"
    partners.write_text(partners.read_text().replace("access: private", "access: secret", 1))

    jobs = runner.run(GITHUB / "pull-request.yml", "pull_request", pull_request_event(), env=sandbox_env)

    assert jobs["validate"].result == "failure"
    annotations = step(jobs["validate"], "Validate").stdout  # --format github: on the YAML line of the problem
    assert re.search(r"^::error file=desired/groups/partners\.yaml,line=\d+,col=\d+,title=guestlist invalid-value::",
                     annotations, re.M), annotations
    assert jobs["plan"].result == "failure"
    assert step(jobs["plan"], "Plan").outcome == "skipped"  # no plan of an invalid config
    assert len(recorder.comments) == 1 and recorder.comments[0].edits == 1
    assert recorder.comments[0].body.startswith(MARKER) and "validate failed" in recorder.comments[0].body


def test_apply_on_merge_hands_the_reviewed_plan_to_the_apply_job_and_converges(
        runner: Runner, recorder: Recorder, sandbox_env: dict[str, str], repo: Path, org_db: Path) -> None:
    first = runner.run(GITHUB / "apply-on-merge.yml", "push", push_event(private=True), env=sandbox_env)

    assert first["plan"].result == "success" and first["plan"].outputs["exitcode"] == "2"
    assert DEMO_PLAN in first["plan"].summary
    assert [(u["name"], u["retention-days"]) for u in recorder.uploads] == [("guestlist-plan", "1")]
    handed = (first["apply"].workspace / "plan.json").read_bytes()
    assert handed == (first["plan"].workspace / "plan.json").read_bytes()
    # the demo creates a group that allows customers, which Salesforce can't undo: the gate refuses (exit 3)
    assert first["apply"].result == "failure"
    assert step(first["apply"], "Apply").outputs["exitcode"] == "3"
    assert "refused by a safety gate" in first["apply"].summary and "--allow-irreversible" in first["apply"].summary

    second = runner.run(GITHUB / "apply-on-merge.yml", "workflow_dispatch", push_event(private=True),
                        env=sandbox_env, inputs={"allow_irreversible": True, "force": False})

    assert second["apply"].result == "success", second["apply"].summary
    assert "### guestlist apply: applied" in second["apply"].summary
    assert UNMASKED not in second["apply"].summary
    after = guestlist("plan", "desired/", "--detailed-exitcode", db=org_db, cwd=repo)
    assert after.returncode == 0, after.stdout + after.stderr

    converged = runner.run(GITHUB / "apply-on-merge.yml", "push", push_event(private=True), env=sandbox_env)

    assert converged["plan"].outputs["exitcode"] == "0"
    assert converged["apply"].result == "skipped"  # nothing to apply: exit 0 is not an apply


def test_apply_on_merge_in_a_public_repository_never_uploads_the_plan_and_applies_the_reviewed_one(
        runner: Runner, recorder: Recorder, sandbox_env: dict[str, str], repo: Path, org_db: Path) -> None:
    jobs = runner.run(GITHUB / "apply-on-merge.yml", "workflow_dispatch", push_event(private=False),
                      env=sandbox_env, inputs={"allow_irreversible": True, "force": False})

    assert recorder.uploads == [] and not any(name == "download-artifact" for name, _ in recorder.calls)
    assert jobs["apply"].result == "success", jobs["apply"].summary
    assert guestlist("plan", "desired/", "--detailed-exitcode", db=org_db, cwd=repo).returncode == 0


def test_a_public_apply_refuses_when_the_plan_changed_since_review(
        runner: Runner, sandbox_env: dict[str, str], repo: Path, org_db: Path) -> None:
    people = repo / "desired" / "people.yaml"
    original = people.read_text()

    def change_config_between_jobs(job_id: str) -> None:
        if job_id == "apply":  # a new commit lands while the apply waits for its reviewer
            people.write_text(original.replace("last_name: Taylor", "last_name: Tailor"))

    runner.before_job = change_config_between_jobs
    jobs = runner.run(GITHUB / "apply-on-merge.yml", "workflow_dispatch", push_event(private=False),
                      env=sandbox_env, inputs={"allow_irreversible": True, "force": False})

    assert jobs["apply"].result == "failure"
    assert step(jobs["apply"], "Apply").outcome == "skipped"
    assert "The plan changed since it was reviewed" in jobs["apply"].summary
    people.write_text(original)
    assert guestlist("plan", "desired/", "--detailed-exitcode", db=org_db, cwd=repo).returncode == 2  # untouched


def remove_membership(db: Path, group: str, username: str) -> None:
    """A manual change in Setup: someone removes a member, through the org's API."""
    with connect("sandbox", sandbox_db=db) as conn:
        rows = conn.sf.query_all(
            "SELECT Id FROM CollaborationGroupMember "
            f"WHERE CollaborationGroup.Name = '{group}' AND Member.Username = '{username}'")["records"]
        assert len(rows) == 1
        conn.sf.CollaborationGroupMember.delete(rows[0]["Id"])


def test_the_drift_check_opens_updates_and_closes_one_issue(
        runner: Runner, sandbox_env: dict[str, str], repo: Path, org_db: Path, tmp_path: Path) -> None:
    applied = guestlist("apply", "desired/", "--yes", "--allow-irreversible", db=org_db, cwd=repo)
    assert applied.returncode == 0, applied.stdout + applied.stderr

    in_sync = runner.run(GITHUB / "drift.yml", "schedule", {}, env=sandbox_env)

    assert in_sync["drift"].result == "success"
    assert step(in_sync["drift"], "Check for drift").outputs["exitcode"] == "0"
    assert gh_state(tmp_path)["issues"] == []

    remove_membership(org_db, "Acme Partner Hub", "carol@acme.com")
    drifted = runner.run(GITHUB / "drift.yml", "schedule", {}, env=sandbox_env)
    runner.run(GITHUB / "drift.yml", "schedule", {}, env=sandbox_env)  # the next day, still drifted

    assert drifted["drift"].result == "success"  # exit 2 is handled, never a failed step
    assert step(drifted["drift"], "Check for drift").outputs["exitcode"] == "2"
    assert "carol@acme.com" in drifted["drift"].summary
    issues = gh_state(tmp_path)["issues"]
    assert len(issues) == 1 and issues[0]["state"] == "open" and issues[0]["labels"] == ["guestlist-drift"]
    assert issues[0]["body"].startswith(MARKER) and "carol@acme.com" in issues[0]["body"]
    assert [c[:2] for c in gh_state(tmp_path)["calls"] if c[1] != "list"] == [["issue", "create"], ["issue", "edit"]]

    assert guestlist("apply", "desired/", "--yes", db=org_db, cwd=repo).returncode == 0
    converged = runner.run(GITHUB / "drift.yml", "schedule", {}, env=sandbox_env)

    assert step(converged["drift"], "Check for drift").outputs["exitcode"] == "0"
    issue = gh_state(tmp_path)["issues"][0]
    assert issue["state"] == "closed" and issue["comments"][0].startswith("In sync again")


def test_a_drift_check_that_cannot_plan_fails_the_run_and_leaves_the_issue_alone(
        runner: Runner, sandbox_env: dict[str, str], repo: Path, tmp_path: Path) -> None:
    (repo / "desired" / "org.yaml").write_text("version: 1\norg: [not, a, mapping]\n")

    jobs = runner.run(GITHUB / "drift.yml", "schedule", {}, env=sandbox_env)

    assert jobs["drift"].result == "failure"
    assert step(jobs["drift"], "Check for drift").outputs["exitcode"] == "1"
    assert step(jobs["drift"], "Open, update or close the drift issue").outcome == "skipped"
    assert gh_state(tmp_path)["calls"] == []


def test_the_composite_action_reports_exit_2_as_an_output_not_a_failure(
        runner: Runner, repo: Path, org_db: Path) -> None:
    action = Path(__file__).resolve().parents[2] / "action.yml"
    args = f"--sandbox-db {org_db} --format markdown --detailed-exitcode"

    job = runner.run_action(action, {"command": "plan", "config": str(repo / "desired"), "args": args,
                                     "plan-out": str(repo / "plan.json")})

    assert job.result == "success"
    assert job.outputs["exitcode"] == "2"
    assert job.outputs["plan-path"] == str(repo / "plan.json")
    assert json.loads((repo / "plan.json").read_text())["summary"] == {"create": 11, "update": 5, "delete": 4}
    printed = Path(job.outputs["output-path"]).read_text()
    assert printed.startswith(MARKER) and UNMASKED not in printed  # redact defaults to 1

    failed = runner.run_action(action, {"command": "plan", "config": str(repo / "missing"), "args": args})

    assert failed.result == "failure" and failed.outputs["exitcode"] == "1"

