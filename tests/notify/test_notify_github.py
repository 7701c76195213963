"""`guestlist notify --via github-issue` through the CLI against a fake GitHub on 127.0.0.1: one issue per notice
with its title, body and label; a re-run the same day opens none; a missing token or repository stops it before
any request; GitHub's refusals are one line that says what to fix, and partial delivery exits 1."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from tests.notify.github_fake import ISSUES_PATH, REPOSITORY, FakeGitHub, serve
from tests.notify.test_notify_cli import DESIRED, JANE_7_DAYS, REPO, hub_without_sponsor

TOKEN = "ghs_fakeTokenForTheTests0123456789abcdef"
TITLE = "guestlist: access ends 2099-03-31 (in 7 days), notice to bob@acme.com"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake, server = serve()
    yield fake
    server.shutdown()
    server.server_close()


def environment(github: FakeGitHub, **changes: str | None) -> dict[str, str | None]:
    env: dict[str, str | None] = {"GITHUB_TOKEN": TOKEN, "GH_TOKEN": None, "GITHUB_REPOSITORY": REPOSITORY,
                                  "GITHUB_API_URL": github.url, "GUESTLIST_REDACT": None}
    env.update(changes)
    return env


def notify(github: FakeGitHub, *args: str, config: Path = DESIRED, code: int = 0, today: str = JANE_7_DAYS,
           **env: str | None):
    result = CliRunner().invoke(app, ["notify", str(config), "--via", "github-issue", "--today", today, *args],
                                env=environment(github, **env))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    assert TOKEN not in result.output and "Traceback" not in result.output
    return result


def test_a_notice_opens_one_issue_with_its_title_body_and_label(github: FakeGitHub) -> None:
    out = notify(github).stdout
    [listing, create] = github.requests
    assert (listing.method, listing.path) == ("GET", ISSUES_PATH)
    assert listing.query == {"labels": "guestlist-expiry", "state": "open", "per_page": "100"}
    assert (create.method, create.path) == ("POST", ISSUES_PATH)
    assert create.body["title"] == TITLE and create.body["labels"] == ["guestlist-expiry"]
    body = create.body["body"]
    assert "`bob@acme.com`" in body and "nobody is @mentioned" in body
    assert "| `jane@contoso.com` | `group 'Acme Partner Hub'` | 2099-03-31 |" in body
    assert "| `jane@contoso.com` | `group 'Contoso Deal Room'` | 2099-03-31 |" in body
    for request in github.requests:
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert out == f"opened: #1 {TITLE} https://github.com/{REPOSITORY}/issues/1\n"


def test_a_second_run_the_same_day_opens_nothing(github: FakeGitHub) -> None:
    notify(github)
    again = notify(github).stdout
    assert len(github.made("POST")) == 1 and len(github.made("GET")) == 2
    assert [issue["title"] for issue in github.issues] == [TITLE]
    assert again.startswith(f"already open: #1 {TITLE}")


def test_each_recipient_gets_an_issue_and_the_open_list_is_read_once_across_pages(github: FakeGitHub,
                                                                                  tmp_path: Path) -> None:
    for number in range(150):
        github.add_issue(f"guestlist: an older notice {number}")
    alice = "guestlist: access ends 2099-03-31 (in 7 days), notice to alice@acme.com"
    github.add_issue(alice)  # on the second page of 100
    github.add_issue(TITLE, labels=("bug",))  # not guestlist's: another label
    github.add_issue(TITLE, pull_request={"url": "…"})  # a pull request is an issue to the API, never a notice
    out = notify(github, config=hub_without_sponsor(tmp_path)).stdout
    assert [r.query.get("page") for r in github.made("GET")] == [None, "2"]
    assert [r.body["title"] for r in github.made("POST")] == [TITLE]
    assert out.splitlines()[0].startswith(f"already open: #151 {alice}")
    assert out.splitlines()[1].startswith(f"opened: #154 {TITLE}")


def test_a_dropped_label_is_warned_about(github: FakeGitHub) -> None:
    github.drop_labels = True
    result = notify(github)
    assert result.stdout.startswith(f"opened: #1 {TITLE}")
    assert ("warning: GitHub did not label issue #1 'guestlist-expiry' (a token without push access has labels "
            "dropped): a re-run would open it again") in result.stderr


def test_no_notice_today_sends_no_request(github: FakeGitHub) -> None:
    result = notify(github, today="2099-03-23")
    assert github.requests == []
    assert "no notices on 2099-03-23" in result.stdout


@pytest.mark.parametrize(("env", "message"), [
    ({"GITHUB_TOKEN": None}, "needs a token in GITHUB_TOKEN (or GH_TOKEN)"),
    ({"GITHUB_TOKEN": ""}, "needs a token in GITHUB_TOKEN (or GH_TOKEN)"),
    ({"GITHUB_REPOSITORY": None}, "needs GITHUB_REPOSITORY (owner/name"),
    ({"GITHUB_REPOSITORY": "acme"}, "GITHUB_REPOSITORY 'acme': expected owner/name"),
    ({"GITHUB_API_URL": "http://api.example.com"}, "GITHUB_API_URL 'http://api.example.com': expected an https://"),
    ({"GITHUB_API_URL": "ftp://127.0.0.1"}, "GITHUB_API_URL 'ftp://127.0.0.1'"),
])
def test_a_missing_token_or_repository_exits_1_before_any_request(github: FakeGitHub, env: dict[str, str | None],
                                                                  message: str) -> None:
    result = notify(github, code=1, **env)
    assert github.requests == []
    assert result.stdout == ""
    [line] = [line for line in result.stderr.splitlines() if "warning" not in line]  # the config's own warnings
    assert message in line and line.endswith("no notice was sent")


def test_gh_token_serves_alone_and_comes_first_as_for_the_gh_cli(github: FakeGitHub) -> None:
    notify(github, GITHUB_TOKEN=None, GH_TOKEN=TOKEN)
    assert [r.headers["Authorization"] for r in github.requests] == [f"Bearer {TOKEN}"] * 2
    github.requests.clear()
    notify(github, GITHUB_TOKEN="ghs_theJobsOwnTokenWhichComesSecond", GH_TOKEN=TOKEN)
    assert {r.headers["Authorization"] for r in github.requests} == {f"Bearer {TOKEN}"}


@pytest.mark.parametrize(("method", "status", "message", "hint"), [
    ("POST", 403, "Resource not accessible by integration", "give the job `permissions: issues: write`"),
    ("GET", 401, "Bad credentials", "GITHUB_TOKEN (or GH_TOKEN) is invalid or expired"),
    ("GET", 404, "Not Found", f"GitHub knows no repository {REPOSITORY} that this token can see"),
    ("POST", 410, "Issues are disabled for this repo", "turn Issues on in the repository's settings"),
    ("POST", 422, "Validation Failed", "GitHub refused the issue as invalid"),
    ("POST", 403, "API rate limit exceeded for installation", "rate limit was reached"),
])
def test_a_refusal_is_one_line_with_its_status_and_what_to_fix(github: FakeGitHub, method: str, status: int,
                                                               message: str, hint: str) -> None:
    github.refuse[method] = (status, {"message": message})
    result = notify(github, code=1)
    assert result.stdout == ""
    [line] = [line for line in result.stderr.splitlines() if "warning" not in line]
    assert f"({status} {message})" in line and hint in line and line.endswith("no notice was sent")
    assert len(github.made("POST")) == (1 if method == "POST" else 0)


def test_partial_delivery_names_what_was_delivered_and_exits_1(github: FakeGitHub, tmp_path: Path) -> None:
    github.refuse, github.refuse_after = {"POST": (403, {"message": "Resource not accessible by integration"})}, 1
    result = notify(github, config=hub_without_sponsor(tmp_path), code=1)
    assert result.stdout.startswith("opened: #1 guestlist: access ends 2099-03-31 (in 7 days), notice to alice@")
    assert "1 of 2 notices delivered (listed above)" in result.stderr
    assert len(github.made("POST")) == 2 and len(github.issues) == 1


def test_redact_masks_the_people_in_the_issue_too(github: FakeGitHub) -> None:
    notify(github, "--redact")
    [create] = github.made("POST")
    assert "jane@contoso.com" not in json.dumps(create.body) and "`j***@contoso.com`" in create.body["body"]
    assert create.body["title"] == TITLE  # the recipient is a colleague: shown, and the title stays the same


def test_json_lists_the_issues(github: FakeGitHub) -> None:
    github.add_issue(TITLE)
    document = json.loads(notify(github, "--format", "json").stdout)
    assert document == {"today": JANE_7_DAYS, "issues": [
        {"title": TITLE, "number": 1, "url": f"https://github.com/{REPOSITORY}/issues/1", "opened": False}]}


def test_an_answer_that_is_not_githubs_is_one_line(github: FakeGitHub) -> None:
    github.refuse, github.refuse_after = {"GET": (200, {"not": "a list"})}, 0
    result = notify(github, code=1)
    assert result.stderr.strip().splitlines()[-1] == (
        "error: GitHub answered 200 without the expected JSON: check GITHUB_API_URL; no notice was sent")
    assert github.made("POST") == []


def test_an_unreachable_api_is_one_line(github: FakeGitHub) -> None:
    result = notify(github, code=1, GITHUB_API_URL="http://127.0.0.1:9")
    assert result.stderr.strip().splitlines()[-1] == (
        "error: could not reach GitHub at http://127.0.0.1:9 (ConnectionError): check GITHUB_API_URL and the network; "
        "no notice was sent")


def test_the_token_is_never_printed_even_when_github_echoes_it(github: FakeGitHub) -> None:
    github.refuse["GET"] = (401, {"message": f"Bad credentials for {TOKEN}"})
    result = subprocess.run([sys.executable, "-m", "reconciler", "notify", str(DESIRED), "--via", "github-issue",
                             "--today", JANE_7_DAYS], capture_output=True, text=True, cwd=REPO, timeout=120,
                            env={**{k: v for k, v in environment(github).items() if v is not None},
                                 "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    assert result.returncode == 1
    assert TOKEN not in result.stdout + result.stderr and "Bad credentials for ***" in result.stderr
