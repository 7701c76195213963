"""`access-expiring` in `guestlist plan`: access ending within --expiring-within days (default 14) is a warning that
names the person, the grant, the date and the sponsor, in every format, and the markdown comment keeps it however
short it must be."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox
from tests.plan.conftest import env_of
from tests.plan.test_cli_scenarios import edit

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-22"
JANE = "jane@contoso.com: access to group 'Contoso Deal Room' expires on 2026-11-30 (in 8 days); sponsor bob@acme.com"
HEIDI = "heidi@acme.com: access to Chatter Free user expires on 2026-12-06 (in 14 days); no sponsor named"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The demo config with jane's Deal Room access ending in 8 days and heidi's Chatter Free user in 14."""
    target = tmp_path / "desired"
    shutil.copytree(REPO / "desired", target)
    edit(target / "groups" / "partners.yaml", "        role: manager\n        expires: 2099-03-31",
         "        role: manager\n        expires: 2026-11-30")
    edit(target / "people.yaml", "expires: 2099-02-28             # contractor", "expires: 2026-12-06")
    return target


def plan(org: RunningSandbox, path: Path, *args: str):
    result = CliRunner().invoke(app, ["plan", str(path), "--org", "env", "--today", TODAY, *args], env=env_of(org))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 0, result.output
    return result


def test_text_lists_the_expiring_access_in_the_plan(org: RunningSandbox, config: Path) -> None:
    result = plan(org, config)
    assert f"access-expiring: {JANE}" in result.stdout
    assert f"access-expiring: {HEIDI}" in result.stdout
    assert f"warning access-expiring: {JANE}" in result.stderr  # the config's warning, as validate says it


def test_json_carries_them_as_warnings_with_their_line(org: RunningSandbox, config: Path) -> None:
    document = json.loads(plan(org, config, "--format", "json").stdout)
    found = [w for w in document["warnings"] if w["code"] == "access-expiring"]
    assert [w["message"] for w in found] == [JANE, HEIDI]
    assert found[0]["key"] == "member:Contoso Deal Room/jane@contoso.com"
    assert found[0]["source"]["file"].endswith("partners.yaml") and found[0]["source"]["line"] > 0


def test_expiring_within_widens_or_narrows_the_window(org: RunningSandbox, config: Path) -> None:
    narrow = json.loads(plan(org, config, "--format", "json", "--expiring-within", "7").stdout)
    assert [w["message"] for w in narrow["warnings"] if w["code"] == "access-expiring"] == []
    wide = json.loads(plan(org, config, "--format", "json", "--expiring-within", "100").stdout)
    assert len([w for w in wide["warnings"] if w["code"] == "access-expiring"]) == 2  # the rest lie in 2099


def test_markdown_lists_them_in_a_section_kept_in_a_short_comment(org: RunningSandbox, config: Path) -> None:
    full = plan(org, config, "--format", "markdown").stdout
    assert "**Access expiring soon (2)**" in full
    assert "jane@contoso.com: access to group 'Contoso Deal Room' expires on 2026-11-30 (in 8 days); sponsor " \
           "bob@acme.com" in full.replace("\\", "")
    short = plan(org, config, "--format", "markdown", "--max-chars", "4000").stdout
    assert len(short) <= 4000 and "Left out to keep this comment short" in short
    assert "**Access expiring soon (2)**" in short and "heidi@acme.com" in short.replace("\\", "")


def test_github_annotates_them_on_their_line(org: RunningSandbox, config: Path) -> None:
    out = plan(org, config, "--format", "github").stdout
    [line] = [line for line in out.splitlines() if "guestlist access-expiring" in line and "jane" in line]
    assert line.startswith("::warning file=") and "partners.yaml" in line and "sponsor bob@acme.com" in line


def test_redact_masks_the_external_person_and_keeps_the_sponsor(org: RunningSandbox, config: Path) -> None:
    for output_format in ("text", "markdown", "json", "github"):
        out = plan(org, config, "--format", output_format, "--redact").stdout
        assert "jane@contoso.com" not in out, output_format
        assert "j***@contoso.com" in out.replace("\\", ""), output_format
        assert "sponsor bob@acme.com" in out, output_format


def test_the_demo_has_no_expiring_access(org: RunningSandbox) -> None:
    document = json.loads(plan(org, REPO / "desired", "--format", "json").stdout)
    assert [w for w in document["warnings"] if w["code"] == "access-expiring"] == []
