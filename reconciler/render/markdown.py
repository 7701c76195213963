"""The plan as a pull-request comment: the summary and people first, blockers and risks highlighted, details in
collapsible sections. Byte-stable for the same plan (no clock time; the date and request count sit at the end), and
the first line is a marker a bot can find to update its previous comment instead of adding another."""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def render_markdown(plan: Plan) -> str:
    out: list[str] = [MARKER, f"### guestlist plan: {escape(plan.org.name)}", ""]
    out.append(f"**{summary_line(plan)}**" if plan.differs else "**No changes: the org matches the config.**")
    out.append("")
    out.append(f"**People:** {escape(people_sentence(plan.people))}.")
    out.append("")
    out.extend(_blockers(plan))
    out.extend(_risks(plan))
    out.extend(_people(plan))
    for kind, changes in by_kind(plan.changes):
        out.extend(_details(f"{KIND_TITLES[kind]}: {count_phrase(changes)}", _diff_block(changes)))
    out.extend(_licenses(plan))
    out.extend(_warnings(plan))
    out.extend(_manual_steps(plan))
    out.extend(_manual(plan))
    org = plan.org
    out.append(
        f"<sub>org {escape(org.name)} {code(org.id)} as {escape(org.username)} · today {plan.today} · "
        f"{plan.api_requests} API requests</sub>"
    )
    return "\n".join(out) + "\n"


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
    if not plan.warnings:
        return []
    rows = [
        f"- {code(str(w.source)) + ' ' if w.source else ''}{code(w.code)} {escape(w.message)}" for w in plan.warnings
    ]
    return _details(f"Warnings ({len(plan.warnings)})", rows)


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
