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
from dataclasses import dataclass, field
from pathlib import Path

from reconciler.commands.config import load_config
from reconciler.commands.exitcodes import EXIT_ERROR, EXIT_OK
from reconciler.commands.options import OutputFormat
from reconciler.config.load import LoadResult
from reconciler.expiry import DEFAULT_EXPIRING_WITHIN

FORMATS = (OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.GITHUB)


@dataclass(frozen=True)
class ValidateOptions:
    path: Path
    output_format: OutputFormat = OutputFormat.TEXT
    today: dt.date = field(default_factory=dt.date.today)
    strict: bool = False  # warnings fail too
    expiring_within: int = DEFAULT_EXPIRING_WITHIN  # days: access ending this soon is an access-expiring warning


def run(options: ValidateOptions) -> int:
    result = load_config(options.path, options.today, options.expiring_within)
    failed = bool(result.errors) or (options.strict and bool(result.warnings))
    if options.output_format is OutputFormat.JSON:
        print(render_json(result, options.today))
    elif options.output_format is OutputFormat.GITHUB:
        from reconciler.render.github import problem_annotations, render

        print(render(problem_annotations(result.problems), [render_text(result).splitlines()[-1]]), end="")
    else:
        print(render_text(result))
    return EXIT_ERROR if failed else EXIT_OK


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
