"""End to end: the GitLab pipeline's plan, apply and drift scripts, run in bash as the runner runs them
(`set -eo pipefail`), against the sandbox org and a recorded stand-in for GitLab's REST API (notes, issues)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from reconciler.org.connect import connect
from tests.examples.conftest import ROOT

PIPELINE = yaml.safe_load((ROOT / "examples" / "gitlab" / ".gitlab-ci.yml").read_text())
TOKEN = "glpat-stand-in"
MARKER = "<!-- guestlist-plan -->"


class FakeGitLab:
    """Merge request 5's notes and the project's issues, as GitLab's API v4 returns them."""

    def __init__(self) -> None:
        self.notes: list[dict[str, Any]] = []
        self.issues: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Any:
        self.requests.append((method, path))
        notes = "/api/v4/projects/42/merge_requests/5/notes"
        if path == notes and method == "GET":
            return self.notes
        if path == notes and method == "POST":
            self.notes.append({"id": 100 + len(self.notes), "body": body["body"]})
            return self.notes[-1]
        if path.startswith(notes + "/") and method == "PUT":
            note = next(n for n in self.notes if n["id"] == int(path.rsplit("/", 1)[1]))
            note["body"] = body["body"]
            return note
        if path == "/api/v4/projects/42/issues" and method == "GET":
            return [i for i in self.issues if i["state"] == query["state"][0] and query["labels"][0] in i["labels"]]
        if path == "/api/v4/projects/42/issues" and method == "POST":
            self.issues.append({"iid": len(self.issues) + 1, "state": "opened", "labels": [body["labels"]],
                                "title": body["title"], "description": body["description"], "notes": []})
            return self.issues[-1]
        match = re.fullmatch(r"/api/v4/projects/42/issues/(\d+)(/notes)?", path)
        if match:
            issue = next(i for i in self.issues if i["iid"] == int(match.group(1)))
            if match.group(2):
                issue["notes"].append(body["body"])
            elif body.get("state_event") == "close":
                issue["state"] = "closed"
            else:
                issue["description"] = body["description"]
            return issue
        raise AssertionError(f"unexpected {method} {path}")


@pytest.fixture
def gitlab() -> Iterator[tuple[FakeGitLab, str]]:
    fake = FakeGitLab()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            assert self.headers["PRIVATE-TOKEN"] == TOKEN
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            answer = json.dumps(fake.handle(self.command, url.path, parse_qs(url.query), body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    server.shutdown()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    shutil.copytree(ROOT / "desired", path / "desired")
    (path / "ci").mkdir()
    shutil.copy(ROOT / "examples" / "gitlab" / "guestlist_gitlab.py", path / "ci" / "guestlist_gitlab.py")
    return path


def run_job(job: str, project: Path, api_url: str, db: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """The job's script lines in one bash, with the pipeline's variables; before_script (the install) is replaced
    by the test's own virtualenv on PATH."""
    variables = {k: str(v) for k, v in PIPELINE["variables"].items()} | variables
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUESTLIST_", "CI_", "SF_"))} | variables | {
        "GUESTLIST_ORG": "sandbox", "GUESTLIST_SANDBOX_DB": str(db), "GUESTLIST_GITLAB_TOKEN": TOKEN,
        "CI_API_V4_URL": api_url, "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "5",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    script = "\n".join(PIPELINE[job]["script"])
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=project,
                          env=env, capture_output=True, text=True, timeout=300)


def test_a_merge_request_gets_one_note_updated_in_place_and_the_terraform_report(
        gitlab: tuple[FakeGitLab, str], project: Path, tmp_path: Path) -> None:
    fake, url = gitlab
    db = tmp_path / "org" / "sandbox.sqlite3"
    db.parent.mkdir()

    first = run_job("plan", project, url, db)
    second = run_job("plan", project, url, db)

    assert first.returncode == 0, first.stdout + first.stderr  # exit 2 (changes) is not a failure
    assert second.returncode == 0
    assert len(fake.notes) == 1 and fake.notes[0]["body"].startswith(MARKER)
    assert "lena.berg@initech.com" not in fake.notes[0]["body"]  # GUESTLIST_REDACT=1
    assert ("PUT", "/api/v4/projects/42/merge_requests/5/notes/100") in fake.requests
    report = json.loads((project / "guestlist-report.json").read_text())
    assert report == {"create": 11, "update": 5, "delete": 4}
    assert not (project / "plan.json").exists()  # unredacted: removed before artifacts are collected


def test_a_plan_that_fails_fails_the_job_and_replaces_the_note(
        gitlab: tuple[FakeGitLab, str], project: Path, tmp_path: Path) -> None:
    fake, url = gitlab
    db = tmp_path / "org" / "sandbox.sqlite3"
    db.parent.mkdir()
    assert run_job("plan", project, url, db).returncode == 0
    partners = project / "desired" / "groups" / "partners.yaml"
    partners.write_text(partners.read_text().replace("owner: dan@acme.com", "owner: nobody@acme.com"))

    failed = run_job("plan", project, url, db)

    assert failed.returncode == 1
    assert len(fake.notes) == 1
    assert "guestlist plan failed (exit 1)" in fake.notes[0]["body"] and "nobody@acme.com" in fake.notes[0]["body"]


def test_a_failed_validate_replaces_the_plan_note_as_on_github(
        gitlab: tuple[FakeGitLab, str], project: Path, tmp_path: Path) -> None:
    (fake, url), db = gitlab, tmp_path / "sandbox.sqlite3"
    assert run_job("plan", project, url, db).returncode == 0
    job = PIPELINE["plan-after-invalid"]
    assert job["stage"] == "plan" and job["rules"][0]["when"] == "on_failure"  # only after validate failed
    assert job["rules"][0]["if"] == PIPELINE["plan"]["rules"][0]["if"]  # the same pipelines as the plan

    replaced = run_job("plan-after-invalid", project, url, db)

    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert len(fake.notes) == 1  # the plan's note, updated in place
    assert fake.notes[0]["body"].startswith(MARKER) and "guestlist validate failed: no plan" in fake.notes[0]["body"]
    assert "Plan:" not in fake.notes[0]["body"]  # the outdated plan is gone


def test_apply_converges_and_drift_opens_then_closes_one_issue(
        gitlab: tuple[FakeGitLab, str], project: Path, tmp_path: Path) -> None:
    fake, url = gitlab
    db = tmp_path / "org" / "sandbox.sqlite3"
    db.parent.mkdir()
    refused = run_job("apply", project, url, db)
    assert refused.returncode == 3  # the demo's irreversible change needs a human's --allow-irreversible
    applied = run_job("apply", project, url, db, GUESTLIST_APPLY_FLAGS="--allow-irreversible")
    assert applied.returncode == 0, applied.stdout + applied.stderr

    assert run_job("drift", project, url, db).returncode == 0
    assert fake.issues == []

    with connect("sandbox", sandbox_db=db) as conn:
        rows = conn.sf.query_all("SELECT Id FROM CollaborationGroupMember WHERE CollaborationGroup.Name = "
                                 "'Acme Partner Hub' AND Member.Username = 'carol@acme.com'")["records"]
        conn.sf.CollaborationGroupMember.delete(rows[0]["Id"])
    drifted = run_job("drift", project, url, db)
    assert drifted.returncode == 0, drifted.stdout + drifted.stderr
    assert run_job("drift", project, url, db).returncode == 0
    assert len(fake.issues) == 1 and fake.issues[0]["state"] == "opened"
    assert "carol@acme.com" in fake.issues[0]["description"]

    assert run_job("apply", project, url, db).returncode == 0
    assert run_job("drift", project, url, db).returncode == 0
    assert fake.issues[0]["state"] == "closed" and fake.issues[0]["notes"][0].startswith("In sync again")


def test_the_pipeline_runs_each_flow_on_its_own_trigger() -> None:
    assert PIPELINE["validate"]["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert "$GUESTLIST_GITLAB_TOKEN" in PIPELINE["plan"]["rules"][0]["if"]
    assert PIPELINE["apply"]["rules"][-1]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    assert PIPELINE["drift"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
