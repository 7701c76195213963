"""The connected user's permissions against the plan's changes (reconciler/plan/access.py, real-orgs.md §10): the
pure diff, with the permissions observe would have read."""

from __future__ import annotations

import dataclasses

from reconciler.model import (
    MANAGE_USERS_PERMISSION,
    MODIFY_ALL_DATA_PERMISSION,
    MODIFY_METADATA_PERMISSION,
    OWN_GROUPS_PERMISSION,
    Access,
    DesiredState,
    Role,
)
from reconciler.plan.build import build_plan
from reconciler.plan.change import Plan
from tests.plan.builders import TODAY, OrgBuilder, desired, group, user_member

EVERYTHING = frozenset({MODIFY_ALL_DATA_PERMISSION, MODIFY_METADATA_PERMISSION, OWN_GROUPS_PERMISSION,
                        MANAGE_USERS_PERMISSION})


def plan_as(org: OrgBuilder, state: DesiredState, held: frozenset[str] | None) -> Plan:
    return build_plan(state, dataclasses.replace(org.build(), connected_permissions=held), TODAY)


def missing(plan: Plan) -> dict[str | None, str]:
    return {b.key: b.message for b in plan.blockers if b.code == "missing-permission"}


def test_changing_the_owner_of_someone_elses_group_needs_modify_all_data() -> None:
    org = OrgBuilder()
    org.user("bob@acme.com")
    org.group("Hub", org.user("alice@acme.com"), access=Access.PUBLIC)
    state = desired(groups=(group("Hub", user_member("bob@acme.com", Role.MANAGER), owner="bob@acme.com"),))
    assert missing(plan_as(org, state, EVERYTHING)) == {}
    lacking = missing(plan_as(org, state, EVERYTHING - {MODIFY_ALL_DATA_PERMISSION}))
    assert list(lacking) == ["group:Hub#owner"]
    assert '"Modify All Data" (PermissionsModifyAllData), needed to change the owner of a group it doesn\'t own' \
        in lacking["group:Hub#owner"]


def test_the_owner_hands_over_its_own_group_without_modify_all_data() -> None:
    org = OrgBuilder()
    org.user("bob@acme.com")
    org.group("Hub", org.admin, access=Access.PUBLIC)  # owned by the connected user
    state = desired(groups=(group("Hub", user_member("bob@acme.com", Role.MANAGER), owner="bob@acme.com"),))
    assert missing(plan_as(org, state, EVERYTHING - {MODIFY_ALL_DATA_PERMISSION})) == {}


def test_creating_a_group_needs_create_and_own_new_chatter_groups() -> None:
    org = OrgBuilder()
    state = desired(groups=(group("New Room", access=Access.PUBLIC, owner="admin@acme.com"),))
    lacking = missing(plan_as(org, state, EVERYTHING - {OWN_GROUPS_PERMISSION}))
    assert list(lacking) == ["group:New Room"]
    assert '"Create and Own New Chatter Groups" (PermissionsChatterOwnGroups), needed to create groups (1 change)' \
        in lacking["group:New Room"]


def test_members_of_a_private_group_the_user_manages_need_no_modify_all_data() -> None:
    org = OrgBuilder()
    org.user("alice@acme.com")
    org.user("bob@acme.com")
    managed = org.group("Managed", org.user("carol@acme.com"))
    org.member(managed, org.admin, Role.MANAGER)
    org.group("Foreign", org.user("dan@acme.com"))
    state = desired(groups=(group("Managed", user_member("alice@acme.com"), membership="additive"),
                            group("Foreign", user_member("bob@acme.com"), membership="additive")))
    lacking = missing(plan_as(org, state, EVERYTHING - {MODIFY_ALL_DATA_PERMISSION}))
    assert list(lacking) == ["member:Foreign/bob@acme.com"]
    assert "members of private groups it doesn't own or manage (1 change)" in lacking["member:Foreign/bob@acme.com"]


def test_without_metadata_rights_the_settings_read_is_named_and_unread_permissions_check_nothing() -> None:
    org = OrgBuilder()
    state = desired(groups=(group("New Room", access=Access.PUBLIC, owner="admin@acme.com"),))
    lacking = missing(plan_as(org, state, frozenset({OWN_GROUPS_PERMISSION})))
    assert list(lacking) == [None]
    assert "needed to read ChatterSettings through the Metadata API" in lacking[None]
    assert missing(plan_as(org, state, None)) == {}  # the simulator's snapshots: permissions not read
