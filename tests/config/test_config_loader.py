"""The loader: files found and merged, positions kept, collisions across files named with both places, and the
frozen desired model it builds."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from reconciler.config import load_desired
from reconciler.model import (
    Access,
    CommunityLicense,
    GroupState,
    MemberKind,
    Membership,
    Notify,
    PortalRole,
    RemovalLimit,
    Role,
    Source,
)
from tests.config.helpers import TODAY, load_text, located, rules, write

REPO = Path(__file__).resolve().parents[2]


def test_the_example_config_is_valid_without_warnings() -> None:
    result = load_desired(REPO / "desired", TODAY)
    assert result.problems == ()
    assert result.desired is not None
    assert result.summary.line() == (
        "5 files: 4 groups, 17 members, 6 customers, 3 chatter users, 4 external users, 2 permission sets"
    )


def test_files_are_read_recursively_in_sorted_order_skipping_hidden_and_other_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "b.yaml": "groups: [{name: B}]\n",
        "a/z.yml": "groups: [{name: AZ}]\n",
        "a/b.YAML": "groups: [{name: AB}]\n",
        ".hidden.yaml": "groups: [{name: Hidden}]\n",
        ".git/x.yaml": "groups: [{name: Git}]\n",
        "notes.txt": "not yaml",
    })
    result = load_desired(tmp_path, TODAY)
    assert [Path(f).relative_to(tmp_path).as_posix() for f in result.files] == ["a/b.YAML", "a/z.yml", "b.yaml"]
    assert [g.name for g in result.desired.groups] == ["AB", "AZ", "B"]


def test_sections_merge_across_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "org.yaml": "org: {chatter: {enabled: true}}\npolicy: {max_removals: 10}\n",
        "more.yaml": "org: {chatter: {group_archiving: false}, invitations: {domains: [Acme.COM]}}\n"
                     "policy: {protected: [Admin@Acme.com]}\n",
        "p1.yaml": "permission_sets: {A_Set: {assignees: [a@acme.com]}}\n",
        "p2.yaml": "permission_sets: {B_Set: {assignees: [b@acme.com], membership: authoritative}}\n",
    })
    desired = load_desired(tmp_path, TODAY).desired
    assert desired.org.chatter.enabled is True
    assert desired.org.chatter.group_archiving is False
    assert desired.org.chatter.customer_invitations is None  # left out: not managed
    assert desired.org.invitations.domains == ("acme.com",)
    assert desired.policy.max_removals == RemovalLimit(count=10)
    assert desired.policy.protected == ("admin@acme.com",)
    assert [(p.name, p.membership) for p in desired.permission_sets] == [
        ("A_Set", Membership.ADDITIVE), ("B_Set", Membership.AUTHORITATIVE)]


@pytest.mark.parametrize(("first", "second", "rule", "line"), [
    ("groups: [{name: Partner Hub}]\n", "groups:\n  - name: PARTNER HUB\n", "duplicate-group", 2),
    ("chatter_users: [{username: x@acme.com, email: x@acme.com, last_name: X}]\n",
     "external_users:\n  - {username: X@acme.com, email: x@c.com, last_name: X, account: C,\n"
     "     license: Partner Community}\n",
     "duplicate-username", 2),
    ("permission_sets: {A_Set: {assignees: []}}\n", "permission_sets:\n  A_Set: {assignees: []}\n",
     "duplicate-permission-set", 2),
    ("policy: {require_sponsor: true}\n", "policy:\n  require_sponsor: true\n", "duplicate-setting", 2),
    ("org: {chatter: {enabled: true}}\n", "org:\n  chatter:\n    enabled: true\n", "duplicate-setting", 3),
])
def test_collisions_across_files_name_both_places(tmp_path: Path, first: str, second: str, rule: str,
                                                  line: int) -> None:
    write(tmp_path, {"a.yaml": first, "b.yaml": second})
    result = load_desired(tmp_path, TODAY)
    (found,) = result.problems
    assert found.rule == rule
    assert found.file == str(tmp_path / "b.yaml")
    assert found.line == line
    assert f"{tmp_path / 'a.yaml'}:1:" in found.message
    assert result.desired is None


def test_a_collision_inside_one_file_names_the_earlier_line(tmp_path: Path) -> None:
    result = load_text(tmp_path, "groups:\n  - name: Hub\n  - name: Other\n  - name: hub\n")
    (found,) = result.problems
    assert (found.line, found.rule) == (4, "duplicate-group")
    assert "already defined at line 2" in found.message


def test_positions_of_objects_and_keys(tmp_path: Path) -> None:
    text = """\
    # a comment
    groups:
      - name: Hub
        access: private
        members:
          - user: bob@acme.com
            role: manager
          -   customer: jane@contoso.com
              expires: 2027-01-31
    """
    result = load_text(tmp_path, text)
    group = result.draft.groups[0]
    file = str(tmp_path / "config.yaml")
    assert group.source == Source(file, 3, 5)
    assert group.sources["access"] == Source(file, 4, 5)
    bob, jane = group.members
    assert bob.source == Source(file, 6, 9) and bob.sources["role"] == Source(file, 7, 9)
    assert jane.source == Source(file, 8, 11) and jane.sources["expires"] == Source(file, 9, 11)


def test_problems_are_sorted_and_all_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path, {
        "b.yaml": "groups:\n  - name: X\n    access: nope\n",
        "a.yaml": "policy:\n  max_removals: -1\nversion: 3\n",
    })
    result = load_desired(tmp_path, TODAY)
    assert [(Path(p.file).name, p.line, p.rule) for p in result.problems] == [
        ("a.yaml", 2, "invalid-max-removals"), ("a.yaml", 3, "invalid-value"), ("b.yaml", 3, "invalid-value")]


def test_the_model_is_normalised_and_frozen(tmp_path: Path) -> None:
    text = """\
    org: {chatter: {customer_invitations: true}}
    groups:
      - name: Hub
        access: private
        allow_customers: true
        owner: Alice@Acme.com
        information: {title: Hello}
        members:
          - {user: Bob@Acme.com, role: manager, notify: each_post}
          - {customer: Jane@Contoso.com, expires: "2027-03-31", sponsor: BOB@acme.com, message: Hi}
      - {name: Old, state: absent, membership: additive}
    external_users:
      - username: Omar@Globex.com.customers
        email: Omar@Globex.com
        last_name: Haddad
        account: Globex Corporation
        license: Customer Community
        permission_sets: [Case_Access, case_access]
        expires: 2027-06-30
    chatter_users:
      - {username: F@acme.com, email: F@acme.com, last_name: M, expires: 2027-01-01, active: false}
    policy: {max_removals: 12.5%, external_users: deactivate, max_access_days: 400}
    """
    result = load_text(tmp_path, text)
    assert rules(result) == ["duplicate-item"]
    hub, old = result.draft.groups
    assert (hub.access, hub.allow_customers, hub.owner) == (Access.PRIVATE, True, "alice@acme.com")
    assert "description" not in hub.settings and "archived" not in hub.settings  # left out: not managed
    assert hub.settings["information.title"] == "Hello" and "information.body" not in hub.settings
    assert hub.membership is Membership.AUTHORITATIVE
    bob, jane = hub.members
    assert (bob.kind, bob.identity, bob.role, bob.notify) == (MemberKind.USER, "bob@acme.com", Role.MANAGER,
                                                               Notify.EACH_POST)
    assert (jane.kind, jane.identity, jane.expires, jane.sponsor) == (
        MemberKind.CUSTOMER, "jane@contoso.com", dt.date(2027, 3, 31), "bob@acme.com")
    assert (old.state, old.membership) == (GroupState.ABSENT, Membership.ADDITIVE)
    (omar,) = result.draft.external_users
    assert omar.username == "omar@globex.com.customers" and omar.email == "omar@globex.com"
    assert omar.license is CommunityLicense.CUSTOMER_COMMUNITY
    assert omar.profile == "Customer Community User"  # the licence's standard profile by default
    assert omar.permission_sets == ("Case_Access",)
    (frank,) = result.draft.chatter_users
    assert (frank.profile, frank.active, frank.expires) == ("Chatter Free User", False, dt.date(2027, 1, 1))
    assert result.draft.policy.max_removals == RemovalLimit(percent=12.5)
    assert result.draft.policy.max_access_days == 400
    with pytest.raises(dataclasses.FrozenInstanceError):
        hub.name = "Other"  # type: ignore[misc]


def test_portal_role_is_kept(tmp_path: Path) -> None:
    text = "external_users: [{username: a@c.com.p, email: a@c.com, last_name: A, account: C,\n" \
           "  license: Partner Community, portal_role: executive}]\n"
    assert load_text(tmp_path, text).desired.external_users[0].portal_role is PortalRole.EXECUTIVE


def test_anchors_and_merge_keys_work_and_keep_positions(tmp_path: Path) -> None:
    # an unknown top-level key holds the anchor: it is reported, the rest still builds
    text = """\
    x-defaults: &customer
      expires: 2027-01-31
      sponsor: bob@acme.com
    groups:
      - name: Hub
        access: private
        allow_customers: true
        members:
          - customer: jane@contoso.com
            <<: *customer
          - customer: tom@contoso.com
            <<: *customer
            expires: 2027-02-28
    """
    result = load_text(tmp_path, text)
    assert located(result) == {(1, "unknown-key"), (7, "customer-invitations-undeclared")}
    jane, tom = result.draft.groups[0].members
    assert (jane.expires, jane.sponsor) == (dt.date(2027, 1, 31), "bob@acme.com")
    assert tom.expires == dt.date(2027, 2, 28)
    assert jane.sources["expires"].line == 2  # where the merged key is written
    assert tom.sources["expires"].line == 13


def test_errors_leave_desired_empty_but_keep_a_draft(tmp_path: Path) -> None:
    result = load_text(tmp_path, "groups:\n  - name: Hub\n    access: secret\n  - name: Other\n")
    assert result.desired is None and result.errors
    # only the rejected field is left out of the draft: its group is still judged by the rules
    assert [(g.name, g.access) for g in result.draft.groups] == [("Hub", None), ("Other", None)]
    assert "access" in result.draft.groups[0].sources


def test_warnings_keep_the_desired_state(tmp_path: Path) -> None:
    result = load_text(tmp_path, "groups: [{name: Hub, access: unlisted}]\n")
    assert rules(result) == ["unlisted-groups-undeclared"]
    assert result.desired is not None and result.warnings and not result.errors
