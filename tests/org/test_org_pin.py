"""Never the wrong org: `--expect-org 00D...` or the config's `org: {id: 00D...}` refuses any other org before
anything but the connected user is read (15- and 18-character ids compared in their 18-character form), both ids
in the message, exit 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from standin_sf import calls, install
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.org.connect import ConnectError, org_id_18
from reconciler.sandbox.runner import RunningSandbox, start_sandbox

REPO = Path(__file__).resolve().parents[2]
DESIRED = REPO / "desired"
TODAY = "2026-11-22"
OTHER_ORG = "00D000000000001EAA"
CLEAN = dict.fromkeys(("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_TARGET_ORG", "SF_AUTH_URL", "GUESTLIST_REDACT"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    with start_sandbox(tmp_path_factory.mktemp("pin") / "org.sqlite3", seed="demo") as running:
        yield running


def invoke(args: list[str], **env: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env={**CLEAN, **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def sandbox_plan(tmp_path: Path, config: Path, *extra: str) -> list[str]:
    return ["plan", str(config), "--today", TODAY, "--sandbox-db", str(tmp_path / "org.sqlite3"), *extra]


def the_sandbox_org_id(tmp_path: Path) -> str:
    code, stdout, stderr = invoke(sandbox_plan(tmp_path, DESIRED, "--format", "json"))
    assert code == 0, stderr
    return str(json.loads(stdout)["org"]["id"])


def pinned_config(tmp_path: Path, org_id: str) -> Path:
    config = tmp_path / "config"
    shutil.copytree(DESIRED, config)
    (config / "pin.yaml").write_text(f"org:\n  id: {org_id}\n")
    return config


def test_ids_compare_in_their_18_character_form() -> None:
    assert org_id_18("00D5g000004Zc8M", "x") == "00D5g000004Zc8MEAS"
    assert org_id_18("00D5g000004zc8mEAS".replace("zc8m", "Zc8M"), "x") == "00D5g000004Zc8MEAS"
    with pytest.raises(ConnectError, match="its last 3 characters don't match the first 15"):
        org_id_18("00D5g000004Zc8MAAA", "--expect-org")
    with pytest.raises(ConnectError, match=r"--expect-org: '001000000000001' is not an org id"):
        org_id_18("001000000000001", "--expect-org")


def test_expect_org_accepts_the_org_in_either_form(tmp_path: Path) -> None:
    org_id = the_sandbox_org_id(tmp_path)
    for given in (org_id, org_id[:15]):
        code, _, stderr = invoke(sandbox_plan(tmp_path, DESIRED, "--expect-org", given))
        assert code == 0, stderr


def test_expect_org_refuses_another_org_with_both_ids(tmp_path: Path) -> None:
    org_id = the_sandbox_org_id(tmp_path)
    code, stdout, stderr = invoke(sandbox_plan(tmp_path, DESIRED, "--expect-org", OTHER_ORG[:15]))
    assert (code, stdout) == (1, "")
    assert f"it is org {org_id}, but the pin (--expect-org or the config's org.id) expects org {OTHER_ORG}" in stderr
    assert "nothing was read from it" in stderr


def test_the_config_pin_refuses_another_org(tmp_path: Path) -> None:
    org_id = the_sandbox_org_id(tmp_path)
    code, _, stderr = invoke(sandbox_plan(tmp_path, pinned_config(tmp_path, OTHER_ORG)))
    assert code == 1
    assert f"it is org {org_id}, but the pin" in stderr and f"expects org {OTHER_ORG}" in stderr


def test_the_config_pin_lets_its_own_org_through(tmp_path: Path) -> None:
    org_id = the_sandbox_org_id(tmp_path)
    code, _, stderr = invoke(sandbox_plan(tmp_path, pinned_config(tmp_path, org_id[:15])))
    assert code == 0, stderr


def test_apply_refuses_another_org_before_writing(tmp_path: Path) -> None:
    the_sandbox_org_id(tmp_path)
    code, _, stderr = invoke(["apply", str(DESIRED), "--today", TODAY, "--sandbox-db", str(tmp_path / "org.sqlite3"),
                              "--yes", "--journal", str(tmp_path / "j.jsonl"), "--expect-org", OTHER_ORG])
    assert code == 1 and f"expects org {OTHER_ORG}" in stderr
    assert not (tmp_path / "j.jsonl").exists() or "write" not in (tmp_path / "j.jsonl").read_text()


def test_a_pinned_cli_login_is_refused_before_its_token_is_asked_for(served, tmp_path: Path) -> None:
    info = served.info
    bindir = install(tmp_path, {"prod": {"username": info.username, "instanceUrl": info.instance_url,
                                         "id": served.store.org_id, "ca_file": info.ca_file}})
    code, _, stderr = invoke(["plan", str(DESIRED), "--today", TODAY, "-o", "prod", "--expect-org", OTHER_ORG],
                             PATH=f"{bindir}:{shutil.os.environ['PATH']}", SF_CA_FILE=info.ca_file)
    assert code == 1 and f"it is org {served.store.org_id}" in stderr
    assert [c["argv"][:2] for c in calls(bindir)] == [["org", "display"]]


def test_a_bad_expect_org_is_refused_before_connecting(tmp_path: Path) -> None:
    code, _, stderr = invoke(sandbox_plan(tmp_path, DESIRED, "--expect-org", "prod"))
    assert code == 1
    assert "error: --expect-org: 'prod' is not an org id (15 or 18 letters and digits starting 00D)" in stderr
    assert not (tmp_path / "org.sqlite3").exists()


def test_a_bad_config_pin_is_a_validation_error(tmp_path: Path) -> None:
    config = pinned_config(tmp_path, "00Dnope")
    code, stdout, _ = invoke(["validate", str(config), "--today", TODAY])
    assert code == 1
    assert "pin.yaml:2:7" in stdout and "expected an org id" in stdout


def test_two_config_pins_are_a_duplicate_setting(tmp_path: Path) -> None:
    config = pinned_config(tmp_path, OTHER_ORG)
    (config / "pin2.yaml").write_text(f"org:\n  id: {OTHER_ORG}\n")
    code, stdout, _ = invoke(["validate", str(config), "--today", TODAY])
    assert code == 1
    assert "duplicate-setting" in stdout and "org.id is already set at" in stdout
