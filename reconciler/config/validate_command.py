"""`guestlist validate`: every problem at once, as text lines or one JSON object; the exit code says if any failed.

Text (stable; one problem a line, sorted, then one summary line):
    desired/groups/partners.yaml:12:9: error customers-need-allow-customers: group 'X' lists 1 customer(s) ...
    desired/org.yaml: warning empty-file: declares nothing (empty or only comments)
    5 files: 4 groups, 17 members, 6 customers, 3 chatter users, 4 external users, 2 permission sets
JSON (`--format json`):
    {"ok": bool, "files": [paths], "today": "YYYY-MM-DD",
     "summary": {"files", "groups", "members", "customers", "chatter_users", "external_users", "permission_sets",
                 "errors", "warnings"},
     "problems": [{"file", "line", "col", "rule", "severity", "message"}]}
    line and col are 1-based; 0 means the problem concerns the file or path as a whole.
Exit codes: 0 valid (warnings allowed), 1 an error (or a warning with --strict) or bad command-line usage.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from reconciler.config.load import LoadResult, load_desired
from reconciler.dates import BadDate, parse_today
from reconciler.guard import learn_people
from reconciler.render.redact import declared_people

EXIT_OK, EXIT_INVALID = 0, 1
EXIT_USAGE = 1  # like every guestlist command: 2 is reserved for plan --detailed-exitcode
FORMATS = ("text", "json")


def run(path: Path, output_format: str = "text", today: str | None = None, strict: bool = False) -> int:
    if output_format not in FORMATS:
        print(f"error: --format {output_format!r}: choose one of {', '.join(FORMATS)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        day = parse_today(today)
    except BadDate as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    result = load_desired(path, day)
    learn_people(*declared_people(result.draft))
    failed = bool(result.errors) or (strict and bool(result.warnings))
    print(render_json(result, day) if output_format == "json" else render_text(result))
    return EXIT_INVALID if failed else EXIT_OK


def render_text(result: LoadResult) -> str:
    lines = [str(problem) for problem in result.problems]
    errors, warnings = len(result.errors), len(result.warnings)
    if errors:
        lines.append(f"invalid: {_plural(errors, 'error')}, {_plural(warnings, 'warning')} "
                     f"in {_plural(len(result.files), 'file')}")
    else:
        tail = f" ({_plural(warnings, 'warning')})" if warnings else ""
        lines.append(result.summary.line() + tail)
    return "\n".join(lines)


def render_json(result: LoadResult, today: dt.date) -> str:
    summary = {**result.summary.to_json(), "errors": len(result.errors), "warnings": len(result.warnings)}
    document = {
        "ok": not result.errors,
        "files": list(result.files),
        "today": today.isoformat(),
        "summary": summary,
        "problems": [problem.to_json() for problem in result.problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
