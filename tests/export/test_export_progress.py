"""Export's progress: a rich bar per read on stderr when a person watches (a terminal, not CI); never on stdout,
never in a log, and the YAML the same either way."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import yaml

from reconciler.commands.export import ExportOptions, run

TODAY = dt.date(2026, 11, 22)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _export(db: Path, err: io.StringIO) -> str:
    out = io.StringIO()
    assert run(ExportOptions(sandbox_db=db, today=TODAY), stdout=out, stderr=err) == 0
    return out.getvalue()


def test_a_terminal_gets_a_bar_per_read_on_stderr_and_the_yaml_is_unchanged(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    terminal, log = _Terminal(), io.StringIO()
    watched, logged = _export(demo_db, terminal), _export(demo_db, log)
    shown = terminal.getvalue()
    assert "reading group members" in shown and "reading Chatter Free users" in shown and "━" in shown  # rich bar
    assert watched == logged and isinstance(yaml.safe_load(watched), dict)
    assert "reading" not in watched and "\x1b" not in watched
    assert "reading" not in log.getvalue() and "\x1b" not in log.getvalue()


@pytest.mark.parametrize("ci", ["true", "1"])
def test_no_bar_under_ci_even_on_a_terminal(demo_db: Path, monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    terminal = _Terminal()
    _export(demo_db, terminal)
    assert "reading" not in terminal.getvalue() and "\x1b" not in terminal.getvalue()
    assert "API requests used: " in terminal.getvalue()
