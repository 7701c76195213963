"""A saved plan (`guestlist plan --out`) that was edited or damaged: `guestlist apply --plan` names the field that is
wrong and what is wrong with it, before connecting to any org (Plan.from_json owns shape and types)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox
from tests.plan.conftest import env_of

REPO = Path(__file__).resolve().parents[2]
TODAY = "2026-11-22"
UNREACHABLE = {"SF_INSTANCE_URL": "https://127.0.0.1:9", "SF_ACCESS_TOKEN": "x"}  # nothing listens: never reached


@pytest.fixture(scope="module")
def saved_plan(org: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("saved") / "plan.json"
    result = CliRunner().invoke(app, ["plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--out",
                                      str(path)], env=env_of(org))
    assert result.exit_code == 0, result.stderr
    document = json.loads(path.read_text())
    assert len(document["changes"]) > 3 and document["people"] and document["licenses"]
    return document


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return edit


def _drop(path: tuple[str | int, ...]) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]
    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set(("changes", 3, "action"), "crate"), "changes[3].action: 'crate' is not one of create, update, delete"),
        (_drop(("changes",)), "changes: missing"),
        (_set(("changes",), {}), "changes: expected a list, got an object"),
        (_drop(("changes", 0, "key")), "changes[0].key: missing"),
        (_set(("changes", 1, "kind"), "team"), "changes[1].kind: 'team' is not one of setting, contact, user, group"),
        (_set(("changes", 2, "risks"), ["scary"]), "changes[2].risks[0]: 'scary' is not one of irreversible"),
        (_set(("changes", 2, "before"), None), "changes[2].before: expected an object, got null"),
        (_set(("changes", 2, "refs"), {"MemberId": 7}), "changes[2].refs.MemberId: expected a string, got the number"),
        (_set(("changes", 0, "depends_on"), "group:x"), "changes[0].depends_on: expected a list, got the string"),
        (_set(("changes", 0, "source", "line"), "17"), "changes[0].source.line: expected a whole number, got the"),
        (_set(("org", "is_sandbox_org"), "yes"), "org.is_sandbox_org: expected true or false, got the string 'yes'"),
        (_drop(("org", "id")), "org.id: missing"),
        (_set(("today",), 20261122), "today: expected a string, got the number 20261122"),
        (_set(("managed_access",), True), "managed_access: expected a whole number, got true"),
        (_set(("max_removals", "percent"), "25%"), "max_removals.percent: expected a number, got the string '25%'"),
        (_set(("licenses", 0, "total"), None), "licenses[0].total: expected a whole number, got null"),
        (_set(("people", 0, "external"), 1), "people[0].external: expected true or false, got the number 1"),
        (_set(("fingerprints",), ["a"]), "fingerprints: expected an object, got a list"),
        (_set(("blockers",), [{"code": "x"}]), "blockers[0].message: missing"),
    ],
)
def test_a_malformed_saved_plan_names_the_field(saved_plan: dict[str, Any], tmp_path: Path,
                                                edit: Callable[[dict[str, Any]], None], message: str) -> None:
    document = copy.deepcopy(saved_plan)
    edit(document)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    result = CliRunner().invoke(app, ["apply", str(REPO / "desired"), "--org", "env", "--yes", "--plan", str(bad)],
                                env=UNREACHABLE)
    assert result.exit_code == 1
    assert f"error: {bad}: {message}" in result.stderr, result.stderr
    said = result.output.replace(str(bad), "bad.json")
    assert "Traceback" not in said and "KeyError" not in said and "malformed" not in said


def test_the_saved_plan_itself_is_read_back_unchanged(saved_plan: dict[str, Any]) -> None:
    from reconciler.plan.change import Plan

    assert Plan.from_json(saved_plan).to_json() == saved_plan
