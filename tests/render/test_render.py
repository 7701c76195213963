"""The three formats and redaction, asserted on the lines that matter (not whole snapshots)."""

from __future__ import annotations

import io
import json
import re

from reconciler.plan.change import Plan
from reconciler.render.json import render_json
from reconciler.render.markdown import MARKER, code, escape, render_markdown
from reconciler.render.redact import mask, redact
from reconciler.render.text import plain_text
from tests.render.scenario import full_plan

EXTERNAL = (
    "jane@contoso.com",
    "tom@contoso.com",
    "new@contoso.com",
    "old@contoso.com",
    "gone@contoso.com",
    "sam@contoso.com",
    "sam@contoso.com.partners",
    "tom@guest.acme.com",
)


def test_text_groups_changes_by_kind_with_symbols_sources_and_risks() -> None:
    text = plain_text(full_plan())
    titles = [line for line in text.splitlines() if line and not line.startswith(" ") and line[0].isupper()]
    assert titles[:7] == [
        "Settings",
        "Contacts",
        "Users",
        "Groups",
        "Permission set assignments",
        "Members",
        "Invitations",
    ]
    assert (
        "  ~ member Acme Partner Hub/bob@acme.com  role: member -> manager; notify: never -> daily  "
        "desired/groups.yaml:10"
    ) in text
    assert "  - member Acme Partner Hub/eve@acme.com  role: member  (not in config)  [revokes access]" in text
    assert "  + group New Group  desired/groups.yaml:30  [irreversible]" in text
    assert "      allow_customers: true" in text
    assert "  ~ user tom@guest.acme.com  (orphaned customer: in no group, no pending invitation)" in text


def test_text_ends_with_people_licences_checklist_summary_and_requests() -> None:
    lines = plain_text(full_plan(seats_left=1)).splitlines()
    assert (
        "Access: 3 external people gain access, 2 lose it; 3 colleagues gain access, 1 loses it; 1 role change."
        in lines
    )
    assert (
        "  + sam@contoso.com (external): user (Partner Community), permission set Invite_Customers_To_Chatter" in lines
    )
    assert "  Partner Community  1/2 -> 2/2" in lines
    assert "  Chatter External   2/500 -> 1/500" in lines
    assert '  [ ] "Allow Invitations" is on  (desired/org.yaml:9)' in lines
    assert "  [ ] Company Email Domains are exactly: acme.com, acme.co.uk  (desired/org.yaml:9)" in lines
    assert lines[-2:] == ["Plan: 10 to add, 4 to change, 4 to remove.", "API requests used: 7."]


def test_text_lists_blockers_with_their_codes() -> None:
    text = plain_text(full_plan())
    assert "Blocked by 1 problem that must be fixed before anything is applied:" in text
    assert text.splitlines()[-2].endswith(" to remove; blocked by 1 problem.")
    assert "  x license-exhausted: licence 'Partner Community': 1 of 1 seats used" in text
    assert "  Partner Community  1/1 -> 2/1  runs out" in text


def test_markdown_puts_summary_people_and_risks_first_and_details_folded() -> None:
    markdown = render_markdown(full_plan())
    lines = markdown.splitlines()
    assert lines[0] == MARKER
    assert lines[3] == "**Plan: 10 to add, 4 to change, 4 to remove; blocked by 1 problem.**"
    assert lines[5].startswith("**People:** 3 external people gain access, 2 lose it")
    assert markdown.index("> [!CAUTION]") < markdown.index("> [!WARNING]") < markdown.index("<details>")
    assert "> - **irreversible** (1): `group New Group`" in markdown
    assert "<summary>Members: 2 to add, 1 to change, 2 to remove</summary>" in markdown
    assert "- member Acme Partner Hub/eve@acme.com  role: member  (not in config)" in markdown
    assert markdown.count("<details>") == markdown.count("</details>")
    assert "- [ ] Company Email Domains are exactly: acme.com, acme.co.uk" in markdown
    assert lines[-1].startswith("<sub>org Acme `00D000000000001AAA`") and "7 API requests" in lines[-1]


def test_markdown_is_byte_stable_for_the_same_plan() -> None:
    plan = full_plan()
    again = Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert render_markdown(plan) == render_markdown(again)
    assert render_markdown(plan) == render_markdown(full_plan())  # a second diff of the same state


def test_markdown_escapes_user_text() -> None:
    assert escape("a|b <script> *x*") == r"a\|b \<script\> \*x\*"
    assert code("a`b") == "``a`b``"


def test_json_has_the_documented_top_level_keys() -> None:
    document = json.loads(render_json(full_plan()))
    for key in (
        "format_version",
        "org",
        "changes",
        "summary",
        "blockers",
        "warnings",
        "manual_checks",
        "licenses",
        "people",
        "people_summary",
        "fingerprints",
        "api_requests",
    ):
        assert key in document
    assert document["format_version"] == 1
    assert document["summary"] == {"create": 10, "update": 4, "delete": 4}
    assert document["org"]["id"] == "00D000000000001AAA"
    change = next(c for c in document["changes"] if c["key"] == "member:Acme Partner Hub/eve@acme.com")
    assert change["action"] == "delete" and change["kind"] == "member" and change["risks"] == ["revokes_access"]
    assert change["record_id"] in document["fingerprints"]
    assert document["blockers"][0]["code"] == "license-exhausted"
    assert document["manual_checks"][0] == {
        "code": "coworker-invitations",
        "check": '"Allow Invitations" is on',
        "where": "Setup > Chatter Settings > Invitations",
        "source": {"file": "desired/org.yaml", "line": 9, "col": 3},
    }


def test_json_round_trips_through_from_json() -> None:
    plan = full_plan()
    document = json.loads(render_json(plan))
    assert Plan.from_json(document) == plan


def test_mask() -> None:
    assert mask("jane.doe@contoso.com") == "j***@contoso.com"
    assert mask("Doe") == "D***"


def test_redaction_masks_external_people_everywhere_in_every_format() -> None:
    plan = redact(full_plan())
    for rendered in (plain_text(plan), render_markdown(plan), render_json(plan)):
        lowered = rendered.lower()
        for name in EXTERNAL:
            assert not re.search(re.escape(name) + r"(?![\w.])", lowered), name
        assert "bob@acme.com" in rendered  # colleagues stay readable
    text = plain_text(plan)
    assert "  + invitation Acme Partner Hub/n***@contoso.com  message: (message hidden)" in text  # free text: names
    assert "  ~ user t***@guest.acme.com" in text
    assert "      last_name: D***" in text  # an external person's own user and contact changes hide their name
    assert "      last_name: Miller" in text
    document = json.loads(render_json(plan))
    keys = [c["key"] for c in document["changes"]]
    assert "invitation:Acme Partner Hub/g***@contoso.com" in keys
    user = next(c for c in document["changes"] if c["key"] == "user:s***@contoso.com.partners")
    assert user["values"]["Username"] == "s***@contoso.com.partners" and user["values"]["Email"] == "s***@contoso.com"


def test_redaction_of_unusual_addresses_and_trailing_punctuation() -> None:
    import dataclasses

    from reconciler.plan.change import Finding, PersonImpact

    plan = full_plan()
    people = (*plan.people, PersonImpact("zoë@exämple.com", True, ("zoë@exämple.com",)))
    notes = (Finding("note", "ask new@contoso.com. Or ZOË@EXÄMPLE.COM, or sam@contoso.com.partners!"),)
    redacted = redact(dataclasses.replace(plan, people=people, warnings=notes))
    assert redacted.warnings[0].message == "ask n***@contoso.com. Or Z***@EXÄMPLE.COM, or s***@contoso.com.partners!"


def test_colour_only_when_asked_for_a_terminal() -> None:
    from reconciler.commands.options import OutputFormat
    from reconciler.commands.terminal import write_plan

    plan = full_plan()
    coloured, plain = io.StringIO(), io.StringIO()
    write_plan(plan, OutputFormat.TEXT, coloured, color=True)
    write_plan(plan, OutputFormat.TEXT, plain, color=False)
    assert "\x1b[" in coloured.getvalue() and "\x1b[" not in plain.getvalue()
    assert plain.getvalue() == plain_text(plan)
