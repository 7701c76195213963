"""`guestlist report` through the CLI against the demo org: one row per person and grant, from the config and
from the org (its undeclared people too), as CSV a spreadsheet opens, markdown and JSON; --as-of, licence costs,
--redact, formula injection and last logins."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from reconciler.sandbox.store import Store
from tests.plan.conftest import demo_db, env_of, org  # noqa: F401  (fixtures)
from tests.plan.test_cli_scenarios import edit
from tests.sandbox.api.conftest import connect

REPO = Path(__file__).resolve().parents[2]
DESIRED = REPO / "desired"
AS_OF = "2026-11-22"

# (person, grant type, grant, status): every row of the demo org's report on 2026-11-22
DEMO_ROWS = {
    ("alice@acme.com", "group", "Acme Announcements (member)", "undeclared"),  # an additive group: left alone
    ("alice@acme.com", "group", "Acme Partner Hub (owner)", "active"),
    ("alice@acme.com", "group", "Contoso Deal Room (manager)", "active"),
    ("alice@acme.com", "permission set", "Invite_Customers_To_Chatter", "active"),
    ("bob@acme.com", "group", "Acme Partner Hub (manager)", "active"),
    ("bob@acme.com", "group", "Contoso Deal Room (owner)", "active"),
    ("bob@acme.com", "permission set", "Invite_Customers_To_Chatter", "planned"),
    ("carol@acme.com", "group", "Acme Announcements (owner)", "active"),
    ("carol@acme.com", "group", "Acme Partner Hub (member)", "active"),
    ("dan@acme.com", "group", "Acme Announcements (member)", "active"),  # the org's role: the config wants manager
    ("dan@acme.com", "group", "Contoso Deal Room (member)", "active"),
    ("dan@acme.com", "permission set", "Invite_Customers_To_Chatter", "undeclared"),
    ("erin@acme.com", "group", "Acme Partner Hub (member)", "active"),
    ("erin@acme.com", "group", "Initech Pilot (manager)", "planned"),
    ("frank@acme.com", "licence", "Chatter Free / Chatter Free User", "active"),
    ("frank@acme.com", "group", "Acme Announcements (member)", "active"),
    ("grace@acme.co.uk", "licence", "Chatter Free / Chatter Free User", "planned"),
    ("grace@acme.co.uk", "group", "Acme Partner Hub (member)", "planned"),
    ("heidi@acme.com", "licence", "Chatter Free / Chatter Free User", "active"),
    ("jane@contoso.com", "licence", "Chatter External / Chatter External User", "active"),
    ("jane@contoso.com", "group", "Acme Partner Hub (member)", "active"),
    ("jane@contoso.com", "group", "Contoso Deal Room (manager)", "active"),
    ("kim@contoso.com", "licence", "Chatter External / Chatter External User", "undeclared"),
    ("kim@contoso.com", "group", "Acme Partner Hub (member)", "undeclared"),
    ("lena.berg@initech.com", "licence", "Customer Community Plus / Customer Community Plus User", "planned"),
    ("li.wei@globex.com", "group", "Acme Partner Hub (manager)", "planned"),
    ("maria@initech.com", "group", "Initech Pilot (member)", "planned"),
    ("mike@contoso.com", "invitation", "Acme Partner Hub", "undeclared"),
    ("nina.ross@contoso.com", "licence", "Partner Community / Partner Community User", "active"),
    ("nina.ross@contoso.com", "permission set", "Deal_Registration", "planned"),
    ("omar.haddad@globex.com", "licence", "Customer Community / Customer Community User", "active"),
    ("paul@globex.com", "licence", "Chatter External / Chatter External User", "undeclared"),
    ("paul@globex.com", "group", "Contoso Deal Room (member)", "undeclared"),
    ("peter@initech.com", "group", "Initech Pilot (member)", "planned"),
    ("raj@contoso.com", "invitation", "Acme Partner Hub", "pending"),
    ("sam.patel@contoso.com", "licence", "Partner Community / Partner Community User", "active"),
    ("sam.patel@contoso.com", "permission set", "Deal_Registration", "active"),
    ("tom@contoso.com", "group", "Contoso Deal Room (member)", "planned"),
    ("victor.klein@contoso.com", "licence", "Partner Community / Partner Community User", "undeclared"),
    ("victor.klein@contoso.com", "permission set", "Deal_Registration", "undeclared"),
}


def report(running: RunningSandbox, *args: str, config: Path = DESIRED, code: int = 0):
    result = CliRunner().invoke(app, ["report", str(config), "--org", "env", "--as-of", AS_OF, *args],
                                env=env_of(running))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, result.output
    return result


def csv_report(running: RunningSandbox, *args: str, config: Path = DESIRED) -> tuple[list[list[str]], list[dict]]:
    """Every line of the CSV, and the table's rows as dicts (the lines after `person,...` up to the blank one)."""
    text = report(running, "--format", "csv", *args, config=config).stdout_bytes.decode("utf-8")  # as written
    assert text.startswith("\ufeff")  # UTF-8 with BOM: Excel reads it as UTF-8
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # RFC 4180: CRLF line ends
    lines = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert len({len(line) for line in lines}) == 1  # the same number of fields on every line
    start = next(i for i, line in enumerate(lines) if line[0] == "person")
    end = lines.index([""] * len(lines[0]), start)
    table = [dict(zip(lines[start], line, strict=True)) for line in lines[start + 1:end]]
    return lines, table


def by_key(rows: list[dict]) -> dict[tuple[str, str, str], dict]:
    return {(row["person"], row["grant_type"], row["grant"]): row for row in rows}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "desired"
    shutil.copytree(DESIRED, target)
    return target


@pytest.fixture
def own_org(tmp_path: Path, demo_db: Path) -> Iterator[RunningSandbox]:  # noqa: F811
    """A demo org of this test's own (the test changes it), where sam.patel last logged in on 2026-11-20."""
    db = tmp_path / "org.sqlite3"
    shutil.copyfile(demo_db, db)
    store = Store(db)
    with store.session() as session:
        [sam] = session.rows("User", '"Username" = ?', ("sam.patel@contoso.com.acmepartners",))
        session.system_update("User", sam["Id"], {"LastLoginDate": "2026-11-20T08:30:00.000+0000"})
    store.close()
    with start_sandbox(db) as running:
        yield running


def test_the_demo_reports_csv_parses_into_one_row_per_person_and_grant(org: RunningSandbox) -> None:  # noqa: F811
    lines, table = csv_report(org)
    assert lines[0][0] == "guestlist access review"
    header = {line[0]: line[1] for line in lines[1:6]}
    assert header["as of"] == AS_OF and header["org"].startswith("Acme (00D") and header["guestlist"]
    assert header["generated"].endswith("Z")
    assert {(r["person"], r["grant_type"], r["grant"], r["status"]) for r in table} == DEMO_ROWS
    assert len(table) == len(DEMO_ROWS)
    jane = by_key(table)[("jane@contoso.com", "group", "Acme Partner Hub (member)")]
    assert (jane["kind"], jane["expires"], jane["sponsor"], jane["granted_by"]) == \
        ("customer", "2099-03-31", "bob@acme.com", "admin@acme.com")
    assert jane["declared_in"].endswith("groups/partners.yaml:25") and jane["granted_at"].startswith("2026-04-08")
    assert (jane["decision"], jane["reviewer_note"]) == ("", "")  # for the reviewer to fill in
    assert [line[0] for line in lines[-4:]] == ["Reviewed by", "Date", "Signature", "Findings and changes requested"]


def test_people_only_the_org_has_are_listed_as_undeclared(org: RunningSandbox) -> None:  # noqa: F811
    rows = by_key(csv_report(org)[1])
    for key in [("kim@contoso.com", "group", "Acme Partner Hub (member)"),
                ("paul@globex.com", "licence", "Chatter External / Chatter External User"),
                ("victor.klein@contoso.com", "permission set", "Deal_Registration")]:
        assert rows[key]["status"] == "undeclared" and rows[key]["declared_in"] == "", key
    assert rows[("victor.klein@contoso.com", "licence", "Partner Community / Partner Community User")]["kind"] == \
        "external user"


def test_as_of_changes_the_days_left(org: RunningSandbox) -> None:  # noqa: F811
    key = ("jane@contoso.com", "group", "Acme Partner Hub (member)")
    now = by_key(csv_report(org)[1])[key]
    later = by_key(csv_report(org, "--as-of", "2027-01-01")[1])[key]
    assert int(now["days_left"]) - int(later["days_left"]) == 40
    assert int(by_key(csv_report(org, "--as-of", "2099-04-10")[1])[key]["days_left"]) == -10


def test_markdown_reads_as_a_review(org: RunningSandbox) -> None:  # noqa: F811
    text = report(org, "--format", "markdown").stdout
    assert text.startswith("# guestlist access review: Acme\n")
    assert f"- **as of:** {AS_OF}" in text and "- **guestlist:** " in text
    assert "**40 grants:** 20 active, 1 pending, 9 undeclared, 10 planned." in text
    assert "| `kim@contoso.com` | kim | customer | group | Acme Partner Hub (member) | undeclared |" in text
    assert "## Licences" in text and "| Partner Community | 3 |" in text
    assert text.rstrip().endswith("- **Findings and changes requested:** ______________________")


def test_json_has_the_rows_the_header_and_the_sign_off(org: RunningSandbox) -> None:  # noqa: F811
    document = json.loads(report(org, "--format", "json").stdout)
    assert document["header"]["org_id"].startswith("00D") and document["header"]["as_of"] == AS_OF
    assert {(r["person"], r["grant_type"], r["grant"], r["status"]) for r in document["rows"]} == DEMO_ROWS
    assert document["summary"] == {"active": 20, "pending": 1, "undeclared": 9, "planned": 10}
    assert document["sign_off"] == {"reviewed_by": None, "date": None, "signature": None, "findings": None}
    raj = next(r for r in document["rows"] if r["person"] == "raj@contoso.com")
    assert raj["granted_by"] == "alice@acme.com"  # the invitation's sender


def test_licence_costs_come_from_the_config(org: RunningSandbox, config: Path) -> None:  # noqa: F811
    edit(config / "org.yaml", "policy:\n", "policy:\n  license_costs: {Partner Community: 35, Chatter Free: 0}\n")
    lines, table = csv_report(org, config=config)
    sam = by_key(table)[("sam.patel@contoso.com", "licence", "Partner Community / Partner Community User")]
    assert sam["licence_cost"] == "35"
    assert by_key(table)[("jane@contoso.com", "licence", "Chatter External / Chatter External User")][
        "licence_cost"] == ""  # not priced
    seats = next(line for line in lines if line[0] == "Partner Community")
    assert seats[:4] == ["Partner Community", "3", "35", "105"]
    assert "No licence is priced" in report(org, "--format", "markdown").stdout
    assert "| Partner Community | 3 | 35.00 | 105.00 |" in report(org, "--format", "markdown", config=config).stdout


@pytest.mark.parametrize("output_format", ["csv", "markdown", "json"])
def test_redact_masks_external_people_in_every_format(org: RunningSandbox, output_format: str) -> None:  # noqa: F811
    out = report(org, "--format", output_format, "--redact").stdout
    for private in ("jane@contoso.com", "kim@contoso.com", "victor.klein@contoso.com", "Sam Patel", "Victor",
                    "sam.patel@contoso.com.acmepartners"):
        assert private not in out, (output_format, private)
    assert "j***@contoso.com" in out.replace("\\", "") and "bob@acme.com" in out  # colleagues stay readable
    assert "admin@acme.com" in out  # who granted access: a colleague


def test_a_cell_that_would_be_a_formula_is_text(own_org: RunningSandbox) -> None:
    sf = connect(own_org.info)
    [victor] = sf.query("SELECT Id FROM User WHERE Username = 'victor.klein@contoso.com.acmepartners'")["records"]
    sf.User.update(victor["Id"], {"FirstName": '=HYPERLINK("https://evil.example","x")'})
    rows = by_key(csv_report(own_org)[1])
    name = rows[("victor.klein@contoso.com", "licence", "Partner Community / Partner Community User")]["name"]
    assert name == '\'=HYPERLINK("https://evil.example","x") Klein'


def test_last_login_where_the_org_has_it(own_org: RunningSandbox) -> None:
    rows = by_key(csv_report(own_org)[1])
    assert rows[("sam.patel@contoso.com", "licence", "Partner Community / Partner Community User")]["last_login"] \
        .startswith("2026-11-20T08:30")
    assert rows[("nina.ross@contoso.com", "licence", "Partner Community / Partner Community User")]["last_login"] == ""


@pytest.mark.parametrize("day, expect", [("2026-02-30", "February 2026 has 28 days"), ("soon", "YYYY-MM-DD")])
def test_a_bad_as_of_date_is_refused(org: RunningSandbox, day: str, expect: str) -> None:  # noqa: F811
    result = report(org, "--as-of", day, code=1)
    assert f"error: --as-of '{day}' is not a date" in result.stderr and expect in result.stderr
    assert result.stdout == ""


def test_an_invalid_config_makes_no_report(org: RunningSandbox, tmp_path: Path) -> None:  # noqa: F811
    broken = tmp_path / "broken.yaml"
    broken.write_text("groups: [{name: Hub, access: privat}]\n")
    result = report(org, config=broken, code=1)
    assert "error invalid-value" in result.stderr and "no report was made" in result.stderr


def test_a_csv_format_is_refused_by_plan(org: RunningSandbox) -> None:  # noqa: F811
    result = CliRunner().invoke(app, ["plan", str(DESIRED), "--org", "env", "--format", "csv"], env=env_of(org))
    assert result.exit_code == 1 and "--format 'csv' is not one of" in result.stderr


def test_a_group_renamed_in_the_config_is_still_declared_under_its_old_name(org: RunningSandbox,  # noqa: F811
                                                                            config: Path) -> None:
    edit(config / "groups" / "partners.yaml", "  - name: Contoso Deal Room\n",
         "  - name: Contoso Framework Room\n    previously: [Contoso Deal Room]\n")
    rows = by_key(csv_report(org, config=config)[1])
    jane = rows[("jane@contoso.com", "group", "Contoso Deal Room (manager)")]  # the org's name until apply renames it
    assert jane["status"] == "active" and jane["declared_in"].endswith("partners.yaml:51")
    assert rows[("tom@contoso.com", "group", "Contoso Framework Room (member)")]["status"] == "planned"
