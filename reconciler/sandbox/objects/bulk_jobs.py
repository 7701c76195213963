"""Bulk API 2.0 query jobs kept in the org's database (scale.md §3, §5): a job's info, its CSV header and its
result lines, rendered once at create. In the file, not in the server's memory: a job and its locators stay valid
while the job exists (across restarts), results page without holding every row, and `reset` clears them with the
rest of the org's data."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

DDL = (
    'CREATE TABLE IF NOT EXISTS "_bulk2_jobs" ("id" TEXT PRIMARY KEY, "info" TEXT NOT NULL, "header" TEXT NOT NULL, '
    '"rows" INTEGER NOT NULL)',
    'CREATE TABLE IF NOT EXISTS "_bulk2_rows" ("job_id" TEXT NOT NULL, "n" INTEGER NOT NULL, "line" TEXT NOT NULL, '
    'PRIMARY KEY ("job_id", "n")) WITHOUT ROWID',
)


def add(conn: sqlite3.Connection, info: dict[str, Any], header: str, lines: Iterable[str]) -> int:
    """Store a finished job and its result lines; returns how many lines it has."""
    rows = conn.executemany('INSERT INTO "_bulk2_rows" ("job_id", "n", "line") VALUES (?, ?, ?)',
                                    ((info["id"], n, line) for n, line in enumerate(lines)))
    count = max(rows.rowcount, 0)
    conn.execute('INSERT INTO "_bulk2_jobs" ("id", "info", "header", "rows") VALUES (?, ?, ?, ?)',
                         (info["id"], json.dumps({**info, "numberRecordsProcessed": count}), header, count))
    return count


def info(conn: sqlite3.Connection, job_id: str) -> dict[str, Any] | None:
    found = conn.execute('SELECT "info" FROM "_bulk2_jobs" WHERE "id" = ?', (job_id,)).fetchone()
    return None if found is None else dict(json.loads(found[0]))


def set_info(conn: sqlite3.Connection, job_id: str, values: dict[str, Any]) -> None:
    conn.execute('UPDATE "_bulk2_jobs" SET "info" = ? WHERE "id" = ?', (json.dumps(values), job_id))


def remove(conn: sqlite3.Connection, job_id: str) -> bool:
    """Delete a job and its results; False when there was none."""
    conn.execute('DELETE FROM "_bulk2_rows" WHERE "job_id" = ?', (job_id,))
    return conn.execute('DELETE FROM "_bulk2_jobs" WHERE "id" = ?', (job_id,)).rowcount > 0


def all_infos(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(json.loads(r[0])) for r in conn.execute('SELECT "info" FROM "_bulk2_jobs" ORDER BY rowid')]


def page(conn: sqlite3.Connection, job_id: str, offset: int, size: int) -> tuple[str, list[str], int]:
    """(the CSV header line, result lines offset..offset+size, the job's number of lines)."""
    header, total = conn.execute('SELECT "header", "rows" FROM "_bulk2_jobs" WHERE "id" = ?',
                                         (job_id,)).fetchone()
    lines = [r[0] for r in conn.execute(
        'SELECT "line" FROM "_bulk2_rows" WHERE "job_id" = ? AND "n" >= ? AND "n" < ? ORDER BY "n"',
        (job_id, offset, offset + size))]
    return str(header), lines, int(total)
