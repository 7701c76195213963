"""Every domain rule both ways: a config that breaks it (the rule fires) and the nearest one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.config import RULES, Severity
from tests.config.helpers import ORG, load_text, rules

HUB = """\
groups:
  - name: Hub
    access: private
    allow_customers: true
    owner: alice@acme.com
    members:
"""
SAM = """\
external_users:
  - username: sam@contoso.com.partners
    email: sam@contoso.com
    last_name: Patel
    account: Contoso Ltd
    license: Partner Community
"""

# rule id -> (config that breaks it, the nearest config that does not)
CASES: dict[str, tuple[str, str]] = {
    "chatter-disabled": (
        "org: {chatter: {enabled: false}}\ngroups: [{name: Hub}]\n",
        "org: {chatter: {enabled: false}}\ngroups: [{name: Hub, state: absent}]\n",
    ),
    "allow-customers-needs-private": (
        ORG + "groups: [{name: Hub, access: public, allow_customers: true}]\n",
        ORG + "groups: [{name: Hub, access: unlisted, allow_customers: true}]\n",
    ),
    "customers-need-allow-customers": (
        ORG + "groups: [{name: Hub, access: private, members: [{customer: jane@contoso.com}]}]\n",
        ORG + "groups: [{name: Hub, access: private, allow_customers: true,\n"
        "          members: [{customer: jane@contoso.com}]}]\n",
    ),
    "customer-invitations-disabled": (
        "org: {chatter: {customer_invitations: false}}\n" + HUB + "      - user: bob@acme.com\n",
        "org: {chatter: {customer_invitations: true}}\n" + HUB + "      - user: bob@acme.com\n",
    ),
    "customer-invitations-undeclared": (
        "org: {chatter: {enabled: true}}\ngroups: [{name: Hub, access: private, allow_customers: true}]\n",
        "org: {chatter: {enabled: true}}\ngroups: [{name: Hub, access: private, allow_customers: false}]\n",
    ),
    "unlisted-groups-disabled": (
        "org: {chatter: {unlisted_groups: false}}\ngroups: [{name: Hub, access: unlisted}]\n",
        "org: {chatter: {unlisted_groups: false}}\ngroups: [{name: Hub, access: private}]\n",
    ),
    "unlisted-groups-undeclared": (
        "groups: [{name: Hub, access: unlisted}]\n",
        "org: {chatter: {unlisted_groups: true}}\ngroups: [{name: Hub, access: unlisted}]\n",
    ),
    "public-email-domain": (
        "org: {invitations: {domains: [acme.com, outlook.com]}}\n",
        "org: {invitations: {domains: [acme.com, outlook.com]}}\npolicy: {public_email_domains: allow}\n",
    ),
    "customer-in-company-domain": (
        ORG + HUB + "      - customer: dan@eu.acme.com\n",
        ORG + HUB + "      - customer: dan@acme.com.evil.example\n",
    ),
    "owner-not-internal": (
        ORG + HUB.replace("alice@acme.com", "jane@contoso.com") + "      - customer: jane@contoso.com\n",
        ORG + HUB + "      - customer: jane@contoso.com\n",
    ),
    "owner-outside-company-domains": (
        ORG + "groups: [{name: Hub, owner: alice@globex.com}]\n",
        ORG + "groups: [{name: Hub, owner: alice@acme.com.uat}]\n",
    ),
    "owner-role-member": (
        ORG + HUB + "      - user: alice@acme.com\n        role: member\n",
        ORG + HUB + "      - user: alice@acme.com\n        role: manager\n",
    ),
    "duplicate-member": (
        ORG + HUB + "      - user: bob@acme.com\n      - user: BOB@acme.com\n",
        ORG + HUB + "      - user: bob@acme.com\n      - user: bob@acme.co.uk\n",
    ),
    "member-is-external-user": (
        ORG + HUB + "      - user: sam@contoso.com.partners\n" + SAM,
        ORG + HUB + "      - customer: sam@contoso.com\n" + SAM,
    ),
    "message-only-for-customers": (
        ORG + HUB + "      - user: bob@acme.com\n        message: Hi\n",
        ORG + HUB + "      - customer: jane@contoso.com\n        message: Hi\n",
    ),
    "absent-group-has-members": (
        "groups: [{name: Old, state: absent, members: [{user: bob@acme.com}]}]\n",
        "groups: [{name: Old, state: absent}]\n",
    ),
    "portal-role-not-allowed": (
        SAM.replace("Partner Community", "Customer Community") + "    portal_role: user\n",
        SAM.replace("Partner Community", "Customer Community Plus") + "    portal_role: user\n",
    ),
    "profile-license-mismatch": (
        SAM + "    profile: Customer Community User\n",
        SAM + "    profile: Contoso Partner Profile\n",
    ),
    "chatter-user-profile": (
        "chatter_users: [{username: f@acme.com, email: f@acme.com, last_name: M, profile: Partner Community User}]\n",
        "chatter_users: [{username: f@acme.com, email: f@acme.com, last_name: M, profile: Chatter Moderator User}]\n",
    ),
    "duplicate-contact": (
        SAM + SAM.replace("external_users:\n", "").replace("sam@contoso.com.partners", "sam2@contoso.com.partners"),
        SAM + SAM.replace("external_users:\n", "").replace("sam@contoso.com.partners", "sam2@contoso.com.partners")
        .replace("Contoso Ltd", "Contoso GmbH"),
    ),
    "access-expired": (
        ORG + HUB + "      - customer: jane@contoso.com\n        expires: 2026-11-21\n",
        ORG + HUB + "      - customer: jane@contoso.com\n        expires: 2026-11-22\n",
    ),
    "previously-declared": (
        "groups: [{name: Hub, previously: [Lounge]}, {name: Lounge}]\n",
        "groups: [{name: Hub, previously: [Lounge]}, {name: Lounge 2}]\n",
    ),
    "access-expiring": (
        ORG + HUB + "      - customer: jane@contoso.com\n        expires: 2026-12-06\n",
        ORG + HUB + "      - customer: jane@contoso.com\n        expires: 2026-12-07\n",
    ),
    "sponsor-required": (
        "policy: {require_sponsor: true}\n" + SAM,
        "policy: {require_sponsor: true}\n" + SAM + "    sponsor: bob@acme.com\n",
    ),
    "sponsor-not-internal": (
        SAM + "    sponsor: sam@contoso.com.partners\n",
        SAM + "    sponsor: bob@acme.com\n",
    ),
    "expires-required": (
        ORG + "policy: {max_access_days: 30}\n" + HUB + "      - customer: jane@contoso.com\n",
        ORG + "policy: {max_access_days: 30}\n" + HUB
        + "      - customer: jane@contoso.com\n        expires: 2026-12-01\n      - user: bob@acme.com\n",
    ),
    "expires-too-far": (
        "policy: {max_access_days: 30}\n" + SAM + "    expires: 2026-12-23\n",
        "policy: {max_access_days: 30}\n" + SAM + "    expires: 2026-12-22\n",
    ),
    "protected-conflict": (
        "policy: {protected: [sam@contoso.com.partners]}\n" + SAM + "    expires: 2027-01-01\n",
        "policy: {protected: [sam@contoso.com.partners]}\n" + SAM + "    active: true\n",
    ),
    "permission-set-conflict": (
        "permission_sets: {Deal_Registration: {assignees: [], membership: authoritative}}\n" + SAM
        + "    permission_sets: [Deal_Registration]\n",
        "permission_sets: {Deal_Registration: {assignees: []}}\n" + SAM + "    permission_sets: [Deal_Registration]\n",
    ),
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires(tmp_path: Path, rule: str) -> None:
    result = load_text(tmp_path, CASES[rule][0])
    assert rule in rules(result), "\n".join(map(str, result.problems))
    assert (result.desired is None) == (RULES[rule].severity is Severity.ERROR)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_does_not_fire_on_the_fixed_config(tmp_path: Path, rule: str) -> None:
    result = load_text(tmp_path, CASES[rule][1])
    assert rule not in rules(result), "\n".join(map(str, result.problems))
    assert result.desired is not None, "\n".join(map(str, result.problems))


def test_every_domain_rule_is_tested_both_ways() -> None:
    domain_rules = set(list(RULES)[list(RULES).index("chatter-disabled"):])
    assert domain_rules - set(CASES) == set()


def test_the_owner_may_be_a_chatter_free_colleague(tmp_path: Path) -> None:
    config = ORG + "groups: [{name: Hub, owner: frank@acme.com}]\n" \
        "chatter_users: [{username: frank@acme.com, email: frank@acme.com, last_name: Miller}]\n"
    assert load_text(tmp_path, config).problems == ()


def test_protected_user_may_not_be_deactivated(tmp_path: Path) -> None:
    config = "policy: {protected: [frank@acme.com]}\n" \
        "chatter_users: [{username: frank@acme.com, email: frank@acme.com, last_name: M, active: false}]\n"
    assert rules(load_text(tmp_path, config)) == ["protected-conflict"]


def test_max_access_days_counts_from_today(tmp_path: Path) -> None:
    config = "policy: {max_access_days: 1}\n" + SAM + "    expires: 2026-11-23\n"
    assert load_text(tmp_path, config).desired is not None
    late = "policy: {max_access_days: 1}\n" + SAM + "    expires: 2026-11-24\n"
    result = load_text(tmp_path, late)
    assert rules(result) == ["access-expiring", "expires-too-far"]  # two days away: also within the 14-day notice
    assert "until 2026-11-23" in result.problems[1].message


def test_max_access_days_does_not_apply_to_colleagues(tmp_path: Path) -> None:
    config = ORG + "policy: {max_access_days: 10, require_sponsor: true}\n" + HUB + "      - user: bob@acme.com\n" \
        "chatter_users: [{username: f@acme.com, email: f@acme.com, last_name: M}]\n"
    assert load_text(tmp_path, config).problems == ()


def test_expiry_rules_ignore_groups_being_deleted(tmp_path: Path) -> None:
    config = "policy: {max_access_days: 10}\n" \
        "groups: [{name: Old, state: absent, allow_customers: true, members: [{customer: j@contoso.com}]}]\n"
    assert rules(load_text(tmp_path, config)) == ["absent-group-has-members"]


def test_a_problem_points_at_the_offending_key(tmp_path: Path) -> None:
    config = ORG + "groups:\n  - name: Hub\n    access: public\n    allow_customers: true\n"
    (found,) = load_text(tmp_path, config).problems
    assert (found.line, found.col, found.rule) == (7, 5, "allow-customers-needs-private")
    assert str(found) == (f"{tmp_path / 'config.yaml'}:7:5: error allow-customers-needs-private: group 'Hub' is "
                          "public: only private or unlisted groups can allow customers")


@pytest.mark.parametrize("entry", [
    "      - user: alice@acme.com\n",
    "      - user: Alice@Acme.com\n        notify: daily\n",
    "      - user: bob@acme.com\n        role: member\n",
])
def test_the_owner_without_a_role_or_another_member_with_role_member_is_valid(tmp_path: Path, entry: str) -> None:
    assert load_text(tmp_path, ORG + HUB + entry).problems == ()


def test_the_owner_with_role_member_is_located_at_the_role_and_says_what_to_write(tmp_path: Path) -> None:
    [found] = load_text(tmp_path, ORG + HUB + "      - user: ALICE@acme.com\n        role: member\n").problems
    assert (found.rule, found.line, found.col) == ("owner-role-member", ORG.count("\n") + 8, 9)
    assert "alice@acme.com owns 'Hub'" in found.message
    assert "write role: manager or leave role out" in found.message


def test_access_expiring_names_person_grant_date_and_sponsor(tmp_path: Path) -> None:
    config = ORG + HUB + "      - customer: jane@contoso.com\n        expires: 2026-11-30\n" \
        "        sponsor: bob@acme.com\n" + SAM + "    expires: 2026-11-22\n"
    found = [p for p in load_text(tmp_path, config).problems if p.rule == "access-expiring"]
    assert [p.message for p in found] == [
        "jane@contoso.com: access to group 'Hub' expires on 2026-11-30 (in 8 days); sponsor bob@acme.com",
        "sam@contoso.com.partners: access to external user (Partner Community) expires on 2026-11-22 (today); "
        "no sponsor named",
    ]


def test_expiring_within_sets_the_window(tmp_path: Path) -> None:
    from reconciler.config import load_desired
    from tests.config.helpers import TODAY, write

    write(tmp_path, {"config.yaml": ORG + HUB + "      - customer: jane@contoso.com\n        expires: 2026-12-22\n"})
    assert "access-expiring" not in rules(load_desired(tmp_path / "config.yaml", TODAY))
    assert "access-expiring" in rules(load_desired(tmp_path / "config.yaml", TODAY, expiring_within=30))
    assert "access-expiring" not in rules(load_desired(tmp_path / "config.yaml", TODAY, expiring_within=0))
