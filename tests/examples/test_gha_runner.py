"""The local Actions runner's expression subset behaves as GitHub documents it, so the end-to-end tests judge the
templates, not the runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.examples.gha import ExpressionError, condition, read_output_file, substitute

OK = {"success": True, "failure": False, "always": True, "cancelled": False}
FAILED = {"success": False, "failure": True, "always": True, "cancelled": False}
CONTEXT = {"github": {"repository": "acme/x", "event": {"repository": {"private": False},
                                                        "pull_request": {"head": {"repo": {"full_name": "acme/x"}}}}},
           "steps": {"plan": {"outputs": {"exitcode": "2"}}}, "needs": {"validate": {"result": "failure"}}}


@pytest.mark.parametrize(("expression", "status", "expected"), [
    ("steps.plan.outputs.exitcode == '2'", OK, True),
    ("steps.plan.outputs.exitcode == '2'", FAILED, False),  # success() is implied without a status function
    ("always() && steps.plan.outputs.exitcode != ''", FAILED, True),
    ("steps.missing.outputs.exitcode != ''", OK, False),  # a missing output is ''
    ("${{ !github.event.repository.private }}", OK, True),
    ("github.event.repository.private", OK, False),
    ("${{ !cancelled() && github.event.pull_request.head.repo.full_name == github.repository }}", FAILED, True),
    ("needs.validate.result != 'success'", OK, True),
    ("github.repository == 'ACME/X'", OK, True),  # string comparison ignores case
    (None, FAILED, False),
])
def test_conditions(expression: str | None, status: dict[str, bool], expected: bool) -> None:
    assert condition(expression, CONTEXT, status) is expected


def test_substitution_and_unknown_syntax() -> None:
    assert substitute("n=${{ steps.plan.outputs.exitcode }}", CONTEXT, OK) == "n=2"
    assert substitute("${{ github.event.repository.private }}", CONTEXT, OK) == "false"
    with pytest.raises(ExpressionError):
        substitute("${{ contains(github.repository, 'x') }}", CONTEXT, OK)


def test_output_files_hold_lines_and_heredocs(tmp_path: Path) -> None:
    path = tmp_path / "out"
    path.write_text("exitcode=2\nbody<<EOF\nline one\nline=two\nEOF\nempty=\n")
    assert read_output_file(path) == {"exitcode": "2", "body": "line one\nline=two", "empty": ""}
