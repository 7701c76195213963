"""`guestlist notify` through the CLI on the demo config: a notice only on a threshold day, one per recipient
listing all their people, the group owner when no sponsor is named, --redact, JSON, and bad options."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from tests.plan.test_cli_scenarios import edit

REPO = Path(__file__).resolve().parents[2]
DESIRED = REPO / "desired"
JANE_7_DAYS = "2099-03-24"  # jane@contoso.com's two grants (sponsor bob) end on 2099-03-31


def notify(*args: str, config: Path = DESIRED, code: int = 0):
    result = CliRunner().invoke(app, ["notify", str(config), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    return result


def notices(*args: str, config: Path = DESIRED) -> list[dict]:
    return json.loads(notify("--format", "json", *args, config=config).stdout)["notices"]


def test_one_notice_per_recipient_lists_all_their_grants_on_a_threshold_day() -> None:
    [notice] = notices("--today", JANE_7_DAYS)
    assert (notice["recipient"], notice["days_left"]) == ("bob@acme.com", 7)
    assert [(i["person"], i["grant"]) for i in notice["items"]] == [
        ("jane@contoso.com", "group 'Acme Partner Hub'"), ("jane@contoso.com", "group 'Contoso Deal Room'")]
    assert notice["subject"] == "guestlist: 2 access grants end in 7 days"


@pytest.mark.parametrize("today", ["2099-03-23", "2099-03-25", "2099-03-12"])
def test_no_notice_between_thresholds(today: str) -> None:
    assert notices("--today", today) == []
    assert "no notices on" in notify("--today", today).stdout


def test_thresholds_and_window_choose_the_days() -> None:
    assert notices("--today", "2099-03-01") != []  # 30 days: a default threshold
    assert notices("--today", "2099-03-01", "--expiring-within", "14") == []  # beyond the window
    assert notices("--today", "2099-03-21", "--thresholds", "10") != []
    assert notices("--today", JANE_7_DAYS, "--thresholds", "10") == []


def hub_without_sponsor(tmp_path: Path) -> Path:
    """The demo config where jane's Acme Partner Hub grant names no sponsor: its owner alice is told, bob of the
    other grant."""
    config = tmp_path / "desired"
    shutil.copytree(DESIRED, config)
    edit(config / "org.yaml", "require_sponsor: true", "require_sponsor: false")
    edit(config / "groups" / "partners.yaml", "expires: 2099-03-31\n        sponsor: bob@acme.com\n",
         "expires: 2099-03-31\n")
    return config


def test_the_group_owner_is_told_when_no_sponsor_is_named(tmp_path: Path) -> None:
    config = hub_without_sponsor(tmp_path)
    by_recipient = {n["recipient"]: n["items"] for n in notices("--today", JANE_7_DAYS, config=config)}
    assert [i["grant"] for i in by_recipient["alice@acme.com"]] == ["group 'Acme Partner Hub'"]  # its owner
    assert [i["grant"] for i in by_recipient["bob@acme.com"]] == ["group 'Contoso Deal Room'"]


def test_nobody_to_tell_is_shown_as_such() -> None:
    out = notify("--today", "2099-02-21").stdout  # heidi, a Chatter Free user: no sponsor, no group
    assert "to nobody (no sponsor and no group owner named)" in out and "heidi@acme.com" in out


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_redact_masks_the_people_not_the_recipients(output_format: str) -> None:
    out = notify("--today", JANE_7_DAYS, "--format", output_format, "--redact").output
    assert "jane@contoso.com" not in out and "j***@contoso.com" in out
    assert "bob@acme.com" in out


@pytest.mark.parametrize(("args", "message"), [
    (["--thresholds", "7,x"], "--thresholds '7,x'"),
    (["--thresholds", ""], "--thresholds ''"),
    (["--via", "pigeon"], "--via 'pigeon'"),
    (["--format", "csv"], "csv"),
    (["--today", "2099-02-30"], "--today '2099-02-30'"),
])
def test_bad_options_are_named_and_exit_1(args: list[str], message: str) -> None:
    result = notify(*args, code=1)
    assert message in result.output and "Traceback" not in result.output
