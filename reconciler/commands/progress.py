"""Progress bars on stderr (rich), shared by apply and export: drawn only where a person watches, never into the
YAML or plan on stdout, and gone (transient) once the work is done."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def watched(stream: TextIO) -> bool:
    """A terminal, and not a CI job (CI set, as GitHub Actions and GitLab CI set it): CI logs keep no redraws."""
    return is_terminal(stream) and os.environ.get("CI", "").strip().lower() in ("", "0", "false")


@contextmanager
def progress_bar(stream: TextIO, label: str = "{task.description}") -> Iterator[Progress]:
    """A transient rich bar on `stream`: label, bar, done/total, time elapsed."""
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=stream), transient=True) as bar:
        yield bar


class ReadProgress:
    """One bar line per read ("reading group members ━━━╸ 12000/40000"), fed (what, done, total) after each
    query page by the export's reads."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        task = self.tasks.get(what)
        if task is None:
            task = self.tasks[what] = self.bar.add_task(f"reading {what}", total=total)
        self.bar.update(task, completed=done, total=total)
