"""Fuzzed configs through `guestlist validate --format json`: never a crash, always one JSON object, exit 0 or 1,
and no raw control, bidi or Unicode line-break character from the input in the output."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from reconciler.cli import app

DESIRED = Path(__file__).resolve().parents[2] / "desired"
SEEDS = sorted(path.read_text(encoding="utf-8") for path in DESIRED.rglob("*.yaml"))
ODD = ["\u202e", "\u2028", "\u2029", "\u200f", "\u2066", "\x85", "\x07", "\x1b", "\ufeff", "\t", "é", "\U0001f600"]
PIECES = st.sampled_from(["[", "]", "{", "}", "- ", ":", ": ", "\t", "\n", "  ", "#", "&a ", "*a", "!!str ", "'", '"',
                          "- name: x\n", "groups:\n", "members: {}\n", "- [a]\n", "name: [x]\n", *ODD])


@st.composite
def edited(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS)) if draw(st.booleans()) else "".join(draw(st.lists(PIECES, max_size=40)))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["cut", "insert", "duplicate", "delete"]))
        at = draw(st.integers(0, len(text)))
        if action == "cut":
            text = text[:at]
        elif action == "insert":
            text = text[:at] + "".join(draw(st.lists(PIECES, min_size=1, max_size=3))) + text[at:]
        elif action == "duplicate":
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            line = text[start:] if end < 0 else text[start:end + 1]
            text = text[:start] + line + (line if line.endswith("\n") else "\n" + line) + text[start + len(line):]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
    return text


def _raw_invisible(output: str) -> list[str]:
    return [c for c in output if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=edited())
def test_validate_survives_any_edit(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    for output_format in ("json", "text"):
        result = CliRunner().invoke(app, ["validate", str(path), "--format", output_format, "--today", "2026-11-22"])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in (0, 1)
        assert _raw_invisible(result.stdout) == []
        if output_format == "json":
            assert isinstance(json.loads(result.stdout), dict)


def test_invisible_characters_are_shown_escaped(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text('groups:\n  - name: Hub\n    acc\u202eess: x\n    access: "priv\\u2028ate"\n', encoding="utf-8")
    for output_format in ("json", "text"):
        result = CliRunner().invoke(app, ["validate", str(path), "--format", output_format])
        assert result.exit_code == 1
        assert "\u202e" not in result.stdout and "\u2028" not in result.stdout
        assert "\\u202e" in result.stdout and "\\u2028" in result.stdout
