"""`guestlist export`'s own options: where it writes, what it refuses (exit 1, one clear line, before anything is
overwritten), what --only and --groups choose, and --authoritative where it removes nothing."""

from __future__ import annotations

from pathlib import Path

import yaml

from reconciler.sandbox.admin import connection
from reconciler.sandbox.faults import FaultPlan
from reconciler.sandbox.runner import start_sandbox
from tests.export.helpers import TODAY, assert_contract, cli
from tests.logins import jwt_env


def _export(db: Path, *args: str, env: dict[str, str] | None = None):  # noqa: ANN202
    return cli(["export", *args, "--sandbox-db", str(db), "--today", TODAY], env)


def test_existing_files_are_never_overwritten_without_force(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "d"
    assert _export(demo_db, "--out", str(out), "--split").code == 0
    hub = out / "groups" / "acme-partner-hub.yaml"
    hub.write_text("# my own edits\n")
    again = _export(demo_db, "--out", str(out), "--split")
    assert again.code == 1
    assert f"{out / 'org.yaml'} already exists" in again.stderr and "--force" in again.stderr
    assert hub.read_text() == "# my own edits\n"
    for name in ("org.yaml", "people.yaml", "access.yaml"):
        (out / name).unlink()
    only_groups_left = _export(demo_db, "--out", str(out), "--split")  # group files in the way are found too
    assert only_groups_left.code == 1
    assert f"{out / 'groups' / 'acme-announcements.yaml'} already exists (and 2 more)" in only_groups_left.stderr
    assert not (out / "org.yaml").exists()  # nothing written
    assert hub.read_text() == "# my own edits\n"
    forced = _export(demo_db, "--out", str(out), "--split", "--force")
    assert forced.code == 0, forced.stderr
    assert "name: Acme Partner Hub" in hub.read_text()


def test_the_directory_may_be_given_as_the_argument(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "d"  # created, with its parents
    run = _export(demo_db, str(out))
    assert run.code == 0, run.stderr
    assert yaml.safe_load((out / "guestlist.yaml").read_text())["version"] == 1
    assert f"wrote 1 file(s) to {out}: guestlist.yaml" in run.stderr
    both = _export(demo_db, str(out), "--out", str(tmp_path / "other"))
    assert both.code == 1 and "not both" in both.stderr


def test_options_that_can_never_work_are_refused(demo_db: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")
    for args, expect in ((["--split"], "--split writes one file per group: give a directory with --out DIR"),
                         (["--only", "groups,teams"], "--only 'teams': choose among org, groups"),
                         (["--only", ""], "choose among"),
                         (["--out", str(a_file)], f"--out {a_file} is a file"),
                         (["--out", str(a_file / "below")], f"{a_file} is a file, not a directory")):
        run = _export(demo_db, *args)
        assert run.code == 1, (args, run.stderr)
        assert expect in run.stderr, (args, run.stderr)
        assert run.stdout == ""


def test_redaction_refuses_yaml_on_stdout_but_not_files(demo_db: Path, tmp_path: Path) -> None:
    """Masked people in the YAML would be placeholders the next apply "corrects"."""
    run = _export(demo_db, env={"GUESTLIST_REDACT": "1"})
    assert run.code == 1 and "write the export to files with --out DIR" in run.stderr and run.stdout == ""
    written = _export(demo_db, "--out", str(tmp_path / "d"), env={"GUESTLIST_REDACT": "1"})
    assert written.code == 0, written.stderr
    assert "jane@contoso.com" in (tmp_path / "d" / "guestlist.yaml").read_text()


def test_groups_glob_chooses_groups_case_insensitively(demo_db: Path, tmp_path: Path) -> None:
    run = assert_contract(tmp_path / "d", ["--sandbox-db", str(demo_db)], "--groups", "acme*", "--only", "groups")
    data = yaml.safe_load((tmp_path / "d" / "guestlist.yaml").read_text())
    assert [g["name"] for g in data["groups"]] == ["Acme Announcements", "Acme Partner Hub"], run.stderr


def test_authoritative_where_nothing_is_left_out(demo_db: Path, tmp_path: Path) -> None:
    """The demo's stale invitation keeps its group additive (and says why); the others become authoritative,
    and so do the permission sets whose every assignee is exported."""
    run = assert_contract(tmp_path / "d", ["--sandbox-db", str(demo_db)], "--authoritative")
    data = yaml.safe_load((tmp_path / "d" / "guestlist.yaml").read_text())
    modes = {g["name"]: g.get("membership", "authoritative") for g in data["groups"]}
    assert modes == {"Acme Announcements": "authoritative", "Acme Partner Hub": "additive",
                     "Contoso Deal Room": "authoritative"}
    assert "warning: group 'Acme Partner Hub': membership stays additive" in run.stderr
    assert all(ps["membership"] == "authoritative" for ps in data["permission_sets"].values())


def test_a_session_that_ends_mid_export_is_renewed_once(demo_db: Path) -> None:
    """The org ends the session at the third query: with credentials guestlist can log in with, the export reads
    again and comes out whole; with a bare access token it says what to do, exit 1."""
    faults = FaultPlan.from_specs(["expired-session:path=/query,nth=3"])
    with start_sandbox(demo_db, faults=faults) as running:
        env = jwt_env(running.info)
        renewed = cli(["export", "--org", "env", "--today", TODAY], env)
        assert renewed.code == 0, renewed.stderr
        assert len(yaml.safe_load(renewed.stdout)["groups"]) == 3
        running.admin.set_faults(faults)
        fresh = connection(running.store)["access_token"]
        token = {"SF_INSTANCE_URL": running.info.instance_url, "SF_ACCESS_TOKEN": fresh,
                 "SF_CA_FILE": running.info.ca_file}
        ended = cli(["export", "--org", "env", "--today", TODAY], token)
        assert ended.code == 1 and ended.stdout == ""
        assert "an access token cannot be renewed" in ended.stderr, ended.stderr


def test_help_lists_the_exit_codes() -> None:
    run = cli(["export", "--help"])
    text = " ".join(run.stdout.split())
    assert run.code == 0 and "Exit codes: 0 exported; 1 an error" in text and "130 interrupted" in text
    assert "<bool>" not in run.stdout
