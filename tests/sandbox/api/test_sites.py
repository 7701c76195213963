"""Experience Cloud sites in the sandbox: `guestlist sandbox site add/list`, Network records over the API, and
CollaborationGroup.NetworkId with group names unique per site (real-orgs.md §1.1 to real-orgs.md §1.3)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceMalformedRequest
from typer.testing import CliRunner

from reconciler.cli import app
from tests.sandbox.api.conftest import connect


def _sandbox(*args: str) -> Any:
    return CliRunner().invoke(app, ["sandbox", *args])


def _group(sf: Salesforce, name: str, network_id: str | None = None) -> str:
    values = {"Name": name, "CollaborationType": "Private", **({"NetworkId": network_id} if network_id else {})}
    return sf.CollaborationGroup.create(values)["id"]


def test_a_new_org_has_no_sites_until_one_is_added(tmp_path: Path, start: Any) -> None:
    with start(tmp_path / "org") as sandbox:
        db = str(tmp_path / "org" / "org.sqlite3")
        sf = connect(sandbox.info)
        assert json.loads(_sandbox("site", "list", "--db", db).stdout) == {"sites": []}
        assert sf.query("SELECT Id FROM Network")["totalSize"] == 0

        added = _sandbox("site", "add", "Partner Portal", "--db", db)
        assert added.exit_code == 0, added.output
        site_id = added.stdout.strip()
        assert re.fullmatch(r"0DB[0-9A-Za-z]{15}", site_id)
        live = _sandbox("site", "add", "Customer Care", "--status", "Live", "--db", db)
        assert live.exit_code == 0, live.output

        [record, _] = sorted(sf.query("SELECT Id, Name, Status FROM Network")["records"], key=lambda r: r["Name"],
                             reverse=True)
        assert (record["Id"], record["Name"], record["Status"]) == (site_id, "Partner Portal", "UnderConstruction")
        assert json.loads(_sandbox("site", "list", "--db", db).stdout)["sites"] == [
            {"id": live.stdout.strip(), "name": "Customer Care", "status": "Live"},
            {"id": site_id, "name": "Partner Portal", "status": "UnderConstruction"},
        ]


def test_site_add_refuses_a_taken_name_and_an_unknown_status(tmp_path: Path, start: Any) -> None:
    with start(tmp_path / "org"):
        db = str(tmp_path / "org" / "org.sqlite3")
        assert _sandbox("site", "add", "Partner Portal", "--db", db).exit_code == 0
        taken = _sandbox("site", "add", "partner portal", "--db", db)
        assert taken.exit_code == 1 and "site 'partner portal': duplicate value found: Name" in taken.output
        unknown = _sandbox("site", "add", "Other", "--status", "Open", "--db", db)
        assert unknown.exit_code == 1 and "bad value for restricted picklist field: Open" in unknown.output
        assert "Traceback" not in taken.output + unknown.output
        missing = _sandbox("site", "list", "--db", str(tmp_path / "nowhere.sqlite3"))
        assert missing.exit_code == 1 and "no sandbox database at" in missing.output


def test_the_api_cannot_create_a_network(fresh: Any) -> None:
    sf = connect(fresh.info)
    with pytest.raises(SalesforceError) as refused:
        sf.Network.create({"Name": "Made Over REST"})
    assert "METHOD_NOT_ALLOWED" in str(refused.value)


def test_group_names_are_unique_per_site(tmp_path: Path, start: Any) -> None:
    with start(tmp_path / "org") as sandbox:
        db = str(tmp_path / "org" / "org.sqlite3")
        portal = _sandbox("site", "add", "Partner Portal", "--db", db).stdout.strip()
        care = _sandbox("site", "add", "Customer Care", "--db", db).stdout.strip()
        sf = connect(sandbox.info)
        in_portal = _group(sf, "Acme Partner Hub", portal)  # the demo has an internal group of this name
        in_care = _group(sf, "acme partner hub", care)
        for network_id in (portal, None):
            with pytest.raises(SalesforceMalformedRequest) as clash:
                _group(sf, "ACME Partner Hub", network_id)
            assert "DUPLICATE_VALUE" in str(clash.value)

        rows = sf.query("SELECT Id, NetworkId, Network.Name FROM CollaborationGroup "
                        "WHERE Name = 'Acme Partner Hub' ORDER BY Id")["records"]
        by_id = {r["Id"]: (r["NetworkId"], (r["Network"] or {}).get("Name")) for r in rows}
        assert by_id[in_portal] == (portal, "Partner Portal") and by_id[in_care] == (care, "Customer Care")
        assert sorted(value for value in by_id.values() if value[0] is None) == [(None, None)]  # the internal one
        with pytest.raises(SalesforceMalformedRequest):  # a group can't move between sites
            sf.CollaborationGroup.update(in_portal, {"NetworkId": care})
        with pytest.raises(SalesforceMalformedRequest) as unknown:
            _group(sf, "Nowhere", "0DB5g0000000zzzZZZ")
        assert "INVALID_CROSS_REFERENCE_KEY" in str(unknown.value) or "MALFORMED_ID" in str(unknown.value)
