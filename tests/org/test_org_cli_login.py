"""`-o/--target-org` and `--org sf`: guestlist uses the Salesforce CLI's login, through a stand-in `sf` on PATH that
prints what the real CLI prints (tests/org/standin_sf.py) and hands out real tokens of a served sandbox, so
`guestlist plan --target-org prod` plans against that sandbox end to end (through reconciler.cli.app)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from standin_sf import calls, install
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.org import sf_cli
from reconciler.sandbox.faults import FaultPlan
from reconciler.sandbox.runner import RunningSandbox, start_sandbox

REPO = Path(__file__).resolve().parents[2]
DESIRED = str(REPO / "desired")
TODAY = "2026-11-22"
CLEAN = dict.fromkeys(("SF_INSTANCE_URL", "SF_ORG_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_PASSWORD",
                       "SF_CONSUMER_KEY", "SF_CONSUMER_SECRET", "SF_PRIVATE_KEY_FILE", "SF_PRIVATE_KEY",
                       "SF_AUTH_URL", "SFDX_AUTH_URL", "SF_TARGET_ORG", "SF_LOGIN_URL", "GUESTLIST_REDACT"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    with start_sandbox(tmp_path_factory.mktemp("sf") / "org.sqlite3", seed="demo") as running:
        yield running


def orgs(sandbox: RunningSandbox) -> dict[str, dict[str, str]]:
    """The stand-in's stored login: like the real CLI's, a refresh token of its own connected app (PlatformCLI)."""
    info = sandbox.info
    with sandbox.store.session() as session:
        refresh_token = session.issue_refresh_token(session.meta("admin_user_id") or "", "PlatformCLI")
    return {"prod": {"username": info.username, "instanceUrl": info.instance_url, "id": sandbox.store.org_id,
                     "ca_file": info.ca_file, "stale_token": info.access_token, "refresh_token": refresh_token}}


def run(args: list[str], bindir: Path | None, sandbox: RunningSandbox, **env: str) -> tuple[int, str, str]:
    path = f"{bindir}{os.pathsep}{os.environ['PATH']}" if bindir else os.environ["PATH"]
    result = CliRunner().invoke(app, args, env={**CLEAN, "PATH": path, "SF_CA_FILE": sandbox.info.ca_file, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def plan(*extra: str) -> list[str]:
    return ["plan", DESIRED, "--today", TODAY, "--format", "json", *extra]


def test_target_org_plans_against_the_org_the_cli_is_logged_in_to(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served))
    code, stdout, stderr = run(plan("--target-org", "prod"), bindir, served)
    assert code == 0, stderr
    document = json.loads(stdout)  # stdout is the plan and nothing else
    assert document["org"]["id"] == served.store.org_id
    assert (f"connected to {served.info.username} (org {served.store.org_id}, {served.info.instance_url}) "
            f"via sf CLI alias 'prod'") in stderr.splitlines()
    asked = calls(bindir)
    assert [c["argv"] for c in asked] == [["org", "display", "--target-org", "prod", "--json"],
                                          ["org", "auth", "show-access-token", "--target-org", "prod", "--json"]]
    assert all(c["NO_COLOR"] == "1" for c in asked)


def test_the_short_flag_and_a_username_work_too(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served))
    code, _, stderr = run(plan("-o", served.info.username), bindir, served)
    assert code == 0, stderr
    assert f"via sf CLI login '{served.info.username}'" in stderr


def test_the_default_sandbox_never_asks_the_cli(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served), default="prod")
    code, _, stderr = run(plan("--sandbox-db", str(tmp_path / "own.sqlite3")), bindir, served, SF_TARGET_ORG="prod")
    assert code == 0, stderr
    assert calls(bindir) == [] and "via sandbox" in stderr


def test_org_sf_uses_the_cli_default_org_only_when_asked(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served), default="prod")
    code, _, stderr = run(plan("--org", "sf"), bindir, served)
    assert code == 0, stderr
    assert calls(bindir)[0]["argv"] == ["org", "display", "--json"]
    assert calls(bindir)[1]["argv"] == ["org", "auth", "show-access-token", "--target-org", served.info.username,
                                        "--json"]


def test_org_sf_reads_sf_target_org(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served))
    code, _, stderr = run(plan("--org", "sf"), bindir, served, SF_TARGET_ORG="prod")
    assert code == 0, stderr
    assert calls(bindir)[0]["argv"] == ["org", "display", "--target-org", "prod", "--json"]


def test_a_cli_from_before_the_redaction_gives_its_display_token(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served), mode="legacy")
    code, _, stderr = run(plan("-o", "prod"), bindir, served)
    assert code == 0, stderr


def test_a_redacted_placeholder_is_never_used_as_a_token(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served), mode="old-redacted")
    code, stdout, stderr = run(plan("-o", "prod"), bindir, served)
    assert code == 1
    assert "has no `sf org auth show-access-token`" in stderr and "sf update" in stderr
    assert json.loads(stdout)["ok"] is False  # --format json: the error document, still pure JSON


@pytest.mark.parametrize(("mode", "target", "expect"), [
    ("current", "nope", "the Salesforce CLI has no usable login for --target-org 'nope' (NamedOrgNotFoundError: "
                        "Parsing --target-org No authorization information found for nope. See more help with "
                        "--help); see `sf org list`, or log in: sf org login web --alias nope (sf: It looks like you "
                        "mistyped the username or alias. Did you mean \"prod\"?)"),
    ("malformed", "prod", "the Salesforce CLI did not answer with JSON (exit 0)"),
])
def test_cli_failures_are_one_clear_line(served, tmp_path: Path, mode: str, target: str, expect: str) -> None:
    bindir = install(tmp_path, orgs(served), mode=mode)
    code, _, stderr = run(["plan", DESIRED, "--today", TODAY, "-o", target], bindir, served)
    assert code == 1
    assert f"error: {expect}" in stderr.splitlines()[-1]


def test_no_default_org_is_a_clear_line(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served))
    code, _, stderr = run(["plan", DESIRED, "--today", TODAY, "--org", "sf"], bindir, served)
    assert code == 1
    assert "no usable login for the CLI's default org (NoDefaultEnvError" in stderr


def test_a_missing_cli_is_named(served, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, stderr = run(["plan", DESIRED, "--today", TODAY, "-o", "prod"], None, served, PATH=str(empty))
    assert code == 1
    assert "error: the Salesforce CLI (sf) is not on PATH" in stderr and "--auth-url-file" in stderr


def test_a_cli_that_hangs_is_stopped(served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sf_cli, "TIMEOUT_S", 0.5)
    bindir = install(tmp_path, orgs(served), mode="slow")
    code, _, stderr = run(["plan", DESIRED, "--today", TODAY, "-o", "prod"], bindir, served)
    assert code == 1
    assert "error: `sf org display --target-org` did not answer within 0.5 seconds" in stderr


def test_target_org_and_another_org_are_refused(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served))
    code, _, stderr = run(["plan", DESIRED, "--today", TODAY, "-o", "prod", "--org", "env"], bindir, served)
    assert (code, calls(bindir)) == (1, [])
    assert "error: --target-org and --org env both name an org: use one" in stderr


def test_a_session_that_ends_mid_run_is_renewed_by_asking_the_cli_again(tmp_path: Path) -> None:
    with start_sandbox(tmp_path / "org.sqlite3", seed="demo") as fresh:
        bindir = install(tmp_path, orgs(fresh))
        fresh.admin.set_faults(FaultPlan.from_specs(["expired-session:path=/query,nth=2"]))
        code, stdout, stderr = run(plan("-o", "prod"), bindir, fresh)
        assert code == 0, stderr
        assert json.loads(stdout)["org"]["id"] == fresh.store.org_id
        assert [c["argv"][:3] for c in calls(bindir)].count(["org", "auth", "show-access-token"]) == 2


def test_a_session_the_cli_cannot_renew_says_to_log_in_again(tmp_path: Path) -> None:
    with start_sandbox(tmp_path / "org.sqlite3", seed="demo") as fresh:
        bindir = install(tmp_path, orgs(fresh), mode="stale")
        fresh.admin.set_faults(FaultPlan.from_specs(["expired-session:path=/query,nth=2"]))
        code, _, stderr = run(["plan", DESIRED, "--today", TODAY, "-o", "prod"], bindir, fresh)
        assert code == 1
        assert "log in again: sf org login web --target-org prod" in stderr
        assert fresh.info.access_token not in stderr


def test_apply_writes_to_the_org_the_cli_is_logged_in_to(tmp_path: Path) -> None:
    with start_sandbox(tmp_path / "org.sqlite3", seed="demo") as fresh:
        bindir = install(tmp_path, orgs(fresh))
        code, stdout, stderr = run(["apply", DESIRED, "--today", TODAY, "-o", "prod", "--yes", "--allow-irreversible",
                                    "--journal", str(tmp_path / "j.jsonl")], bindir, fresh)
        assert code == 0, stderr
        assert "Converged" in stdout and "via sf CLI alias 'prod'" in stderr
        document = json.loads(run(plan("-o", "prod"), bindir, fresh)[1])
        assert set(document["summary"].values()) == {0}  # the org now holds what the config declares


def test_export_reads_the_org_the_cli_is_logged_in_to(served, tmp_path: Path) -> None:
    bindir = install(tmp_path, orgs(served))
    code, stdout, stderr = run(["export", "--out", "-", "--today", TODAY, "-o", "prod"], bindir, served)
    assert code == 0, stderr
    assert "groups:" in stdout and "connected to" not in stdout  # the YAML alone on stdout
    assert "via sf CLI alias 'prod'" in stderr
    code, _, stderr = run(["export", "--out", "-", "--today", TODAY, "-o", "prod", "--expect-org",
                           "00D000000000001EAA"], bindir, served)
    assert code == 1 and f"it is org {served.store.org_id}" in stderr
