"""apply finds guestlist's groups by name among internal groups only (NetworkId null): a site's group that bears the
name of a group the plan creates is neither "the group exists already" for a saved plan nor the group a lost
create answer is settled with (real-orgs.md §1.2, real-orgs.md §1.4). Through the CLI against the sandbox org, the
site added with `guestlist sandbox site add`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from reconciler.apply.lookup import find_by_natural_key
from reconciler.cli import app
from reconciler.org.connect import connect
from reconciler.org.writes import QueryFailed, RecordError
from reconciler.sandbox.runner import RunningSandbox
from tests.apply.conftest import inject, org_env
from tests.apply.test_apply_cli import apply, query, save_plan

PILOT = "Initech Pilot"  # the demo plan creates it (unlisted, owned by dan, erin a member)


def _site_group(sandbox: RunningSandbox, name: str) -> str:
    """A site (made with the sandbox's CLI) with a group of `name`, made through the API; its id."""
    added = CliRunner().invoke(app, ["sandbox", "site", "add", "Partner Portal", "--db", str(sandbox.store.path)])
    assert added.exit_code == 0, added.output
    rows = query(sandbox, "SELECT Id FROM Network WHERE Name = 'Partner Portal'")
    with connect("env", env=org_env(sandbox)) as conn:
        return str(conn.sf.CollaborationGroup.create({"Name": name, "CollaborationType": "Public",
                                                     "NetworkId": rows[0]["Id"]})["id"])


def _groups_named(sandbox: RunningSandbox, name: str) -> list[tuple[str, int]]:
    """(NetworkId or '', member count) of every group of that name."""
    rows = query(sandbox, f"SELECT NetworkId, MemberCount FROM CollaborationGroup WHERE Name = '{name}'")
    return sorted((r["NetworkId"] or "", r["MemberCount"]) for r in rows)


def test_a_saved_plan_creating_a_group_a_site_also_names_is_not_stale(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    _site_group(sandbox, PILOT)
    saved = save_plan(sandbox, config, tmp_path)
    result = apply(sandbox, config, tmp_path, "--plan", str(saved), "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    assert "exists already" not in result.output and "Converged" in result.stdout
    [(site, site_members), (internal, internal_members)] = sorted(_groups_named(sandbox, PILOT), reverse=True)
    assert site and site_members == 1  # the site's group: its owner only
    assert internal == "" and internal_members == 2  # ours: dan (owner) and erin


def test_a_lost_group_create_answer_is_settled_with_the_internal_group(
        sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    site_group = _site_group(sandbox, PILOT)
    # POSTs to composite/sobjects: the apply lock, the users, then the group: its answer is lost after the commit
    inject(sandbox, "drop-after-commit:method=POST,path=composite/sobjects,nth=3")
    result = apply(sandbox, config, tmp_path, "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    members = query(sandbox, f"SELECT MemberId FROM CollaborationGroupMember WHERE CollaborationGroupId = "
                             f"'{site_group}'")
    assert len(members) == 1  # only the site group's owner: no member of the declared group went there
    assert sorted(_groups_named(sandbox, PILOT), reverse=True)[1] == ("", 2)


class _NoNetworkId:
    """A Writer against an org without Experience Cloud: CollaborationGroup has no NetworkId."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def query(self, soql: str) -> list[dict[str, Any]]:
        self.queries.append(soql)
        if "NetworkId" in soql:
            raise QueryFailed(RecordError("INVALID_FIELD", "No such column 'NetworkId' on entity "
                                                           "'CollaborationGroup'."))
        return [{"Id": "0F9000000000001AAA", "Name": "Hub"}]


def test_an_org_without_network_id_is_asked_once_more_without_the_condition() -> None:
    writer = _NoNetworkId()
    found = find_by_natural_key(writer, "CollaborationGroup", [{"Name": "Hub"}, {"Name": "Other"}])  # type: ignore[arg-type]
    assert found == {0: "0F9000000000001AAA"}
    assert len(writer.queries) == 2 and "NetworkId = null" in writer.queries[0]
    assert "NetworkId" not in writer.queries[1]
