"""The command line: arguments in, exit code out. Each command delegates to the module that does the work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="guestlist",
    help="Salesforce external collaboration as code: validate, plan and apply YAML against an org.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT_CONFIG = Path("desired")


@app.callback()
def _root() -> None:
    """guestlist: Salesforce external collaboration as code."""


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A YAML file or a directory of them.")] = DEFAULT_CONFIG,
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Check the config offline: schema, references and domain rules."""
    from reconciler.config.validate_command import run

    raise typer.Exit(run(path, output_format))


def main() -> None:
    app()
