"""The plan as a command prints it: text for a terminal (rich), markdown or JSON, redacted when asked; and the
people the output guard must know so that --redact masks them in every line printed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from rich.console import Console

from reconciler.commands.options import OutputFormat
from reconciler.model import DesiredState, Source
from reconciler.plan.change import Plan


def write_plan(plan: Plan, output_format: OutputFormat, out: TextIO, *, color: bool | None = None,
               max_chars: int | None = None, containers: Mapping[str, Source] | None = None) -> None:
    """`plan` in `output_format` on `out`. For text, `color` None lets rich decide from `out` and the environment;
    True or False forces it (apply decides from its own terminal). Markdown keeps to `max_chars`; GitHub
    annotations put a change without a line of its own on its group's or permission set's line (`containers`,
    render/github.py)."""
    if output_format is OutputFormat.JSON:
        from reconciler.render.json import render_json

        out.write(render_json(plan))
    elif output_format is OutputFormat.MARKDOWN:
        from reconciler.render.markdown import render_markdown

        out.write(render_markdown(plan, max_chars=max_chars))
    elif output_format is OutputFormat.GITHUB:
        from reconciler.render.github import render_plan

        out.write(render_plan(plan, containers))
    else:
        from reconciler.render.text import print_text

        print_text(plan, _text_console(out, color))
    out.flush()


def _text_console(out: TextIO, color: bool | None) -> Console:
    if color is None:
        return Console(file=out, soft_wrap=True, highlight=False)
    return Console(file=out, force_terminal=color, no_color=not color, soft_wrap=True, highlight=False, width=200)


def shown(plan: Plan, redact: bool) -> Plan:
    """The plan as it may be printed: external people masked when `redact`."""
    if not redact:
        return plan
    from reconciler.render.redact import redact as redacted

    return redacted(plan)


def learn_people_of(source: DesiredState | Plan) -> None:
    """Tells the output guard who the config or the plan names, so --redact masks them in every line printed."""
    from reconciler import guard
    from reconciler.render.redact import declared_people, plan_people

    guard.learn_people(*(plan_people(source) if isinstance(source, Plan) else declared_people(source)))
