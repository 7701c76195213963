"""The contract every command keeps with bad input: its documented exit code, a clear message on stderr that says
what is wrong, and never a traceback. Each command is driven through each kind of bad input: the whole config
corpus, bad dates, missing and unreadable paths, a directory where a file belongs, a file where a directory
belongs, bad plan files, an unreachable org, wrong credentials and Ctrl-C.

The commands and their options are discovered from the typer app (`reconciler.cli.app`), so a command added there is
driven through the same bad input without editing this file: every command that reads a config gets the config
cases, every one with `--today` the bad dates, every one with `--org` the org cases, and every option that takes a
path a directory where a file belongs and a file where a directory belongs."""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import signal
import subprocess
import sys
import time
import typing
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox, start_sandbox

REPO = Path(__file__).resolve().parents[1]
DESIRED = str(REPO / "desired")
CORPUS = sorted((REPO / "tests" / "config" / "corpus").glob("*.yaml"))
TODAY = "2026-11-22"
RUN = [sys.executable, "-m", "reconciler"]
NO_CREDENTIALS = dict.fromkeys(("SF_INSTANCE_URL", "SF_ACCESS_TOKEN", "SF_USERNAME", "SF_CONSUMER_KEY",
                                "SF_CONSUMER_SECRET", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_PRIVATE_KEY_FILE",
                                "SF_LOGIN_URL", "SF_CA_FILE", "GUESTLIST_REDACT"))
UNREACHABLE = {**NO_CREDENTIALS, "SF_INSTANCE_URL": "https://127.0.0.1:1", "SF_ACCESS_TOKEN": "00D000000000001!AQ.x"}
SANDBOX_GROUP = "sandbox"  # the sandbox's own tools, on a --db, not a config: driven below and in tests/sandbox/


@dataclass(frozen=True)
class Shape:
    """What a registered command takes, read from the typer app: its options' flags and which take a path."""

    name: str
    flags: frozenset[str]
    path_flags: tuple[str, ...]  # options whose value is a path (a file or a directory to read or write)
    takes_config: bool  # its PATH argument is a config (a YAML file or a directory of them)


def _flags(command: object) -> dict[str, str]:
    """Each option's parameter name -> its first flag, from the click command typer builds."""
    return {param.name: param.opts[0] for param in getattr(command, "params", ())
            if param.name and param.opts and param.opts[0].startswith("--")}


def _is_a_path(hint: object) -> bool:
    """`Annotated[Path, ...]` or `Annotated[Path | None, ...]`."""
    if typing.get_origin(hint) is not typing.Annotated:
        return False
    declared = typing.get_args(hint)[0]
    return Path in (declared, *typing.get_args(declared))


def _discover() -> dict[str, Shape]:
    built = typer.main.get_command(app)
    commands = getattr(built, "commands", {})
    shapes = {}
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or info.callback.__name__.replace("_", "-")
        hints = typing.get_type_hints(info.callback, include_extras=True)
        takes_path = {param for param, hint in hints.items() if _is_a_path(hint)}
        flags = _flags(commands[name])
        shapes[name] = Shape(name, frozenset(flags.values()), tuple(flags[p] for p in sorted(takes_path) if p in flags),
                             "path" in takes_path and "path" not in flags)
    return shapes


SHAPES = _discover()
CONFIG_COMMANDS = sorted(name for name, shape in SHAPES.items() if shape.takes_config)
DATED_COMMANDS = sorted(name for name, shape in SHAPES.items() if "--today" in shape.flags)
ORG_COMMANDS = sorted(name for name, shape in SHAPES.items() if "--org" in shape.flags)  # the ones reading an org
PATH_OPTIONS = sorted((name, flag) for name, shape in SHAPES.items() for flag in shape.path_flags)


def invoke(args: list[str], env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env={**NO_CREDENTIALS, **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "failed unexpectedly" not in result.stderr, (args, result.stderr)  # the boundary's report of a bug
    return result.exit_code, result.stdout, result.stderr


def assert_refused(args: list[str], expect: str, env: dict[str, str | None] | None = None, code: int = 1) -> str:
    """The command exits `code`, with `expect` in its message and no traceback; returns stderr."""
    exit_code, stdout, stderr = invoke(args, env)
    assert exit_code == code, (args, stdout, stderr)
    assert expect in stderr, (args, stderr)
    assert "Traceback" not in stdout + stderr
    return stderr


def extra(command: str, tmp_path: Path, *, own_org: bool = True, without: str = "") -> list[str]:
    """What each command needs besides the config to get as far as the bad input (read from its options): a
    sandbox org of its own (unless `own_org` is False), --yes, a journal in `tmp_path`, a `--via` that reaches
    the org (notify's default, stdout, reads none); never the `without` flag."""
    flags = SHAPES[command].flags - {without}
    args = ["--yes"] if "--yes" in flags else []
    if "--via" in flags and "--org" in flags:
        args += ["--via", "chatter"]
    if own_org and "--sandbox-db" in flags:
        args += ["--sandbox-db", str(tmp_path / "org.sqlite3")]
    if "--journal" in flags:
        args += ["--journal", str(tmp_path / "j.jsonl")]
    return args


def assert_one_line(output: str, *expect: str) -> None:
    """One line of `output` says it all: it holds every one of `expect`."""
    assert any(all(part in line for part in expect) for line in output.splitlines()), (expect, output)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> RunningSandbox:
    running = start_sandbox(tmp_path_factory.mktemp("org") / "org.sqlite3", seed="demo")
    yield running
    running.stop()


# -- the config ------------------------------------------------------------------------------------------------------


def test_every_registered_command_is_in_this_contract() -> None:
    """A new command is driven through the cases below by what it takes; one that takes neither a config nor
    `--today` nor `--org` would slip through, so it must be added here (or to the sandbox group)."""
    built = typer.main.get_command(app)
    names = set(getattr(built, "commands", {}))
    assert names == {*SHAPES, SANDBOX_GROUP}, names
    for name, shape in SHAPES.items():
        assert shape.takes_config or {"--today", "--org"} & shape.flags, f"{name}: not covered by this contract"
    assert {"validate", "plan", "apply"} <= set(CONFIG_COMMANDS) and {"plan", "apply"} <= set(ORG_COMMANDS)
    assert ("apply", "--journal") in PATH_OPTIONS and ("plan", "--out") in PATH_OPTIONS


@pytest.mark.parametrize("command", sorted(SHAPES))
def test_every_command_takes_frozen_options_with_today_a_date(command: str) -> None:
    """Each command's module in reconciler/commands/ has one frozen options dataclass; `today` is a dt.date in all
    of them (the CLI parses --today once and passes the date on)."""
    module = importlib.import_module(f"reconciler.commands.{command.replace('-', '_')}")
    options = [value for name, value in vars(module).items()
               if name.endswith("Options") and isinstance(value, type) and dataclasses.is_dataclass(value)]
    assert len(options) == 1, (command, options)
    fields = {field.name: field.type for field in dataclasses.fields(options[0])}
    assert options[0].__dataclass_params__.frozen, command  # type: ignore[attr-defined]
    assert fields.get("today") == "dt.date", (command, fields)


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_a_broken_config(command: str, tmp_path: Path) -> None:
    """YAML that does not parse: exit 1, one line naming the file, line and column, before any org is read."""
    broken = tmp_path / "config" / "groups.yaml"
    broken.parent.mkdir()
    broken.write_text("version: 1\ngroups: [\n")
    args = [command, str(broken.parent), "--today", TODAY, *extra(command, tmp_path, own_org=False)]
    exit_code, stdout, stderr = invoke([*args, *(["--org", "env"] if command in ORG_COMMANDS else [])])
    assert exit_code == 1 and "Traceback" not in stdout + stderr
    assert_one_line(stdout + stderr, f"{broken}:3:1: error yaml-syntax:")
    assert "credentials" not in stderr  # stopped before the org


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_every_file_of_the_config_corpus_is_refused_cleanly(command: str, tmp_path: Path) -> None:
    """The corpus's files are each invalid; every command says where and exits 1 (org commands before any org)."""
    for path in CORPUS:
        _, verdict, _ = invoke(["validate", str(path), "--today", TODAY, "--format", "json"])
        valid = json.loads(verdict)["ok"]  # a few corpus files hold only warnings
        args = [command, str(path), "--today", TODAY, *(["--org", "env"] if command in ORG_COMMANDS else []),
                *extra(command, tmp_path, own_org=False)]
        exit_code, stdout, stderr = invoke(args)
        shown = stdout + stderr
        assert "Traceback" not in shown, path.name
        assert path.name in shown, (path.name, shown)
        assert exit_code == (0 if valid and command not in ORG_COMMANDS else 1), (path.name, shown)  # validate, notify
        if command in ORG_COMMANDS:  # an invalid config stops before the org; a valid one goes on to it
            assert ("no complete set of Salesforce credentials" in stderr) is valid, (path.name, stderr)
        if command == "apply" and not valid:
            assert stderr.rstrip().endswith("nothing was written"), (path.name, stderr)


@pytest.mark.parametrize("command", DATED_COMMANDS)
@pytest.mark.parametrize("day, expect", [("2026-02-30", "February 2026 has 28 days"), ("tomorrow", "YYYY-MM-DD"),
                                         ("", "YYYY-MM-DD")])
def test_a_bad_date(command: str, day: str, expect: str, tmp_path: Path) -> None:
    stderr = assert_refused([command, DESIRED, "--today", day, *extra(command, tmp_path)], expect)
    assert_one_line(stderr, "error: --today", expect)


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_a_missing_config_path(command: str, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    exit_code, stdout, stderr = invoke([command, str(missing), *extra(command, tmp_path)])
    assert exit_code == 1 and "Traceback" not in stdout + stderr
    assert_one_line(stdout + stderr, f"{missing}: error path-not-found: no such file or directory")


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_an_unreadable_config(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("version: 1\n")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object):  # root reads anything: fake the permission error
        if self == config:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr("builtins.open", _refusing_builtin_open(config))
    exit_code, stdout, stderr = invoke([command, str(config), *extra(command, tmp_path)])
    assert exit_code == 1
    assert "Permission denied" in stdout + stderr and "Traceback" not in stdout + stderr


def _refusing_builtin_open(path: Path):
    import builtins

    real = builtins.open

    def opener(file, *args, **kwargs):  # noqa: ANN001, ANN202
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real(file, *args, **kwargs)

    return opener


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_a_config_path_below_a_file(command: str, tmp_path: Path) -> None:
    """A file where a directory belongs: `config.yaml/more.yaml`."""
    (tmp_path / "config.yaml").write_text("version: 1\n")
    exit_code, stdout, stderr = invoke([command, str(tmp_path / "config.yaml" / "more.yaml"),
                                        *extra(command, tmp_path)])
    assert exit_code == 1 and "Traceback" not in stdout + stderr
    assert_one_line(stdout + stderr, "config.yaml", "error")


@pytest.mark.parametrize("command, flag", PATH_OPTIONS)
def test_a_directory_given_to_any_path_option(command: str, flag: str, tmp_path: Path) -> None:
    """Every option that takes a path, found on the app, given a directory where a file belongs (or an existing
    directory where the command must create its own): exit 1, one line naming the directory."""
    folder = tmp_path / "folder"
    folder.mkdir()
    stderr = assert_refused([command, DESIRED, "--today", TODAY, *extra(command, tmp_path, without=flag), flag,
                             str(folder)], str(folder))
    assert_one_line(stderr, "error", str(folder))


@pytest.mark.parametrize("command, flag", PATH_OPTIONS)
def test_a_file_where_any_path_option_needs_a_directory(command: str, flag: str, tmp_path: Path) -> None:
    """Every option that takes a path, given `file/below`, where `file` is a file: exit 1, one line naming it."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    stderr = assert_refused([command, DESIRED, "--today", TODAY, *extra(command, tmp_path, without=flag), flag,
                             str(blocker / "below.json")], str(blocker))
    assert_one_line(stderr, "error", str(blocker))


@pytest.mark.parametrize("args, expect", [
    (["plan", DESIRED, "--out", "{tmp}"], "is a directory"),
    (["apply", DESIRED, "--yes", "--plan", "{tmp}"], "not a regular file"),
    (["apply", DESIRED, "--yes", "--journal", "{tmp}"], "is a directory"),
    (["plan", DESIRED, "--sandbox-db", "{tmp}"], "{tmp}"),
    (["apply", DESIRED, "--yes", "--sandbox-db", "{tmp}", "--journal", "{tmp}/j.jsonl"], "{tmp}"),
])
def test_a_directory_where_a_file_belongs(args: list[str], expect: str, tmp_path: Path) -> None:
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--sandbox-db" not in filled:
        filled += ["--sandbox-db", str(tmp_path / "org.sqlite3")]
    assert_refused([*filled, "--today", TODAY], expect.replace("{tmp}", str(tmp_path)))


@pytest.mark.parametrize("args", [
    ["plan", DESIRED, "--out", "{file}/plan.json"],
    ["plan", DESIRED, "--sandbox-db", "{file}/org.sqlite3"],
    ["apply", DESIRED, "--yes", "--journal", "{file}/journal.jsonl"],
    ["apply", DESIRED, "--yes", "--sandbox-db", "{file}/org.sqlite3"],
])
def test_a_file_where_a_directory_belongs(args: list[str], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    filled = [a.replace("{file}", str(blocker)) for a in args]
    if "--sandbox-db" not in filled:
        filled += ["--sandbox-db", str(tmp_path / "org.sqlite3")]
    assert_refused([*filled, "--today", TODAY], f"{blocker} is a file, not a directory")


@pytest.mark.parametrize("content, expect", [
    (b"", "not JSON"),
    (b"{\"format_version\": 1}", "make a new plan"),
    (b"[1, 2", "not JSON"),
    (b"\xff\xfe{\x00}\x00", "UTF-8"),  # UTF-16: named as not UTF-8
])
def test_bad_plan_files(content: bytes, expect: str, tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_bytes(content)
    stderr = assert_refused(["apply", DESIRED, "--yes", "--plan", str(bad), "--sandbox-db",
                             str(tmp_path / "org.sqlite3"), "--journal", str(tmp_path / "j.jsonl")], expect)
    assert str(bad) in stderr


# -- the org ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ORG_COMMANDS)
def test_an_unreachable_org(command: str, tmp_path: Path) -> None:
    stderr = assert_refused([command, DESIRED, "--org", "env", "--today", TODAY,
                             *extra(command, tmp_path, own_org=False)], "cannot reach 127.0.0.1:1", UNREACHABLE)
    assert_one_line(stderr, "error: cannot reach 127.0.0.1:1")


@pytest.mark.parametrize("command", ORG_COMMANDS)
def test_no_credentials(command: str, tmp_path: Path) -> None:
    assert_refused([command, DESIRED, "--org", "env", "--today", TODAY, *extra(command, tmp_path, own_org=False)],
                   "no complete set of Salesforce credentials")


@pytest.mark.parametrize("command", ORG_COMMANDS)
@pytest.mark.parametrize("credentials, expect", [
    ({"SF_ACCESS_TOKEN": "00D000000000001!AQ.not-a-session"}, "refused the access token"),
    ({"SF_USERNAME": "admin@acme.com", "SF_PASSWORD": "wrong-password", "SF_SECURITY_TOKEN": "",
      "SF_CONSUMER_KEY": "guestlist-sandbox", "SF_CONSUMER_SECRET": "guestlist-sandbox-secret"}, "refused"),
])
def test_wrong_credentials(command: str, credentials: dict[str, str], expect: str, org: RunningSandbox,
                           tmp_path: Path) -> None:
    env = {"SF_CA_FILE": org.info.ca_file, **credentials}
    env["SF_INSTANCE_URL" if "SF_ACCESS_TOKEN" in credentials else "SF_LOGIN_URL"] = org.info.instance_url
    stderr = assert_refused([command, DESIRED, "--org", "env", "--today", TODAY,
                             *extra(command, tmp_path, own_org=False)], expect, env)
    assert "wrong-password" not in stderr and "not-a-session" not in stderr


@pytest.mark.parametrize("command", ["unknown"])
def test_an_unknown_org(command: str) -> None:
    assert_refused(["plan", DESIRED, "--org", command, "--today", TODAY], "unknown org 'unknown'")


# -- the sandbox's own commands ------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["settings"], ["limits"], ["accept", "jane@contoso.com"]])
def test_sandbox_commands_on_a_missing_or_wrong_database(args: list[str], tmp_path: Path) -> None:
    for db, expect in ((tmp_path / "none.sqlite3", "none.sqlite3"), (tmp_path, str(tmp_path))):
        exit_code, stdout, stderr = invoke(["sandbox", *args, "--db", str(db)])
        assert exit_code == 1, (args, db, stdout, stderr)
        assert expect in stderr and "Traceback" not in stdout + stderr


# -- Ctrl-C ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_ctrl_c_ends_a_command_with_130_and_one_line(command: str, tmp_path: Path) -> None:
    """SIGINT while the org is being read (a served sandbox answering slowly): exit 130, no traceback."""
    serve = subprocess.Popen([*RUN, "sandbox", "serve", "--db", str(tmp_path / "slow.sqlite3"), "--latency-ms",
                              "400"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert serve.stdout is not None
        info = json.loads(serve.stdout.readline())
        env = {k: v for k, v in os.environ.items() if k not in NO_CREDENTIALS}
        env.update(SF_INSTANCE_URL=info["instance_url"], SF_ACCESS_TOKEN=info["access_token"],
                   SF_CA_FILE=info["ca_file"])
        args = [*RUN, command, DESIRED, "--org", "env", "--today", TODAY,
                *(["--yes", "--journal", str(tmp_path / "j.jsonl")] if command == "apply" else [])]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                   cwd=tmp_path)
        assert process.stderr is not None
        before = []  # until guestlist says it is connected: from then on it reads, each request taking 0.4 s
        while not any("connected to" in line for line in before):
            line = process.stderr.readline()
            assert line, ("ended before connecting", before)
            before.append(line)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        stdout, rest = process.communicate(timeout=60)
        stderr = "".join(before) + rest
        assert process.returncode == 130, (stdout, stderr)
        assert stderr.strip().splitlines()[-1].startswith("interrupted"), stderr
        assert "Traceback" not in stdout + stderr
    finally:
        serve.terminate()
        serve.wait(timeout=30)
