"""A small local runner for the GitHub Actions templates: it runs a workflow's `run:` steps, in order, in bash,
with the files and variables Actions provides (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY,
GITHUB_EVENT_PATH, RUNNER_TEMP, ...), and hands each `uses:` step to a recorded stand-in (a Python function).

It evaluates the subset of the expression language the templates use: contexts (github, env, vars, secrets,
inputs, steps, needs), string literals, true/false, ==, !=, !, &&, ||, parentheses, always(), success(),
failure(), cancelled() (never true: nothing here cancels a run). Anything else raises, so a template that grows
past it fails loudly instead of running wrongly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\))|(?P<call>(?:always|success|failure|cancelled)\(\))"
    r"|(?P<lit>true|false|null)\b|(?P<path>[A-Za-z_][\w-]*(?:\.[\w-]+)*))"
)


class ExpressionError(Exception):
    """An expression outside the subset this runner understands."""


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


class Loose:
    """A value as expressions see it: == ignores case and reads booleans and null as text, '' and null are false."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def _norm(self) -> str:
        return as_text(self.value).casefold()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Loose) and self._norm() == other._norm()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __bool__(self) -> bool:
        return self.value not in (None, "", False, 0)

    __hash__ = None  # type: ignore[assignment]


def evaluate(expression: str, context: Mapping[str, Any], status: Mapping[str, bool]) -> Any:
    """Evaluates one expression (without the ${{ }}) by translating it to a Python expression."""
    pieces: list[str] = []
    values: dict[str, Any] = {}
    pos = 0
    text = expression.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {expression!r}")
        pos = match.end()
        kind = match.lastgroup
        token = match.group(kind or "")
        if kind == "str":
            name = f"_v{len(values)}"
            values[name] = Loose(token[1:-1].replace("''", "'"))
            pieces.append(name)
        elif kind == "op":
            pieces.append({"&&": " and ", "||": " or ", "!": " not ", "==": " == ", "!=": " != "}.get(token, token))
        elif kind == "call":
            pieces.append("True" if status[token[:-2]] else "False")
        elif kind == "lit":
            name = f"_v{len(values)}"
            values[name] = Loose({"true": True, "false": False, "null": None}[token])
            pieces.append(name)
        else:
            name = f"_v{len(values)}"
            values[name] = Loose(_lookup(context, token))
            pieces.append(name)
    result = eval("".join(pieces), {"__builtins__": {}}, values)  # noqa: S307 - built from our own tokens only
    return result.value if isinstance(result, Loose) else result


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(text: str, context: Mapping[str, Any], status: Mapping[str, bool]) -> str:
    return EXPRESSION.sub(lambda m: as_text(evaluate(m.group(1), context, status)), text)


def condition(expression: str | bool | None, context: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    """A step's or job's `if:`; without a status function, success() is implied, as in Actions."""
    if expression is None:
        return status["success"]
    if isinstance(expression, bool):
        return expression and status["success"]
    inner = expression.strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", inner, re.S)
    inner = match.group(1) if match else inner
    result = bool(evaluate(inner, context, status))
    if not re.search(r"\b(always|success|failure|cancelled)\(\)", inner):
        result = result and status["success"]
    return result


def read_output_file(path: Path) -> dict[str, str]:
    """KEY=value lines and KEY<<DELIMITER heredocs, as GITHUB_OUTPUT and GITHUB_ENV hold them."""
    values: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body: list[str] = []
            i += 1
            while lines[i] != delimiter:
                body.append(lines[i])
                i += 1
            values[key] = "\n".join(body)
        elif line:
            key, value = line.split("=", 1)
            values[key] = value
        i += 1
    return values


def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


@dataclass
class StepRecord:
    job: str
    name: str
    outcome: str  # success | failure | skipped
    uses: str | None = None
    exit_code: int | None = None
    stdout: str = ""
    stderr: str = ""
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class JobRecord:
    name: str
    result: str  # success | failure | skipped
    outputs: dict[str, str]
    summary: str
    steps: list[StepRecord]
    workspace: Path


@dataclass
class StepContext:
    """What a stand-in for a `uses:` step sees and can change."""
    job: str
    inputs: dict[str, str]
    workspace: Path
    env: dict[str, str]
    outputs: dict[str, str] = field(default_factory=dict)


Stub = Callable[[StepContext], None]


@dataclass
class Runner:
    """Runs workflows of one repository: `stubs` maps an action (owner/name, no @ref) to its stand-in; `step_stubs`
    maps a step id to a stand-in for a run step (used for the install step only)."""
    root: Path
    stubs: dict[str, Stub]
    step_stubs: dict[str, Stub] = field(default_factory=dict)
    base_env: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    repository: str = "acme/salesforce-access"
    before_job: Callable[[str], None] | None = None  # a hook between jobs (a reviewer's wait, a new commit)
    runs: int = 0

    def run(self, workflow: Path, event_name: str, event: dict[str, Any],
            env: Mapping[str, str] | None = None, inputs: Mapping[str, Any] | None = None) -> dict[str, JobRecord]:
        spec = load_workflow(workflow)
        self.runs += 1
        run_dir = self.root / f"run-{self.runs}"
        run_dir.mkdir(parents=True)
        event_path = run_dir / "event.json"
        event_path.write_text(json.dumps(event))
        github = {"event_name": event_name, "event": event, "repository": self.repository, "token": "stub-token",
                  "workflow": spec.get("name", "")}
        workflow_env = {k: as_text(v) for k, v in (spec.get("env") or {}).items()} | dict(env or {})
        jobs: dict[str, JobRecord] = {}
        for job_id in _in_needs_order(spec["jobs"]):
            job = spec["jobs"][job_id]
            needs = _as_list(job.get("needs"))
            need_ctx = {n: {"result": jobs[n].result, "outputs": jobs[n].outputs} for n in needs}
            context = {"github": github, "vars": self.vars, "secrets": self.secrets, "inputs": dict(inputs or {}),
                       "needs": need_ctx, "env": workflow_env}
            deps_ok = all(jobs[n].result == "success" for n in needs)
            status = {"success": deps_ok, "failure": not deps_ok, "always": True, "cancelled": False}
            if not condition(job.get("if"), context, status):
                jobs[job_id] = JobRecord(job_id, "skipped", {}, "", [], run_dir)
                continue
            if self.before_job:
                self.before_job(job_id)
            jobs[job_id] = self._run_job(job_id, job, context, run_dir, event_path, workflow_env)
        return jobs

    def run_action(self, action: Path, inputs: Mapping[str, str], env: Mapping[str, str] | None = None) -> JobRecord:
        """Runs a composite action's steps as one job, its inputs filled from their defaults."""
        spec = yaml.safe_load(action.read_text())
        self.runs += 1
        run_dir = self.root / f"run-{self.runs}"
        run_dir.mkdir(parents=True)
        event_path = run_dir / "event.json"
        event_path.write_text("{}")
        given = {k: as_text(v.get("default", "")) for k, v in (spec.get("inputs") or {}).items()} | dict(inputs)
        context = {"github": {"event_name": "workflow_dispatch", "repository": self.repository}, "vars": self.vars,
                   "secrets": self.secrets, "inputs": given, "needs": {}, "env": dict(env or {})}
        job = {"steps": spec["runs"]["steps"], "outputs": {k: v["value"] for k, v in spec["outputs"].items()}}
        return self._run_job("action", job, context, run_dir, event_path, dict(env or {}))

    def _run_job(self, job_id: str, job: dict[str, Any], context: dict[str, Any], run_dir: Path,
                 event_path: Path, workflow_env: dict[str, str]) -> JobRecord:
        workspace = run_dir / job_id / "workspace"
        temp = run_dir / job_id / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        status = {"success": True, "failure": False, "always": True, "cancelled": False}
        env = dict(self.base_env) | {
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp),
            "GITHUB_EVENT_PATH": str(event_path), "GITHUB_EVENT_NAME": context["github"]["event_name"],
            "GITHUB_REPOSITORY": self.repository, "GITHUB_JOB": job_id,
        } | workflow_env
        env |= {k: substitute(as_text(v), context, status) for k, v in (job.get("env") or {}).items()}
        extra_path: list[str] = []
        steps_ctx: dict[str, Any] = {}
        records: list[StepRecord] = []
        summary: list[str] = []
        for n, step in enumerate(job["steps"]):
            name = step.get("name") or step.get("uses") or step.get("id") or f"step {n}"
            step_context = context | {"steps": steps_ctx, "env": env}
            if not condition(step.get("if"), step_context, status):
                records.append(StepRecord(job_id, name, "skipped", step.get("uses")))
                continue
            files = {key: temp / f"{key.lower()}-{n}" for key in
                     ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
            for path in files.values():
                path.touch()
            step_env = env | {k: str(v) for k, v in files.items()}
            step_env |= {k: substitute(as_text(v), step_context, status) for k, v in (step.get("env") or {}).items()}
            step_env["PATH"] = os.pathsep.join([*reversed(extra_path), step_env.get("PATH", "")])
            record = self._run_step(job_id, name, step, step_env, step_context, status, workspace)
            outputs = record.outputs | read_output_file(files["GITHUB_OUTPUT"])
            record.outputs = outputs
            records.append(record)
            env |= read_output_file(files["GITHUB_ENV"])
            extra_path += [line for line in files["GITHUB_PATH"].read_text().splitlines() if line]
            summary.append(files["GITHUB_STEP_SUMMARY"].read_text())
            if "id" in step:
                steps_ctx[step["id"]] = {"outputs": outputs, "outcome": record.outcome, "conclusion": record.outcome}
            if record.outcome == "failure" and not step.get("continue-on-error"):
                status = {"success": False, "failure": True, "always": True, "cancelled": False}
        final = context | {"steps": steps_ctx, "env": env}
        job_outputs = {k: substitute(as_text(v), final, status) for k, v in (job.get("outputs") or {}).items()}
        result = "success" if status["success"] else "failure"
        return JobRecord(job_id, result, job_outputs, "".join(summary), records, workspace)

    def _run_step(self, job_id: str, name: str, step: dict[str, Any], env: dict[str, str],
                  context: dict[str, Any], status: Mapping[str, bool], workspace: Path) -> StepRecord:
        stub_key = step.get("id") if step.get("id") in self.step_stubs else None
        if "uses" in step or stub_key:
            action = step.get("uses", "").split("@", 1)[0]
            stub = self.step_stubs[stub_key] if stub_key else self.stubs.get(action)
            if stub is None:
                raise KeyError(f"no stand-in for {step.get('uses')!r} in job {job_id}")
            inputs = {k: substitute(as_text(v), context, status) for k, v in (step.get("with") or {}).items()}
            ctx = StepContext(job_id, inputs, workspace, env)
            try:
                stub(ctx)
            except StubFailure as failure:
                return StepRecord(job_id, name, "failure", step.get("uses"), stderr=str(failure))
            return StepRecord(job_id, name, "success", step.get("uses"), outputs=ctx.outputs)
        script = substitute(step["run"], context, status)
        script_path = Path(env["RUNNER_TEMP"]) / f"step-{len(os.listdir(env['RUNNER_TEMP']))}.sh"
        script_path.write_text(script)
        # what `shell: bash` runs: bash --noprofile --norc -eo pipefail {0}
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_path)], cwd=workspace,
                              env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        outcome = "success" if done.returncode == 0 else "failure"
        return StepRecord(job_id, name, outcome, None, done.returncode, done.stdout, done.stderr)


class StubFailure(Exception):
    """Raised by a stand-in to fail its step, as the real action would."""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _in_needs_order(jobs: Mapping[str, Any]) -> list[str]:
    order: list[str] = []
    while len(order) < len(jobs):
        ready = [j for j in jobs if j not in order and all(n in order for n in _as_list(jobs[j].get("needs")))]
        if not ready:
            raise ValueError("a cycle in the jobs' needs")
        order.append(ready[0])
    return order
