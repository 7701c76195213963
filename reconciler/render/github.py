"""`--format github`: GitHub Actions workflow commands that annotate the YAML lines behind each problem or change.

Syntax and escaping: `::error file=F,line=L,col=C,title=T::message`; the message escapes `%`, CR and LF, a
property value also `:` and `,` (docs/reference/ecosystem.md §3.3, actions/toolkit command.ts). GitHub shows
at most 10 error, 10 warning and 10 notice annotations per step and drops the rest silently (ecosystem.md §3.3),
so every annotation is printed, most severe first, and a last notice counts them all; the log keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from reconciler.config.problems import Problem
from reconciler.kinds import KINDS
from reconciler.model import Source
from reconciler.plan.change import Action, Change, Kind, Plan, Risk
from reconciler.render.common import subject, summary_line

SHOWN_PER_LEVEL = 10  # annotations GitHub shows per level and step (docs/reference/ecosystem.md §3.3)


class Level(IntEnum):
    """Annotation levels, most severe first (their order is the printing order)."""

    ERROR = 0
    WARNING = 1
    NOTICE = 2

    @property
    def command(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Annotation:
    level: Level
    message: str
    file: str | None = None
    line: int = 0  # 0: the file as a whole (or no file)
    col: int = 0
    title: str | None = None

    def __str__(self) -> str:
        properties = []
        if self.file:
            properties.append(f"file={escape_property(self.file)}")
            if self.line > 0:
                properties.append(f"line={self.line}")
                if self.col > 0:
                    properties.append(f"col={self.col}")
        if self.title:
            properties.append(f"title={escape_property(self.title)}")
        head = f"::{self.level.command}" + (" " + ",".join(properties) if properties else "")
        return f"{head}::{escape_data(self.message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(annotations: Iterable[Annotation], tail: Sequence[str] = ()) -> str:
    """Every annotation, most severe first (stable within a level), a notice counting them, then `tail` lines."""
    ordered = sorted(annotations, key=lambda a: a.level)
    lines = [str(a) for a in ordered]
    counts = {level: sum(1 for a in ordered if a.level is level) for level in Level}
    if ordered:
        parts = ", ".join(f"{n} {level.command}{'' if n == 1 else 's'}" for level, n in counts.items() if n)
        hidden = any(n > SHOWN_PER_LEVEL for n in counts.values())
        lines.append(str(Annotation(Level.NOTICE, f"guestlist: {len(ordered)} annotations ({parts})"
                                    + ("; GitHub shows 10 of each level per step, this log lists them all"
                                       if hidden else ""))))
    return "\n".join([*lines, *tail]) + "\n"


# -- validate --------------------------------------------------------------------------------------------------


def problem_annotations(problems: Iterable[Problem]) -> list[Annotation]:
    return [
        Annotation(Level.ERROR if p.severity == "error" else Level.WARNING, p.message,
                   workspace_path(p.file) if p.file else None, p.line, p.col, f"guestlist {p.rule}")
        for p in problems
    ]


# -- plan ------------------------------------------------------------------------------------------------------


def plan_annotations(plan: Plan, containers: Mapping[str, Source] | None = None) -> list[Annotation]:
    """Blockers as errors; removals, irreversible changes, manual steps and warnings as warnings; every other change
    as a notice, each on its config line. A change with no line of its own (a member removed because the config no
    longer lists them) is annotated on the line of what holds it: `containers` maps "group:<name>" and
    "permission_set:<name>" (names casefolded) to where the config declares them."""
    found: list[Annotation] = []
    for blocker in plan.blockers:
        found.append(_at(Level.ERROR, blocker.message, blocker.source, f"guestlist blocker {blocker.code}"))
    for change in plan.changes:
        serious = change.is_removal or Risk.IRREVERSIBLE in change.risks or change.action is Action.DELETE
        level = Level.WARNING if serious else Level.NOTICE
        found.append(_at(level, _change_text(change), change.source or _container_source(change, containers or {}),
                         f"guestlist {change.action.value} {change.kind.value}"))
    for step in plan.manual_steps:
        found.append(_at(Level.WARNING, f"{step.step} ({step.where})", step.source, f"guestlist manual {step.code}"))
    for warning in plan.warnings:
        found.append(_at(Level.WARNING, warning.message, warning.source, f"guestlist {warning.code}"))
    return found


def render_plan(plan: Plan, containers: Mapping[str, Source] | None = None) -> str:
    return render(plan_annotations(plan, containers), [summary_line(plan) if plan.differs
                                                         else "No changes: the org matches the config."])


def _at(level: Level, message: str, source: Source | None, title: str) -> Annotation:
    if source is None:
        return Annotation(level, message, title=title)
    return Annotation(level, message, workspace_path(source.file), source.line, source.col, title)


def workspace_path(file: str) -> str:
    """`file` relative to the working directory (the checkout, in a workflow) when it lies inside it: GitHub
    matches annotations to the repository's paths."""
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return file
    return file


def _change_text(change: Change) -> str:
    parts = [f"{change.action.value} {subject(change)}"]
    if change.reason:
        parts.append(f"({change.reason})")
    risks = sorted(risk.value.replace("_", " ") for risk in change.risks)
    if risks:
        parts.append(f"[{', '.join(risks)}]")
    return " ".join(parts)


_CONTAINERS = {Kind.GROUP: "group", Kind.MEMBER: "group", Kind.INVITATION: "group",
               Kind.PERMISSION_SET_ASSIGNMENT: "permission_set"}


def container_key(container: str, name: str) -> str:
    """The key of `containers` for a group ("group") or a managed permission set ("permission_set")."""
    return f"{container}:{name.casefold()}"


def _container_source(change: Change, containers: Mapping[str, Source]) -> Source | None:
    """Where the config declares the group or permission set a change belongs to ("Acme Partner Hub/jane@...")."""
    container = _CONTAINERS.get(change.kind)
    if container is None:
        return None
    name = KINDS[change.kind].name_of(change.key).split("#", 1)[0].split("/", 1)[0]
    return containers.get(container_key(container, name))
