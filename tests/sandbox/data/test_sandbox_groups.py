"""CollaborationGroup and CollaborationGroupMember rules."""

from __future__ import annotations

from reconciler.sandbox.store import Session

from .conftest import named, new_user_values, raises, user_id


def _group(s: Session, name: str, access: str = "Private", **extra: object) -> str:
    return s.create("CollaborationGroup", {"Name": name, "CollaborationType": access, **extra})


def _members(s: Session, group: str) -> dict[str, str]:
    rows = s.conn.execute(
        'SELECT u."Username", m."CollaborationRole" FROM "CollaborationGroupMember" m JOIN "User" u '
        'ON u."Id" = m."MemberId" WHERE m."CollaborationGroupId" = ?',
        (group,),
    )
    return {r[0]: r[1] for r in rows}


def _add(s: Session, group: str, username: str, **extra: object) -> str:
    return s.create(
        "CollaborationGroupMember", {"CollaborationGroupId": group, "MemberId": user_id(s, username), **extra}
    )


def test_owner_gets_an_admin_membership(s: Session) -> None:
    group = _group(s, "Owned", OwnerId=user_id(s, "bob@acme.com"))
    assert _members(s, group) == {"bob@acme.com": "Admin"}
    assert s.retrieve("CollaborationGroup", group)["MemberCount"] == 1


def test_member_count_follows_memberships(s: Session) -> None:
    group = _group(s, "Counted")
    member = _add(s, group, "erin@acme.com")
    _add(s, group, "dan@acme.com")
    assert s.retrieve("CollaborationGroup", group)["MemberCount"] == 3
    s.delete("CollaborationGroupMember", member)
    assert s.retrieve("CollaborationGroup", group)["MemberCount"] == 2


def test_names_are_unique_among_public_and_private_groups(s: Session) -> None:
    existing = named(s, "CollaborationGroup", "Acme Partner Hub")
    with raises("DUPLICATE_VALUE") as error:
        _group(s, "acme partner HUB", "Public")
    assert error.value.fields == ["Name"]
    assert error.value.message == f"duplicate value found: Name duplicates value on record with id: {existing[:15]}"
    other = _group(s, "Other")
    with raises("DUPLICATE_VALUE"):
        s.update("CollaborationGroup", other, {"Name": "Acme Partner Hub"})


def test_unlisted_groups(s: Session) -> None:
    unlisted = _group(s, "Acme Partner Hub", "Unlisted")  # unlisted names need not be unique
    assert _group(s, "Acme Partner Hub", "Unlisted") != unlisted
    s.update_chatter_settings({"unlistedGroupsEnabled": False})
    with raises("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"):
        _group(s, "Hidden", "Unlisted")
    described = s.schema.get("CollaborationGroup").field("CollaborationType").describe()  # type: ignore[union-attr]
    assert [p["value"] for p in described["picklistValues"]] == ["Public", "Private"]


def test_customers_only_on_private_or_unlisted_groups(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        _group(s, "Open", "Public", CanHaveGuests=True)
    assert error.value.fields == ["CanHaveGuests"]
    assert _group(s, "Guests welcome", "Unlisted", CanHaveGuests=True)


def test_allow_customers_is_one_way_and_freezes_access(s: Session) -> None:
    group = _group(s, "One way")
    s.update("CollaborationGroup", group, {"CanHaveGuests": True})
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        s.update("CollaborationGroup", group, {"CanHaveGuests": False})
    assert error.value.fields == ["CanHaveGuests"]
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        s.update("CollaborationGroup", group, {"CollaborationType": "Unlisted"})
    assert error.value.fields == ["CollaborationType"]
    plain = _group(s, "Changeable")
    s.update("CollaborationGroup", plain, {"CollaborationType": "Public"})


def test_owner_change_ensures_an_admin_row(s: Session) -> None:
    group = _group(s, "Handover")
    _add(s, group, "erin@acme.com")
    s.update("CollaborationGroup", group, {"OwnerId": user_id(s, "erin@acme.com")})
    s.update("CollaborationGroup", group, {"OwnerId": user_id(s, "dan@acme.com")})
    assert _members(s, group) == {"admin@acme.com": "Admin", "erin@acme.com": "Admin", "dan@acme.com": "Admin"}


def test_owner_must_be_an_active_colleague(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        _group(s, "Customer owned", OwnerId=user_id(s, "jane@guest.acme.com"))
    heidi = user_id(s, "heidi@acme.com")
    s.update("User", heidi, {"IsActive": False})
    with raises("INACTIVE_OWNER_OR_USER"):
        _group(s, "Inactive owner", OwnerId=heidi)


def test_duplicate_membership(s: Session) -> None:
    group = named(s, "CollaborationGroup", "Acme Partner Hub")
    with raises("DUPLICATE_VALUE") as error:
        _add(s, group, "bob@acme.com")
    assert error.value.message == "duplicate value found: <unknown> duplicates value on record with id: <unknown>"


def test_owner_row_cannot_be_removed_or_demoted(s: Session) -> None:
    group = named(s, "CollaborationGroup", "Acme Partner Hub")
    owner_row = s.rows(
        "CollaborationGroupMember",
        '"CollaborationGroupId" = ? AND "MemberId" = ?',
        (group, user_id(s, "alice@acme.com")),
    )[0]
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.delete("CollaborationGroupMember", owner_row["Id"])
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.update("CollaborationGroupMember", owner_row["Id"], {"CollaborationRole": "Standard"})
    s.update("CollaborationGroupMember", owner_row["Id"], {"NotificationFrequency": "W"})


def test_customers_only_in_groups_that_allow_them(s: Session) -> None:
    with raises("FIELD_INTEGRITY_EXCEPTION") as error:
        _add(s, named(s, "CollaborationGroup", "Acme Announcements"), "jane@guest.acme.com")
    assert error.value.fields == ["MemberId"]
    assert _add(s, _group(s, "Guests", CanHaveGuests=True), "jane@guest.acme.com")


def test_inactive_users_cannot_join(s: Session) -> None:
    heidi = user_id(s, "heidi@acme.com")
    s.update("User", heidi, {"IsActive": False})
    with raises("INACTIVE_OWNER_OR_USER"):
        _add(s, _group(s, "Quiet"), "heidi@acme.com")


def test_member_defaults_and_updates(s: Session) -> None:
    group = _group(s, "Defaults")
    frank = s.retrieve("CollaborationGroupMember", _add(s, group, "frank@acme.com"))  # his default is weekly
    assert (frank["CollaborationRole"], frank["NotificationFrequency"]) == ("Standard", "W")
    erin = _add(s, group, "erin@acme.com")
    assert s.retrieve("CollaborationGroupMember", erin)["NotificationFrequency"] == "N"
    s.update("CollaborationGroupMember", erin, {"CollaborationRole": "Admin", "NotificationFrequency": "D"})
    assert _members(s, group)["erin@acme.com"] == "Admin"
    with raises("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"):
        s.update("CollaborationGroupMember", erin, {"NotificationFrequency": "Hourly"})
    with raises("INVALID_FIELD_FOR_INSERT_UPDATE"):
        s.update("CollaborationGroupMember", erin, {"CollaborationGroupId": group})


def test_new_users_default_frequency_is_used(s: Session) -> None:
    new = s.create("User", new_user_values(s, "digest@acme.com", DefaultGroupNotificationFrequency="D"))
    group = _group(s, "Digest")
    member = s.create("CollaborationGroupMember", {"CollaborationGroupId": group, "MemberId": new})
    assert s.retrieve("CollaborationGroupMember", member)["NotificationFrequency"] == "D"


def test_deleting_a_group_removes_members_and_invitations(s: Session) -> None:
    group = named(s, "CollaborationGroup", "Acme Partner Hub")
    s.delete("CollaborationGroup", group)
    assert s.rows("CollaborationGroupMember", '"CollaborationGroupId" = ?', (group,)) == []
    assert s.rows("CollaborationInvitation", '"SharedEntityId" = ?', (group,)) == []
