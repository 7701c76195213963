"""Recorded stand-ins for the `uses:` steps of the templates (checkout, setup-python, artifacts, the sticky
comment) and for the `gh` CLI, so a template's own `run:` steps are what the tests exercise."""

from __future__ import annotations

import shutil
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.examples.gha import StepContext, StubFailure

BOT = "github-actions[bot]"


@dataclass
class Comment:
    id: int
    author: str
    body: str
    edits: int = 0


@dataclass
class Recorder:
    """What the stand-ins did: the pull request's comments, the artifacts stored, every action call."""
    repository: Path
    comments: list[Comment] = field(default_factory=list)
    artifacts: dict[str, dict[str, bytes]] = field(default_factory=dict)
    uploads: list[dict[str, str]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def stubs(self) -> dict[str, Any]:
        return {
            "actions/checkout": self.checkout,
            "actions/setup-python": self.setup_python,
            "actions/upload-artifact": self.upload_artifact,
            "actions/download-artifact": self.download_artifact,
            "peter-evans/find-comment": self.find_comment,
            "peter-evans/create-or-update-comment": self.create_or_update_comment,
        }

    def checkout(self, ctx: StepContext) -> None:
        self.calls.append(("checkout", ctx.inputs))
        shutil.copytree(self.repository, ctx.workspace, dirs_exist_ok=True)

    def setup_python(self, ctx: StepContext) -> None:
        self.calls.append(("setup-python", ctx.inputs))

    def upload_artifact(self, ctx: StepContext) -> None:
        self.calls.append(("upload-artifact", ctx.inputs))
        path = ctx.workspace / ctx.inputs["path"]
        if not path.is_file():
            if ctx.inputs.get("if-no-files-found") == "error":
                raise StubFailure(f"no file at {ctx.inputs['path']}")
            return
        self.uploads.append(ctx.inputs)
        self.artifacts[ctx.inputs["name"]] = {path.name: path.read_bytes()}

    def download_artifact(self, ctx: StepContext) -> None:
        self.calls.append(("download-artifact", ctx.inputs))
        files = self.artifacts.get(ctx.inputs["name"])
        if files is None:
            raise StubFailure(f"Artifact not found: {ctx.inputs['name']}")
        for name, data in files.items():
            (ctx.workspace / name).write_bytes(data)

    def find_comment(self, ctx: StepContext) -> None:
        self.calls.append(("find-comment", ctx.inputs))
        for comment in self.comments:
            if comment.author == ctx.inputs["comment-author"] and ctx.inputs["body-includes"] in comment.body:
                ctx.outputs["comment-id"] = str(comment.id)
                return
        ctx.outputs["comment-id"] = ""

    def create_or_update_comment(self, ctx: StepContext) -> None:
        self.calls.append(("create-or-update-comment", ctx.inputs))
        body = (ctx.workspace / ctx.inputs["body-path"]).read_text()
        if ctx.inputs.get("comment-id"):
            comment = next(c for c in self.comments if str(c.id) == ctx.inputs["comment-id"])
            assert ctx.inputs.get("edit-mode") == "replace", "an appended comment would grow on every push"
            comment.body, comment.edits = body, comment.edits + 1
        else:
            self.comments.append(Comment(len(self.comments) + 1, BOT, body))


def install_from_this_checkout(ctx: StepContext) -> None:
    """Stands in for the templates' `Install guestlist` step: guestlist is already installed in the test's own
    virtualenv, so the step only puts that on GITHUB_PATH, as the real step does with the venv it makes."""
    with open(ctx.env["GITHUB_PATH"], "a") as path_file:
        path_file.write(f"{Path(sys.executable).parent}\n")


FAKE_GH = textwrap.dedent('''\
    #!{python}
    """A stand-in for the gh CLI's issue commands, keeping issues in a JSON file (FAKE_GH_STATE)."""
    import json, os, sys
    state_path = os.environ["FAKE_GH_STATE"]
    state = json.load(open(state_path)) if os.path.exists(state_path) else {{"issues": [], "calls": []}}
    args = sys.argv[1:]
    state["calls"].append(args)
    def opt(name):
        return args[args.index(name) + 1] if name in args else None
    assert args[0] == "issue", args
    assert opt("--repo") == os.environ["GITHUB_REPOSITORY"], args
    verb = args[1]
    if verb == "list":
        assert opt("--jq") == ".[0].number // empty" and opt("--json") == "number", args
        found = [i for i in state["issues"] if i["state"] == opt("--state") and opt("--label") in i["labels"]]
        if found:
            print(found[0]["number"])
    elif verb == "create":
        number = len(state["issues"]) + 1
        state["issues"].append({{"number": number, "state": "open", "labels": [opt("--label")],
                                "title": opt("--title"), "body": open(opt("--body-file")).read(), "comments": []}})
        print(f"https://github.com/{{os.environ['GITHUB_REPOSITORY']}}/issues/{{number}}")
    elif verb in ("edit", "close"):
        issue = next(i for i in state["issues"] if i["number"] == int(args[2]))
        if verb == "edit":
            issue["body"] = open(opt("--body-file")).read()
        else:
            issue["state"] = "closed"
            issue["comments"].append(opt("--comment"))
    else:
        sys.exit(f"fake gh: unsupported {{args}}")
    json.dump(state, open(state_path, "w"))
    ''')


def write_fake_gh(directory: Path) -> Path:
    """Writes the `gh` stand-in into `directory` (to put first on PATH)."""
    directory.mkdir(parents=True, exist_ok=True)
    gh = directory / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    return gh
