"""Options and local files plan and apply share: one parser and one message for --today, and one plain line when a
file stands where guestlist's own directory (.guestlist/, for the sandbox database and the journal) must be. All are
refused before any org is started or read."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from reconciler.cli import app

REPO = Path(__file__).resolve().parents[2]


def guestlist(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize(("today", "why"), [
    ("22/11/2026", "use YYYY-MM-DD, e.g. 2026-11-22"),
    ("20261122", "use YYYY-MM-DD, e.g. 2026-11-22"),
    ("2026-02-30", "February 2026 has 28 days"),
    ("2026-13-01", "there is no month 13"),
])
def test_plan_and_apply_refuse_a_bad_today_with_the_same_line(tmp_path: Path, today: str, why: str) -> None:
    db = tmp_path / "never-created.sqlite3"
    results = [guestlist(command, str(REPO / "desired"), "--sandbox-db", str(db), "--today", today)
               for command in ("plan", "apply")]
    for result in results:
        assert result.exit_code == 1
        assert result.stderr == f"error: --today {today!r} is not a date: {why}\n"
    assert not db.exists()


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_a_file_named_like_the_guestlist_directory_is_named_in_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".guestlist").write_text("not a directory")
    yes = ["--yes"] if command == "apply" else []
    result = guestlist(command, str(REPO / "desired"), "--today", "2026-11-22", *yes)
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: .guestlist is a file, not a directory, so the sandbox org's database "
                           ".guestlist/sandbox.sqlite3 can't be created; move .guestlist away or pass --sandbox-db")
    assert "Errno" not in line


def test_apply_names_a_file_in_the_way_of_its_journal_before_reading_the_org(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".guestlist").write_text("not a directory")
    db = tmp_path / "org.sqlite3"
    result = guestlist("apply", str(REPO / "desired"), "--sandbox-db", str(db), "--today", "2026-11-22", "--yes")
    assert result.exit_code == 1 and result.stdout == ""  # refused before a plan was made
    assert result.stderr == ("error: .guestlist is a file, not a directory, so the journal .guestlist/journal.jsonl "
                             "can't be written; move .guestlist away or pass --journal PATH; nothing was written\n")
    assert not db.exists()
