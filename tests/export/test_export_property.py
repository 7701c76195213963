"""The export contract on random orgs: a fresh sandbox filled through the API with random groups (any access,
settings and owner), members with roles and notification settings, Chatter Free and Experience Cloud users,
pending, accepted and stale invitations, inactive people and permission-set assignments; then `guestlist export`,
`validate` and `plan --detailed-exitcode` on the result exit 0, with and without --authoritative and --split."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from reconciler.sandbox.admin import accept_invitation
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.export.helpers import assert_contract

LOCALE = {"TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
          "LanguageLocaleKey": "en_US"}
NOTIFY = st.sampled_from(["P", "D", "W", "N"])
LIKELY = st.sampled_from([True, True, False])
LICENCES = {"Customer Community": "Customer Community User", "Customer Community Plus": "Customer Community Plus User",
            "Partner Community": "Partner Community User"}
GROUP_NAMES = ["Alpha", "Beta Room", "gamma", "Delta Hub", "Ünïcode: 'quoted' #1"]
DESCRIPTIONS = st.sampled_from([None, "Plans: Q1 & Q2", "yes", 'Line 1\nLine 2: "quoted"'])
CUSTOMER_EMAILS = ["c0@contoso.com", "c1@globex.com", "c2@initech.com", "c3@contoso.com"]


@dataclass(frozen=True)
class Person:
    username: str
    profile: str
    active: bool
    notify: str
    licence: str | None = None  # Experience Cloud users
    portal_role: str | None = None


@dataclass(frozen=True)
class GroupSpec:
    name: str
    access: str
    guests: bool
    owner: int  # index into the internal users
    description: str | None
    broadcast: bool
    no_auto_archive: bool
    members: tuple[tuple[int, bool, str | None], ...]  # (person index, manager, notify)
    invited: tuple[tuple[str, bool, bool], ...]  # (email, accepted, then deactivated)


@dataclass(frozen=True)
class World:
    internal: tuple[Person, ...]
    others: tuple[Person, ...]  # Chatter Free and Experience Cloud users
    groups: tuple[GroupSpec, ...]
    assigned: tuple[tuple[str, int], ...]  # (permission set, person index into internal + others)
    customer_invitations: bool
    unlisted: bool
    archiving: bool
    days_later: int  # --today is this many days after the org was filled


@st.composite
def worlds(draw: st.DrawFn) -> World:
    internal = tuple(Person(f"u{i}@acme.com", "Standard User", i == 0 or draw(st.booleans()), draw(NOTIFY))
                     for i in range(draw(st.integers(1, 4))))
    free = tuple(Person(f"f{i}@acme.com", "Chatter Free User", draw(st.booleans()), draw(NOTIFY))
                 for i in range(draw(st.integers(0, 2))))
    external = []
    for i in range(draw(st.integers(0, 3))):
        licence = draw(st.sampled_from(sorted(LICENCES)))
        role = None if licence == "Customer Community" else draw(st.sampled_from([None, "Executive", "Manager",
                                                                                   "Worker"]))
        external.append(Person(f"x{i}@contoso.com.portal", LICENCES[licence], draw(st.booleans()), draw(NOTIFY),
                               licence, role))
    people = len(internal) + len(free) + len(external)  # Experience Cloud users too, where the org allows them
    groups = []
    for name in draw(st.lists(st.sampled_from(GROUP_NAMES), unique=True, max_size=3)):
        access = draw(st.sampled_from(["Public", "Private", "Unlisted"]))
        guests = access != "Public" and draw(LIKELY)
        members = draw(st.lists(st.tuples(st.integers(0, people - 1), st.booleans(), st.sampled_from([None, "P", "D",
                                                                                                      "W", "N"])),
                                max_size=4, unique_by=lambda m: m[0]))
        invited = draw(st.lists(st.tuples(st.sampled_from(CUSTOMER_EMAILS), LIKELY, st.booleans()),
                                min_size=1, max_size=3, unique_by=lambda m: m[0])) if guests else []
        groups.append(GroupSpec(name, access, guests, draw(st.integers(0, len(internal) - 1)),
                                draw(DESCRIPTIONS), draw(st.booleans()),
                                draw(st.booleans()), tuple(members), tuple(invited)))
    assigned = draw(st.lists(st.tuples(st.sampled_from(["Invite_Customers_To_Chatter", "Extra_Access"]),
                                       st.integers(0, people - 1)), max_size=4, unique=True))
    return World(internal, (*free, *external), tuple(groups), tuple(assigned), draw(st.booleans()),
                 draw(st.booleans()), draw(st.booleans()), draw(st.sampled_from([0, 90])))


@pytest.fixture(scope="module")
def served() -> Iterator[RunningSandbox]:
    with tempfile.TemporaryDirectory() as folder, start_sandbox(Path(folder) / "org.sqlite3", seed="empty") as running:
        yield running


def _client(running: RunningSandbox) -> Salesforce:
    session = requests.Session()
    session.verify = running.info.ca_file
    session.trust_env = False
    return Salesforce(instance_url=running.info.instance_url, session_id=running.info.access_token, session=session)


def _try(call: Any, *args: Any) -> Any:
    """A create or update the org may refuse (a rule of its own): the random org simply goes without it."""
    try:
        return call(*args)
    except SalesforceError:
        return None


def _chatter(running: RunningSandbox, **flags: bool) -> None:
    with running.store.session() as session:  # ChatterSettings, as Setup (the Metadata API) would change them
        session.update_chatter_settings(flags)


def build(running: RunningSandbox, world: World) -> None:
    sf = _client(running)
    profiles = {r["Name"]: r["Id"] for r in sf.query_all("SELECT Id, Name FROM Profile")["records"]}
    _chatter(running, enableInviteCsnUsers=True, unlistedGroupsEnabled=True, allowChatterGroupArchiving=True)
    account = sf.Account.create({"Name": "Contoso Ltd"})["id"]
    ids: list[str | None] = []
    for person in (*world.internal, *world.others):
        values = {"Username": person.username, "Email": person.username.removesuffix(".portal"),
                  "LastName": person.username[:2].upper(), "FirstName": "Pat", "Alias": person.username[:2],
                  "ProfileId": profiles[person.profile], "DefaultGroupNotificationFrequency": person.notify, **LOCALE}
        if person.licence is not None:
            values["ContactId"] = sf.Contact.create({"LastName": "Ext", "Email": values["Email"],
                                                     "AccountId": account})["id"]
            if person.portal_role:
                values["PortalRole"] = person.portal_role
        created = _try(sf.User.create, values)
        ids.append(created["id"] if created else None)
    extra = sf.PermissionSet.create({"Name": "Extra_Access", "Label": "Extra Access"})["id"]
    invite = sf.query("SELECT Id FROM PermissionSet WHERE Name = 'Invite_Customers_To_Chatter'")["records"][0]["Id"]
    for group in world.groups:
        owner = ids[group.owner] if world.internal[group.owner].active else None
        values = {"Name": group.name, "CollaborationType": group.access, "CanHaveGuests": group.guests,
                  "IsBroadcast": group.broadcast, "IsAutoArchiveDisabled": group.no_auto_archive,
                  **({"OwnerId": owner} if owner else {}),
                  **({"Description": group.description} if group.description else {})}
        created = _try(sf.CollaborationGroup.create, values)
        if not created:
            continue
        for index, manager, notify in group.members:
            row = {"CollaborationGroupId": created["id"], "MemberId": ids[index],
                   "CollaborationRole": "Admin" if manager else "Standard",
                   **({"NotificationFrequency": notify} if notify else {})}
            if ids[index]:
                _try(sf.CollaborationGroupMember.create, row)
        for email, accepted, deactivated in group.invited:
            sent = _try(sf.CollaborationInvitation.create, {"InvitedUserEmail": email, "SharedEntityId": created["id"]})
            if sent and accepted:
                customer = accept_invitation(running.store, email)
                if deactivated:
                    _try(sf.User.update, customer, {"IsActive": False})
    for name, index in world.assigned:
        if ids[index]:
            _try(sf.PermissionSetAssignment.create, {"PermissionSetId": extra if name == "Extra_Access" else invite,
                                                     "AssigneeId": ids[index]})
    for person, user_id in zip((*world.internal, *world.others), ids, strict=True):
        if user_id and not person.active:
            _try(sf.User.update, user_id, {"IsActive": False})
    _chatter(running, enableInviteCsnUsers=world.customer_invitations, unlistedGroupsEnabled=world.unlisted,
             allowChatterGroupArchiving=world.archiving)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(world=worlds(), layout=st.sampled_from([[], ["--split"], ["--authoritative"], ["--split", "--authoritative"]]))
def test_a_random_org_exports_to_a_config_that_plans_no_changes(served: RunningSandbox, world: World,
                                                                layout: list[str]) -> None:
    served.reset("empty")
    build(served, world)
    env = {"SF_INSTANCE_URL": served.info.instance_url, "SF_ACCESS_TOKEN": served.info.access_token,
           "SF_CA_FILE": served.info.ca_file}
    today = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=world.days_later)).isoformat()
    with tempfile.TemporaryDirectory() as folder:
        assert_contract(Path(folder) / "d", ["--org", "env"], *layout, today=today, env=env)
