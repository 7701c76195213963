"""Every "§N" the code and docs cite resolves to a section heading of the page it names in docs/reference/
(salesforce-api.md when none is named), so a fact's source can always be looked up in the repository."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "docs" / "reference"
CITATION = re.compile(r"(?:([\w-]+\.md)\s+)?§\s?(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^#+\s+(?:[A-Z]\.\s+)?(\d+(?:\.\d+)*)[.\s]", re.MULTILINE)
DEFAULT_PAGE = "salesforce-api.md"


def sections(page: str) -> set[str]:
    return set(HEADING.findall((REFERENCE / page).read_text(encoding="utf-8")))


def citations() -> list[tuple[str, str, str]]:
    found = []
    for folder in ("reconciler", "tests", "docs/decisions"):
        for path in sorted((REPO / folder).rglob("*")):
            if path.suffix not in (".py", ".md") or path.name == Path(__file__).name:
                continue
            for page, number in CITATION.findall(path.read_text(encoding="utf-8", errors="replace")):
                found.append((str(path.relative_to(REPO)), page or DEFAULT_PAGE, number))
    return found


def test_there_are_citations_to_check() -> None:
    assert len(citations()) > 50


def test_every_citation_resolves_to_a_section() -> None:
    known = {page.name: sections(page.name) for page in REFERENCE.glob("*.md")}
    unresolved = [(where, page, number) for where, page, number in citations()
                  if page in known and number not in known[page]]
    unknown_pages = sorted({page for _, page, _ in citations() if page not in known})
    assert unknown_pages == []
    assert unresolved == []
