"""The demo stays true whatever the date: `guestlist plan desired/` on a new sandbox org prints the README's output
on the real date and on any other (docs/decisions/demo-dates.md).

A new org "set up" on a given date is simulated by creating its database with the store's clock at that date,
then planning with `--today` that date, as a user who clones the repository then would."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.store import Store

REPO = Path(__file__).resolve().parents[1]
DATES = ["2026-11-22", "2027-03-31", "2027-06-01", "2030-01-01", "2064-07-15", "2099-01-31"]
HEADER = re.compile(
    r"guestlist plan for Acme \(00D\w{15}\) at https://127\.0\.0\.1:\d+ as admin@acme\.com, today (?P<today>\S+)\n\n"
)


def readme_plan() -> str:
    """The README's demo output: everything the command prints after its first line and the blank line after it."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The demo's first plan\n", 1)[1].split("\n## ", 1)[0]
    [block] = re.findall(r"```text\n(.*?)```", section, re.S)
    return block


def org_created_on(db: Path, day: str) -> Path:
    moment = dt.datetime.fromisoformat(f"{day}T08:15:00+00:00")
    Store(db, clock=lambda: moment).close()
    return db


def plan_on(day: str, db: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(REPO)  # paths in the output are as the user typed them: desired/...
    result = CliRunner().invoke(app, ["plan", "desired/", "--sandbox-db", str(db), "--today", day, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("day", DATES)
def test_the_readme_shows_the_demo_plan_of_any_date(day: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = plan_on(day, org_created_on(tmp_path / "org.sqlite3", day), monkeypatch)
    assert result.exit_code == 0, result.output
    header = HEADER.match(result.stdout)
    assert header and header["today"] == day
    assert result.stdout[header.end():] == readme_plan()
    assert result.stderr == ""


def test_the_demo_plan_in_json_is_the_same_near_and_far(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def essentials(day: str) -> dict:
        db = org_created_on(tmp_path / f"{day}.sqlite3", day)
        document = json.loads(plan_on(day, db, monkeypatch, "--format", "json").stdout)
        keys = [(c["action"], c["key"], c["reason"]) for c in document["changes"]]
        return {"changes": keys, **{k: document[k] for k in ("summary", "warnings", "blockers", "manual_steps",
                                                              "people_summary", "licenses", "removals")}}

    near, far = essentials(DATES[0]), essentials(DATES[-1])
    assert near == far
    counts = re.search(r"^Plan: (\d+) to add, (\d+) to change, (\d+) to remove\.$", readme_plan(), re.M)
    assert counts is not None
    assert near["summary"] == {"create": int(counts[1]), "update": int(counts[2]), "delete": int(counts[3])}


def test_the_readme_shows_the_demo_plan_on_the_real_date(tmp_path: Path) -> None:
    """No --today and no clock: the quick start's command, as a fresh clone runs it today."""
    db = tmp_path / "sandbox.sqlite3"
    command = [sys.executable, "-m", "reconciler", "plan", "desired/", "--sandbox-db", str(db)]
    before = dt.date.today().isoformat()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    header = HEADER.match(result.stdout)
    assert header and header["today"] in {before, dt.date.today().isoformat()}  # a run across midnight
    assert result.stdout[header.end():] == readme_plan()


@pytest.mark.parametrize("day", DATES)
def test_the_demo_config_is_valid_without_warnings_on_any_date(day: str) -> None:
    result = CliRunner().invoke(app, ["validate", str(REPO / "desired"), "--format", "json", "--today", day])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["problems"] == []
