"""The export contract on the demo org and on an empty org: `guestlist export --out d/ && guestlist validate d/ &&
guestlist plan d/ --detailed-exitcode` exits 0, in every layout and mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.export.helpers import RECORD_ID, TODAY, assert_contract, cli


@pytest.mark.parametrize("layout", [[], ["--split"], ["--authoritative"], ["--split", "--authoritative"]])
def test_the_demo_org_exports_to_a_config_that_plans_no_changes(layout: list[str], demo_db: Path,
                                                                 tmp_path: Path) -> None:
    assert_contract(tmp_path / "d", ["--sandbox-db", str(demo_db)], *layout)


@pytest.mark.parametrize("only", ["groups", "org", "chatter_users,external_users", "permission_sets",
                                  "groups,permission_sets"])
def test_each_section_alone_keeps_the_contract(only: str, demo_db: Path, tmp_path: Path) -> None:
    run = assert_contract(tmp_path / "d", ["--sandbox-db", str(demo_db)], "--only", only)
    data = yaml.safe_load((tmp_path / "d" / "guestlist.yaml").read_text())
    sections = set(only.split(",")) - {"org"}
    assert set(data) - {"version", "policy", "org"} == sections, (run.stderr, data)


def test_an_empty_org_exports_to_a_config_that_plans_no_changes(tmp_path: Path) -> None:
    db = tmp_path / "org.sqlite3"
    reset = cli(["sandbox", "reset", "--db", str(db), "--empty"])
    assert reset.code == 0, reset.stderr
    for layout in ([], ["--split"]):
        out = tmp_path / f"d{len(layout)}"
        assert_contract(out, ["--sandbox-db", str(db)], *layout)
    data = yaml.safe_load((tmp_path / "d0" / "guestlist.yaml").read_text())
    assert data["groups"] == [] and data["chatter_users"] == [] and data["external_users"] == []
    assert data["policy"] == {"external_users": "observe"}


def test_the_demo_export_says_what_the_org_holds(demo_db: Path) -> None:
    """The demo's groups, members, pending invitation, people and assignments, as YAML on stdout."""
    run = cli(["export", "--sandbox-db", str(demo_db), "--today", TODAY])
    assert run.code == 0, run.stderr
    data = yaml.safe_load(run.stdout)
    groups = {g["name"]: g for g in data["groups"]}
    assert set(groups) == {"Acme Announcements", "Acme Partner Hub", "Contoso Deal Room"}
    hub = groups["Acme Partner Hub"]
    assert hub["allow_customers"] is True and hub["owner"] == "alice@acme.com"
    assert hub["membership"] == "additive"  # adoption-safe without --authoritative
    assert {"user": "bob@acme.com", "role": "manager", "notify": "daily"} in hub["members"]
    assert {"customer": "raj@contoso.com"} in hub["members"]  # the pending invitation
    assert {"user": "dan@acme.com", "notify": "each_post"} in groups["Contoso Deal Room"]["members"]
    assert groups["Acme Announcements"]["access"] == "public"
    assert "access" not in hub  # private: the default
    assert [u["username"] for u in data["chatter_users"]] == ["frank@acme.com", "heidi@acme.com"]
    sam = next(u for u in data["external_users"] if u["username"] == "sam.patel@contoso.com.acmepartners")
    assert sam == {"username": "sam.patel@contoso.com.acmepartners", "email": "sam.patel@contoso.com",
                   "first_name": "Sam", "last_name": "Patel", "account": "Contoso Ltd",
                   "license": "Partner Community", "portal_role": "user",  # the profile is the licence's default
                   "expires": "2099-06-30"}  # the day before their Deal_Registration assignment's ExpirationDate
    assert data["permission_sets"]["Invite_Customers_To_Chatter"] == {"assignees": ["alice@acme.com",
                                                                                  "dan@acme.com"]}
    assert data["policy"] == {"external_users": "observe"}
    assert "customer_invitations" not in data["org"]["chatter"]  # false while groups allow customers: a comment
    assert data["org"]["chatter"] == {"enabled": True, "unlisted_groups": True, "group_archiving": True}


def test_the_yaml_has_the_schema_line_comments_and_no_record_ids(demo_db: Path) -> None:
    run = cli(["export", "--sandbox-db", str(demo_db), "--today", TODAY])
    lines = run.stdout.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../schemas/guestlist.schema.json"
    assert any(re.fullmatch(r"- customer: raj@contoso\.com  # invited \d{4}-\d{2}-\d{2}, pending", line.strip())
               for line in lines), run.stdout
    # the invitation the plan would resend is a comment, its group stays additive, and stderr says so
    stale = "the pending invitation of mike@contoso.com is not listed: it can no longer be accepted"
    assert any(line.strip().startswith(f"# {stale}") for line in lines)
    assert f"warning: group 'Acme Partner Hub': {stale}" in run.stderr
    assert RECORD_ID.search(run.stdout) is None, RECORD_ID.search(run.stdout)


def test_stdout_holds_only_yaml_and_stderr_the_rest(demo_db: Path) -> None:
    run = cli(["export", "--sandbox-db", str(demo_db), "--today", TODAY])
    assert isinstance(yaml.safe_load(run.stdout), dict)
    assert "warning:" not in run.stdout and "API requests" not in run.stdout
    assert "keep the repository it goes into private" in run.stderr
    requests = [line for line in run.stderr.splitlines() if line.startswith("API requests used: ")]
    assert len(requests) == 1 and int(requests[0].split(": ")[1].rstrip(".")) > 0


def test_the_export_is_deterministic(demo_db: Path, tmp_path: Path) -> None:
    first = cli(["export", "--sandbox-db", str(demo_db), "--today", TODAY, "--out", str(tmp_path / "a"), "--split"])
    second = cli(["export", "--sandbox-db", str(demo_db), "--today", TODAY, "--out", str(tmp_path / "b"),
                  "--split"])
    assert first.code == second.code == 0
    a = {p.relative_to(tmp_path / "a"): p.read_text() for p in (tmp_path / "a").rglob("*.yaml")}
    b = {p.relative_to(tmp_path / "b"): p.read_text() for p in (tmp_path / "b").rglob("*.yaml")}
    assert a == b
    assert {str(p) for p in a} == {"org.yaml", "people.yaml", "access.yaml", "groups/acme-announcements.yaml",
                                   "groups/acme-partner-hub.yaml", "groups/contoso-deal-room.yaml"}
    assert (tmp_path / "a" / "groups" / "acme-partner-hub.yaml").read_text().startswith(
        "# yaml-language-server: $schema=../../schemas/guestlist.schema.json\n")
