"""A German-language org (`guestlist sandbox reset --language de`): profile names are translated labels, so people
are told apart by licence and user type (real-orgs.md §8), and new users get the org's time zone, locale and
language (real-orgs.md §11). Everything runs through the CLI against the sandbox, and reads back through the API."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce
from typer.testing import CliRunner

from reconciler.cli import app
from reconciler.sandbox.runner import start_sandbox
from tests.plan.test_cli_scenarios import edit
from tests.test_demo_dates import HEADER, REPO, readme_plan

TODAY = "2026-12-07"
LOCALE_FIELDS = "TimeZoneSidKey, LocaleSidKey, LanguageLocaleKey, EmailEncodingKey"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


def reset(db: Path, *language: str) -> None:
    code, out = run("sandbox", "reset", "--db", str(db), *language)
    assert code == 0, out


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    """A copy of desired/ to edit."""
    return Path(shutil.copytree(REPO / "desired", tmp_path / "desired"))


@pytest.fixture
def german_db(tmp_path: Path) -> Path:
    db = tmp_path / "org" / "de.sqlite3"
    reset(db, "--language", "de")
    return db


def users(db: Path, *usernames: str) -> dict[str, dict[str, object]]:
    """The users' profile labels and localization, read back through the API."""
    with start_sandbox(db) as org:
        session = requests.Session()
        session.trust_env = False
        session.verify = org.info.ca_file
        sf = Salesforce(instance_url=org.info.instance_url, session_id=org.info.access_token, session=session)
        names = ", ".join(f"'{name}'" for name in usernames)
        records = sf.query(f"SELECT Username, Profile.Name, {LOCALE_FIELDS} FROM User WHERE Username IN ({names})")
    return {r["Username"]: r for r in records["records"]}


def apply(path: Path | str, db: Path) -> None:
    code, out = run("apply", str(path), "--sandbox-db", str(db), "--today", TODAY, "--yes", "--allow-irreversible",
                    "--journal", str(db.parent / "journal.jsonl"))
    assert code == 0, out


def test_reset_refuses_a_language_it_does_not_know(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sandbox", "reset", "--db", str(tmp_path / "x.sqlite3"), "--language", "fr"])
    assert result.exit_code == 1 and "--language fr: the sandbox sets up orgs in en" in result.output
    assert not (tmp_path / "x.sqlite3").exists()


def test_the_german_org_shows_translated_profile_labels(german_db: Path) -> None:
    admin = users(german_db, "admin@acme.com", "frank@acme.com")
    assert admin["admin@acme.com"]["Profile"]["Name"] != "System Administrator"  # type: ignore[index]
    assert admin["frank@acme.com"]["Profile"]["Name"] != "Chatter Free User"  # type: ignore[index]
    assert admin["admin@acme.com"]["LanguageLocaleKey"] == "de"


def test_the_demo_round_trip_works_on_a_german_org(german_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out = run("plan", "desired/", "--sandbox-db", str(german_db), "--today", TODAY)
    header = HEADER.match(out)
    assert code == 0 and header, out
    assert out[header.end():] == readme_plan()  # the same plan as on the English org: nothing is missing
    apply("desired/", german_db)
    code, out = run("plan", "desired/", "--sandbox-db", str(german_db), "--today", TODAY, "--detailed-exitcode")
    assert code == 0, out
    assert "No changes: the org matches the config." in out
    found = users(german_db, "grace@acme.co.uk", "frank@acme.com")
    labels = {username: user["Profile"]["Name"] for username, user in found.items()}  # type: ignore[index]
    assert labels["grace@acme.co.uk"] == labels["frank@acme.com"] != "Chatter Free User"


@pytest.fixture
def english_db(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "org" / "en.sqlite3"
    reset(db)
    yield db


def test_new_users_get_the_orgs_defaults(english_db: Path, german_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    apply("desired/", english_db)
    apply("desired/", german_db)
    new = ("grace@acme.co.uk", "lena.berg@initech.com.acmecustomers")
    for db, org_defaults in ((english_db, ("America/Los_Angeles", "en_US", "en_US")),
                             (german_db, ("Europe/Berlin", "de_DE", "de"))):
        for username, user in users(db, *new).items():
            shown = (user["TimeZoneSidKey"], user["LocaleSidKey"], user["LanguageLocaleKey"], user["EmailEncodingKey"])
            assert shown == (*org_defaults, "UTF-8"), username  # not GMT: the Organization record's defaults


def test_a_user_declared_with_a_time_zone_locale_and_language_gets_them(demo_config: Path, german_db: Path) -> None:
    people = demo_config / "people.yaml"
    edit(people, "    last_name: Taylor\n", "    last_name: Taylor\n    time_zone: Asia/Tokyo\n    locale: ja_JP\n"
         "    language: ja\n    email_encoding: Shift_JIS\n")
    apply(demo_config, german_db)
    grace = users(german_db, "grace@acme.co.uk")["grace@acme.co.uk"]
    assert (grace["TimeZoneSidKey"], grace["LocaleSidKey"], grace["LanguageLocaleKey"], grace["EmailEncodingKey"]) \
        == ("Asia/Tokyo", "ja_JP", "ja", "Shift_JIS")
    code, out = run("plan", str(demo_config), "--sandbox-db", str(german_db), "--today", TODAY, "--detailed-exitcode")
    assert code == 0, out


def test_a_declared_time_zone_changes_an_existing_user(demo_config: Path, english_db: Path) -> None:
    people = demo_config / "people.yaml"
    edit(people, "    last_name: Miller\n", "    last_name: Miller\n    time_zone: Europe/Berlin\n")
    code, out = run("plan", str(demo_config), "--sandbox-db", str(english_db), "--today", TODAY)
    assert code == 0, out
    assert re.search(r"time_zone: \"?America/Los_Angeles\"? -> \"?Europe/Berlin\"?", out), out
    apply(demo_config, english_db)
    assert users(english_db, "frank@acme.com")["frank@acme.com"]["TimeZoneSidKey"] == "Europe/Berlin"
    code, out = run("plan", str(demo_config), "--sandbox-db", str(english_db), "--today", TODAY, "--detailed-exitcode")
    assert code == 0, out
