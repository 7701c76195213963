"""observe() against the built-in sandbox org, through the real path (connect -> simple-salesforce -> HTTPS)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from org_demo import DEMO

from reconciler.model import Access, DesiredState, Notify, PortalRole, Role, Snapshot
from reconciler.org.connect import OrgConnection, connect
from reconciler.org.observe import observe

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[OrgConnection, Snapshot]:
    conn = connect("sandbox", sandbox_db=tmp_path_factory.mktemp("demo") / ".guestlist" / "sandbox.sqlite3")
    yield conn, observe(conn, DEMO)
    conn.close()


def by_username(snapshot: Snapshot) -> dict[str, str]:
    return {u.username: u.id for u in snapshot.users.values()}


def test_the_sandbox_database_is_created_with_the_demo_seed(tmp_path: Path) -> None:
    db = tmp_path / "nested" / "sandbox.sqlite3"
    with connect("sandbox", sandbox_db=db) as conn:
        assert conn.is_sandbox and conn.method == "sandbox"
        assert conn.user_info["preferred_username"] == "admin@acme.com"
    assert db.exists()


def test_org_identity(demo) -> None:
    conn, snapshot = demo
    org = snapshot.org
    assert (org.name, org.username, org.is_sandbox_org, org.can_invite_customers) == ("Acme", "admin@acme.com",
                                                                                       True, True)
    assert org.id.startswith("00D") and len(org.id) == 18
    assert org.user_id.startswith("005") and len(org.user_id) == 18
    assert org.instance_url == conn.instance_url and org.instance_url.startswith("https://127.0.0.1:")
    assert conn.identity == org


def test_chatter_settings_in_guestlist_words(demo) -> None:
    _, snapshot = demo
    assert snapshot.chatter == {"enabled": True, "customer_invitations": False, "unlisted_groups": True,
                                "group_archiving": True}


def test_groups(demo) -> None:
    _, snapshot = demo
    users = by_username(snapshot)
    assert set(snapshot.groups) == {"acme announcements", "acme partner hub", "contoso deal room"}
    hub = snapshot.groups["acme partner hub"]
    assert (hub.name, hub.access, hub.allow_customers, hub.owner_id) == ("Acme Partner Hub", Access.PRIVATE, True,
                                                                        users["alice@acme.com"])
    assert (hub.settings["information.title"], hub.settings["description"]) == (
        "Read me", "Deals and onboarding with partners")
    assert [hub.settings[word] for word in ("archived", "broadcast_only", "auto_archive")] == [False, False, True]
    news = snapshot.groups["acme announcements"]
    assert (news.access, news.allow_customers) == (Access.PUBLIC, False)
    assert (news.settings["broadcast_only"], news.settings["auto_archive"]) == (True, False)
    assert all(len(g.id) == 18 and g.id.startswith("0F9") for g in snapshot.groups.values())
    assert all(g.last_modified for g in snapshot.groups.values())


def test_members_of_the_declared_groups(demo) -> None:
    _, snapshot = demo
    users = by_username(snapshot)
    hub = snapshot.groups["acme partner hub"]
    members = {snapshot.users[uid].username: (m.role, m.notify) for uid, m in snapshot.members[hub.id].items()}
    assert members == {
        "alice@acme.com": (Role.MANAGER, Notify.NEVER),  # the owner's row
        "bob@acme.com": (Role.MANAGER, Notify.DAILY),
        "carol@acme.com": (Role.MEMBER, Notify.DAILY),
        "erin@acme.com": (Role.MEMBER, Notify.NEVER),
        "jane@guest.acme.com": (Role.MEMBER, Notify.NEVER),  # customers who accepted an invitation
        "kim@guest.acme.com": (Role.MEMBER, Notify.NEVER),
    }
    news = snapshot.groups["acme announcements"]
    assert snapshot.members[news.id][users["dan@acme.com"]].role is Role.MEMBER
    rows = snapshot.members[news.id].values()
    assert all(m.group_id == news.id and len(m.id) == 18 and m.last_modified for m in rows)


def test_customers_are_read_with_their_memberships(demo) -> None:
    _, snapshot = demo
    customers = {u.email: u for u in snapshot.users.values() if u.is_customer}
    assert set(customers) == {"jane@contoso.com", "kim@contoso.com", "paul@globex.com"}
    assert all(u.license == "Chatter External" and u.user_type == "CsnOnly" for u in customers.values())
    deal_room = snapshot.groups["contoso deal room"]
    assert customers["paul@globex.com"].id in snapshot.members[deal_room.id]
    assert snapshot.members[deal_room.id][customers["jane@contoso.com"].id].role is Role.MANAGER


def test_pending_invitations_only(demo) -> None:
    _, snapshot = demo
    hub = snapshot.groups["acme partner hub"]
    pending = snapshot.invitations[hub.id]
    assert set(pending) == {"raj@contoso.com", "mike@contoso.com"}
    assert all(i.pending and i.group_id == hub.id and i.id.startswith("0H1") for i in pending.values())
    assert pending["mike@contoso.com"].created < pending["raj@contoso.com"].created
    assert snapshot.invitations[snapshot.groups["contoso deal room"].id] == {}


def test_referenced_and_external_users(demo) -> None:
    _, snapshot = demo
    users = {u.username: u for u in snapshot.users.values()}
    assert {"alice@acme.com", "bob@acme.com", "carol@acme.com", "dan@acme.com", "erin@acme.com", "frank@acme.com",
            "admin@acme.com"} <= set(users)
    assert "grace@acme.co.uk" not in users and "lena.berg@initech.com.acmecustomers" not in users
    sam = users["sam.patel@contoso.com.acmepartners"]
    assert (sam.is_external, sam.portal_role, sam.license, sam.profile) == (True, PortalRole.USER,
                                                                            "Partner Community",
                                                                            "Partner Community User")
    assert sam.contact_id.startswith("003") and sam.account_id.startswith("001")
    frank = users["frank@acme.com"]
    assert (frank.license, frank.is_active, frank.first_name, frank.last_name) == ("Chatter Free", True, "Frank",
                                                                                   "Miller")
    victor = users["victor.klein@contoso.com.acmepartners"]  # read as an assignee of Deal_Registration
    assert victor.is_external


def test_profiles_licences_permission_sets(demo) -> None:
    _, snapshot = demo
    assert snapshot.profiles["Chatter Free User"].license == "Chatter Free"
    assert snapshot.profiles["Partner Community User"].license == "Partner Community"
    partner = snapshot.licenses["Partner Community"]
    assert (partner.total, partner.used) == (5, 3)
    assert set(snapshot.permission_sets) == {"Invite_Customers_To_Chatter", "Deal_Registration"}
    deal = snapshot.permission_sets["Deal_Registration"]
    assignees = {snapshot.users[uid].username for uid in snapshot.assignments[deal.id]}
    assert assignees == {"sam.patel@contoso.com.acmepartners", "victor.klein@contoso.com.acmepartners"}
    invite = snapshot.permission_sets["Invite_Customers_To_Chatter"]
    assert {snapshot.users[uid].username for uid in snapshot.assignments[invite.id]} == {"alice@acme.com",
                                                                                        "dan@acme.com"}


def test_accounts_and_contacts(demo) -> None:
    _, snapshot = demo
    assert set(snapshot.accounts) == {"contoso ltd", "globex corporation", "initech"}
    contoso = snapshot.accounts["contoso ltd"]
    sam = snapshot.contacts[(contoso.id, "sam.patel@contoso.com")]
    assert (sam.first_name, sam.last_name, sam.account_id) == ("Sam", "Patel", contoso.id)
    lena = snapshot.contacts[(snapshot.accounts["initech"].id, "lena.berg@initech.com")]
    assert lena.last_name == "Berg"
    assert (contoso.id, "victor.klein@contoso.com") not in snapshot.contacts  # not referenced by the config


def test_requests_are_counted(demo) -> None:
    conn, snapshot = demo
    assert snapshot.api_requests == conn.counter.total
    kinds = conn.counter.by_kind
    assert kinds["metadata"] == 1 and kinds["read"] == 1 and kinds["write"] == 0 and kinds["auth"] == 0
    assert kinds["query"] == snapshot.api_requests - 2
    used, limit = conn.api_usage
    assert 0 < used <= limit


def test_an_empty_config_reads_only_the_basics(demo) -> None:
    conn, _ = demo
    before = conn.counter.by_kind
    snapshot = observe(conn, DesiredState())
    after = conn.counter.by_kind
    assert after["metadata"] == before["metadata"]  # ChatterSettings unread
    assert set(snapshot.chatter.values()) == {None}
    # organization, permission, groups, users by username, licences; no profiles, members, invitations, contacts
    assert after["query"] - before["query"] == 5
    assert snapshot.members == {} and snapshot.contacts == {} and snapshot.permission_sets == {}
    assert snapshot.profiles == {}


def test_the_connected_user_is_found_by_id_when_userinfo_has_no_username(demo) -> None:
    conn, _ = demo
    info = conn.user_info
    conn.user_info = {key: value for key, value in info.items() if key != "preferred_username"}
    try:
        snapshot = observe(conn, DesiredState())
    finally:
        conn.user_info = info
    assert snapshot.org.username == "admin@acme.com"
    assert snapshot.users[snapshot.org.user_id].username == "admin@acme.com"


def test_site_groups_are_kept_apart_from_the_internal_groups(tmp_path: Path) -> None:
    """An admin's query returns the groups of every site (real-orgs.md §1.4): observe keeps the internal group as
    the group of the name and the site's group only as a site group."""
    from reconciler.sandbox.store import Store

    db = tmp_path / "sandbox.sqlite3"
    store = Store(db)
    with store.session() as s:
        from reconciler.sandbox.objects.sites import add_site

        portal = add_site(s, "Partner Portal")
        s.actor_id = s.meta("admin_user_id")
        site_hub = s.create("CollaborationGroup", {"Name": "acme partner hub", "CollaborationType": "Private",
                                                   "NetworkId": portal})
    store.close()
    with connect("sandbox", sandbox_db=db) as conn:
        snapshot = observe(conn, DEMO)
    assert snapshot.groups["acme partner hub"].id != site_hub
    [site_group] = snapshot.site_groups["acme partner hub"]
    assert (site_group.id, site_group.network_id, site_group.site_name) == (site_hub, portal, "Partner Portal")
    assert snapshot.can_manage_unlisted_groups is True  # the demo declares an unlisted group; the admin holds it


def test_the_licence_of_a_declared_bound_set_is_read_with_its_declared_holders(tmp_path: Path) -> None:
    """Console_Agents is bound to the seeded permission set licence (real-orgs.md §15): observe reads the licence
    and which of the set's declared assignees hold it; the demo config declares no bound set and reads none."""
    from reconciler.model import Assignee, PermissionSetAssignments
    from reconciler.sandbox.store import Store

    db = tmp_path / "sandbox.sqlite3"
    store = Store(db)
    with store.session() as s:
        psl = s.scalar('SELECT "Id" FROM "PermissionSetLicense"')
        erin, frank = (s.scalar('SELECT "Id" FROM "User" WHERE "Username" = ?', (u,))
                       for u in ("erin@acme.com", "frank@acme.com"))
        for holder in (erin, frank):
            s.create("PermissionSetLicenseAssign", {"AssigneeId": holder, "PermissionSetLicenseId": psl})
    store.close()
    declared = PermissionSetAssignments("Console_Agents", (Assignee("erin@acme.com"), Assignee("alice@acme.com")))
    with connect("sandbox", sandbox_db=db) as conn:
        snapshot = observe(conn, DesiredState(permission_sets=(declared,)))
        assert observe(conn, DEMO).permission_set_licenses == {}
    assert snapshot.permission_sets["Console_Agents"].license_id == psl
    licence = snapshot.permission_set_licenses[psl]
    assert (licence.label, licence.status, licence.total, licence.used) == ("Lightning Console", "Active", 3, 2)
    assert licence.holders == {erin}  # frank holds it too, but isn't declared for the set
