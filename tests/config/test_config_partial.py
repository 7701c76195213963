"""One run reports every problem: the domain rules judge every part whose structure is valid, even next to a
schema error in the same group, another group or another file; only the rejected parts are skipped, silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from tests.config.helpers import ORG, write

OTHER = "groups:\n  - name: Other\n    access: private\n    members:\n      - customer: joe@contoso.com\n"


def _problems(root: Path) -> list[tuple[str, int, str]]:
    result = CliRunner().invoke(app, ["validate", str(root), "--format", "json", "--today", "2026-11-22"])
    assert result.exit_code == 1, result.output
    return [(Path(p["file"]).name, p["line"], p["rule"]) for p in json.loads(result.stdout)["problems"]]


@pytest.mark.parametrize("field, bad, rule", [
    ("access", "privat", "invalid-value"),
    ("owner", "12", "wrong-type"),
    ("description", "[1, 2]", "wrong-type"),
    ("information", "text", "wrong-type"),
    ("archived", "maybe", "wrong-type"),
])
def test_a_bad_field_does_not_hide_the_rules_on_its_group_or_others(tmp_path: Path, field: str, bad: str,
                                                                    rule: str) -> None:
    write(tmp_path, {"org.yaml": ORG, "b.yaml": OTHER, "a.yaml": (
        "groups:\n  - name: Broken\n    access: public\n    members: [{customer: ann@contoso.com}]\n"
        f"  - name: Fine\n    {field}: {bad}\n    members:\n      - customer: jane@contoso.com\n")})
    assert sorted(_problems(tmp_path)) == sorted([
        ("a.yaml", 4, "customers-need-allow-customers"),
        ("a.yaml", 6, rule),
        ("a.yaml", 8, "customers-need-allow-customers"),
        ("b.yaml", 5, "customers-need-allow-customers"),
    ])


@pytest.mark.parametrize("group", [
    "  - name: Hub\n    access: private\n    allow_customers: yes\n    members: [{customer: jane@contoso.com}]\n",
    "  - name: Hub\n    state: gone\n    members: [{customer: jane@contoso.com}]\n",
    "  - name: 12\n    members: [{customer: jane@contoso.com}]\n",
])
def test_no_follow_on_noise_from_a_rejected_field(tmp_path: Path, group: str) -> None:
    """allow_customers: yes is a type error, not a missing allow_customers; an unknown state or name: skipped."""
    write(tmp_path, {"org.yaml": ORG, "b.yaml": OTHER, "a.yaml": "groups:\n" + group})
    found = _problems(tmp_path)
    assert [rule for name, _, rule in found if name == "a.yaml"] in (["wrong-type"], ["invalid-value"])
    assert ("b.yaml", 5, "customers-need-allow-customers") in found
