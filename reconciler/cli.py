"""The command line: arguments in, exit code out. Typer stops here: each command parses its options (the shared
ones declared once below, parsed by reconciler.commands.options) and hands them to its module in
reconciler/commands/ (docs/decisions/command-layer.md)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, cast

import typer

from reconciler import guard
from reconciler.commands.exitcodes import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, exit_codes_help
from reconciler.commands.options import DEFAULT_MAX_CHARS, parse_format, parse_login, parse_today
from reconciler.errors import CommandError
from reconciler.expiry import DEFAULT_EXPIRING_WITHIN
from reconciler.sandbox.cli import sandbox_app

app = typer.Typer(
    name="guestlist",
    help="Salesforce external collaboration as code: validate, plan and apply YAML against an org.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # click's plain help: flags read as flags, the same whatever typer version is installed
)
app.add_typer(sandbox_app, name="sandbox")

DEFAULT_CONFIG = Path("desired")
TRACEBACK_VARIABLE = "GUESTLIST_TRACEBACK"  # set to 1 to see a bug's traceback instead of its one-line report
REDACT_HELP = ("mask external people's emails, usernames, names and invitation messages, and any email not "
               "known as a colleague's, in everything printed (also GUESTLIST_REDACT=1)")

# the options several commands take, declared once (their values are parsed by reconciler.commands.options)
ConfigPath = Annotated[Path, typer.Argument(help="A YAML file or a directory of them.")]
Today = Annotated[str | None, typer.Option("--today", help="the date expiry is judged on (YYYY-MM-DD)")]
ORG_HELP = ("sandbox (the built-in sandbox org), env (SF_* variables) or sf (the Salesforce CLI's default org: "
            "SF_TARGET_ORG, then its target-org)")
Org = Annotated[str, typer.Option("--org", help=ORG_HELP)]
TargetOrg = Annotated[str | None, typer.Option(
    "--target-org", "-o", help="a Salesforce CLI alias or username: use that login (sf org display and "
                               "sf org auth show-access-token)")]
AuthUrlFile = Annotated[str | None, typer.Option(
    "--auth-url-file", help="a file holding an SFDX auth URL (force://...; or the JSON of sf org auth "
                            "show-sfdx-auth-url), - for stdin; guestlist exchanges its refresh token itself")]
ExpectOrg = Annotated[str | None, typer.Option(
    "--expect-org", help="refuse any org but this one (00D..., 15 or 18 characters), before reading it")]
SandboxDb = Annotated[Path | None, typer.Option("--sandbox-db", help="the sandbox org's database")]
Redact = Annotated[bool, typer.Option("--redact", help=REDACT_HELP)]
ExpiringWithin = Annotated[int, typer.Option(
    "--expiring-within", min=0, metavar="DAYS",
    help="warn (access-expiring) about access whose expires date is at most this many days away")]
DEFAULT_JOURNAL = Path(".guestlist/journal.jsonl")
JournalPath = Annotated[Path | None, typer.Option(
    "--journal", help="apply's journal (default .guestlist/journal.jsonl): email changes it requested are shown as "
                      "awaiting confirmation, not planned again, until their link expires")]


def _show_version(value: bool) -> None:
    if value:
        from reconciler import __version__

        print(f"guestlist {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_show_version,
                                          help="print guestlist's version and exit")] = False,
) -> None:
    """guestlist: Salesforce external collaboration as code."""
    if ctx.invoked_subcommand == "sandbox":  # prints its own access token on purpose (`sandbox serve`)
        return
    installed = guard.install()
    ctx.call_on_close(guard.uninstall if installed else _flush_output)


def _finish(command: Callable[[], int], report: Callable[[CommandError], int] | None = None) -> NoReturn:
    """Runs a command's body and exits with its code. A CommandError that reaches here (an option's value refused
    while parsing) goes to `report` (default: its message on stderr) and exits with its code. Ctrl-C ends it with
    130 and one line; an unexpected failure
    (a bug) with 1 and one masked line, its traceback only when GUESTLIST_TRACEBACK=1: the same whatever typer or
    click version is installed (newer typer turns Ctrl-C into a silent exit 130, older click into "Aborted!")."""
    try:
        code = command()
    except CommandError as error:
        code = (report or _report)(error)
    except KeyboardInterrupt:
        print("interrupted: stopped before finishing (Ctrl-C); nothing more was sent to the org", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except (typer.Exit, SystemExit):
        raise
    except Exception as exc:
        if guard.is_on(os.environ.get(TRACEBACK_VARIABLE)):
            raise
        print(unexpected_failure(exc), file=sys.stderr)
        code = EXIT_ERROR
    raise typer.Exit(code)


def _report(error: CommandError) -> int:
    print(str(error), file=sys.stderr)
    return error.exit_code


def _redact_if(redact: bool) -> None:
    if redact:
        guard.enable_redaction()


def unexpected_failure(exc: BaseException) -> str:
    message = guard.mask(" ".join(f"{type(exc).__name__}: {exc}".split()))[:500]
    return (f"error: guestlist failed unexpectedly ({message}). This is a bug: please report it; "
            f"{TRACEBACK_VARIABLE}=1 shows the traceback")


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        stream.flush()


@app.command(epilog=exit_codes_help("validate"))
def validate(
    path: ConfigPath = DEFAULT_CONFIG,
    output_format: Annotated[str, typer.Option("--format", help="text (file:line:col lines), json or github "
                                                                "(GitHub Actions annotations)")] = "text",
    today: Today = None,
    strict: Annotated[bool, typer.Option("--strict", help="fail (exit 1) on warnings too")] = False,
    expiring_within: ExpiringWithin = DEFAULT_EXPIRING_WITHIN,
    redact: Redact = False,
) -> None:
    """Check the config offline, all problems at once: YAML, schema, merging and domain rules (exit 1 on error)."""
    from reconciler.commands import validate as command

    _redact_if(redact)
    _finish(lambda: command.run(command.ValidateOptions(path, parse_format(output_format, command.FORMATS),
                                                        parse_today(today), strict, expiring_within)))


@app.command(epilog=exit_codes_help("plan"))
def plan(
    path: ConfigPath = DEFAULT_CONFIG,
    org: Org = "sandbox",
    sandbox_db: SandboxDb = None,
    target_org: TargetOrg = None,
    auth_url_file: AuthUrlFile = None,
    expect_org: ExpectOrg = None,
    output_format: Annotated[str, typer.Option("--format", help="text, markdown (a PR comment), json or github "
                                                                "(GitHub Actions annotations)")] = "text",
    max_chars: Annotated[int, typer.Option("--max-chars", min=1000, help="markdown: keep the comment under this "
                                           "many characters (GitHub refuses over 65,536)")] = DEFAULT_MAX_CHARS,
    out: Annotated[Path | None, typer.Option("--out", help="save the plan for guestlist apply --plan")] = None,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="exit 0 with no changes, 2 with changes, 1 on errors")
    ] = False,
    redact: Redact = False,
    today: Today = None,
    expiring_within: ExpiringWithin = DEFAULT_EXPIRING_WITHIN,
    journal: JournalPath = None,
) -> None:
    """Diff the config against the org: the minimal ordered change set, counted in people."""
    from reconciler.commands import plan as command

    _redact_if(redact)
    redact = guard.redacting()
    _finish(lambda: command.run(command.PlanOptions(path, org, sandbox_db, parse_format(output_format, command.FORMATS),
                                                    out, detailed_exitcode, redact, parse_today(today), max_chars,
                                                    parse_login(org, target_org, auth_url_file, expect_org),
                                                    expiring_within, journal=journal)),
            report=lambda error: command.report(error, output_format, sys.stdout, sys.stderr))


@app.command(epilog=exit_codes_help("apply"))
def apply(
    path: ConfigPath = DEFAULT_CONFIG,
    org: Org = "sandbox",
    sandbox_db: SandboxDb = None,
    target_org: TargetOrg = None,
    auth_url_file: AuthUrlFile = None,
    expect_org: ExpectOrg = None,
    yes: Annotated[bool, typer.Option("--yes", help="apply without asking (needed off a terminal)")] = False,
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="execute this saved plan (guestlist plan --out) if the org still matches it; "
                                    "the config at PATH is read to re-check the org"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="allow more removals than policy.max_removals")] = False,
    allow_irreversible: Annotated[
        bool, typer.Option("--allow-irreversible", help="allow changes that can't be undone")
    ] = False,
    journal: Annotated[Path, typer.Option("--journal", help="append write outcomes here (JSON lines); email "
                                                             "changes it requested are held back while they await "
                                                             "confirmation")] = DEFAULT_JOURNAL,
    today: Today = None,
    redact: Redact = False,
    lock_timeout: Annotated[
        float, typer.Option("--lock-timeout", min=0, help="seconds to wait while another apply holds the org's "
                                                          "lock (0: refuse at once; exit 5 when still held)")
    ] = 180,
    undo_out: Annotated[
        Path | None, typer.Option("--undo-out", help="also write the undo plan here (it is always saved in "
                                                     "the journal's folder: undo/<UTC time>.json)")
    ] = None,
) -> None:
    """Execute the plan: batched writes, safety gates, a journal, and a read-back that it converged."""
    from reconciler.commands import apply as command

    _redact_if(redact)
    _finish(lambda: command.run(command.ApplyOptions(path, org, sandbox_db, yes, plan_file, force, allow_irreversible,
                                                     journal, parse_today(today), lock_timeout,
                                                     parse_login(org, target_org, auth_url_file, expect_org),
                                                     undo_out)))


@app.command(epilog=exit_codes_help("export"))
def export(
    directory: Annotated[str | None, typer.Argument(help="The directory to write into (the same as --out DIR).",
                                                    show_default=False)] = None,
    out: Annotated[str | None, typer.Option("--out", help="a directory to write into, or - for stdout (the "
                                                          "default)")] = None,
    org: Org = "sandbox",
    sandbox_db: SandboxDb = None,
    target_org: TargetOrg = None,
    auth_url_file: AuthUrlFile = None,
    expect_org: ExpectOrg = None,
    split: Annotated[bool, typer.Option("--split", help="org.yaml, people.yaml, access.yaml and one file per "
                                                        "group under groups/ (needs --out DIR)")] = False,
    only: Annotated[str | None, typer.Option("--only", help="the sections to export, comma-separated: org, "
                                                            "groups, chatter_users, external_users, "
                                                            "permission_sets")] = None,
    groups: Annotated[str, typer.Option("--groups", help="only the groups whose name matches this glob "
                                                         "(case-insensitive)")] = "*",
    authoritative: Annotated[bool, typer.Option("--authoritative", help="groups and permission sets "
                                                                        "membership: authoritative where that "
                                                                        "removes nothing (default: additive)")] = False,
    force: Annotated[bool, typer.Option("--force", help="overwrite files that exist")] = False,
    today: Today = None,
) -> None:
    """Write the org's current state as guestlist YAML, to adopt an existing org (plan on it shows no changes)."""
    from reconciler.commands import export as command

    _finish(lambda: command.run(command.ExportOptions(
        command.parse_out(directory, out), org, sandbox_db, split, command.parse_only(only), groups, authoritative,
        force, parse_today(today), parse_login(org, target_org, auth_url_file, expect_org))))


@app.command(epilog=exit_codes_help("report"))
def report(
    path: ConfigPath = DEFAULT_CONFIG,
    org: Org = "sandbox",
    sandbox_db: SandboxDb = None,
    target_org: TargetOrg = None,
    auth_url_file: AuthUrlFile = None,
    expect_org: ExpectOrg = None,
    as_of: Annotated[str | None, typer.Option("--as-of", "--today", help="the review's date: expires and days "
                                              "left are judged on it (YYYY-MM-DD; default today)")] = None,
    output_format: Annotated[str, typer.Option("--format", help="markdown (to read), csv (a spreadsheet: UTF-8 "
                                                                "with BOM, RFC 4180) or json")] = "markdown",
    redact: Redact = False,
) -> None:
    """The access review: one row per person and grant, declared or only in the org, with who granted it and
    when, expiry, sponsor, last login and licence cost; a header and a sign-off block."""
    from reconciler.commands import report as command

    _redact_if(redact)
    redact = guard.redacting()
    _finish(lambda: command.run(command.ReportOptions(path, org, sandbox_db,
                                                      parse_format(output_format, command.FORMATS), redact,
                                                      parse_today(as_of, "--as-of"),
                                                      parse_login(org, target_org, auth_url_file, expect_org))))


@app.command(epilog=exit_codes_help("notify"))
def notify(
    path: ConfigPath = DEFAULT_CONFIG,
    expiring_within: Annotated[int | None, typer.Option(
        "--expiring-within", min=0, metavar="DAYS",
        help="notice only access ending at most this many days away (default: the largest threshold)")] = None,
    thresholds: Annotated[str, typer.Option(
        "--thresholds", help="the days left on which a notice goes out, comma-separated (a daily run sends each "
                             "once)")] = "30,14,7,1",
    via: Annotated[str, typer.Option("--via", help="where notices go: stdout (what a dry look shows), "
                                     "github-issue (one issue each: GITHUB_TOKEN, GITHUB_REPOSITORY), chatter (a "
                                     "post that @mentions the recipient) or email, both through the org's "
                                     "standard actions")] = "stdout",
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
    today: Today = None,
    redact: Redact = False,
    org: Org = "sandbox",
    sandbox_db: SandboxDb = None,
    target_org: TargetOrg = None,
    auth_url_file: AuthUrlFile = None,
    expect_org: ExpectOrg = None,
) -> None:
    """Notices of access about to end: one per sponsor (else the group's owner) and threshold, listing all their
    people whose days left equal the threshold today."""
    from reconciler.commands import notify as command
    from reconciler.notify.notices import parse_thresholds

    _redact_if(redact)
    _finish(lambda: command.run(command.NotifyOptions(
        path, parse_thresholds(thresholds), expiring_within, command.parse_via(via),
        parse_format(output_format, command.FORMATS), parse_today(today), org, sandbox_db,
        parse_login(org, target_org, auth_url_file, expect_org))))


def main() -> None:
    """Run the CLI. Usage errors (an unknown option, a bad value) exit 1 like every other error: exit code 2 means
    "changes present" under `plan --detailed-exitcode`, so a typo in a pipeline must never look like it."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        print("Aborted.", file=sys.stderr)
        code = EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted: stopped before finishing (Ctrl-C)", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # `guestlist plan | head`: the reader left; nothing more to say
        code = EXIT_ERROR
    except Exception as exc:
        # click's usage errors (typer vendors click, so match the shape, not the class): they know how to show
        # themselves; anything else is a bug: one masked line, the traceback only when asked for
        if type(exc).__name__ == "NoArgsIsHelpError" and getattr(exc, "ctx", None) is not None:
            print(cast(Any, exc).ctx.get_help())  # asked for nothing: the help, on stdout like --help
            code = EXIT_OK
        elif callable(getattr(exc, "show", None)) and hasattr(exc, "exit_code"):
            cast(Any, exc).show()
            code = EXIT_ERROR
        elif guard.is_on(os.environ.get(TRACEBACK_VARIABLE)):
            raise
        else:
            print(unexpected_failure(exc), file=sys.stderr)
            code = EXIT_ERROR
    sys.exit(code if isinstance(code, int) else EXIT_OK)
