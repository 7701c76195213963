"""What pipelines read: `--format github` annotations on the YAML lines (validate and plan), a PR comment that keeps
to GitHub's size limit (`plan --format markdown --max-chars`), and the problem matcher for validate's text lines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.render.github import Annotation, Level
from tests.plan.test_cli_scenarios import REPO, TODAY

# The documented syntax: ::LEVEL [file=F[,line=L[,col=C]],]title=T::MESSAGE (docs/reference/ecosystem.md §3.3);
# a property value holds no raw ':' or ',' and no line break, a message no raw CR or LF.
ANNOTATION = re.compile(r"::(error|warning|notice)(?: (?:file=[^,:\r\n]+(?:,line=[1-9]\d*(?:,col=[1-9]\d*)?)?,)?"
                        r"title=[^,:\r\n]+)?::[^\r\n]*")
LEVELS = {"error": 0, "warning": 1, "notice": 2}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def annotations(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("::")]


def assert_github_format(output: str) -> list[str]:
    """Every annotation line is well formed, most severe first, and the last one counts them all."""
    found = annotations(output)
    assert found, output
    for line in found:
        assert ANNOTATION.fullmatch(line), line
    levels = [LEVELS[line[2:].split(" ", 1)[0].split("::", 1)[0]] for line in found[:-1]]
    assert levels == sorted(levels)
    assert found[-1].startswith("::notice::guestlist: ") and f"{len(found) - 1} annotations" in found[-1]
    return found[:-1]


def test_plan_annotates_the_yaml_lines_and_a_removal_on_its_groups_line(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    code, output = run("plan", str(REPO / "desired"), "--sandbox-db", str(db), "--today", TODAY, "--format", "github")
    assert code == 0, output
    found = assert_github_format(output)
    assert output.splitlines()[-1] == "Plan: 11 to add, 5 to change, 4 to remove."
    partners = (REPO / "desired" / "groups" / "partners.yaml").read_text().splitlines()
    hub_line = next(n for n, line in enumerate(partners, 1) if line.strip() == "- name: Acme Partner Hub")
    [kim] = [line for line in found if "member Acme Partner Hub/kim@contoso.com" in line]
    assert kim.startswith(f"::warning file=desired/groups/partners.yaml,line={hub_line},")  # not in the config
    assert "(not in config)" in kim and "revokes access" in kim
    [pilot] = [line for line in found if "create group Initech Pilot" in line]
    assert pilot.startswith("::warning ") and "irreversible" in pilot  # irreversible: a warning, on its line
    access = (REPO / "desired" / "access.yaml").read_text().splitlines()
    deal_line = next(n for n, line in enumerate(access, 1) if "Deal_Registration" in line)
    [victor] = [line for line in found if "Deal_Registration/victor.klein" in line]
    assert f"file=desired/access.yaml,line={deal_line}," in victor  # on its permission set's line
    assert sum(line.startswith("::notice ") for line in found) > 10  # more than GitHub shows: all printed
    assert "GitHub shows 10 of each level per step" in annotations(output)[-1]


def test_validate_annotates_every_problem_errors_first(tmp_path: Path) -> None:
    config = tmp_path / "desired"
    shutil.copytree(REPO / "desired", config)
    broken = config / "groups" / "partners.yaml"
    text = broken.read_text().replace("    allow_customers: true\n", "    allow_customers: maybe\n")
    broken.write_text(text + "\n".join(f"  - name: Extra {n}\n    acess: private" for n in range(12)) + "\n")
    code, output = run("validate", str(config), "--today", TODAY, "--format", "github")
    assert code == 1, output
    found = assert_github_format(output)
    errors = [line for line in found if line.startswith("::error ")]
    assert len(errors) >= 13 and all("file=" in line and ",line=" in line for line in errors)
    assert any("title=guestlist unknown-key" in line for line in errors)
    assert output.splitlines()[-1].startswith("invalid: ")


def test_annotations_escape_what_github_reads_as_syntax() -> None:
    annotation = Annotation(Level.ERROR, "50% of\r\nit: a, b", "odd:dir/a,b.yaml", 3, 4, "rule: x, y")
    assert str(annotation) == ("::error file=odd%3Adir/a%2Cb.yaml,line=3,col=4,title=rule%3A x%2C y"
                               "::50%25 of%0D%0Ait: a, b")
    assert ANNOTATION.fullmatch(str(annotation))


def test_a_long_plan_comment_keeps_to_its_limit_and_keeps_every_removal(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    desired = ["plan", str(REPO / "desired"), "--sandbox-db", str(db), "--today", TODAY, "--format", "markdown"]
    code, full = run(*desired)
    assert code == 0 and "Left out" not in full
    assert run(*desired, "--max-chars", str(len(full)))[1] == full  # under the limit: unchanged, byte for byte
    code, short = run(*desired, "--max-chars", "3000")
    assert code == 0 and len(short) <= 3000
    assert short.startswith("<!-- guestlist-plan -->\n")
    assert "**Plan: 11 to add, 5 to change, 4 to remove.**" in short and "**People:**" in short
    for removal in ("Deal_Registration/victor.klein@contoso.com.acmepartners", "Acme Partner Hub/kim@contoso.com",
                    "Acme Partner Hub/mike@contoso.com", "Contoso Deal Room/paul@globex.com", "kim@guest.acme.com",
                    "paul@guest.acme.com"):
        assert removal in short
    assert "Left out to keep this comment short enough for GitHub:" in short
    assert "guestlist plan --format markdown" in short


def test_the_shortest_comment_still_fits(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    code, short = run("plan", str(REPO / "desired"), "--sandbox-db", str(db), "--today", TODAY, "--format",
                      "markdown", "--max-chars", "1000")
    assert code == 0 and len(short) <= 1000 and short.startswith("<!-- guestlist-plan -->\n")
    assert "**Plan: 11 to add, 5 to change, 4 to remove.**" in short


def test_a_limit_below_a_useful_comment_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "reconciler", "plan", "desired", "--format", "markdown",
                           "--max-chars", "10"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == 1 and "--max-chars" in done.stderr and "Traceback" not in done.stderr


PROBLEM_MATCHER = REPO / "examples" / "github" / "guestlist-matcher.json"


@pytest.mark.parametrize("corpus", sorted((REPO / "tests" / "config" / "corpus").glob("*.yaml"))[:40],
                         ids=lambda p: p.name)
def test_the_problem_matcher_reads_every_line_validate_prints(corpus: Path) -> None:
    matchers = json.loads(PROBLEM_MATCHER.read_text())["problemMatcher"]
    patterns = [re.compile(m["pattern"][0]["regexp"]) for m in matchers]
    _, output = run("validate", str(corpus), "--today", TODAY)
    problems = output.splitlines()[:-1]  # the last line is the summary
    for line in problems:
        match = next((m for p in patterns if (m := p.fullmatch(line))), None)
        assert match is not None, line
        assert match.group(1).endswith(".yaml") or match.group(1) == str(corpus)
