"""A least-privilege integration user (issue 10, behaviour 10): made through the org's normal APIs (User insert,
`POST /sobjects/User/{id}/password`, the ready permission set of desired/salesforce and its assignment), logged in
with the OAuth password grant, it runs the demo round trip through the CLI; without a permission the plan needs,
plan and apply name the permission and nothing is written (real-orgs.md §10)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from reconciler.model import MANAGE_INTERNAL_USERS_PERMISSION, PERMISSION_NAMES
from reconciler.sandbox.auth import LoginPolicy
from reconciler.sandbox.routes.oauth import CONSUMER_KEY, CONSUMER_SECRET
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.plan.test_cli_scenarios import REPO, TODAY
from tests.plan.test_real_org_groups import apply, guestlist
from tests.sandbox.api.conftest import connect

PERMISSION_SET = (REPO / "desired/salesforce/force-app/main/default/permissionsets"
                  / "Guestlist_Integration.permissionset-meta.xml")
METADATA = "{http://soap.sforce.com/2006/04/metadata}"
USERNAME = "guestlist.integration@acme.com"
PASSWORD = "Integration2026"


@pytest.fixture
def org(demo_db: Path, tmp_path: Path) -> Iterator[RunningSandbox]:
    """A fresh copy of the demo org per test (these tests write), whose administrator allowed the OAuth
    username-password flow the integration user logs in with (a new org blocks it: real-orgs.md §5.3)."""
    db = tmp_path / "org" / "org.sqlite3"
    db.parent.mkdir()
    shutil.copyfile(demo_db, db)
    with start_sandbox(db, logins=LoginPolicy(password_flow=True)) as running:
        yield running


def ready_permissions() -> dict[str, bool]:
    """The ready permission set's userPermissions as PermissionSet fields (name X is the field PermissionsX)."""
    root = ET.parse(PERMISSION_SET).getroot()
    return {f"Permissions{p.findtext(f'{METADATA}name')}": p.findtext(f"{METADATA}enabled") == "true"
            for p in root.iter(f"{METADATA}userPermissions")}


def http(org: RunningSandbox) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
    session.verify = org.info.ca_file
    return session


def integration_user(org: RunningSandbox, admin: Salesforce, *, without: tuple[str, ...] = ()) -> str:
    """The integration user, as an administrator makes it through the API: a Standard User, a password set through
    POST /sobjects/User/{id}/password, the ready permission set (less `without`) and its assignment."""
    profile = admin.query("SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
    user = admin.User.create({"Username": USERNAME, "Email": USERNAME, "LastName": "Integration", "Alias": "glint",
                              "ProfileId": profile, "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
                              "EmailEncodingKey": "UTF-8", "LanguageLocaleKey": "en_US"})["id"]
    answer = http(org).post(f"{admin.base_url}sobjects/User/{user}/password", json={"NewPassword": PASSWORD},
                            headers={"Authorization": f"Bearer {org.info.access_token}"}, timeout=30)
    assert answer.status_code == 204 and not answer.content, answer.text
    permissions = {name: granted for name, granted in ready_permissions().items() if name not in without}
    permission_set = admin.PermissionSet.create({"Name": PERMISSION_SET.name.split(".")[0],
                                                 "Label": "Guestlist Integration", **permissions})["id"]
    admin.PermissionSetAssignment.create({"AssigneeId": user, "PermissionSetId": permission_set})
    return str(user)


def login(org: RunningSandbox) -> dict[str, str | None]:
    """`--org env` variables for the integration user, from the OAuth username-password grant."""
    answer = http(org).post(f"{org.info.instance_url}/services/oauth2/token", timeout=30, data={
        "grant_type": "password", "client_id": CONSUMER_KEY, "client_secret": CONSUMER_SECRET,
        "username": USERNAME, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"SF_INSTANCE_URL": org.info.instance_url, "SF_ACCESS_TOKEN": answer.json()["access_token"],
            "SF_CA_FILE": org.info.ca_file, "SF_USERNAME": None, "SF_LOGIN_URL": None}


def plan_json(org: RunningSandbox, env: dict[str, str | None], *args: str) -> tuple[int, dict[str, Any]]:
    result = guestlist(org, "plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--format", "json",
                       *args, env=env)
    return result.exit_code, json.loads(result.stdout)


def org_state(admin: Salesforce) -> dict[str, Any]:
    """What guestlist writes, read back through the API."""
    reads = {
        "groups": "SELECT Id, Name, CollaborationType, OwnerId, Description FROM CollaborationGroup",
        "members": "SELECT Id, CollaborationGroupId, MemberId, CollaborationRole, NotificationFrequency "
                   "FROM CollaborationGroupMember",
        "users": "SELECT Id, Username, IsActive, ProfileId FROM User",
        "assignments": "SELECT Id, AssigneeId, PermissionSetId FROM PermissionSetAssignment",
        "invitations": "SELECT Id, InvitedUserEmail, Status FROM CollaborationInvitation",
        "contacts": "SELECT Id, Email FROM Contact",
    }
    state: dict[str, Any] = {name: sorted(map(str, admin.query_all(soql)["records"])) for name, soql in reads.items()}
    admin.mdapi._client.transport.session = admin.session  # zeep has its own session otherwise (clients.md §1.5)
    state["settings"] = str(admin.mdapi.ChatterSettings.read(["Chatter"]))
    return state


def test_the_ready_permission_set_grants_every_permission_the_plan_checks() -> None:
    granted = {name for name, enabled in ready_permissions().items() if enabled}
    assert set(PERMISSION_NAMES) - {MANAGE_INTERNAL_USERS_PERMISSION} <= granted  # Manage Users covers it
    assert "PermissionsApiEnabled" in granted


def test_the_demo_round_trip_works_as_the_least_privilege_integration_user(org: RunningSandbox,
                                                                           tmp_path: Path) -> None:
    admin = connect(org.info)
    user = integration_user(org, admin)
    env = login(org)
    profile = admin.query(f"SELECT Profile.Name FROM User WHERE Id = '{user}'")["records"][0]["Profile"]["Name"]
    assert profile == "Standard User"  # no System Administrator: the permission set is all it has

    code, document = plan_json(org, env)
    assert code == 0, document
    assert document["org"]["username"] == USERNAME and document["blockers"] == []
    assert any(c["key"] == "member:Acme Partner Hub/carol@acme.com" for c in document["changes"])  # notifications

    applied = apply(org, REPO / "desired", tmp_path, env=env)
    assert applied.exit_code == 0, applied.output
    assert "Converged" in applied.stdout
    again = guestlist(org, "plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--detailed-exitcode",
                      env=env)
    assert again.exit_code == 0, again.output
    carol = admin.query("SELECT NotificationFrequency FROM CollaborationGroupMember WHERE Member.Username = "
                        "'carol@acme.com' AND CollaborationGroup.Name = 'Acme Partner Hub'")["records"]
    assert [r["NotificationFrequency"] for r in carol] == ["W"]  # set by the integration user, not carol


@pytest.mark.parametrize(("without", "named", "needed_for"), [
    (("PermissionsModifyAllData",), '"Modify All Data" (PermissionsModifyAllData)',
     "set another member's notification frequency"),
    (("PermissionsModifyAllData",), '"Modify All Data" (PermissionsModifyAllData)',
     "add, remove or re-role members of private groups it doesn't own or manage"),
    (("PermissionsManageUsers",), '"Manage Users" (PermissionsManageUsers)', "create or change users"),
])
def test_a_missing_permission_is_named_before_any_write(org: RunningSandbox, tmp_path: Path,
                                                        without: tuple[str, ...], named: str,
                                                        needed_for: str) -> None:
    admin = connect(org.info)
    integration_user(org, admin, without=without)
    env = login(org)
    before = org_state(admin)

    code, document = plan_json(org, env)
    assert code == 1
    missing = [b for b in document["blockers"] if b["code"] == "missing-permission"]
    assert missing and all(named in b["message"] for b in missing)
    assert any(needed_for in b["message"] and USERNAME in b["message"] for b in missing)

    refused = apply(org, REPO / "desired", tmp_path, env=env)
    assert refused.exit_code == 1, refused.output
    assert "missing-permission" in refused.output and named in refused.output
    assert org_state(admin) == before  # nothing was written


def test_apply_names_the_permission_its_lock_needs(org: RunningSandbox, tmp_path: Path) -> None:
    """apply takes its lock (a permission set, docs/decisions/apply-lock.md) before it reads the org: without the
    permission to create one it stops there, naming the permission."""
    admin = connect(org.info)
    integration_user(org, admin, without=("PermissionsManageProfilesPermissionsets", "PermissionsModifyAllData"))
    env = login(org)
    before = org_state(admin)
    refused = apply(org, REPO / "desired", tmp_path, env=env)
    assert refused.exit_code == 1, refused.output
    assert '"Manage Profiles and Permission Sets" (PermissionsManageProfilesPermissionsets)' in refused.output
    assert org_state(admin) == before


def test_a_plan_saved_by_an_administrator_is_refused_to_a_user_lacking_a_permission(org: RunningSandbox,
                                                                                    tmp_path: Path) -> None:
    saved = tmp_path / "plan.json"
    made = guestlist(org, "plan", str(REPO / "desired"), "--org", "env", "--today", TODAY, "--out", str(saved))
    assert made.exit_code == 0, made.output  # the administrator's plan: no blockers
    admin = connect(org.info)
    integration_user(org, admin, without=("PermissionsModifyAllData",))
    env = login(org)
    before = org_state(admin)
    refused = guestlist(org, "apply", str(REPO / "desired"), "--plan", str(saved), "--org", "env", "--today", TODAY,
                        "--yes", "--allow-irreversible", "--journal", str(tmp_path / "journal"), env=env)
    assert refused.exit_code == 4, refused.output  # the saved plan is stale for this user (exit-codes.md)
    assert "the config has a blocker now" in refused.output
    assert '"Modify All Data" (PermissionsModifyAllData)' in refused.output
    assert org_state(admin) == before
