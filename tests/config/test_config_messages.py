"""What a person fixing a pull request reads: each message names the fix where one can be guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import load_desired
from tests.config.helpers import ORG, TODAY, load_text, write


def messages(tmp_path: Path, text: str) -> list[str]:
    return [f"{p.line}:{p.col} {p.rule}: {p.message}" for p in load_text(tmp_path, text).problems]


@pytest.mark.parametrize(("text", "expected"), [
    ("groups: [{name: Hub, acess: private}]\n", "unknown key 'acess' in groups[0] (did you mean 'access'?)"),
    ("groups: [{name: Hub, allowCustomers: true}]\n", "(did you mean 'allow_customers'?)"),
    ("groups: [{name: Hub, visibility: private}]\n", "(did you mean 'access'?)"),
    ("groups: [{name: Hub, members: [{email: jane@contoso.com}]}]\n", "(did you mean 'customer'?)"),
    ("groups: [{name: Hub, members: [{username: bob@acme.com}]}]\n", "(did you mean 'user'?)"),
    ("permission_sets: {Deal: {members: [bob@acme.com]}}\n", "(did you mean 'assignees'?)"),
    ("external_users: [{username: a@c.com.p, email: a@c.com, last_name: A, account: C,\n"
     "                  licence: Partner Community, portal_role: user}]\n", "(did you mean 'license'?)"),
    ("external_users: [{username: a@c.com.p, email: a@c.com, last_name: A, account: C,\n"
     "                  license: Partner Community, role: user}]\n", "(did you mean 'portal_role'?)"),
    ("groups: [{name: Hub, access: Private}]\n", "'Private' is not one of: public, private, unlisted (did you mean "
                                                  "'private'?)"),
    ("groups: [{name: Hub, members: [{user: b@acme.com, notify: each post}]}]\n", "(did you mean 'each_post'?)"),
    ("groups: [{name: Hub, allow_customers: yes}]\n", "expected true or false, got the text 'yes' (write true)"),
    ("groups: [{name: Hub, archived: 'false'}]\n", "got the text 'false' (write false without quotes)"),
    ("groups: [{name: 2027}]\n", "expected a text, got the number 2027 (YAML reads it as a number: quote it, "
                                 "\"2027\")"),
    ("groups:\n", "groups: expected a list, got no value (fill it in, or remove the key)"),
    ("groups:\n  name: Hub\n", "groups: expected a list, got a mapping (start each entry with '- ' on its own line)"),
    ("policy: {protected: admin@acme.com}\n", "(write [admin@acme.com], or one '- ' entry a line)"),
    ("groups: [{name: Hub, members: [bob@acme.com]}]\n",
     "(write '- user: bob@acme.com' for a colleague or '- customer: bob@acme.com' for an external person)"),
    ("groups: [{name: Hub, members: [{user: b@acme.com, customer: j@contoso.com}]}]\n", "names both user: and "
                                                                                        "customer:"),
    ("groups: [{name: Hub, members: [{role: manager}]}]\n", "names no one: add user:"),
    ("chatter_users: [{username: a@acme.com, email: a@acme.com, last_name: A, expires: 31/03/2027}]\n",
     "'31/03/2027': expected a date YYYY-MM-DD; did you mean 2027-03-31?"),
    ("chatter_users: [{username: a@acme.com, email: a@acme.com, last_name: A, expires: 03/04/2027}]\n",
     "did you mean 2027-04-03 or 2027-03-04?"),
    ("chatter_users: [{username: a@acme.com, email: a@acme.com, last_name: A, expires: 2027-3-1}]\n",
     "did you mean 2027-03-01?"),
    ("chatter_users: [{username: a@acme.com, email: a@acme.com, last_name: A, expires: 2027-02-29}]\n",
     "2027-02-29 is not a date: February 2027 has 28 days"),
    ("chatter_users: [{username: a@acme.com, email: a@acme.com, last_name: A, expires: 2027-13-01}]\n",
     "2027-13-01 is not a date: there is no month 13"),
    ("org: {invitations: {domains: ['https://www.acme.com/']}}\n", "; did you mean acme.com?"),
    ("org: {invitations: {domains: ['@acme.co.uk']}}\n", "; did you mean acme.co.uk?"),
    ("groups: [{name: Hub, owner: 'Alice <alice@acme.com>'}]\n", "; did you mean alice@acme.com?"),
    ("groups: [{name: The Acme Partner Collaboration Hub for 2027}]\n",
     "'The Acme Partner Collaboration Hub for 2027' is 43 characters; at most 40 allowed"),
])
def test_messages_suggest_the_fix(tmp_path: Path, text: str, expected: str) -> None:
    found = messages(tmp_path, text)
    assert len(found) == 1, found
    assert expected in found[0]


@pytest.mark.parametrize("text", [
    "groups: [{name: Hub, zzz: 1}]\n",
    "groups: [{name: Hub, access: hidden}]\n",
    "chatter_users: [{username: a@acme.com, email: a@acme.com, last_name: A, expires: soon}]\n",
    "org: {invitations: {domains: [acme]}}\n",
])
def test_no_suggestion_when_nothing_is_close(tmp_path: Path, text: str) -> None:
    [found] = messages(tmp_path, text)
    assert "did you mean" not in found


def test_yes_and_no_are_text_as_in_editors(tmp_path: Path) -> None:
    result = load_text(tmp_path, "groups: [{name: no, description: yes, allow_customers: true}]\n" + ORG)
    assert result.desired is not None
    assert (result.desired.groups[0].name, result.desired.groups[0].settings["description"]) == ("no", "yes")


@pytest.mark.parametrize(("text", "position", "expected"), [
    ("groups:\n  - name: Hub\n\taccess: private\n", (3, 1), "a tab character: YAML indents with spaces only"),
    ("groups:\n  - name: 'Hub\n    access: private\n", (2, 11), "this quoted text is never closed"),
    ("org:\n  invitations\n    domains: [acme.com]\n", (2, 3), "(a missing ':'?)"),
    ("groups:\n  - name: Hub\n   access: private\n", (3, 4), "check this line's indentation"),
    ("groups:\n  - name: Hub: the partners\n", (2, 14), "quote a value that contains ': '"),
])
def test_syntax_errors_are_explained_where_the_mistake_is(tmp_path: Path, text: str, position: tuple[int, int],
                                                          expected: str) -> None:
    [found] = load_text(tmp_path, text).problems
    assert (found.line, found.col, found.rule) == (*position, "yaml-syntax")
    assert expected in found.message


def test_collisions_point_at_both_names_and_say_names_are_case_insensitive(tmp_path: Path) -> None:
    write(tmp_path, {"a.yaml": "groups:\n  - name: Partner Hub\n", "b.yaml": "groups:\n  - access: private\n"
                     "    name: partner hub\n"})
    [found] = load_desired(tmp_path, TODAY).problems
    assert (found.file, found.line, found.col, found.rule) == (str(tmp_path / "b.yaml"), 3, 11, "duplicate-group")
    assert found.message == (f"group 'partner hub' is already defined at {tmp_path / 'a.yaml'}:2:11 as "
                             "'Partner Hub' (names are case-insensitive)")
