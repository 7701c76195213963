"""`guestlist notify --via chatter|email` through the CLI against a demo sandbox org of each test's own: each
notice is posted or mailed once, addressed to the recipient's user, in one request per batch after the connection
and one recipient lookup; a second run on the same day sends again (stateless, by design); a recipient the org
lacks or has inactive is reported and exits 1 while the others are still sent; --redact; JSON."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.notify import via_org
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.notify.test_notify_cli import DESIRED, JANE_7_DAYS, hub_without_sponsor
from tests.plan.conftest import demo_db, env_of  # noqa: F401  (fixtures)
from tests.plan.test_cli_scenarios import edit
from tests.sandbox.api.conftest import AdminClient, connect
from tests.sandbox.api.test_mail import outbox
from tests.sandbox.api.test_rules import one

TOM_AND_HEIDI_7_DAYS = "2099-02-21"  # tom@contoso.com (sponsor bob) and heidi@acme.com (nobody to tell)


@pytest.fixture
def own_org(tmp_path: Path, demo_db: Path) -> Iterator[RunningSandbox]:  # noqa: F811
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    with start_sandbox(db) as running:
        yield running


@pytest.fixture
def two_recipients(tmp_path: Path) -> Path:
    return hub_without_sponsor(tmp_path)


def notify(running: RunningSandbox, via: str, *args: str, config: Path = DESIRED, code: int = 0) -> Any:
    result = CliRunner().invoke(app, ["notify", str(config), "--org", "env", "--via", via, *args],
                                env=env_of(running))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def user_id(running: RunningSandbox, username: str) -> str:
    return str(one(connect(running.info), f"SELECT Id FROM User WHERE Username = '{username}'")["Id"])


def test_a_chatter_post_mentions_the_sponsor_once_with_what_to_do(own_org: RunningSandbox) -> None:
    admin = AdminClient(own_org.info)
    admin.call("DELETE", "/counters")
    result = notify(own_org, "chatter", "--today", JANE_7_DAYS)
    # the connection (userinfo), the recipients' lookup, and one POST for the batch
    assert admin.counters()["by_endpoint"] == {"GET /services/oauth2/userinfo": 1, "GET /query": 1,
                                               "POST /actions/standard/<name>": 1}
    bob = user_id(own_org, "bob@acme.com")
    [post] = outbox(own_org)
    assert (post["kind"], post["to"], post["user_id"]) == ("chatter-post", "bob@acme.com", bob)
    text = post["about"]
    assert text.startswith(f"@[{bob}] guestlist: 2 access grants end in 7 days")
    assert ("jane@contoso.com: access to group 'Acme Partner Hub' expires on 2099-03-31 (in 7 days); sponsor "
            "bob@acme.com (") in text and "groups/partners.yaml:26)" in text
    assert "extend its `expires` date in the guestlist YAML by a pull request" in text
    assert result.stdout.startswith("sent by chatter to bob@acme.com: guestlist: 2 access grants end in 7 days "
                                    "(feed item 0D5")


def test_an_email_goes_to_the_address_the_org_has_and_a_second_run_sends_again(own_org: RunningSandbox) -> None:
    sf = connect(own_org.info)
    bob = user_id(own_org, "bob@acme.com")
    sf.User.update(bob, {"Email": "bob.okafor@acme.com"})  # the username stays bob@acme.com
    confirmed = CliRunner().invoke(app, ["sandbox", "confirm-email", "bob@acme.com", "--db", str(own_org.store.path)])
    assert confirmed.exit_code == 0, confirmed.output
    before = len(outbox(own_org))
    notify(own_org, "email", "--today", JANE_7_DAYS)
    notify(own_org, "email", "--today", JANE_7_DAYS)  # stateless: a daily schedule runs once a day
    mails = [(m["kind"], m["to"], m["about"]) for m in outbox(own_org)[before:]]
    assert mails == [("email", "bob.okafor@acme.com", "guestlist: 2 access grants end in 7 days")] * 2


def test_each_recipient_gets_their_notice_in_one_request_per_batch(own_org: RunningSandbox, two_recipients: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    admin = AdminClient(own_org.info)
    admin.call("DELETE", "/counters")
    notify(own_org, "chatter", "--today", JANE_7_DAYS, config=two_recipients)
    assert sorted(m["to"] for m in outbox(own_org)) == ["alice@acme.com", "bob@acme.com"]
    assert admin.counters()["by_endpoint"]["POST /actions/standard/<name>"] == 1
    monkeypatch.setattr(via_org, "ACTION_INPUTS_PER_REQUEST", 1)
    admin.call("DELETE", "/counters")
    notify(own_org, "chatter", "--today", JANE_7_DAYS, config=two_recipients)
    assert len(outbox(own_org)) == 4
    assert admin.counters()["by_endpoint"]["POST /actions/standard/<name>"] == 2


def test_an_unknown_or_inactive_recipient_is_reported_and_the_others_are_still_sent(
        own_org: RunningSandbox, two_recipients: Path) -> None:
    edit(two_recipients / "groups" / "partners.yaml", "owner: alice@acme.com", "owner: zoe@acme.com")
    result = notify(own_org, "email", "--today", JANE_7_DAYS, config=two_recipients, code=1)
    assert [(m["kind"], m["to"]) for m in outbox(own_org)] == [("email", "bob@acme.com")]
    assert ("error: not sent by email to zoe@acme.com: guestlist: 1 access grant ends in 7 days: no user in the "
            "org has the username or email zoe@acme.com") in result.stderr
    assert "error: 1 of 2 notices not delivered" in result.stderr
    assert "sent by email to bob@acme.com" in result.stdout

    connect(own_org.info).User.update(user_id(own_org, "bob@acme.com"), {"IsActive": False})
    result = notify(own_org, "chatter", "--today", JANE_7_DAYS, config=two_recipients, code=1)
    assert "to bob@acme.com: guestlist: 1 access grant ends in 7 days: the org's user bob@acme.com is inactive" \
        in result.stderr
    assert "error: 2 of 2 notices not delivered" in result.stderr
    assert len(outbox(own_org)) == 1  # nothing more was sent


def test_nobody_to_tell_is_not_delivered(own_org: RunningSandbox) -> None:
    result = notify(own_org, "chatter", "--today", TOM_AND_HEIDI_7_DAYS, code=1)
    assert [m["to"] for m in outbox(own_org)] == ["bob@acme.com"]  # tom's sponsor
    assert "error: not sent by chatter to nobody: guestlist: 1 access grant ends in 7 days: nobody to tell" \
        in result.stderr


def test_json_lists_every_delivery_and_redact_masks_the_people(own_org: RunningSandbox) -> None:
    result = notify(own_org, "email", "--today", TOM_AND_HEIDI_7_DAYS, "--format", "json", "--redact", code=1)
    deliveries = json.loads(result.stdout)["deliveries"]
    assert [(d["recipient"], d["sent"]) for d in deliveries] == [("bob@acme.com", True), (None, False)]
    assert "tom@contoso.com" not in result.output and deliveries[0]["people"] == ["t***@contoso.com"]


def test_a_day_without_notices_connects_and_sends_nothing(own_org: RunningSandbox) -> None:
    admin = AdminClient(own_org.info)
    admin.call("DELETE", "/counters")
    result = notify(own_org, "chatter", "--today", "2099-03-23")  # the connection is checked every day
    assert "no notices on 2099-03-23" in result.stdout and "nothing sent" in result.stdout
    assert admin.counters()["by_endpoint"] == {"GET /services/oauth2/userinfo": 1}
    assert outbox(own_org) == []


def test_an_unreachable_org_sends_nothing_and_says_so_in_one_line() -> None:
    result = CliRunner().invoke(app, ["notify", str(DESIRED), "--via", "email", "--today", JANE_7_DAYS,
                                      "--org", "env"], env={"SF_INSTANCE_URL": "", "SF_ACCESS_TOKEN": ""})
    assert result.exit_code == 1 and "no notice was sent" in result.stderr and "Traceback" not in result.output
