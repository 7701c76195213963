"""A small org in SQLite, laid out as the sandbox contract says (tables and columns named like the sObjects and
fields, booleans 0/1, 18-character ids), built straight from load_schema() so these tests need no store."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from reconciler.sandbox.ids import IdFactory
from reconciler.sandbox.schema import Schema
from reconciler.sandbox.soql import QueryResult, run_query

TODAY = "2026-03-18"  # a Wednesday; tests pass it as `today` so relative date literals are deterministic


def create_tables(conn: sqlite3.Connection, schema: Schema) -> None:
    for statement in schema.ddl():
        conn.execute(statement)


@dataclass
class OrgBuilder:
    """Inserts rows with fresh ids; unspecified columns are null (IsDeleted 0 where the object has it)."""

    conn: sqlite3.Connection
    schema: Schema
    ids: IdFactory = field(default_factory=IdFactory)

    def add(self, sobject: str, **values: Any) -> str:
        spec = self.schema.get(sobject)
        assert spec is not None, sobject
        row: dict[str, Any] = {"Id": self.ids.new(spec.key_prefix)}
        if spec.soft_delete:
            row["IsDeleted"] = 0
        for name, value in values.items():
            fspec = spec.field(name)
            assert fspec is not None, f"{sobject}.{name}"
            row[fspec.name] = int(value) if isinstance(value, bool) else value
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f'INSERT INTO "{spec.name}" ({columns}) VALUES ({marks})', list(row.values()))
        return row["Id"]


@dataclass(frozen=True)
class Org:
    conn: sqlite3.Connection
    schema: Schema
    ids: dict[str, str]

    def query(self, soql: str, **kwargs: Any) -> QueryResult:
        kwargs.setdefault("today", _today())
        return run_query(self.conn, self.schema, soql, **kwargs)

    def ids_of(self, soql: str, **kwargs: Any) -> list[str]:
        return [r["Id"] for r in self.query(soql, **kwargs).records]

    def names(self, *keys: str) -> list[str]:
        return [self.ids[k] for k in keys]


def _today() -> dt.date:
    return dt.date.fromisoformat(TODAY)


def build_org(conn: sqlite3.Connection, schema: Schema) -> dict[str, str]:
    """The fixture org; returns ids by a short name."""
    b = OrgBuilder(conn, schema)
    i: dict[str, str] = {}
    i["lic_sf"] = b.add("UserLicense", Name="Salesforce", LicenseDefinitionKey="SFDC", TotalLicenses=10)
    i["lic_free"] = b.add("UserLicense", Name="Chatter Free", LicenseDefinitionKey="PID_Chatter", TotalLicenses=5000)
    i["p_admin"] = b.add("Profile", Name="System Administrator", UserLicenseId=i["lic_sf"])
    i["p_free"] = b.add("Profile", Name="Chatter Free User", UserLicenseId=i["lic_free"])
    i["p_orphan"] = b.add("Profile", Name="Orphan Profile")  # no licence: a null lookup two levels down
    users = [
        # key, Username, LastName, FirstName, profile, active, Department, CreatedDate
        ("alice", "alice@acme.com", "Archer", "Alice", "p_admin", True, "Sales", "2026-03-18T09:30:00.000+0000"),
        ("bob", "bob@acme.com", "smith", "Bob", "p_admin", True, None, "2026-03-17T23:59:59.000+0000"),
        ("carol", "carol@acme.com", "Smith", "Carol", "p_free", True, "sales", "2026-03-01T00:00:00.000+0000"),
        ("dave", "dave@acme.com", "O'Brien", "Dave", "p_orphan", False, "Ops", "2025-12-31T12:00:00.000+0000"),
        ("erin", "erin_x@acme.com", "Zed", None, None, True, "100% Sales", "2026-03-19T00:00:00.000+0000"),
    ]
    for key, username, last, first, profile, active, dept, created in users:
        i[key] = b.add(
            "User",
            Username=username,
            LastName=last,
            FirstName=first,
            ProfileId=i[profile] if profile else None,
            IsActive=active,
            Department=dept,
            CreatedDate=created,
            Alias=key,
        )
    conn.execute('UPDATE "User" SET "ManagerId" = ? WHERE "Id" IN (?, ?)', (i["alice"], i["bob"], i["carol"]))
    i["ps_invite"] = b.add("PermissionSet", Name="Invite_Customers", Label="Invite Customers To Chatter")
    i["ps_other"] = b.add("PermissionSet", Name="Other", Label="Other")
    i["psa_alice"] = b.add("PermissionSetAssignment", AssigneeId=i["alice"], PermissionSetId=i["ps_invite"])
    i["psa_bob"] = b.add("PermissionSetAssignment", AssigneeId=i["bob"], PermissionSetId=i["ps_other"])
    groups = [
        ("g_sales", "Sales", "Public", False, "alice"),
        ("g_partners", "Partners", "Private", True, "bob"),
        ("g_empty", "Empty Room", "Private", False, "carol"),
    ]
    for key, name, access, guests, owner in groups:
        i[key] = b.add(
            "CollaborationGroup",
            Name=name,
            CollaborationType=access,
            CanHaveGuests=guests,
            OwnerId=i[owner],
            MemberCount=0,
        )
    members = [
        ("m1", "g_sales", "alice", "Admin"),
        ("m2", "g_sales", "bob", "Standard"),
        ("m3", "g_sales", "carol", "Standard"),
        ("m4", "g_partners", "bob", "Admin"),
        ("m5", "g_partners", "dave", "Standard"),
    ]
    for key, group, user, role in members:
        i[key] = b.add(
            "CollaborationGroupMember",
            CollaborationGroupId=i[group],
            MemberId=i[user],
            CollaborationRole=role,
            NotificationFrequency="N",
        )
    i["acme"] = b.add("Account", Name="Acme", NumberOfEmployees=250, AnnualRevenue=1.5e6)
    i["globex"] = b.add("Account", Name="Globex", NumberOfEmployees=10)
    i["gone"] = b.add("Account", Name="Gone Corp")
    conn.execute('UPDATE "Account" SET "IsDeleted" = 1 WHERE "Id" = ?', (i["gone"],))
    i["c_ann"] = b.add("Contact", LastName="Ann", Email="ann@customer.com", AccountId=i["acme"], Birthdate="1990-03-18")
    i["c_ben"] = b.add("Contact", LastName="Ben", Email="ben@customer.com", AccountId=i["acme"])
    i["c_cy"] = b.add("Contact", LastName="Cy", AccountId=i["globex"], MailingCity="Lyon", MailingCountry="France")
    i["c_del"] = b.add("Contact", LastName="Deleted", AccountId=i["acme"])
    conn.execute('UPDATE "Contact" SET "IsDeleted" = 1 WHERE "Id" = ?', (i["c_del"],))
    conn.commit()
    return i
