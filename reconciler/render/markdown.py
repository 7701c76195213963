"""The plan as a pull-request comment: the summary and people first, blockers and risks highlighted, details in
collapsible sections. Byte-stable for the same plan (no clock time; the date and request count sit at the end), and
the first line is a marker a bot can find to update its previous comment instead of adding another."""

from __future__ import annotations

import re
from collections.abc import Sequence

from reconciler.plan.build import EXPIRING
from reconciler.plan.change import Change, Plan, Risk
from reconciler.plan.people import people_sentence
from reconciler.render.common import (
    KIND_TITLES,
    RISK_LABELS,
    SYMBOLS,
    blockers_heading,
    by_kind,
    count_phrase,
    field_texts,
    license_text,
    subject,
    summary_line,
)

MARKER = "<!-- guestlist-plan -->"
RISK_LISTED = 10  # changes named per risk before "and N more"
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~])")


def escape(text: str) -> str:
    """Plain text inside Markdown (lists, tables, summaries): no formatting, no HTML, no table breaks."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


REMOVALS_LISTED_WHEN_SHORT = 10_000  # a safety bound on the list kept in a shortened comment


def render_markdown(plan: Plan, *, max_chars: int | None = None) -> str:
    """The comment, at most `max_chars` characters. A plan too long for it keeps the marker, the summary, the
    people, the blockers, the risks, the manual steps and every removal (as a list of its own), then each other
    section, in order, that still fits, and says which were left out and where the full plan is."""
    head = _head(plan)
    sections = _sections(plan)
    tail = [_footer(plan)]
    full = _joined(head, [lines for _, lines, _ in sections], tail)
    if max_chars is None or len(full) <= max_chars:
        return full
    removals = _removal_list(plan)
    optional = [name for name, _, essential in sections if not essential]
    room = max_chars - len(_joined(head, [lines for _, lines, essential in sections if essential]
                                   + [removals, _left_out(optional)], tail))
    kept: list[list[str]] = []
    dropped: list[str] = []
    for name, lines, essential in sections:  # in printing order, each optional section that still fits
        size = len("\n".join(lines)) + 1
        if essential:
            kept.append(lines)
        elif size <= room:
            kept.append(lines)
            room -= size
        else:
            dropped.append(name)
    note = _left_out(dropped)
    text = _joined(head, [*kept, removals, note], tail)
    if len(text) <= max_chars:
        return text
    return _shortest(plan, head, tail, _left_out(optional + ["blockers, risks and manual steps"]), max_chars)


def _head(plan: Plan) -> list[str]:
    out: list[str] = [MARKER, f"### guestlist plan: {escape(plan.org.name)}", ""]
    out.append(f"**{summary_line(plan)}**" if plan.differs else "**No changes: the org matches the config.**")
    out.append("")
    out.append(f"**People:** {escape(people_sentence(plan.people))}.")
    out.append("")
    return out


def _sections(plan: Plan) -> list[tuple[str, list[str], bool]]:
    """(name, lines, essential) in printing order; a shortened comment keeps the essential ones."""
    sections = [("blockers", _blockers(plan), True), ("risks", _risks(plan), True),
                ("expiring access", _expiring(plan), True), ("people", _people(plan), True)]
    for kind, changes in by_kind(plan.changes):
        sections.append((KIND_TITLES[kind].lower(), _details(f"{KIND_TITLES[kind]}: {count_phrase(changes)}",
                                                             _diff_block(changes)), False))
    sections += [("licences", _licenses(plan), False), ("warnings", _warnings(plan), False),
                 ("manual steps", _manual_steps(plan), True), ("manual checks", _manual(plan), False)]
    return [section for section in sections if section[1]]


def _footer(plan: Plan) -> str:
    org = plan.org
    return (f"<sub>org {escape(org.name)} {code(org.id)} as {escape(org.username)} · today {plan.today} · "
            f"{plan.api_requests} API requests</sub>")


def _joined(head: list[str], sections: list[list[str]], tail: list[str]) -> str:
    return "\n".join([*head, *(line for lines in sections for line in lines), *tail]) + "\n"


def _removal_list(plan: Plan, limit: int | None = None) -> list[str]:
    """Every removal, one line each (the part of the plan a shortened comment must never hide)."""
    removals = plan.removals
    if not removals:
        return []
    shown = removals[: limit if limit is not None else REMOVALS_LISTED_WHEN_SHORT]
    lines = [f"**Removals ({len(removals)})**", ""]
    lines += [f"- {code(subject(c))}" + (f" ({escape(c.reason)})" if c.reason else "") for c in shown]
    if len(shown) < len(removals):
        lines.append(f"- ... and {len(removals) - len(shown)} more removals, listed in the full plan")
    return [*lines, ""]


def _left_out(dropped: list[str]) -> list[str]:
    if not dropped:
        return []
    return [f"> [!NOTE]\n> Left out to keep this comment short enough for GitHub: {escape(', '.join(dropped))}. "
            "The full plan is in the job summary, or run `guestlist plan --format markdown` (or `--format text`).", ""]


def _shortest(plan: Plan, head: list[str], tail: list[str], note: list[str], max_chars: int) -> str:
    """Only the head, as many removals as fit and the note: for a plan whose essentials alone are too long."""
    low, high = 0, len(plan.removals)
    best = _joined(head, [_removal_list(plan, 0), note], tail)
    while low <= high:
        middle = (low + high) // 2
        text = _joined(head, [_removal_list(plan, middle), note], tail)
        if len(text) <= max_chars:
            best, low = text, middle + 1
        else:
            high = middle - 1
    return best[:max_chars] if len(best) > max_chars else best


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{escape(summary)}</summary>", "", *body, "", "</details>", ""]


def _diff_block(changes: list[Change]) -> list[str]:
    lines = []
    for change in changes:
        parts = [f"{SYMBOLS[change.action]} {subject(change)}", *field_texts(change)]
        if change.reason:
            parts.append(f"({change.reason})")
        if change.source is not None:
            parts.append(f"@ {change.source}")
        lines.append("  ".join(parts))
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}diff", *lines, fence]


def _blockers(plan: Plan) -> list[str]:
    if not plan.blockers:
        return []
    out = ["> [!CAUTION]", f"> **{blockers_heading(plan)}**"]
    for blocker in plan.blockers:
        where = f"{code(str(blocker.source))} " if blocker.source else ""
        out.append(f"> - {where}{code(blocker.code)} {escape(blocker.message)}")
    return [*out, ""]


def _risks(plan: Plan) -> list[str]:
    flagged = [
        (risk, [c for c in plan.changes if risk in c.risks])
        for risk in (Risk.IRREVERSIBLE, Risk.REVOKES_ACCESS, Risk.GRANTS_EXTERNAL_ACCESS, Risk.CONSUMES_LICENSE)
    ]
    flagged = [(risk, changes) for risk, changes in flagged if changes]
    if not flagged:
        return []
    out = ["> [!WARNING]", "> **Risks to review**"]
    for risk, changes in flagged:
        named = ", ".join(code(subject(c)) for c in changes[:RISK_LISTED])
        more = f" and {len(changes) - RISK_LISTED} more" if len(changes) > RISK_LISTED else ""
        out.append(f"> - **{RISK_LABELS[risk]}** ({len(changes)}): {named}{more}")
    if not plan.removals_allowed:
        out.append(
            f"> - **more removals than policy.max_removals ({escape(str(plan.max_removals))})**: apply needs `--force`"
        )
    return [*out, ""]


def _people(plan: Plan) -> list[str]:
    if not plan.people:
        return []
    rows = ["| person | | gains | loses | role changes |", "|---|---|---|---|---|"]
    for person in plan.people:
        cells = [
            code(person.person),
            "external" if person.external else "colleague",
            *(escape("; ".join(part)) for part in (person.gains, person.losses, person.role_changes)),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return _details(f"People ({len(plan.people)})", rows)


def _licenses(plan: Plan) -> list[str]:
    if not plan.licenses:
        return []
    rows = ["| licence | used/total before -> after | |", "|---|---|---|"]
    for impact in plan.licenses:
        rows.append(
            f"| {escape(impact.name)} | {escape(license_text(impact))} | {'**runs out**' if impact.runs_out else ''} |"
        )
    return _details("Licences", rows)


def _warnings(plan: Plan) -> list[str]:
    """The warnings but access-expiring's, which have a section of their own (_expiring)."""
    others = [w for w in plan.warnings if w.code != EXPIRING]
    if not others:
        return []
    rows = [f"- {code(str(w.source)) + ' ' if w.source else ''}{code(w.code)} {escape(w.message)}" for w in others]
    return _details(f"Warnings ({len(others)})", rows)


def _expiring(plan: Plan) -> list[str]:
    """Access ending soon, one line each with its sponsor: kept in a shortened comment, so a sponsor sees it in
    time to renew (or not)."""
    soon = [w for w in plan.warnings if w.code == EXPIRING]
    if not soon:
        return []
    out = ["> [!IMPORTANT]", f"> **Access expiring soon ({len(soon)})**"]
    out += [f"> - {escape(w.message)}" + (f" ({code(str(w.source))})" if w.source else "") for w in soon]
    return [*out, ""]


def _manual(plan: Plan) -> list[str]:
    items = [(escape(c.check), escape(c.where), c.source) for c in plan.manual_checks]
    return _checklist("**Manual checks** (no Salesforce API reads these; confirm in Setup):", items)


def _manual_steps(plan: Plan) -> list[str]:
    items = [(f"{code(s.code)}: {escape(s.step)}", escape(s.where), s.source) for s in plan.manual_steps]
    return _checklist("**Manual steps** (the org differs here and no API call can write it; do these in Setup):",
                      items)


def _checklist(title: str, items: Sequence[tuple[str, str, object]]) -> list[str]:
    """A titled list of `- [ ] what: where (source)` boxes for a person to tick; nothing when empty."""
    if not items:
        return []
    out = [title, ""]
    for what, where, source in items:
        shown = f" ({code(str(source))})" if source else ""
        out.append(f"- [ ] {what}: {where}{shown}")
    return [*out, ""]
