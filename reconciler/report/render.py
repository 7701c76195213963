"""The access review laid out: CSV for a spreadsheet (the review evidence), markdown to read, JSON for machines.
Each has the header first, the rows, the licence seats and the sign-off block last
(docs/decisions/access-review-report.md)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from enum import StrEnum
from typing import Any

from reconciler.guard import mask_person
from reconciler.render.markdown import code, escape
from reconciler.report.model import COLUMNS, SIGN_OFF, SIGN_OFF_COLUMNS, Report, Row, Status

FORMAT_VERSION = 1
TITLE = "guestlist access review"
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only after a byte order mark (ecosystem.md §8.4)
# A cell starting with one of these is a formula to a spreadsheet (OWASP ASVS 5.0 V1.2.10, CWE-1236; ecosystem.md §8.4)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value: object) -> str:
    """A value as a CSV cell a spreadsheet shows as text: numbers guestlist computed stay numbers; text starting
    like a formula gets a leading apostrophe, which the spreadsheet shows as text and does not evaluate."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cells(row: Row) -> list[object]:
    return [getattr(row, column) for column in COLUMNS]


def render_csv(report: Report) -> str:
    """RFC 4180 (CRLF line ends, fields quoted where needed, the same number of fields on every line), UTF-8 with a
    byte order mark. The table starts at the line whose first cell is `person`; blank lines set it apart from the
    header above and the sign-off below."""
    width = len(COLUMNS) + len(SIGN_OFF_COLUMNS)
    lines: list[list[object]] = [[TITLE]]
    lines += [[label, value] for label, value in report.header.items()]
    lines.append([])
    lines.append([*COLUMNS, *SIGN_OFF_COLUMNS])
    lines += [_cells(row) for row in report.rows]
    lines.append([])
    lines += [["licence", "seats", "cost_per_seat", "total"]]
    lines += [[seats.licence, seats.seats, seats.cost_per_seat, seats.total] for seats in report.licences]
    lines.append([])
    lines += [[label, ""] for _, label in SIGN_OFF]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in lines:
        cells = [safe_cell(cell) for cell in line]
        writer.writerow(cells + [""] * (width - len(cells)))
    return BOM + out.getvalue()


def render_markdown(report: Report) -> str:
    out = [f"# {TITLE}: {escape(report.header.org_name)}", ""]
    out += [f"- **{label}:** {code(value) if label == 'config' else escape(value)}"
            for label, value in report.header.items()]
    counts = ", ".join(f"{report.count(status)} {status}" for status in _statuses(report))
    out += ["", f"**{len(report.rows)} grants:** {counts or 'none'}.", ""]
    shown = ("person", "name", "kind", "grant_type", "grant", "status", "expires", "days_left", "sponsor",
             "declared_in", "granted_at", "granted_by", "last_login", "licence_cost")
    out.append("| " + " | ".join(column.replace("_", " ") for column in shown) + " |")
    out.append("|" + "---|" * len(shown))
    for row in report.rows:
        out.append("| " + " | ".join(_markdown_cell(column, getattr(row, column)) for column in shown) + " |")
    out += ["", "## Licences", "", "| licence | seats | cost per seat | total |", "|---|---|---|---|"]
    for seats in report.licences:
        out.append(f"| {escape(seats.licence)} | {seats.seats} | {_money(seats.cost_per_seat)} | "
                   f"{_money(seats.total)} |")
    if not any(seats.cost_per_seat is not None for seats in report.licences):
        out += ["", "No licence is priced: set `policy.license_costs` to see what the seats cost."]
    out += ["", "## Sign-off", ""]
    out += [f"- **{label}:** ______________________" for _, label in SIGN_OFF]
    return "\n".join(out) + "\n"


def render_json(report: Report) -> str:
    document: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "header": dict(report.header.__dict__),
        "summary": {str(status): report.count(status) for status in _statuses(report)},
        "rows": [{column: _json_value(getattr(row, column)) for column in COLUMNS} for row in report.rows],
        "licences": [{"licence": s.licence, "seats": s.seats, "cost_per_seat": s.cost_per_seat, "total": s.total}
                     for s in report.licences],
        "sign_off": {key: None for key, _ in SIGN_OFF},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def redacted(report: Report) -> Report:
    """--redact: external people's emails and names masked in every row (colleagues stay readable, as everywhere
    in guestlist: docs/decisions/output-guard.md); the output guard masks whatever else names them."""
    rows = tuple(replace(row, person=mask_person(row.person), name=mask_person(row.name) if row.name else "")
                 if row.external else row for row in report.rows)
    return replace(report, rows=rows)


def _statuses(report: Report) -> list[Status]:
    return [status for status in Status if report.count(status)]


def _markdown_cell(column: str, value: object) -> str:
    if value is None or value == "":
        return ""
    if column in ("person", "declared_in", "granted_by", "sponsor"):
        return code(str(value))
    if column == "licence_cost":
        return _money(value)  # type: ignore[arg-type]
    return escape(str(value))


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _json_value(value: object) -> object:
    """Enums as their text, blank cells as null."""
    if isinstance(value, StrEnum):
        return str(value)
    return None if value == "" else value
