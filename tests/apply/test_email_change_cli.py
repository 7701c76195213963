"""Email changes wait for the person's confirmation (real-orgs.md §4), through the CLI against the sandbox with a
new org's defaults: apply requests the change once (Salesforce mails both addresses), reports it as awaiting
confirmation rather than "still different", and neither the next apply nor plan asks again while the link is valid;
once the person confirms (`guestlist sandbox confirm-email`), the plan is quiet."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox
from tests.apply.test_apply_cli import TODAY, apply, guestlist, journal, query
from tests.plan.test_cli_scenarios import edit

FRANK = "user:frank@acme.com"
NEW = "frank.miller@acme.com"


def outbox(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["sandbox", "outbox", "--json", "--db", str(sandbox.store.path)])
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout)["mails"])


def email_mails(sandbox: RunningSandbox) -> list[tuple[str, str]]:
    return [(m["kind"], m["to"]) for m in outbox(sandbox) if m["kind"].startswith("email-change")]


def plan_json(sandbox: RunningSandbox, config: Path, tmp_path: Path, *args: str) -> dict[str, Any]:
    result = guestlist(sandbox, "plan", str(config), "--org", "env", "--format", "json",
                       "--journal", str(tmp_path / "journal.jsonl"), *args)
    assert result.exit_code in (0, 2), result.output
    return dict(json.loads(result.stdout))


def frank_changes(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in document["changes"] if c["key"] == FRANK]


def warning_codes(document: dict[str, Any]) -> list[str]:
    return [w["code"] for w in document["warnings"] if w["key"] == FRANK]


def frank_email(sandbox: RunningSandbox) -> str:
    return str(query(sandbox, "SELECT Email FROM User WHERE Username = 'frank@acme.com'")[0]["Email"])


def test_an_email_change_is_requested_once_and_then_awaits_confirmation(sandbox: RunningSandbox, config: Path,
                                                                         tmp_path: Path) -> None:
    edit(config / "people.yaml", "    email: frank@acme.com\n", f"    email: {NEW}\n")
    proposed = plan_json(sandbox, config, tmp_path, "--today", TODAY)
    [change] = frank_changes(proposed)
    assert change["values"] == {"Email": NEW} and warning_codes(proposed) == ["email-change-confirmation"]

    first = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert "Still different" not in first.stdout, first.stdout
    assert "Awaiting the person's confirmation (1)" in first.stdout
    assert f"... {FRANK}: email is 'frank@acme.com', expected '{NEW}'" in first.stdout
    assert frank_email(sandbox) == "frank@acme.com"  # the org keeps the old address until frank confirms
    assert email_mails(sandbox) == [("email-change-confirmation", NEW), ("email-change-notice", "frank@acme.com")]
    [requested] = [e for e in journal(tmp_path) if e.get("key") == FRANK]
    assert NEW not in json.dumps(requested) and len(requested["email_requested"]) == 32  # a digest, not the address

    second = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert second.exit_code == 0 and "Nothing to do." in second.stdout, second.output
    assert "email-change-awaiting-confirmation: the email change of frank@acme.com" in second.stdout
    held = plan_json(sandbox, config, tmp_path, "--today", TODAY)
    assert frank_changes(held) == [] and warning_codes(held) == ["email-change-awaiting-confirmation"]
    assert len(email_mails(sandbox)) == 2  # apply, apply, plan: frank and his old address were mailed once

    day = dt.date.fromisoformat(requested["time"][:10])
    expired = plan_json(sandbox, config, tmp_path, "--today", (day + dt.timedelta(days=3)).isoformat())
    assert [c["values"] for c in frank_changes(expired)] == [{"Email": NEW}]  # the link expired: asked again

    confirmed = CliRunner().invoke(app, ["sandbox", "confirm-email", "frank@acme.com", "--db",
                                         str(sandbox.store.path)])
    assert confirmed.exit_code == 0, confirmed.output
    settled = plan_json(sandbox, config, tmp_path, "--today", TODAY)
    assert frank_changes(settled) == [] and warning_codes(settled) == [] and frank_email(sandbox) == NEW
    assert len(email_mails(sandbox)) == 2


def test_without_the_journal_the_plan_asks_again_and_says_what_follows(sandbox: RunningSandbox, config: Path,
                                                                       tmp_path: Path) -> None:
    edit(config / "people.yaml", "    email: frank@acme.com\n", f"    email: {NEW}\n")
    assert apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible").exit_code in (0, 1)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fresh_checkout = plan_json(sandbox, config, elsewhere, "--today", TODAY)
    assert [c["values"] for c in frank_changes(fresh_checkout)] == [{"Email": NEW}]
    assert warning_codes(fresh_checkout) == ["email-change-confirmation"]


def test_only_this_orgs_applied_requests_count_and_a_damaged_journal_is_read_past(sandbox: RunningSandbox,
                                                                                   config: Path,
                                                                                   tmp_path: Path) -> None:
    from reconciler.plan.email_change import request_digest

    edit(config / "people.yaml", "    email: frank@acme.com\n", f"    email: {NEW}\n")
    org_id = plan_json(sandbox, config, tmp_path, "--today", TODAY)["org"]["id"]
    entry = {"time": f"{TODAY}T09:00:00.000Z", "key": FRANK, "action": "update", "record_id": None,
             "email_requested": request_digest(FRANK, NEW)}
    lines = ["not json {", json.dumps({**entry, "org": "00D000000000001AAA", "outcome": "applied"}),
             json.dumps({**entry, "org": org_id, "outcome": "failed"}), "\xff garbage"]
    (tmp_path / "journal.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    still_asked = plan_json(sandbox, config, tmp_path, "--today", TODAY)
    assert [c["values"] for c in frank_changes(still_asked)] == [{"Email": NEW}]
    with (tmp_path / "journal.jsonl").open("a", encoding="utf-8") as journal_file:
        journal_file.write(json.dumps({**entry, "org": org_id, "outcome": "applied"}) + "\n")
    held = plan_json(sandbox, config, tmp_path, "--today", TODAY)
    assert frank_changes(held) == [] and warning_codes(held) == ["email-change-awaiting-confirmation"]
