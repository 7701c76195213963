"""Every blocker code the planner can raise is in the catalogue, and documented."""

from __future__ import annotations

import re
from pathlib import Path

import reconciler.plan
from reconciler.plan.assumptions import ASSUMPTIONS
from reconciler.plan.blockers import BLOCKER_CODES

PLAN_DIR = Path(reconciler.plan.__file__).parent
DOC = Path(__file__).resolve().parents[2] / "docs" / "plan-json.md"


def test_raised_blocker_codes_match_the_catalogue_and_the_docs() -> None:
    source = "\n".join(path.read_text() for path in PLAN_DIR.glob("*.py"))
    raised = set(re.findall(r'\.block\(\s*"([a-z-]+)"', source)) | {"protected-user"}  # via guard_protected
    assert raised == set(BLOCKER_CODES)
    documented = DOC.read_text()
    assert all(f"`{code}`" in documented for code in BLOCKER_CODES)


def test_assumptions_have_unique_ids_and_say_why() -> None:
    ids = [a.id for a in ASSUMPTIONS]
    assert len(ids) == len(set(ids))
    assert all(a.choice and a.why for a in ASSUMPTIONS)
