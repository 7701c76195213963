"""End to end: examples/github/notify.yml's run: steps against a fake GitHub (tests/notify/github_fake.py) reached
through GITHUB_API_URL, with the job's token: one issue per notice, redacted, and none more on a re-run."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.examples.conftest import GITHUB, REPOSITORY
from tests.examples.gha import Runner, load_workflow
from tests.notify.github_fake import FakeGitHub, serve

TOKEN = "ghs_theJobsOwnTokenForTheTemplateTest0123"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake, server = serve(REPOSITORY)
    yield fake
    server.shutdown()
    server.server_close()


def test_the_template_asks_for_issue_permission_only_and_passes_the_jobs_token() -> None:
    workflow = load_workflow(GITHUB / "notify.yml")
    assert workflow["permissions"] == {"contents": "read", "issues": "write"}
    [notify] = [s for s in workflow["jobs"]["notify"]["steps"] if "guestlist notify" in s.get("run", "")]
    assert notify["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    assert "--via github-issue" in notify["run"]


def test_the_daily_run_opens_one_issue_per_notice_and_a_rerun_none(runner: Runner, repo: Path,
                                                                   github: FakeGitHub) -> None:
    ends = dt.date.today() + dt.timedelta(days=7)  # the template runs on today's date, as a schedule does
    partners = repo / "desired" / "groups" / "partners.yaml"
    partners.write_text(partners.read_text().replace("expires: 2099-03-31", f"expires: {ends.isoformat()}"))
    runner.secrets["GITHUB_TOKEN"] = TOKEN

    first = runner.run(GITHUB / "notify.yml", "schedule", {}, env={"GITHUB_API_URL": github.url})["notify"]
    again = runner.run(GITHUB / "notify.yml", "schedule", {}, env={"GITHUB_API_URL": github.url})["notify"]

    assert first.result == "success" and again.result == "success", first.steps[-1].stderr
    [issue] = github.issues
    assert issue["title"] == f"guestlist: access ends {ends.isoformat()} (in 7 days), notice to bob@acme.com"
    assert [label["name"] for label in issue["labels"]] == ["guestlist-expiry"]
    assert "`j***@contoso.com`" in issue["body"] and "jane@contoso.com" not in issue["body"]  # GUESTLIST_REDACT=1
    assert [r.method for r in github.requests] == ["GET", "POST", "GET"]
    assert {r.headers["Authorization"] for r in github.requests} == {f"Bearer {TOKEN}"}
    assert f"opened: #1 {issue['title']}" in first.summary and "already open: #1" in again.summary
    assert TOKEN not in first.summary + first.steps[-1].stdout + first.steps[-1].stderr
