"""The corpus of invalid inputs: each file says, in leading `# expect: LINE RULE` comments, exactly which problems
it must produce (line 0: the file as a whole). Nothing more may be reported, so a message never drowns in noise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reconciler.config import RULES, Severity, load_desired
from tests.config.helpers import TODAY

CORPUS = Path(__file__).parent / "corpus"
EXPECT = re.compile(r"^# expect: (\d+) ([a-z0-9-]+)$")


def expectations(path: Path) -> set[tuple[int, str]]:
    found = set()
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        match = EXPECT.match(line)
        if match:
            found.add((int(match.group(1)), match.group(2)))
    return found


FILES = sorted(CORPUS.glob("*.yaml"))


def test_the_corpus_is_large_and_every_file_states_its_expectation() -> None:
    assert len(FILES) >= 40
    for path in FILES:
        assert expectations(path), f"{path.name} has no '# expect: LINE RULE' comment"
        assert all(rule in RULES for _, rule in expectations(path)), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_file_reports_exactly_its_expected_problems(path: Path) -> None:
    result = load_desired(path, TODAY)
    reported = {(problem.line, problem.rule) for problem in result.problems}
    assert reported == expectations(path), "\n".join(str(problem) for problem in result.problems)
    for problem in result.problems:
        assert problem.file == str(path)
        assert problem.message
        assert problem.col >= 1 or problem.line == 0
    if any(RULES[rule].severity is Severity.ERROR for _, rule in expectations(path)):
        assert result.desired is None
    else:
        assert result.desired is not None


def test_every_problem_a_config_file_can_cause_is_in_the_corpus() -> None:
    """Rules about paths (missing, unreadable, oversized, not UTF-8) are covered in test_config_robustness, and
    collisions between files in test_config_loader; `schema` is the fallback no schema keyword in use reaches."""
    about_paths = {"path-not-found", "no-config-files", "unreadable-file", "file-too-large", "not-utf8", "schema"}
    between_files = {"duplicate-permission-set", "duplicate-setting"}
    covered = {rule for path in FILES for _, rule in expectations(path)}
    assert set(RULES) - about_paths - between_files - covered == set()
