"""A stand-in for the Salesforce CLI (`sf`), for tests: it prints the JSON the real CLI prints (shapes and their
sources in docs/reference/ecosystem.md §1.6) and, like the real `org auth show-access-token`, gets a fresh token for
each call, here by logging in to a served sandbox org. `install(tmp_path, ...)` writes it as an executable named
`sf` in a directory of its own, to be put first on PATH; every call is logged (argv and NO_COLOR) to `calls.jsonl`.

Modes: "current" (a CLI since May 2026: `org display` redacts the token), "legacy" (before: `org display` shows
it, there is no `org auth show-access-token`), "old-redacted" (redacts, but has no show-access-token), "stale"
(always the same token: it cannot renew), "malformed" (not JSON), "slow" (sleeps)."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

REDACTED = "[REDACTED] Use 'sf org auth show-access-token' to view"
WARNING = ("Exposing an access token is equivalent to sharing your credentials. Don't share it with anyone, and "
           "don't use it in scripts or logs.")


def install(tmp_path: Path, orgs: dict[str, dict[str, str]], *, mode: str = "current",
            default: str | None = None) -> Path:
    """Writes the stand-in and its configuration; returns the directory to put first on PATH."""
    bindir = tmp_path / "sf-bin"
    bindir.mkdir(exist_ok=True)
    config = {"orgs": orgs, "mode": mode, "default": default, "log": str(bindir / "calls.jsonl")}
    (bindir / "config.json").write_text(json.dumps(config))
    script = bindir / "sf"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                      f"import standin_sf\nsys.exit(standin_sf.main({str(bindir / 'config.json')!r}))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return bindir


def calls(bindir: Path) -> list[dict[str, object]]:
    log = bindir / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    args = sys.argv[1:]
    with open(config["log"], "a") as log:
        log.write(json.dumps({"argv": args, "NO_COLOR": os.environ.get("NO_COLOR")}) + "\n")
    mode = config["mode"]
    if mode == "malformed":
        print("\x1b[1mOrg Description\x1b[0m  (a table, not JSON)")
        return 0
    if mode == "slow":
        time.sleep(30)
        return 0
    target = args[args.index("--target-org") + 1] if "--target-org" in args else config["default"]
    if args[:2] == ["org", "display"]:
        return _display(config, target, mode)
    if args[:3] == ["org", "auth", "show-access-token"]:
        if mode in ("legacy", "old-redacted"):  # oclif, for a command the installed CLI doesn't have
            print(" ›   Warning: org auth show-access-token is not a sf command.", file=sys.stderr)
            return 127
        return _show_access_token(config, target, mode)
    print(f" ›   Warning: {' '.join(args)} is not a sf command.", file=sys.stderr)
    return 127


def _org(config: dict[str, object], target: str | None) -> tuple[str, dict[str, str]] | None:
    orgs: dict[str, dict[str, str]] = config["orgs"]  # type: ignore[assignment]
    for alias, org in orgs.items():
        if target in (alias, org["username"]):
            return alias, org
    return None


def _display(config: dict[str, object], target: str | None, mode: str) -> int:
    found = _org(config, target)
    if found is None:
        return _error(target, "OrgDisplayCommand")
    alias, org = found
    token = _login(org) if mode == "legacy" else REDACTED
    result = {"id": org["id"], "apiVersion": "64.0", "accessToken": token, "instanceUrl": org["instanceUrl"],
              "username": org["username"], "clientId": "PlatformCLI", "connectedStatus": "Connected", "alias": alias}
    print(json.dumps({"status": 0, "result": result, "warnings": []}, indent=2))
    return 0


def _show_access_token(config: dict[str, object], target: str | None, mode: str) -> int:
    found = _org(config, target)
    if found is None:
        return _error(target, "OrgAuthShowAccessToken")
    org = found[1]
    token = org["stale_token"] if mode == "stale" else _login(org)
    print(json.dumps({"status": 0, "result": {"accessToken": token}, "warnings": [WARNING]}, indent=2))
    return 0


def _error(target: str | None, command: str) -> int:
    """sf's error JSON on stdout, as CLI 2.146.3 printed it for an unknown alias (ecosystem.md §1.6): a flag
    parse error, exit 2."""
    if target:
        name, code = "NamedOrgNotFoundError", 2
        message = (f"Parsing --target-org \n\tNo authorization information found for {target}.\n"
                   "See more help with --help")
        actions = ["It looks like you mistyped the username or alias. Did you mean \"prod\"?"]
    else:
        name, code, message, actions = "NoDefaultEnvError", 1, "No default environment found.", []
    print(json.dumps({"name": name, "message": message, "exitCode": code, "actions": actions, "context": command,
                      "cause": "undefined", "warnings": [], "code": name, "status": code, "commandName": command,
                      "stack": f"{name}: {message}\n    at ..."}, indent=2))
    return code


def _login(org: dict[str, str]) -> str:
    """A fresh token from the sandbox, by the refresh token of the stored login, as the real CLI refreshes it."""
    import requests

    session = requests.Session()
    session.trust_env = False
    answer = session.post(f"{org['instanceUrl']}/services/oauth2/token", verify=org["ca_file"], timeout=30, data={
        "grant_type": "refresh_token", "client_id": "PlatformCLI", "refresh_token": org["refresh_token"]})
    answer.raise_for_status()
    return str(answer.json()["access_token"])
