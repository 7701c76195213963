"""SOQL engine figures: parse and compile rates, and rows/s over a 100k-user org (prints; not a test).

"run" materialises every record (as run_query does); "streamed" shapes and drops them (as a pager could).

python bench/soql_bench.py [--users 100000]
"""

from __future__ import annotations

import argparse
import gc
import sqlite3
import time
from collections import deque
from collections.abc import Callable

from reconciler.sandbox.ids import IdFactory
from reconciler.sandbox.schema import load_schema
from reconciler.sandbox.soql import compile_soql, parse, run_query, stream_query
from reconciler.sandbox.soql.compiler import compile_query
from reconciler.sandbox.soql.grammar import soql_parser

QUERIES = {
    "plain": "SELECT Id, Username, IsActive FROM User",
    "lookups": "SELECT Id, Username, Profile.Name, Profile.UserLicense.Name, Manager.Username FROM User",
    "filtered": "SELECT Id FROM User WHERE IsActive = true AND (LastName LIKE 'L%' OR Department = null) "
    "ORDER BY LastName DESC NULLS LAST LIMIT 2000",
    "count": "SELECT COUNT() FROM User WHERE Profile.Name = 'Chatter Free User'",
    "children": "SELECT Id, Name, (SELECT MemberId, CollaborationRole FROM GroupMembers) FROM CollaborationGroup",
    "semi-join": "SELECT Id FROM User WHERE Id IN (SELECT MemberId FROM CollaborationGroupMember "
    "WHERE CollaborationRole = 'Admin')",
}


def build(users: int) -> sqlite3.Connection:
    schema = load_schema()
    conn = sqlite3.connect(":memory:")
    for statement in schema.ddl():
        conn.execute(statement)
    ids = IdFactory()
    licence = ids.new("100")
    conn.execute('INSERT INTO "UserLicense" ("Id", "Name") VALUES (?, ?)', (licence, "Salesforce"))
    profiles = [ids.new("00e") for _ in range(3)]
    conn.executemany(
        'INSERT INTO "Profile" ("Id", "Name", "UserLicenseId") VALUES (?, ?, ?)',
        zip(profiles, ["System Administrator", "Standard User", "Chatter Free User"], [licence] * 3, strict=True),
    )
    user_ids = [ids.new("005") for _ in range(users)]
    conn.executemany(
        'INSERT INTO "User" ("Id", "Username", "LastName", "IsActive", "ProfileId", "ManagerId", "Department") '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                uid,
                f"user{i}@acme.com",
                f"L{i % 977}",
                i % 10 != 0,
                profiles[i % 3],
                user_ids[i // 50] if i else None,
                None if i % 4 else "Sales",
            )
            for i, uid in enumerate(user_ids)
        ),
    )
    groups = [ids.new("0F9") for _ in range(users // 100)]
    conn.executemany(
        'INSERT INTO "CollaborationGroup" ("Id", "Name", "OwnerId") VALUES (?, ?, ?)',
        ((gid, f"Group {i}", user_ids[i]) for i, gid in enumerate(groups)),
    )
    conn.executemany(
        'INSERT INTO "CollaborationGroupMember" ("Id", "CollaborationGroupId", "MemberId", "CollaborationRole") '
        "VALUES (?, ?, ?, ?)",
        (
            (ids.new("0FB"), groups[i % len(groups)], uid, "Admin" if i < len(groups) else "Standard")
            for i, uid in enumerate(user_ids)
        ),
    )
    conn.commit()
    return conn


def rate(label: str, count: int, action: Callable[[], object]) -> None:
    start = time.perf_counter()
    action()
    elapsed = time.perf_counter() - start
    print(f"{label:<28} {count:>8} in {elapsed:7.3f} s  = {count / elapsed:>12,.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    schema = load_schema()
    soql_parser()  # build the LALR tables once, outside the timings
    texts = list(QUERIES.values())
    n = 200
    rate("parse (uncached)", n * len(texts), lambda: [parse.__wrapped__(t) for _ in range(n) for t in texts])
    trees = [parse(t) for t in texts]
    rate(
        "compile (uncached)",
        n * len(texts),
        lambda: [compile_query(schema, t, q, False) for _ in range(n) for t, q in zip(texts, trees, strict=True)],
    )
    rate("parse+compile (cached)", 10_000, lambda: [compile_soql(schema, texts[i % len(texts)]) for i in range(10_000)])
    start = time.perf_counter()
    conn = build(args.users)
    print(f"built {args.users:,} users in {time.perf_counter() - start:.1f} s")
    for label, soql in QUERIES.items():
        result = run_query(conn, schema, soql)
        total = result.total_size
        rows = len(result.records) + sum(len((r.get("GroupMembers") or {}).get("records", [])) for r in result.records)
        del result
        gc.collect()
        rate(f"run {label} ({total:,} total)", max(rows, 1), lambda s=soql: run_query(conn, schema, s))
        gc.collect()
        rate("  streamed, not kept", max(rows, 1), lambda s=soql: deque(stream_query(conn, schema, s)[1], maxlen=0))


if __name__ == "__main__":
    main()
