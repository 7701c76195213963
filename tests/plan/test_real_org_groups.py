"""Groups as real orgs have them, through the CLI against the sandbox (issue 10, behaviours 1 and 2):

- Experience Cloud sites have groups of their own (NetworkId set), and names are unique per site only, so a site's
  group can share a declared group's name: guestlist plans and applies the internal group and never reads,
  changes, empties or deletes the site's (real-orgs.md §1.2, real-orgs.md §1.4).
- Unlisted groups are invisible to a connected user without Manage Unlisted Groups, even with Modify All Data: a
  config declaring one, run by such a user, is blocked instead of creating the group again on every run
  (real-orgs.md §2.1).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce
from typer.testing import CliRunner, Result

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.logins import jwt_env
from tests.plan.conftest import env_of
from tests.plan.test_cli_scenarios import REPO, TODAY, changes, edit, plan_json
from tests.sandbox.api.conftest import connect

GROUP_READ = ("SELECT Id, Name, NetworkId, CollaborationType, Description, OwnerId, CanHaveGuests, IsArchived "
              "FROM CollaborationGroup WHERE Id IN ({})")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of desired/ to edit."""
    target = tmp_path / "desired"
    shutil.copytree(REPO / "desired", target)
    return target


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "org" / "org.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(demo_db, path)
    return path


@pytest.fixture
def org(db: Path) -> Iterator[RunningSandbox]:
    with start_sandbox(db) as running:
        yield running


def guestlist(org: RunningSandbox, *args: str, env: dict[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(app, list(args), env=env or env_of(org))  # type: ignore[arg-type]
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def apply(org: RunningSandbox, config: Path, tmp_path: Path, env: dict[str, str | None] | None = None) -> Result:
    return guestlist(org, "apply", str(config), "--org", "env", "--today", TODAY, "--yes", "--allow-irreversible",
                     "--journal", str(tmp_path / "journal.jsonl"), env=env)


def site_state(sf: Salesforce, group_ids: list[str]) -> dict[str, Any]:
    """The site groups' fields and memberships, as the API returns them."""
    quoted = ", ".join(f"'{i}'" for i in group_ids)
    groups = {r["Id"]: {k: v for k, v in r.items() if k != "attributes"}
              for r in sf.query_all(GROUP_READ.format(quoted))["records"]}
    members = sorted((r["CollaborationGroupId"], r["MemberId"], r["CollaborationRole"], r["NotificationFrequency"])
                     for r in sf.query_all("SELECT CollaborationGroupId, MemberId, CollaborationRole, "
                                           f"NotificationFrequency FROM CollaborationGroupMember "
                                           f"WHERE CollaborationGroupId IN ({quoted})")["records"])
    return {"groups": groups, "members": members}


def user_id(sf: Salesforce, username: str) -> str:
    return sf.query(f"SELECT Id FROM User WHERE Username = '{username}'")["records"][0]["Id"]


# -- behaviour 1: Experience Cloud sites ----------------------------------------------------------------------------


def test_site_groups_named_like_declared_groups_are_never_touched(db: Path, config: Path, tmp_path: Path) -> None:
    added = CliRunner().invoke(app, ["sandbox", "site", "add", "Partner Portal", "--status", "Live", "--db", str(db)])
    assert added.exit_code == 0, added.output
    portal = added.stdout.strip()
    with start_sandbox(db) as org:
        _, without_sites = plan_json(org, config)
        sf = connect(org.info)
        hub = sf.CollaborationGroup.create({"Name": "Acme Partner Hub", "CollaborationType": "Private",
                                            "NetworkId": portal, "Description": "The portal's own hub",
                                            "CanHaveGuests": False})["id"]
        pilot = sf.CollaborationGroup.create({"Name": "Initech Pilot", "CollaborationType": "Public",
                                              "NetworkId": portal})["id"]
        deal_room = sf.CollaborationGroup.create({"Name": "Contoso Deal Room", "CollaborationType": "Private",
                                                  "NetworkId": portal})["id"]
        for username in ("dan@acme.com", "frank@acme.com"):  # not members of the declared, authoritative hub
            sf.CollaborationGroupMember.create({"CollaborationGroupId": hub, "MemberId": user_id(sf, username)})
        site_groups = [hub, pilot, deal_room]
        before = site_state(sf, site_groups)

        code, document = plan_json(org, config)
        assert code == 0, document
        assert list(changes(document)) == list(changes(without_sites))  # the same plan as without the site
        assert changes(document)["group:Initech Pilot"]["action"] == "create"
        assert not any(group_id in json.dumps(document["changes"]) for group_id in site_groups)
        warned = {w["key"]: w["message"] for w in document["warnings"] if w["code"] == "site-group-name"}
        assert set(warned) == {"group:Acme Partner Hub", "group:Initech Pilot", "group:Contoso Deal Room"}
        assert f"Partner Portal ({portal}: group {hub})" in warned["group:Acme Partner Hub"]
        assert "leaves the site's group alone" in warned["group:Acme Partner Hub"]

        applied = apply(org, config, tmp_path)
        assert applied.exit_code == 0, applied.output
        assert "Converged" in applied.stdout
        assert site_state(sf, site_groups) == before
        pilots = sf.query("SELECT Id, NetworkId, CollaborationType FROM CollaborationGroup "
                          "WHERE Name = 'Initech Pilot'")["records"]
        assert sorted((r["NetworkId"] or "", r["CollaborationType"]) for r in pilots) == [
            ("", "Unlisted"), (portal, "Public")]
        assert guestlist(org, "plan", str(config), "--org", "env", "--today", TODAY,
                         "--detailed-exitcode").exit_code == 0

        # state: absent deletes the internal group only
        edit(config / "groups" / "partners.yaml", "- name: Contoso Deal Room",
             "- name: Contoso Deal Room\n    state: absent")
        _, absent = plan_json(org, config)
        delete = changes(absent)["group:Contoso Deal Room"]
        assert delete["action"] == "delete" and delete["record_id"] not in (deal_room, None)
        assert apply(org, config, tmp_path).exit_code == 0
        assert site_state(sf, site_groups) == before
        assert sf.query("SELECT Id FROM CollaborationGroup WHERE Name = 'Contoso Deal Room'")["records"] == [
            {"attributes": {"type": "CollaborationGroup",
                            "url": f"/services/data/v59.0/sobjects/CollaborationGroup/{deal_room}"},
             "Id": deal_room}]


def test_members_of_site_groups_are_never_swept_as_orphans_or_undeclared(
        db: Path, config: Path, tmp_path: Path) -> None:
    """kim (a customer the demo plan orphans) and victor (an Experience Cloud user the config doesn't declare) are
    members of a site's group: the site's people, so neither sweep deactivates them, and the plan says so once per
    sweep; paul (orphaned, in no site) still is. The site's memberships cost one request."""
    edit(config / "org.yaml", "external_users: observe", "external_users: deactivate")
    with start_sandbox(db) as org:
        _, before_site = plan_json(org, config)
    added = CliRunner().invoke(app, ["sandbox", "site", "add", "Partner Portal", "--db", str(db)])
    assert added.exit_code == 0, added.output
    with start_sandbox(db) as org:
        sf = connect(org.info)
        lounge = sf.CollaborationGroup.create({"Name": "Lounge", "CollaborationType": "Private", "CanHaveGuests": True,
                                               "NetworkId": added.stdout.strip()})["id"]
        for username in ("kim@guest.acme.com", "victor.klein@contoso.com.acmepartners"):
            sf.CollaborationGroupMember.create({"CollaborationGroupId": lounge, "MemberId": user_id(sf, username)})

        code, document = plan_json(org, config)
        assert code == 0, document
        deactivated = {key for key, c in changes(document).items() if c["after"] == {"active": False}}
        assert deactivated == {"user:paul@guest.acme.com"}
        assert {key for key, c in changes(before_site).items() if c["after"] == {"active": False}} == {
            "user:paul@guest.acme.com", "user:kim@guest.acme.com", "user:victor.klein@contoso.com.acmepartners"}
        spared = [w["message"] for w in document["warnings"] if w["code"] == "site-member"]
        assert spared == [
            "1 orphaned customer(s) left active: members of Experience Cloud sites' groups, which guestlist doesn't "
            "manage (the site decides): kim@guest.acme.com (Lounge (Partner Portal))",
            "1 external user(s) not in config left active: members of Experience Cloud sites' groups, which "
            "guestlist doesn't manage (the site decides): victor.klein@contoso.com.acmepartners (Lounge (Partner "
            "Portal))"]
        assert document["api_requests"] == before_site["api_requests"] + 1

        redacted = guestlist(org, "plan", str(config), "--org", "env", "--today", TODAY, "--redact")
        assert "k***@guest.acme.com (Lounge (Partner Portal))" in redacted.stdout
        assert "kim@" not in redacted.output and "victor.klein@" not in redacted.output

        assert apply(org, config, tmp_path).exit_code == 0
        active = {r["Username"]: r["IsActive"] for r in sf.query_all(
            "SELECT Username, IsActive FROM User WHERE Username IN ('kim@guest.acme.com', 'paul@guest.acme.com', "
            "'victor.klein@contoso.com.acmepartners')")["records"]}
        assert active == {"kim@guest.acme.com": True, "paul@guest.acme.com": False,
                          "victor.klein@contoso.com.acmepartners": True}


def test_a_new_org_has_no_site_groups_and_no_warning(org: RunningSandbox) -> None:
    code, document = plan_json(org, REPO / "desired")
    assert code == 0
    assert not [w for w in document["warnings"] if w["code"] == "site-group-name"]


# -- behaviour 2: unlisted groups need Manage Unlisted Groups --------------------------------------------------------


def _integration_user(org: RunningSandbox, sf: Salesforce) -> dict[str, str | None]:
    """A user made through the sandbox's APIs (User insert, a permission set with Modify All Data and View All
    Data, its assignment), logging in by JWT bearer: everything but Manage Unlisted Groups."""
    profile = sf.query("SELECT Id FROM Profile WHERE Name = 'Standard User'")["records"][0]["Id"]
    user = sf.User.create({"Username": "integration@acme.com", "Email": "integration@acme.com",
                           "LastName": "Integration", "Alias": "integ", "ProfileId": profile,
                           "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
                           "LanguageLocaleKey": "en_US"})["id"]
    all_data = sf.PermissionSet.create({"Name": "All_Data", "Label": "All data", "PermissionsModifyAllData": True,
                                        "PermissionsViewAllData": True, "PermissionsViewSetup": True,
                                        "PermissionsApiEnabled": True, "PermissionsManageUsers": True,
                                        "PermissionsChatterInviteExternalUsers": True})["id"]
    sf.PermissionSetAssignment.create({"AssigneeId": user, "PermissionSetId": all_data})
    return {**jwt_env(org.info, "integration@acme.com"), "SF_INSTANCE_URL": None, "SF_ACCESS_TOKEN": None}


def test_an_unlisted_group_run_by_a_user_without_manage_unlisted_groups_is_blocked(
        org: RunningSandbox, config: Path, tmp_path: Path) -> None:
    assert apply(org, config, tmp_path).exit_code == 0  # as the admin: "Initech Pilot" (unlisted) now exists
    sf = connect(org.info)
    integration = _integration_user(org, sf)
    pilots = "SELECT Id FROM CollaborationGroup WHERE Name = 'Initech Pilot'"
    assert len(sf.query(pilots)["records"]) == 1
    integration_id = user_id(sf, "integration@acme.com")
    with org.store.session() as session:
        token = session.issue_token(integration_id)
    assert connect(org.info, token=token).query(pilots)["records"] == []  # Modify All Data doesn't show it

    result = guestlist(org, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json",
                       env=integration)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    [blocker] = [b for b in document["blockers"] if b["code"] == "unlisted-permission"]
    assert blocker["key"] == "group:Initech Pilot"
    assert "integration@acme.com lacks \"Manage Unlisted Groups\" (PermissionsManageUnlistedGroups)" \
        in blocker["message"]
    assert [b["code"] for b in document["blockers"]] == ["unlisted-permission"]

    refused = apply(org, config, tmp_path, env=integration)
    assert refused.exit_code == 1 and "unlisted-permission" in refused.output
    assert len(sf.query(pilots)["records"]) == 1  # no second group of the name

    grant = sf.PermissionSet.create({"Name": "Unlisted_Groups", "Label": "Unlisted groups",
                                     "PermissionsManageUnlistedGroups": True})["id"]
    sf.PermissionSetAssignment.create({"AssigneeId": integration_id, "PermissionSetId": grant})
    allowed = guestlist(org, "plan", str(config), "--org", "env", "--today", TODAY, "--format", "json",
                        env=integration)
    document = json.loads(allowed.stdout)
    assert document["blockers"] == [] and "group:Initech Pilot" not in changes(document)


def test_the_permission_is_read_only_when_an_unlisted_group_is_declared(org: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "public.yaml").write_text("groups:\n  - name: Open Room\n    access: public\n")
    listed = guestlist(org, "plan", str(tmp_path / "public.yaml"), "--org", "env", "--today", TODAY,
                       "--format", "json")
    (tmp_path / "unlisted.yaml").write_text(
        "org:\n  chatter:\n    unlisted_groups: true\ngroups:\n  - name: Hidden Room\n    access: unlisted\n")
    unlisted = guestlist(org, "plan", str(tmp_path / "unlisted.yaml"), "--org", "env", "--today", TODAY,
                         "--format", "json")
    assert json.loads(listed.stdout)["api_requests"] == json.loads(unlisted.stdout)["api_requests"]
    assert json.loads(unlisted.stdout)["blockers"] == []  # the admin holds the permission
