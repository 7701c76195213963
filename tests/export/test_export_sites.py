"""Only internal groups are exported: the groups of Experience Cloud sites are never guestlist's, also when one
shares an internal group's name; an org without Experience Cloud (no NetworkId field) exports all its groups."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from simple_salesforce.exceptions import SalesforceError

from reconciler.org.export_reads import ExportReader
from reconciler.sandbox.objects.sites import add_site
from reconciler.sandbox.store import Store
from tests.export.helpers import assert_contract


def test_site_groups_are_never_exported(demo_db: Path, tmp_path: Path) -> None:
    store = Store(demo_db)
    with store.session() as s:
        portal = add_site(s, "Partner Portal")
        s.actor_id = s.meta("admin_user_id")
        for name in ("acme partner hub", "Portal Lounge"):
            s.create("CollaborationGroup", {"Name": name, "CollaborationType": "Private", "NetworkId": portal})
    store.close()
    assert_contract(tmp_path / "d", ["--sandbox-db", str(demo_db)])
    names = [g["name"] for g in yaml.safe_load((tmp_path / "d" / "guestlist.yaml").read_text())["groups"]]
    assert names == ["Acme Announcements", "Acme Partner Hub", "Contoso Deal Room"]


class _NoExperienceCloud:
    """simple-salesforce against an org without Experience Cloud: NetworkId is no field of CollaborationGroup."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def query_all_iter(self, soql: str) -> Any:
        self.queries.append(soql)
        if "NetworkId" in soql:
            raise SalesforceError("url", 400, "query", [{"errorCode": "INVALID_FIELD", "message":
                                                         "No such column 'NetworkId' on entity 'CollaborationGroup'"}])
        return iter([{"Id": "0F9000000000001AAA", "Name": "Only"}])


def test_an_org_without_experience_cloud_has_only_internal_groups() -> None:
    sf = _NoExperienceCloud()
    conn = SimpleNamespace(sf=sf, secrets=lambda: (), api_usage=None)
    groups = ExportReader(conn).internal_groups()  # type: ignore[arg-type]
    assert [g["Name"] for g in groups] == ["Only"]
    assert len(sf.queries) == 2 and "WHERE" not in sf.queries[1]
