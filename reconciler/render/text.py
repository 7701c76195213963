"""The plan for a person at a terminal: changes grouped by kind with + ~ -, the source of each, blockers and
warnings, the access summary in people, licence seats, the manual checklist, and the one-line summary.
Colour only when the console is a terminal (rich decides; NO_COLOR is honoured)."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from reconciler.plan.change import Action, Change, Plan
from reconciler.plan.people import people_sentence
from reconciler.render.common import (
    INLINE_KINDS,
    KIND_TITLES,
    SYMBOLS,
    blockers_heading,
    by_kind,
    field_texts,
    license_text,
    risk_texts,
    subject,
    summary_line,
)

PEOPLE_SHOWN = 50  # people listed under the access summary before "... and N more"
_STYLES = {Action.CREATE: "green", Action.UPDATE: "yellow", Action.DELETE: "red"}


def render_text(plan: Plan) -> list[Text]:
    """The plan as lines of styled text (`Text.plain` is the uncoloured form)."""
    lines: list[Text] = [_header(plan), Text()]
    for kind, changes in by_kind(plan.changes):
        lines.append(Text(KIND_TITLES[kind], style="bold"))
        for change in changes:
            lines.extend(_change(change))
        lines.append(Text())
    lines.extend(_findings(plan))
    lines.extend(_people(plan))
    lines.extend(_licenses(plan))
    lines.extend(_manual_steps(plan))
    lines.extend(_manual(plan))
    if not plan.differs:
        lines.append(Text("No changes: the org matches the config.", style="bold green"))
    lines.append(Text(summary_line(plan), style="bold"))
    lines.append(Text(f"API requests used: {plan.api_requests}.", style="dim"))
    return lines


def print_text(plan: Plan, console: Console) -> None:
    for line in render_text(plan):
        console.print(line, soft_wrap=True, highlight=False)


def plain_text(plan: Plan) -> str:
    return "".join(line.plain + "\n" for line in render_text(plan))


def _header(plan: Plan) -> Text:
    org = plan.org
    return Text(
        f"guestlist plan for {org.name} ({org.id}) at {org.instance_url} as {org.username}, today {plan.today}",
        style="bold",
    )


def _change(change: Change) -> list[Text]:
    style = _STYLES[change.action]
    line = Text("  ")
    line.append(f"{SYMBOLS[change.action]} {subject(change)}", style=style)
    fields = field_texts(change)
    if change.kind in INLINE_KINDS and fields:
        line.append("  " + "; ".join(fields))
    if change.reason:
        line.append(f"  ({change.reason})", style="italic")
    if change.source is not None:
        line.append(f"  {change.source}", style="dim")
    for risk in risk_texts(change):
        line.append(f"  [{risk}]", style="bold magenta")
    out = [line]
    if change.kind not in INLINE_KINDS:
        out.extend(Text(f"      {text}", style=style) for text in fields)
    return out


def _findings(plan: Plan) -> list[Text]:
    lines: list[Text] = []
    if plan.blockers:
        lines.append(Text(blockers_heading(plan), style="bold red"))
        for blocker in plan.blockers:
            where = f"{blocker.source}: " if blocker.source else ""
            lines.append(Text(f"  x {where}{blocker.code}: {blocker.message}", style="red"))
        lines.append(Text())
    if plan.warnings:
        lines.append(Text(f"Warnings ({len(plan.warnings)})", style="bold yellow"))
        for warning in plan.warnings:
            where = f"{warning.source}: " if warning.source else ""
            lines.append(Text(f"  ! {where}{warning.code}: {warning.message}", style="yellow"))
        lines.append(Text())
    return lines


def _people(plan: Plan) -> list[Text]:
    lines = [Text(f"Access: {people_sentence(plan.people)}.", style="bold")]
    for person in plan.people[:PEOPLE_SHOWN]:
        who = f"{person.person} ({'external' if person.external else 'colleague'})"
        if person.gains:
            lines.append(Text(f"  + {who}: {', '.join(person.gains)}", style="green"))
        if person.losses:
            lines.append(Text(f"  - {who}: {', '.join(person.losses)}", style="red"))
        if person.role_changes:
            lines.append(Text(f"  ~ {who}: {', '.join(person.role_changes)}", style="yellow"))
    if len(plan.people) > PEOPLE_SHOWN:
        lines.append(Text(f"  ... and {len(plan.people) - PEOPLE_SHOWN} more people (all of them: --format json)"))
    lines.append(Text())
    return lines


def _licenses(plan: Plan) -> list[Text]:
    if not plan.licenses:
        return []
    width = max(len(impact.name) for impact in plan.licenses)
    lines = [Text("Licences (used/total before -> after)", style="bold")]
    for impact in plan.licenses:
        line = Text(f"  {impact.name.ljust(width)}  {license_text(impact)}")
        if impact.runs_out:
            line.append("  runs out", style="bold red")
        lines.append(line)
    lines.append(Text())
    return lines


def _manual(plan: Plan) -> list[Text]:
    if not plan.manual_checks:
        return []
    where = sorted({check.where for check in plan.manual_checks})
    lines = [Text(f"Manual checks (no Salesforce API reads these; confirm in {', '.join(where)})", style="bold")]
    for check in plan.manual_checks:
        source = f"  ({check.source})" if check.source else ""
        lines.append(Text(f"  [ ] {check.check}{source}"))
    lines.append(Text())
    return lines


def _manual_steps(plan: Plan) -> list[Text]:
    if not plan.manual_steps:
        return []
    lines = [Text(f"Manual steps ({len(plan.manual_steps)}): the org differs here and no API call can write it; "
                  "do these in Setup", style="bold yellow")]
    for step in plan.manual_steps:
        source = f"  ({step.source})" if step.source else ""
        lines.append(Text(f"  > {step.code}: {step.step} ({step.where}){source}", style="yellow"))
    lines.append(Text())
    return lines
