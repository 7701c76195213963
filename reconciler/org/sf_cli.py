"""The Salesforce CLI's login, used without reading its files (ecosystem.md §1.2 and ecosystem.md §1.5).

`sf org display --target-org X --json` gives the instance URL, username and org id; since the CLI release of
May 2026 its `accessToken` is a `[REDACTED] ...` placeholder, so the token comes from
`sf org auth show-access-token --target-org X --json` (which refreshes it first). Both run without a shell, with
NO_COLOR=1 (the JSON stays parseable), and a timeout. The token is held by the output guard and never printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.guard import hold_secret

TIMEOUT_S = 60.0
REDACTED_PREFIX = "[REDACTED]"
NOT_A_COMMAND_EXIT = 127  # oclif's answer to an unknown command (ecosystem.md §1.5 step 3)
NO_LOGIN_ERRORS = frozenset({"NamedOrgNotFoundError", "NoAuthInfoFound", "NoOrgFound", "NoDefaultEnvError"})
LOGIN_AGAIN = "log in again: sf org login web --target-org {target}"
# variables the CLI reads (forcedotcom/sfdx-core src/config/envVars.ts): no colour, no auto-update, no telemetry
QUIET_CLI = {"NO_COLOR": "1", "FORCE_COLOR": "0", "SF_AUTOUPDATE_DISABLE": "true", "SF_DISABLE_TELEMETRY": "true"}


class SfCliError(Exception):
    """The CLI could not give a login: one line for the user, no secret in it."""


@dataclass(frozen=True)
class SfLogin:
    """What the CLI's login gives: where, who, which org, and a token (never in the repr)."""

    target: str  # the alias or username asked for ("" for the CLI's default org)
    instance_url: str
    username: str
    org_id: str
    access_token: str = field(repr=False)


def is_placeholder(token: str) -> bool:
    """A redacted `org display` token (a truthy string, not an absent key: ecosystem.md §1.2)."""
    return token.strip().upper().startswith(REDACTED_PREFIX)


def cli_login(target: str | None, env: Mapping[str, str] = os.environ,
              check_org: Callable[[str, str], None] = lambda org_id, instance_url: None) -> SfLogin:
    """The login the CLI holds for `target` (an alias or username; None: SF_TARGET_ORG, then the CLI's own
    default target-org). `check_org(org id, instance URL)` may refuse the org before the token is asked for.
    Raises SfCliError (or what `check_org` raises)."""
    target = target or env.get("SF_TARGET_ORG") or None
    executable = find_sf(env)
    display = _result(run_sf(executable, ["org", "display", *_target_args(target), "--json"], env), target)
    instance_url, username, org_id = (_text(display, key, target) for key in ("instanceUrl", "username", "id"))
    check_org(org_id, instance_url)
    token = access_token(executable, target or username, env, fallback=str(display.get("accessToken") or ""))
    return SfLogin(target or "", instance_url, username, org_id, token)


def access_token(executable: str, target: str, env: Mapping[str, str] = os.environ, *, fallback: str = "") -> str:
    """A fresh token from `sf org auth show-access-token`; on a CLI too old to have it, `fallback` (the token
    `org display` gave) unless that is the redaction placeholder."""
    completed = run_sf(executable, ["org", "auth", "show-access-token", "--target-org", target, "--json"], env)
    if completed.returncode == NOT_A_COMMAND_EXIT or _not_a_command(completed):
        if fallback and not is_placeholder(fallback):
            hold_secret(fallback)
            return fallback
        raise SfCliError("the installed Salesforce CLI has no `sf org auth show-access-token` (and `sf org display` "
                         "no longer shows the token): update it with `sf update` or `npm install -g "
                         "@salesforce/cli`")
    token = _text(_result(completed, target), "accessToken", target)
    hold_secret(token)
    if is_placeholder(token):
        raise SfCliError(f"sf org auth show-access-token gave a redacted placeholder, not a token, for {target!r}: "
                         "update the Salesforce CLI")
    return token


def find_sf(env: Mapping[str, str] = os.environ) -> str:
    executable = shutil.which("sf", path=env.get("PATH"))
    if executable is None:
        raise SfCliError("the Salesforce CLI (sf) is not on PATH: install it (https://developer.salesforce.com/"
                         "tools/salesforcecli), or connect with --auth-url-file or --org env")
    return executable


def run_sf(executable: str, args: Sequence[str],
           env: Mapping[str, str] = os.environ) -> subprocess.CompletedProcess[str]:
    """One CLI call: no shell, no prompt (stdin closed), quiet environment, TIMEOUT_S seconds at most."""
    command = [executable, *args]
    try:
        return subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT_S,
                              env={**env, **QUIET_CLI}, check=False)
    except subprocess.TimeoutExpired:
        raise SfCliError(f"`sf {' '.join(args[:3])}` did not answer within {TIMEOUT_S:g} seconds") from None
    except OSError as exc:
        raise SfCliError(f"cannot run the Salesforce CLI ({executable}): {exc.strerror or exc}") from None


def _target_args(target: str | None) -> list[str]:
    return ["--target-org", target] if target else []


def _result(completed: subprocess.CompletedProcess[str], target: str | None) -> dict[str, Any]:
    """The `result` of the CLI's JSON envelope `{status, result, warnings}`; its error JSON (`name`, `message`,
    printed on stdout too) becomes an SfCliError."""
    envelope = _parse(completed.stdout)
    if envelope is None:
        first = (completed.stderr.strip() or completed.stdout.strip() or "no output").splitlines()[0][:200]
        raise SfCliError(f"the Salesforce CLI did not answer with JSON (exit {completed.returncode}): {first}")
    status = envelope.get("status", completed.returncode)
    if completed.returncode != 0 or status != 0 or not isinstance(envelope.get("result"), dict):
        raise SfCliError(_error_message(envelope, target))
    result: dict[str, Any] = envelope["result"]
    return result


def _parse(stdout: str) -> dict[str, Any] | None:
    text = stdout.strip()
    start = text.find("{")  # an older CLI may print a warning line before the JSON
    if start < 0:
        return None
    try:
        parsed = json.loads(text[start:])
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _error_message(envelope: Mapping[str, Any], target: str | None) -> str:
    name = str(envelope.get("name") or "error")
    message = " ".join(str(envelope.get("message") or "no message").split())
    who = f"--target-org {target!r}" if target else "the CLI's default org"
    hint = ""
    if name in NO_LOGIN_ERRORS or "No authorization" in message:
        hint = f"; see `sf org list`, or log in: sf org login web --alias {target or 'ALIAS'}"
    actions = envelope.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], str):
        hint += " (sf: " + " ".join(actions[0].split()) + ")"
    return f"the Salesforce CLI has no usable login for {who} ({name}: {message}){hint}"


def _not_a_command(completed: subprocess.CompletedProcess[str]) -> bool:
    return "is not a sf command" in completed.stderr + completed.stdout


def _text(result: Mapping[str, Any], key: str, target: str | None) -> str:
    value = result.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SfCliError(f"the Salesforce CLI's answer for {target or 'the default org'!r} has no {key}")
    return value.strip()
