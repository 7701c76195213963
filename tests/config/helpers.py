"""Shared helpers for the config tests: write configs into tmp_path and load them on a fixed date."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from reconciler.config import LoadResult, load_desired

TODAY = dt.date(2026, 11, 22)

ORG = """\
org:
  chatter: {enabled: true, customer_invitations: true, unlisted_groups: true}
  invitations: {domains: [acme.com, acme.co.uk]}
"""


def write(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: YAML text (dedented)} under root; returns root."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def load_text(root: Path, text: str, name: str = "config.yaml") -> LoadResult:
    write(root, {name: text})
    return load_desired(root / name, TODAY)


def rules(result: LoadResult) -> list[str]:
    return [problem.rule for problem in result.problems]


def located(result: LoadResult) -> set[tuple[int, str]]:
    return {(problem.line, problem.rule) for problem in result.problems}
