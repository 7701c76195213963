"""The templates' structure: each file passes its platform's published JSON Schema (SchemaStore's, vendored by
check-jsonschema; actionlint runs in test_actionlint.py, docs/decisions/ci-templates.md), and keeps the rules the
templates exist for: exit 2 handled explicitly, redaction on, applies serialised and never cancelled, plan.json
never uploaded from a public repository, no secret in a job that runs for forks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples.conftest import GITHUB, ROOT
from tests.examples.gha import load_workflow

WORKFLOWS = sorted(GITHUB.glob("*.yml"))
GITLAB = ROOT / "examples" / "gitlab" / ".gitlab-ci.yml"
SCHEMAS = [(path, "vendor.github-workflows") for path in WORKFLOWS] + [
    (ROOT / "action.yml", "vendor.github-actions"), (GITLAB, "vendor.gitlab-ci")]


def check_schema(path: Path, schema: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
                          capture_output=True, text=True, timeout=120)


def run_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, s) for job_id, job in workflow["jobs"].items() for s in job["steps"] if "run" in s]


def test_there_are_three_github_templates() -> None:
    assert [p.name for p in WORKFLOWS] == ["apply-on-merge.yml", "drift.yml", "notify.yml", "pull-request.yml"]


@pytest.mark.parametrize(("path", "schema"), SCHEMAS, ids=lambda v: v.name if isinstance(v, Path) else v)
def test_each_template_passes_its_platforms_schema(path: Path, schema: str) -> None:
    result = check_schema(path, schema)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (GITHUB / "drift.yml").read_text().replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest")
    broken.write_text(text)
    assert check_schema(broken, "vendor.github-workflows").returncode == 1


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_detailed_exitcode_is_captured_and_handled(path: Path) -> None:
    for job_id, step in run_steps(load_workflow(path)):
        script = step["run"]
        if "--detailed-exitcode" not in script:
            continue
        before = script.rsplit("--detailed-exitcode", 1)[0]
        assert "set +e" in before, f"{path.name} {job_id}/{step['name']}: exit 2 would fail the step"
        assert re.search(r"rc=\$\?\s+set -e", script), f"{path.name} {job_id}/{step['name']}: rc not captured"
        assert 'echo "exitcode=$rc" >> "$GITHUB_OUTPUT"' in script


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_template_redacts_and_takes_the_org_from_env(path: Path) -> None:
    workflow = load_workflow(path)
    assert workflow["env"]["GUESTLIST_REDACT"] == "1"
    assert workflow["defaults"]["run"]["shell"] == "bash"  # -eo pipefail
    commands = [command for _, step in run_steps(workflow)
                for command in re.findall(r"^\s*guestlist (?:plan|apply) .*", step["run"], re.M)]
    if commands:  # notify.yml reads the config only
        assert workflow["env"]["GUESTLIST_ORG"] == "env"
    for command in commands:
        assert '--org "$GUESTLIST_ORG"' in command, command


def test_pull_request_validate_needs_no_secret_and_plan_never_runs_for_forks() -> None:
    workflow = load_workflow(GITHUB / "pull-request.yml")
    assert "secrets." not in yaml.safe_dump(workflow["jobs"]["validate"])
    assert list(workflow["on"]) == ["pull_request"]  # never pull_request_target: fork code with secrets
    plan = workflow["jobs"]["plan"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in plan["if"]
    assert plan["permissions"] == {"contents": "read", "pull-requests": "write"}
    finder = next(s for s in plan["steps"] if s.get("uses", "").startswith("peter-evans/find-comment"))
    assert finder["with"]["body-includes"] == "<!-- guestlist-plan -->"


def test_the_marker_the_comment_is_keyed_by_is_the_one_markdown_prints() -> None:
    source = (ROOT / "reconciler" / "render" / "markdown.py").read_text()
    assert 'MARKER = "<!-- guestlist-plan -->"' in source


def test_applies_are_serialised_never_cancelled_and_wait_for_a_reviewer() -> None:
    workflow = load_workflow(GITHUB / "apply-on-merge.yml")
    assert workflow["concurrency"] == {"group": "guestlist-apply", "cancel-in-progress": False}
    apply = workflow["jobs"]["apply"]
    assert apply["environment"] == "guestlist-apply" and apply["needs"] == "plan"
    command = next(s["run"] for s in apply["steps"] if s.get("id") == "apply")
    assert "--plan plan.json --yes" in command


def test_plan_json_is_uploaded_for_one_day_and_only_from_private_repositories() -> None:
    workflow = load_workflow(GITHUB / "apply-on-merge.yml")
    uploads = [s for job in workflow["jobs"].values() for s in job["steps"]
               if s.get("uses", "").startswith("actions/upload-artifact")]
    assert len(uploads) == 1
    assert uploads[0]["with"]["retention-days"] == 1
    assert "github.event.repository.private" in uploads[0]["if"]


def test_the_drift_check_runs_daily_with_issue_permission_only() -> None:
    workflow = load_workflow(GITHUB / "drift.yml")
    assert workflow["on"]["schedule"][0]["cron"] == "17 6 * * *"
    assert workflow["permissions"] == {"contents": "read", "issues": "write"}


def test_the_gitlab_pipeline_serialises_applies_and_reports_to_the_merge_request_widget() -> None:
    pipeline = yaml.safe_load(GITLAB.read_text())
    assert pipeline["apply"]["resource_group"] == "salesforce-production"
    assert pipeline["plan"]["artifacts"]["reports"]["terraform"] == "guestlist-report.json"
    assert pipeline["variables"]["GUESTLIST_REDACT"] == "1"
    assert "rm plan.json" in pipeline["plan"]["script"]  # unredacted: never an artifact
    plan_script = pipeline["plan"]["script"][0]
    assert "set +e" in plan_script.rsplit("--detailed-exitcode", 1)[0]


def test_the_action_declares_its_outputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert set(action["outputs"]) == {"exitcode", "output-path", "plan-path"}
    assert {"command", "config", "args", "plan-out", "redact"} <= set(action["inputs"])


PINNED = re.compile(r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v\d+\.\d+\.\d+)$")


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_its_full_commit_sha_with_the_tag_in_a_comment(path: Path) -> None:
    """GitHub's security hardening guide: a full-length commit SHA is the only immutable reference to an action
    (docs/reference/ecosystem.md §11.1); the comment names the release it was taken from."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        assert PINNED.match(line), f"{path.name}: not pinned by a full SHA with its tag: {line.strip()}"


def test_summaries_get_the_whole_plan_and_the_reviewed_plan_is_rendered_alike_twice() -> None:
    """A step summary may hold 1 MiB (ecosystem.md §11.1): the renders meant for it aren't cut to a comment's
    60,000 characters; apply-on-merge's public-repository check hashes two renders, so both take the same flags."""
    renders = {name: re.findall(r"--format markdown[^>\n]*>", "\n".join(s["run"] for _, s in
                                                                      run_steps(load_workflow(GITHUB / name))))
               for name in ("pull-request.yml", "apply-on-merge.yml")}
    assert sum("--max-chars 900000" in r for r in renders["pull-request.yml"]) == 1  # the comment keeps 60,000
    applied = renders["apply-on-merge.yml"]
    assert len(applied) == 2 and all("--max-chars 900000" in r for r in applied)
    assert applied[0].replace(" --detailed-exitcode", "") == applied[1]
