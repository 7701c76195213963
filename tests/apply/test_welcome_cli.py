"""`welcome: true` (issue 13 item 6): when guestlist creates the user, apply sends the platform's welcome /
password-reset mail (REST `DELETE /sobjects/User/{id}/password`, real-orgs.md §12.3) right after the create, counted
among its write requests; an existing user is never mailed, and nobody is mailed twice across apply, apply, plan
(the sandbox's outbox, §12)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from reconciler.sandbox.runner import RunningSandbox
from tests.apply.test_apply_cli import TODAY, apply, guestlist, journal
from tests.apply.test_email_change_cli import outbox, plan_json
from tests.plan.test_cli_scenarios import edit

IVAN = """  - username: ivan@acme.com
    email: ivan@acme.com
    first_name: Ivan
    last_name: Petrov
    welcome: true
"""


def _declare_ivan(config: Path) -> None:
    edit(config / "people.yaml", "\nexternal_users:\n", f"{IVAN}\nexternal_users:\n")
    edit(config / "people.yaml", "    last_name: Miller\n", "    last_name: Miller\n    welcome: true\n")  # exists


def _write_requests(tmp_path: Path) -> dict[str, int]:
    [done] = [e for e in journal(tmp_path) if e.get("event") == "done"][-1:]
    return dict(done["write_requests"])


def test_welcome_mails_a_new_user_once_and_nobody_is_mailed_twice(sandbox: RunningSandbox, config: Path,
                                                                   tmp_path: Path) -> None:
    _declare_ivan(config)
    planned = plan_json(sandbox, config, tmp_path, "--today", TODAY)
    creates = {c["key"]: c for c in planned["changes"] if c["kind"] == "user" and c["action"] == "create"}
    assert creates["user:ivan@acme.com"]["after"]["welcome"] is True
    assert "welcome" not in creates["user:grace@acme.co.uk"]["after"]
    assert "Password" not in str(creates["user:ivan@acme.com"]["values"])  # not a field: a request after the create

    first = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert first.exit_code in (0, 1) and "Then: 1 welcome mail sent." in first.stdout, first.output
    welcomes = [(m["kind"], m["to"]) for m in outbox(sandbox) if m["kind"] == "password-reset"]
    assert welcomes == [("password-reset", "ivan@acme.com")]  # not grace (no welcome), not frank (exists)
    assert _write_requests(tmp_path)["User password"] == 1
    [step] = [e for e in journal(tmp_path) if e.get("action") == "welcome"]
    assert (step["key"], step["outcome"]) == ("user:ivan@acme.com", "applied")

    mailed = outbox(sandbox)
    second = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert "welcome mail" not in second.stdout
    guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY)
    assert outbox(sandbox) == mailed  # apply, apply, plan: nothing mailed after the first apply
    twice = {mail: n for mail, n in Counter((m["kind"], m["to"]) for m in mailed).items() if n > 1}
    assert twice == {}, twice


def test_without_welcome_apply_sends_no_mail_and_no_extra_request(sandbox: RunningSandbox, config: Path,
                                                                  tmp_path: Path) -> None:
    unwelcomed = IVAN.replace("    welcome: true\n", "")
    edit(config / "people.yaml", "\nexternal_users:\n", f"{unwelcomed}\nexternal_users:\n")
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert "welcome mail" not in result.stdout, result.output
    assert [m for m in outbox(sandbox) if m["kind"] == "password-reset"] == []
    assert "User password" not in _write_requests(tmp_path)
