"""The sandbox org's data: a SQLite file (WAL), a table per sObject, one transaction per `Store.session()`.

`Store` owns the file and hands out one connection per thread; `Session` is one transaction and the only way to
read or change the org. Every business rule runs inside Session calls (see objects/), so the HTTP layer only
translates requests into these calls.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from reconciler.sandbox import auth, ids
from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import DAILY_LIMIT, ApiError, NotASandboxDatabase
from reconciler.sandbox.objects import (
    access,
    bulk_jobs,
    duplicates,
    mail,
    permissions,
    rules_for,
    settings,
    validation_rules,
    visibility,
)
from reconciler.sandbox.objects.allowance import daily_allowance
from reconciler.sandbox.objects.fields import (
    check_not_nulled,
    check_references,
    check_required,
    coerce,
    complete_defaults,
    format_datetime,
    writable_fields,
)
from reconciler.sandbox.objects.mixed_dml import DmlTransaction
from reconciler.sandbox.schema import ObjectSpec, Schema, load_schema

if TYPE_CHECKING:
    from reconciler.sandbox.soql import QueryResult

SeedName = Literal["demo", "empty"]
SeedLanguage = Literal["en", "de"]  # the language the seeded org is set up in (seed.LANGUAGES)
Row = dict[str, Any]
T = TypeVar("T")

FORMAT = "guestlist-sandbox"  # _meta "format": the marker that a SQLite file is a sandbox org's database
SCHEMA_VERSION = "1"  # _meta "schema_version": the layout of the tables
POD = "5g"  # the instance part of every id: <key prefix><pod><10 base-62 digits>
_BOOKKEEPING = (
    'CREATE TABLE IF NOT EXISTS "_meta" ("key" TEXT PRIMARY KEY, "value" TEXT)',
    'CREATE TABLE IF NOT EXISTS "_counters" ("name" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "_settings" ("key" TEXT PRIMARY KEY, "value" TEXT NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "_tokens" ("token" TEXT PRIMARY KEY, "user_id" TEXT NOT NULL, "issued" TEXT)',
    'CREATE TABLE IF NOT EXISTS "_passwords" ("user_id" TEXT PRIMARY KEY, "salt" TEXT, "hash" TEXT)',
    validation_rules.DDL,
    *bulk_jobs.DDL,
    *mail.DDL,
)
_RESET_KEEPS = frozenset({"_counters", "_tokens"})
_DAILY_LIMIT = assumed("daily-limit-window")
_ENTITY_OPERATION = assumed("entity-operation")


def make_id(key_prefix: str, number: int) -> str:
    """The 18-character id number `number` of an object with this key prefix."""
    id15 = key_prefix + POD + ids.encode(number, 10)
    return id15 + ids.checksum(id15)


def new_org_id(key_prefix: str) -> str:
    """A random Organization id, drawn once per database: two sandbox databases are two orgs (a plan made for
    one is refused by the other), while the rest of the seed keeps its fixed, counter-based ids."""
    return make_id(key_prefix, 1 + secrets.randbelow(62**7 - 1))


def check_database(path: Path) -> None:
    """Refuse, with NotASandboxDatabase, a file that exists and is neither empty nor a sandbox database: another
    application's SQLite database, or no SQLite at all. The file is only read (a read-only connection)."""
    if not path.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as conn:
            names = sorted(r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"))
            meta = _read_meta(conn) if "_meta" in names else {}
    except sqlite3.OperationalError:
        raise  # it cannot be opened at all (a directory, no permission): the caller says so
    except sqlite3.DatabaseError as exc:
        raise NotASandboxDatabase(path, f"not an SQLite file: {exc}") from None
    if not names:
        return  # a 0-byte file or an empty database: created and seeded
    legacy = meta.get("schema_version") and meta.get("org_id") and "Organization" in names  # made before the marker
    if meta.get("format") != FORMAT and not legacy:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise NotASandboxDatabase(path, f"no sandbox marker, and it holds other tables: {shown}; name a new file "
                                  "to create a sandbox")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise NotASandboxDatabase(path, f"sandbox schema version {meta.get('schema_version')!r}; this guestlist "
                                  f"reads version {SCHEMA_VERSION}")


def _read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in conn.execute('SELECT "key", "value" FROM "_meta"')}
    except sqlite3.DatabaseError:  # a "_meta" table of another shape: not ours
        return {}


class Store:
    """A sandbox org in one SQLite file. Thread-safe: every thread gets its own connection."""

    def __init__(
        self,
        path: Path | str,
        *,
        seed: SeedName = "demo",
        clock: Callable[[], dt.datetime] | None = None,
        language: SeedLanguage = "en",
    ) -> None:
        self.path = Path(path)
        self.schema: Schema = load_schema()
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._booleans = {o.name: o.boolean_fields for o in self.schema}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_database(self.path)  # refuses another application's database before anything is written to it
        with self.session() as s:
            if s.meta("schema_version") is None:
                self._create(s, seed, language=language)
            else:  # an existing org: add whatever tables and indexes a newer schema has (all IF NOT EXISTS)
                for statement in (*_BOOKKEEPING, *self.schema.ddl()):
                    s.conn.execute(statement)
                s.set_meta("format", FORMAT)
            self.org_id: str = s.meta("org_id") or ""

    # --- connections and transactions --------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=30, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    @contextlib.contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: BEGIN IMMEDIATE (or DEFERRED for read-only use), COMMIT on normal exit, ROLLBACK on
        an exception. Not re-entrant within a thread."""
        if getattr(self._local, "active", False):
            raise RuntimeError("a sandbox session is already open in this thread")
        conn = self._connection()
        now = format_datetime(self._clock())
        permissions.end_expired_assignments(conn, now)  # autocommit, before the request's own transaction
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self._local.active = True
        session = Session(self, conn, now)
        try:
            yield session
            session._flush()
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            self._local.active = False

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._connections_lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()

    # --- creation and reset ------------------------------------------------------------------------------------

    def _create(self, s: Session, seed: SeedName, org_id: str | None = None, language: SeedLanguage = "en") -> None:
        """Tables, the marker and the seed (set up in `language`); a new org id unless `org_id` (a reset keeps the
        org's)."""
        for statement in (*_BOOKKEEPING, *self.schema.ddl()):
            s.conn.execute(statement)
        from reconciler.sandbox import seed as seeds  # the seed builds on Session; imported late

        s.set_meta("format", FORMAT)
        s.set_meta("schema_version", SCHEMA_VERSION)
        s.set_meta("seed", seed)
        s.set_meta("language", language)
        s.set_meta("org_id", org_id or new_org_id(self.schema.get("Organization").key_prefix))  # type: ignore[union-attr]
        seeds.populate(s, seed, language)
        mail.clear_outbox(s)  # the seed's invitations are history: the outbox lists what was mailed since

    def reset(self, seed: SeedName = "demo", language: SeedLanguage = "en") -> None:
        """Replace the org's data with a fresh seed set up in `language`. Ids handed out before are never handed
        out again, and tokens of users that exist in the new seed stay valid. The org keeps its id."""
        with self.session() as s:
            org_id = s.meta("org_id")
            high_water = s._counter("id_high_water")
            tables = [r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                if table not in _RESET_KEEPS and not table.startswith("sqlite_"):
                    s.conn.execute(f'DROP TABLE "{table}"')
            s.conn.execute("DELETE FROM \"_counters\" WHERE name != 'id_high_water'")
            s._set_counter("id_high_water", high_water)
            self._create(s, seed, org_id, language)
            self.org_id = s.meta("org_id") or ""

    # --- conveniences that open their own transaction ------------------------------------------------------------

    def record_request(self) -> tuple[int, int]:
        """Count one API request in its own transaction (so it counts even when the request fails)."""
        with self.session() as s:
            return s.record_request()


class Session:
    """One transaction on the sandbox org. `actor_id` is the user making the request (set by the server)."""

    def __init__(self, store: Store, conn: sqlite3.Connection, now: str) -> None:
        self.store = store
        self.conn = conn
        self.schema = store.schema
        self.now = now
        self.actor_id: str | None = None
        # the request's duplicate-rule options and API version (set by the server for each request)
        self.duplicate_rule_header = duplicates.DuplicateRuleHeader()
        self.api_version = "59.0"
        self.created_in_request: set[str] = set()  # one request is one save: the duplicate rules skip these
        self._next_id: int | None = None
        self._savepoints = 0
        self._memo: dict[str, Any] = {}
        self._transaction: DmlTransaction | None = None

    # --- low level: rows, ids, bookkeeping (also used by the rules in objects/ and by the seed) ---------------

    def obj(self, sobject: str) -> ObjectSpec:
        """The sObject, or 404 NOT_FOUND as the REST API answers for an unknown type."""
        spec = self.schema.get(sobject)
        if spec is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        return spec

    def _row(self, obj_name: str, raw: sqlite3.Row) -> Row:
        booleans = self.store._booleans[obj_name]
        row = dict(zip(raw.keys(), tuple(raw), strict=True))  # by position: Row's name lookup is linear
        for name in booleans:
            if row.get(name) is not None:
                row[name] = bool(row[name])
        return row

    def fetch(self, obj_name: str, record_id: str, *, include_deleted: bool = False) -> Row | None:
        """The row with this (18-character) id, with booleans as bools; None when absent or soft-deleted."""
        raw = self.conn.execute(f'SELECT * FROM "{obj_name}" WHERE "Id" = ?', (record_id,)).fetchone()
        if raw is None:
            return None
        row = self._row(obj_name, raw)
        if row.get("IsDeleted") and not include_deleted:
            return None
        return row

    def rows(self, obj_name: str, where: str = "1", params: tuple[Any, ...] = ()) -> list[Row]:
        """Rows matching a SQL condition (soft-deleted rows included: add `"IsDeleted" = 0` when needed)."""
        cursor = self.conn.execute(f'SELECT * FROM "{obj_name}" WHERE {where}', params)
        return [self._row(obj_name, raw) for raw in cursor]

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        found = self.conn.execute(sql, params).fetchone()
        return found[0] if found is not None else None

    def new_id(self, obj_name: str) -> str:
        if self._next_id is None:
            self._next_id = max(self._counter("id"), self._counter("id_high_water")) + 1
        number, self._next_id = self._next_id, self._next_id + 1
        return make_id(self.schema.get(obj_name).key_prefix, number)  # type: ignore[union-attr]

    def restart_ids(self) -> None:
        """Number the next ids from 1 (the seed does this so that its ids are fixed)."""
        self._next_id = 1

    def _flush(self) -> None:
        if self._next_id is not None:
            used = self._next_id - 1
            self._set_counter("id", used)
            self._set_counter("id_high_water", max(used, self._counter("id_high_water")))

    def _counter(self, name: str) -> int:
        return self.scalar('SELECT "value" FROM "_counters" WHERE "name" = ?', (name,)) or 0

    def _set_counter(self, name: str, value: int) -> None:
        self.conn.execute(
            'INSERT INTO "_counters" ("name", "value") VALUES (?, ?) '
            'ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value"',
            (name, value),
        )

    def meta(self, key: str) -> str | None:
        try:
            return self.scalar('SELECT "value" FROM "_meta" WHERE "key" = ?', (key,))
        except sqlite3.OperationalError:  # a brand-new file: no tables yet
            return None

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute('INSERT OR REPLACE INTO "_meta" ("key", "value") VALUES (?, ?)', (key, value))

    def setting(self, key: str, default: Any = None) -> Any:
        raw = self.scalar('SELECT "value" FROM "_settings" WHERE "key" = ?', (key,))
        return default if raw is None else json.loads(raw)

    def set_setting(self, key: str, value: Any) -> None:
        self.conn.execute('INSERT OR REPLACE INTO "_settings" ("key", "value") VALUES (?, ?)', (key, json.dumps(value)))

    def actor(self) -> str:
        """The acting user: the request's user, else the org's connected administrator."""
        return self.actor_id or self.meta("admin_user_id") or ""

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()`, once per transaction (nobody else writes during it); `forget(key)` after changing it."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    def forget(self, key: str) -> None:
        self._memo.pop(key, None)

    def _to_sql(self, obj_name: str, values: Row) -> Row:
        booleans = self.store._booleans[obj_name]
        return {k: (int(v) if k in booleans and v is not None else v) for k, v in values.items()}

    def system_insert(self, obj_name: str, values: Row) -> str:
        """Insert without field checks or rules (defaults and audit fields are filled): for system-maintained
        rows and the seed."""
        obj = self.obj(obj_name)
        values = dict(values)
        complete_defaults(obj, values)
        return self._insert(obj, values)

    def _insert(self, obj: ObjectSpec, values: Row) -> str:
        record_id = values.get("Id") or self.new_id(obj.name)
        values["Id"] = record_id
        if obj.audit_fields:
            actor = self.actor() or record_id
            audit = {"CreatedById": actor, "LastModifiedById": actor}
            for name in obj.audit_fields:
                if values.get(name) is None:
                    values[name] = audit.get(name, self.now)
        stored = self._to_sql(obj.name, values)
        columns = ", ".join(f'"{c}"' for c in stored)
        marks = ", ".join("?" for _ in stored)
        self.conn.execute(f'INSERT INTO "{obj.name}" ({columns}) VALUES ({marks})', tuple(stored.values()))
        return record_id

    def system_update(self, obj_name: str, record_id: str, changes: Row) -> None:
        """Update without field checks or rules; audit fields are maintained."""
        obj = self.obj(obj_name)
        changes = dict(changes)
        for name, value in (
            ("LastModifiedDate", self.now),
            ("LastModifiedById", self.actor()),
            ("SystemModstamp", self.now),
        ):
            if obj.field(name) is not None and name not in changes:
                changes[name] = value
        stored = self._to_sql(obj_name, changes)
        assignments = ", ".join(f'"{c}" = ?' for c in stored)
        self.conn.execute(f'UPDATE "{obj_name}" SET {assignments} WHERE "Id" = ?', (*stored.values(), record_id))

    def system_delete(self, obj_name: str, record_id: str) -> None:
        """Hard delete, or IsDeleted = 1 for soft-deletable objects."""
        if self.obj(obj_name).soft_delete:
            self.system_update(obj_name, record_id, {"IsDeleted": True})
        else:
            self.conn.execute(f'DELETE FROM "{obj_name}" WHERE "Id" = ?', (record_id,))

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested SAVEPOINT: everything inside is undone when it raises (allOrNone=false isolation)."""
        self._savepoints += 1
        name = f"sp{self._savepoints}"
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:  # ids taken inside stay taken: the counter lives in memory until commit
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        else:
            self.conn.execute(f"RELEASE {name}")

    @contextlib.contextmanager
    def dml_transaction(self) -> Iterator[None]:
        """The writes inside form one Salesforce transaction, which may not change both setup and other objects
        (MIXED_DML_OPERATION). A nested call joins the open transaction."""
        if self._transaction is not None:
            yield
            return
        self._transaction = DmlTransaction()
        try:
            yield
        finally:
            self._transaction = None

    @contextlib.contextmanager
    def _write(self, sobject: str) -> Iterator[None]:
        """One API write: atomic (a savepoint) and checked against the open DML transaction."""
        transaction, obj_name = self._transaction, self.obj(sobject).name
        if transaction is not None:
            transaction.check(obj_name)
        with self.savepoint():
            yield
        if transaction is not None:
            transaction.changed(obj_name)

    # --- CRUD ----------------------------------------------------------------------------------------------------

    def _existing(self, obj: ObjectSpec, record_id: str) -> Row:
        """The live row for update/delete: MALFORMED_ID, NOT_FOUND (absent or another object) or
        ENTITY_IS_DELETED."""
        try:
            rid = ids.to18(record_id)
        except (ValueError, TypeError) as exc:
            raise ApiError(400, "MALFORMED_ID", f"malformed id {record_id}", ["Id"]) from exc
        row = self.fetch(obj.name, rid, include_deleted=True) if rid.startswith(obj.key_prefix) else None
        if row is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        if row.get("IsDeleted"):
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        return row

    @staticmethod
    def _refuse(method: str, allowed: str) -> ApiError:
        return ApiError(405, "METHOD_NOT_ALLOWED", f"HTTP Method '{method}' not allowed. Allowed are {allowed}")

    def create(self, sobject: str, values: Row, *, record_id: str | None = None) -> str:
        """Insert a record through every rule, atomically; returns its 18-character id (`record_id`: a preset id,
        for the seed)."""
        with self._write(sobject):
            return self._create(sobject, values, record_id)

    def _create(self, sobject: str, values: Row, record_id: str | None) -> str:
        obj = self.obj(sobject)
        if not obj.createable:
            raise self._refuse("POST", "HEAD,GET")
        rules = rules_for(obj.name)
        given = writable_fields(obj, values, insert=True)
        row = {name: coerce(self, rules, obj.field(name), value) for name, value in given.items()}  # type: ignore[arg-type]
        rules.prepare_insert(self, row)
        complete_defaults(obj, row)
        check_required(obj, row)
        check_references(self, obj, row)
        rules.before_insert(self, row)
        validation_rules.check(self, obj.name, row)
        duplicates.check(self, obj.name, row)  # after validation rules, as Salesforce runs them (real-orgs.md §3.1)
        row["Id"] = record_id
        record_id = self._insert(obj, row)
        self.created_in_request.add(record_id)
        if rules.has_after_insert:
            rules.after_insert(self, self.fetch(obj.name, record_id))  # type: ignore[arg-type]
        return record_id

    def update(self, sobject: str, record_id: str, values: Row) -> None:
        """Change a record through every rule, atomically."""
        with self._write(sobject):
            self._update(sobject, record_id, values)

    def _update(self, sobject: str, record_id: str, values: Row) -> None:
        obj = self.obj(sobject)
        if not obj.updateable:
            raise self._refuse("PATCH", "HEAD,GET,DELETE" if obj.deletable else "HEAD,GET")
        old = self._existing(obj, record_id)
        values = {k: v for k, v in values.items() if not (k.lower() == "id" and _same_id(v, old["Id"]))}
        rules = rules_for(obj.name)
        given = writable_fields(obj, values, insert=False)
        changes = {name: coerce(self, rules, obj.field(name), value) for name, value in given.items()}  # type: ignore[arg-type]
        check_not_nulled(obj, changes)
        for name in list(changes):
            if changes[name] is None and obj.field(name).is_boolean:  # type: ignore[union-attr]
                changes[name] = False
        check_references(self, obj, changes)
        rules.before_update(self, old, changes)
        self.system_update(obj.name, old["Id"], changes)
        rules.after_update(self, old, self.fetch(obj.name, old["Id"]))  # type: ignore[arg-type]

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete a record through every rule, atomically (soft delete for objects with IsDeleted)."""
        with self._write(sobject):
            self._delete(sobject, record_id)

    def _delete(self, sobject: str, record_id: str) -> None:
        obj = self.obj(sobject)
        if not obj.deletable:
            raise self._refuse("DELETE", "HEAD,GET,PATCH" if obj.updateable else "HEAD,GET")
        row = self._existing(obj, record_id)
        rules = rules_for(obj.name)
        rules.before_delete(self, row)
        self.system_delete(obj.name, row["Id"])
        rules.after_delete(self, row)

    def retrieve(
        self, sobject: str, record_id: str, fields: list[str] | None = None, *, api_version: str = "59.0"
    ) -> Row:
        """`{"attributes": {type, url}, <fields>}` (all fields in describe order by default); 404 NOT_FOUND."""
        obj = self.obj(sobject)
        wanted = [obj.field(f) for f in fields] if fields else list(obj.fields.values())
        for name, spec in zip(fields or [], wanted, strict=False):
            if spec is None:
                raise ApiError(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a custom field, "
                    "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
                    "describe call for the appropriate names.",
                )
        try:
            rid = ids.to18(record_id)
        except (ValueError, TypeError) as exc:
            raise ApiError(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {record_id}"
            ) from exc
        row = self.fetch(obj.name, rid) if rid.startswith(obj.key_prefix) else None
        if row is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        visibility.check_retrievable(self, obj.name, row)
        record: Row = {"attributes": record_attributes(obj.name, rid, api_version)}
        for spec in wanted:
            record[spec.name] = row[spec.name]  # type: ignore[union-attr]
        return record

    def describe(self, sobject: str, api_version: str = "59.0") -> dict[str, Any]:
        """`GET /sobjects/X/describe`: the schema's describe with the picklists as the org's settings make them
        (CollaborationType lists Unlisted only while unlisted groups are enabled)."""
        obj = self.obj(sobject)
        rules = rules_for(obj.name)
        widened = {
            key: dataclasses.replace(spec, picklist_values=values)
            for key, spec in obj.fields.items()
            if spec.type == "picklist" and (values := rules.picklist_values(self, spec)) != spec.picklist_values
        }
        if widened:
            obj = dataclasses.replace(obj, fields=MappingProxyType({**obj.fields, **widened}))
        return obj.describe(api_version)

    def query(self, soql: str, *, include_deleted: bool = False, api_version: str = "59.0") -> QueryResult:
        from reconciler.sandbox.soql import run_query  # SOQL's module; imported when first used

        return run_query(self.conn, self.schema, soql, include_deleted=include_deleted, api_version=api_version,
                         row_filters=visibility.row_filters(self))

    # --- settings --------------------------------------------------------------------------------------------

    def chatter_settings(self) -> dict[str, bool | None]:
        return settings.chatter_settings(self)

    def update_chatter_settings(self, values: dict[str, bool]) -> None:
        settings.update_chatter_settings(self, values)

    def invitation_settings(self) -> tuple[bool, list[str]]:
        return settings.invitation_settings(self)

    def set_invitation_settings(self, allowed: bool | None = None, domains: list[str] | None = None) -> None:
        settings.set_invitation_settings(self, allowed, domains)

    # --- auth (auth.py) ------------------------------------------------------------------------------------

    def set_password(self, user_id: str, password: str) -> None:
        """Sandbox-only: give a user a password (users created through the API have none)."""
        auth.set_password(self, user_id, password)

    def change_password(self, user_id: str, password: str) -> None:
        """`POST /sobjects/User/{id}/password`: the caller's own password, or another user's with Manage Users or
        Reset User Passwords (real-orgs.md §10.5); 404 for an unknown user, 400 INVALID_NEW_PASSWORD."""
        user_id = self._password_owner(user_id)
        auth.check_new_password(password)
        auth.set_password(self, user_id, password)

    def password_expired(self, user_id: str) -> bool:
        """`GET /sobjects/User/{id}/password`: passwords set in the sandbox never expire."""
        self._password_owner(user_id)
        return False

    def _password_owner(self, user_id: str) -> str:
        user = self.fetch("User", ids.to18(user_id)) if ids.is_id(user_id) else None
        if user is None:
            raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
        access.check_password(self, user["Id"])
        return str(user["Id"])

    def authenticate(self, username: str, password: str) -> str:
        return auth.authenticate(self, username, password)

    def issue_token(self, user_id: str) -> str:
        return auth.issue_token(self, user_id)

    def user_for_token(self, token: str) -> str | None:
        return auth.user_for_token(self, token)

    def issue_refresh_token(self, user_id: str, client_id: str) -> str:
        return auth.issue_refresh_token(self, user_id, client_id)

    def user_for_refresh_token(self, token: str, client_id: str) -> str | None:
        return auth.user_for_refresh_token(self, token, client_id)

    def expire_tokens(self) -> None:
        auth.expire_tokens(self)

    def user_info(self, user_id: str) -> dict[str, Any]:
        return auth.user_info(self, user_id)

    # --- API usage ---------------------------------------------------------------------------------------------

    def api_usage(self) -> tuple[int, int]:
        """(requests used, the daily allowance): the one set, else an Enterprise org's for its licences."""
        limit = self.setting("daily_limit", None)
        return self._counter("api_used"), int(limit) if limit is not None else daily_allowance(self)

    def record_request(self) -> tuple[int, int]:
        used, limit = self.api_usage()
        if used >= limit:
            raise DAILY_LIMIT
        self._set_counter("api_used", used + 1)
        return used + 1, limit

    def set_daily_limit(self, max_requests: int) -> None:
        self.set_setting("daily_limit", int(max_requests))

    def concurrent_refusals(self) -> int:
        """Sandbox-only: how many of the next API requests meet the concurrent-request limit."""
        return int(self.setting("concurrent_refusals", 0))

    def set_concurrent_refusals(self, count: int) -> None:
        self.set_setting("concurrent_refusals", int(count))

    def take_concurrent_refusal(self) -> bool:
        """True (and one fewer pending) when this request is to meet the concurrent-request limit."""
        pending = self.concurrent_refusals()
        if pending > 0:
            self.set_concurrent_refusals(pending - 1)
        return pending > 0

    def reset_api_usage(self) -> None:
        """Sandbox-only: a new day."""
        self._set_counter("api_used", 0)

    # --- sandbox-only controls -----------------------------------------------------------------------------

    def accept_invitation(self, email: str) -> str:
        from reconciler.sandbox.objects.invitations import accept_invitation

        return accept_invitation(self, email)

    def outbox(self) -> list[dict[str, Any]]:
        """Sandbox-only: every mail the org sent, oldest first (real-orgs.md §12)."""
        return mail.outbox(self)

    def invoke_standard_action(self, name: str, inputs: list[Any]) -> list[dict[str, Any]]:
        """`POST /actions/standard/{name}` (chatterPost, emailSimple): one result per input (real-orgs.md §14.1)."""
        from reconciler.sandbox.objects.actions import invoke

        return invoke(self, name, inputs)

    def confirm_email(self, username: str) -> dict[str, str]:
        """Sandbox-only: the person confirms their pending new address (real-orgs.md §4.1)."""
        return mail.confirm_email(self, username)

    def reset_password(self, user_id: str) -> str:
        """`DELETE /sobjects/User/{id}/password`: a temporary password, and the reset mail (real-orgs.md §12.3)."""
        from reconciler.sandbox.objects.users import reset_password

        return reset_password(self, user_id)

    def set_license_total(self, licence_name: str, total: int) -> None:
        """Sandbox-only: the number of purchased licences (UserLicense is read-only through the API)."""
        found = self.scalar('SELECT "Id" FROM "UserLicense" WHERE "Name" = ?', (licence_name,))
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"No user licence named {licence_name}")
        self.system_update("UserLicense", found, {"TotalLicenses": int(total)})

    def add_validation_rule(self, sobject: str, name: str, field: str, operator: str, value: Any, message: str) -> None:
        validation_rules.add(self, sobject, name, field, operator, value, message)

    def remove_validation_rule(self, sobject: str, name: str) -> None:
        validation_rules.remove(self, sobject, name)


def record_attributes(obj_name: str, record_id: str, api_version: str) -> dict[str, str]:
    return {"type": obj_name, "url": f"/services/data/v{api_version}/sobjects/{obj_name}/{record_id}"}


def _same_id(value: Any, record_id: str) -> bool:
    try:
        return isinstance(value, str) and ids.to18(value) == record_id
    except ValueError:
        return False
