"""Store and Session mechanics: persistence, ids, transactions, threads, auth, API usage, settings."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from reconciler.sandbox import ids
from reconciler.sandbox.errors import ApiError
from reconciler.sandbox.seed import ADMIN_USERNAME, PASSWORD
from reconciler.sandbox.store import Session, Store

from .conftest import named, new_user_values, raises, user_id


def _account(session: Session, name: str) -> str:
    return session.create("Account", {"Name": name})


def test_new_database_is_seeded_and_reused_as_is(tmp_path: Path) -> None:
    path = tmp_path / "org.sqlite3"
    first = Store(path, seed="empty")
    with first.session() as s:
        created = _account(s, "Kept")
    first.close()
    again = Store(path, seed="demo")  # an existing file is not re-seeded
    with again.session() as s:
        assert s.retrieve("Account", created)["Name"] == "Kept"
        assert s.scalar('SELECT count(*) FROM "CollaborationGroup"') == 0
    assert again.org_id == first.org_id and again.org_id.startswith("00D")
    again.close()


def test_restart_keeps_data_tokens_and_never_reuses_ids(demo: Store) -> None:
    with demo.session() as s:
        before = _account(s, "Before restart")
        token = s.issue_token(s.meta("admin_user_id"))
    path = demo.path
    demo.close()
    reopened = Store(path)
    with reopened.session() as s:
        assert s.retrieve("Account", before)["Name"] == "Before restart"
        assert s.user_for_token(token) == s.meta("admin_user_id")
        after = _account(s, "After restart")
    assert after != before and after[3:15] > before[3:15]
    reopened.close()


def test_rolled_back_ids_are_not_reused_within_a_transaction(s: Session) -> None:
    with pytest.raises(RuntimeError), s.savepoint():
        lost = _account(s, "Rolled back")
        raise RuntimeError
    assert s.fetch("Account", lost) is None
    assert _account(s, "Kept") != lost


def test_reset_reseeds_without_reusing_ids(demo: Store) -> None:
    with demo.session() as s:
        extra = _account(s, "Gone after reset")
    demo.reset("empty")
    with demo.session() as s:
        assert s.fetch("Account", extra) is None
        assert s.scalar('SELECT count(*) FROM "User"') == 1
        assert _account(s, "New") != extra
    demo.reset("demo")
    with demo.session() as s:
        assert s.scalar('SELECT count(*) FROM "CollaborationGroup"') == 3


def test_seed_is_deterministic(tmp_path: Path, demo: Store) -> None:
    other = Store(tmp_path / "other.sqlite3", seed="demo")
    query = 'SELECT "Id", "Username", "CreatedDate" FROM "User" ORDER BY "Id"'
    with other.session() as a:
        mine = [tuple(r) for r in a.conn.execute(query)]
    with demo.session() as b:
        theirs = [tuple(r) for r in b.conn.execute(query)]
    assert mine == theirs and len(mine) == 15  # the org's own id aside (test_sandbox_database_file.py)
    other.close()


def test_ids_are_18_characters_with_prefix_and_checksum(s: Session) -> None:
    for table in ("User", "CollaborationGroup", "CollaborationGroupMember", "PermissionSetAssignment", "Profile"):
        prefix = s.schema.get(table).key_prefix  # type: ignore[union-attr]
        for (record_id,) in s.conn.execute(f'SELECT "Id" FROM "{table}"'):
            assert len(record_id) == 18 and record_id.startswith(prefix)
            assert ids.to18(record_id[:15]) == record_id


def test_a_session_is_one_transaction(demo: Store) -> None:
    with pytest.raises(ApiError), demo.session() as s:
        _account(s, "Never committed")
        s.create("Account", {})  # REQUIRED_FIELD_MISSING rolls the whole session back
    with demo.session() as s:
        assert s.scalar('SELECT count(*) FROM "Account" WHERE "Name" = ?', ("Never committed",)) == 0


def test_a_failed_call_leaves_nothing_behind(s: Session) -> None:
    before = s.scalar('SELECT count(*) FROM "CollaborationGroupMember"')
    with raises("INACTIVE_OWNER_OR_USER"):  # the group row is written before its owner's membership fails
        inactive = user_id(s, "heidi@acme.com")
        s.update("User", inactive, {"IsActive": False})
        s.create("CollaborationGroup", {"Name": "Orphan", "CollaborationType": "Public", "OwnerId": inactive})
    assert s.scalar('SELECT count(*) FROM "CollaborationGroup" WHERE "Name" = ?', ("Orphan",)) == 0
    assert s.scalar('SELECT count(*) FROM "CollaborationGroupMember"') == before


def test_sessions_do_not_nest_in_one_thread(demo: Store) -> None:
    with demo.session(), pytest.raises(RuntimeError), demo.session():
        pass


def test_parallel_sessions_from_threads(demo: Store) -> None:
    errors: list[BaseException] = []
    created: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            for i in range(10):
                with demo.session() as s:
                    new = _account(s, f"Thread {n} #{i}")
                with lock:
                    created.append(new)
            with demo.session(write=False) as s:
                s.scalar('SELECT count(*) FROM "Account"')
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(created)) == 80
    with demo.session() as s:
        assert s.scalar('SELECT count(*) FROM "Account" WHERE "Name" LIKE ?', ("Thread %",)) == 80


def test_wal_mode(demo: Store) -> None:
    with demo.session() as s:
        assert s.scalar("PRAGMA journal_mode") == "wal"


def test_authenticate_and_tokens(s: Session, demo: Store) -> None:
    admin = s.authenticate(ADMIN_USERNAME.upper(), PASSWORD)
    assert admin == s.meta("admin_user_id")
    with raises("INVALID_LOGIN"):
        s.authenticate(ADMIN_USERNAME, "wrong")
    with raises("INVALID_LOGIN"):
        s.authenticate("jane@guest.acme.com", PASSWORD)  # no password: users made through the API can't log in
    token = s.issue_token(admin)
    org15, secret = token.split("!")
    assert org15 == demo.org_id[:15] and secret.replace(".", "").isalnum() and len(secret) > 40
    assert s.user_for_token(token) == admin
    assert s.user_for_token(token + "x") is None
    s.expire_tokens()
    assert s.user_for_token(token) is None


def test_tokens_of_deactivated_users_stop_working(s: Session) -> None:
    alice = user_id(s, "alice@acme.com")
    token = s.issue_token(alice)
    s.update("User", alice, {"IsActive": False})
    assert s.user_for_token(token) is None


def test_user_info(s: Session, demo: Store) -> None:
    info = s.user_info(s.meta("admin_user_id"))
    assert info["preferred_username"] == ADMIN_USERNAME
    assert info["organization_id"] == demo.org_id
    assert info["user_id"] == s.meta("admin_user_id")


def test_api_usage_is_counted_and_enforced(demo: Store) -> None:
    with demo.session() as s:
        s.set_daily_limit(3)
    assert [demo.record_request() for _ in range(3)] == [(1, 3), (2, 3), (3, 3)]
    with pytest.raises(ApiError) as error:
        demo.record_request()
    assert (error.value.status, error.value.code) == (403, "REQUEST_LIMIT_EXCEEDED")
    with demo.session() as s:
        assert s.api_usage() == (3, 3)
        s.reset_api_usage()
        assert s.record_request() == (1, 3)


def test_chatter_settings(s: Session) -> None:
    assert s.chatter_settings()["enableInviteCsnUsers"] is False
    s.update_chatter_settings({"enableInviteCsnUsers": True, "fullName": "Chatter"})
    assert s.chatter_settings()["enableInviteCsnUsers"] is True
    with raises("INVALID_FIELD"):
        s.update_chatter_settings({"allowEverything": True})
    with raises("INVALID_TYPE"):
        s.update_chatter_settings({"enableChatter": "yes"})


def test_invitation_settings(s: Session) -> None:
    assert s.invitation_settings() == (True, ["acme.com", "acme.co.uk"])
    s.set_invitation_settings(allowed=False)
    assert s.invitation_settings() == (False, ["acme.com", "acme.co.uk"])
    s.set_invitation_settings(domains=["@Acme.com ", "example.org"])
    assert s.invitation_settings() == (False, ["acme.com", "example.org"])
    with raises("FIELD_INTEGRITY_EXCEPTION"):
        s.set_invitation_settings(domains=["not a domain"])


def test_empty_seed(empty: Store) -> None:
    with empty.session() as s:
        users = s.rows("User")
        assert [u["Username"] for u in users] == [ADMIN_USERNAME]
        assert users[0]["IsActive"] and users[0]["UserType"] == "Standard"
        assert named(s, "PermissionSet", "Invite_Customers_To_Chatter")
        assert s.scalar('SELECT count(*) FROM "Profile"') == 7
        assert s.scalar('SELECT count(*) FROM "PermissionSet" WHERE "IsOwnedByProfile" = 1') == 7
        assert s.chatter_settings()["enableChatter"] is True
        assert s.invitation_settings() == (False, [])
        assert s.scalar('SELECT "UsedLicenses" FROM "UserLicense" WHERE "Name" = ?', ("Salesforce",)) == 1


def test_raw_sql_layout_matches_the_contract(s: Session) -> None:
    columns = [r["name"] for r in s.conn.execute('PRAGMA table_info("CollaborationGroupMember")')]
    assert columns == s.schema.get("CollaborationGroupMember").field_names  # type: ignore[union-attr]
    with pytest.raises(sqlite3.IntegrityError):
        s.conn.execute('INSERT INTO "Account" ("Id") SELECT "Id" FROM "Account" LIMIT 1')
    member = s.rows("CollaborationGroupMember")[0]
    assert member["CreatedDate"].endswith(".000+0000")


def test_new_user_values_helper_is_valid(s: Session) -> None:
    assert s.create("User", new_user_values(s, "zed@acme.com"))


def test_the_default_daily_allowance_follows_the_purchased_licences(demo: Store) -> None:
    """scale.md §4: buying 5 more Salesforce licences adds 5,000 calls; a set allowance replaces the computed one."""
    with demo.session() as s:
        before = s.api_usage()[1]
        s.set_license_total("Salesforce", 15)
        assert s.api_usage()[1] == before + 5_000
        s.set_daily_limit(7)
        assert s.api_usage()[1] == 7
