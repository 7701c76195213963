"""Fuzzed configs through `guestlist validate --format json`: never a crash, always one JSON object, exit 0 or 1,
and no raw control, bidi or Unicode line-break character from the input in the output."""

from __future__ import annotations

import json
import os
import random
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

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


# -- a seeded byte-level fuzzer over the demo config and the corpus (issue 8 point 13) ------------------------------

CORPUS = Path(__file__).resolve().parent / "corpus"
SOURCES = sorted([*DESIRED.rglob("*.yaml"), *CORPUS.glob("*.yaml")])
FUZZ_RUNS = int(os.environ.get("GUESTLIST_FUZZ_CONFIGS", 200))
INSERTS = [c.encode() for c in ("\u202e", "\u202d", "\u2066", "\u2069", "\u200e", "\u2028", "\u2029", "\x85", "\x00",
                                 "\x07", "\x1b", "\x7f", "\x9b", "\t", "\r", "\ufeff", "\ufffe")]
INSERTS += [b"\xff", b"\xc3", b"\xed\xa0\x80", b"- ", b": ", b"[", b"{", b"&x ", b"*x", b"!!binary ", b"? ", b"|\n",
            b"<<: *x\n", b"%YAML 1.1\n", b"---\n", b"...\n"]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One edit: delete, insert or duplicate bytes or a line, swap a line's indentation, add a comment."""
    lines = data.splitlines(keepends=True) or [b""]
    line = rng.randrange(len(lines))
    at = rng.randint(0, len(data))
    match rng.randrange(8):
        case 0:
            return data[:at] + data[at + rng.randint(1, 8):]
        case 1:
            return data[:at] + rng.choice(INSERTS) * rng.choice((1, 1, 2, 3, 8, 16)) + data[at:]  # runs of breaks too
        case 2:
            return data[:at] + data[at:at + rng.randint(1, 16)] + data[at:]
        case 3:
            del lines[line]
        case 4:
            lines.insert(line, lines[rng.randrange(len(lines))])
        case 5:
            body = lines[line].lstrip(b" \t")
            indent = len(lines[line]) - len(body)
            lines[line] = rng.choice([b"\t" * max(1, indent // 2), b" " * max(0, indent + rng.choice((-2, -1, 1, 2))),
                                      b""]) + body
        case 6:  # a comment full of what PyYAML, unlike editors, counts as line breaks
            body = lines[line].rstrip(b"\r\n")
            lines[line] = body + b"  # " + rng.choice(INSERTS[:9]) * rng.randint(1, 16) + lines[line][len(body):]
        case _:
            lines[line] = lines[line][:rng.randint(0, len(lines[line]))] + rng.choice(INSERTS) + lines[line][
                rng.randint(0, len(lines[line])):]
    return b"".join(lines)


def _fuzzed(seed: int) -> bytes:
    rng = random.Random(seed)
    data = rng.choice(SOURCES).read_bytes()
    for _ in range(rng.randint(1, 6)):
        data = _mutate(data, rng)
    return data


def test_validate_survives_a_seeded_byte_fuzz(tmp_path: Path) -> None:
    """FUZZ_RUNS inputs (GUESTLIST_FUZZ_CONFIGS=2000 for the long run): never a traceback, exit 0 or 1, one JSON
    object under --format json, and no raw control, bidi or line-separator character in stdout or stderr."""
    failures: list[str] = []
    path = tmp_path / "config.yaml"
    for seed in range(FUZZ_RUNS):
        path.write_bytes(_fuzzed(seed))
        for output_format in ("json", "text"):
            result = CliRunner().invoke(app, ["validate", str(path), "--format", output_format, "--today",
                                              "2026-11-22"])
            problem = _fuzz_problem(result, output_format)
            if problem:
                failures.append(f"seed {seed} --format {output_format}: {problem}")
    assert failures == [], "\n".join(failures[:20])


def _fuzz_problem(result: Result, output_format: str) -> str | None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"{type(result.exception).__name__}: {result.exception}"
    if result.exit_code not in (0, 1):
        return f"exit {result.exit_code}"
    raw = _raw_invisible(result.stdout + result.stderr)
    if raw:
        return f"raw {sorted({f'U+{ord(c):04X}' for c in raw})} in the output"
    if output_format == "json":
        try:
            if not isinstance(json.loads(result.stdout), dict):
                return "--format json printed JSON that is not an object"
        except ValueError:
            return f"--format json printed no single JSON object: {result.stdout[:200]!r}"
    return None
