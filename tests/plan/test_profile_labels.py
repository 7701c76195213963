"""Standard profiles named in English on an org that shows them under other labels (real-orgs.md §8.3), and
customers told apart by licence and user type, not by the profile's label (real-orgs.md §8.2)."""

from __future__ import annotations

import dataclasses

from reconciler.model import CHATTER_FREE_LICENSE, ChatterUser, ObservedProfile
from reconciler.plan.change import Action
from tests.plan.builders import OrgBuilder, codes, desired, group, plan_of, policy, sf_id


def german(org: OrgBuilder, *labels: str) -> None:
    """The org shows its Chatter Free profiles under these labels instead of "Chatter Free User"."""
    del org.profiles["Chatter Free User"]
    for label in labels:
        org.profiles[label] = ObservedProfile(sf_id("00e"), label, CHATTER_FREE_LICENSE, "CsnOnly")


GRACE = ChatterUser("grace@acme.co.uk", "grace@acme.co.uk", "Taylor")


def test_a_standard_profile_named_in_english_is_the_orgs_profile_of_its_licence() -> None:
    org = OrgBuilder()
    german(org, "Chatter Free-Benutzer")
    [change] = plan_of(org, desired(chatter_users=(GRACE,))).changes
    assert change.action is Action.CREATE and change.values["ProfileId"] == org.profiles["Chatter Free-Benutzer"].id


def test_several_profiles_of_the_licence_block_and_are_named() -> None:
    org = OrgBuilder()
    german(org, "Chatter Free-Benutzer", "Chatter Moderator-Benutzer")
    plan = plan_of(org, desired(chatter_users=(GRACE,)))
    assert codes(plan.blockers) == ["missing-profile"]
    assert "'Chatter Free-Benutzer', 'Chatter Moderator-Benutzer'" in plan.blockers[0].message
    assert "name one with profile:" in plan.blockers[0].message


def test_the_label_the_org_shows_is_no_profile_change() -> None:
    org = OrgBuilder()
    german(org, "Chatter Free-Benutzer")
    frank = org.user("frank@acme.com", profile="Chatter Free User", first_name=None, last_name="Miller")
    org.users[frank.id] = dataclasses.replace(frank, profile="Chatter Free-Benutzer")
    declared = ChatterUser("frank@acme.com", "frank@acme.com", "Miller")
    assert plan_of(org, desired(chatter_users=(declared,))).changes == ()


def test_a_customer_is_known_by_licence_whatever_the_profile_label() -> None:
    org = OrgBuilder()
    hub = org.group("Hub", allow_customers=True)
    jane = org.customer("jane@contoso.com")
    org.users[jane.id] = dataclasses.replace(jane, profile="Chatter External-Benutzer")
    org.member(hub, jane)
    plan = plan_of(org, desired(groups=(group("Hub", allow_customers=True, access=None),),
                                policy=policy(deactivate_orphaned_customers=True)))
    deactivated = [c for c in plan.changes if c.values.get("IsActive") is False]
    assert [c.record_id for c in deactivated] == [jane.id]


def test_users_read_without_their_profile_are_warned_about() -> None:
    org = OrgBuilder()
    jane = org.customer("jane@contoso.com")
    org.users[jane.id] = dataclasses.replace(jane, profile=None, license=None)  # Profile Filtering hides it
    plan = plan_of(org, desired())
    assert codes(plan.warnings) == ["profile-hidden"]
    assert "1 user(s) were read without their profile's licence" in plan.warnings[0].message
    assert codes(plan_of(OrgBuilder(), desired()).warnings) == []
