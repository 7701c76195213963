"""Sandbox org figures over HTTPS through simple-salesforce: rows/s for sObject Collections inserts and for query
paging (nextRecordsUrl), over 100k records by default. Prints; not a test.

python bench/sandbox_bench.py [--records 100000] [--workers 1] [--batch-size 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
from simple_salesforce import Salesforce

from reconciler.sandbox.runner import SandboxInfo, start_sandbox

COLLECTION_SIZE = 200


def client(info: SandboxInfo) -> Salesforce:
    session = requests.Session()
    session.verify = info.ca_file
    session.trust_env = False
    return Salesforce(instance_url=info.instance_url, session_id=info.access_token, session=session)


def batches(total: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, total, COLLECTION_SIZE):
        yield [{"attributes": {"type": "Account"}, "Name": f"Bench {n:07d}", "Industry": "Energy"}
               for n in range(start, min(start + COLLECTION_SIZE, total))]


def insert(info: SandboxInfo, total: int, workers: int) -> int:
    """Insert `total` accounts in collections of 200 from `workers` threads; returns how many succeeded."""
    clients = [client(info) for _ in range(workers)]

    def post(job: tuple[int, list[dict[str, Any]]]) -> int:
        index, records = job
        results = clients[index % workers].restful("composite/sobjects", method="POST",
                                                    json={"allOrNone": True, "records": records})
        return sum(1 for r in results if r["success"])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return sum(pool.map(post, enumerate(batches(total))))


def page_through(info: SandboxInfo, batch_size: int) -> tuple[int, int]:
    """Read every account with query + nextRecordsUrl; returns (rows, pages)."""
    sf = client(info)
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"}
    page = sf.query("SELECT Id, Name, Industry, CreatedDate FROM Account", headers=headers)
    rows, pages = len(page["records"]), 1
    while not page["done"]:
        page = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True, headers=headers)
        rows, pages = rows + len(page["records"]), pages + 1
    return rows, pages


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1, help="client threads for the inserts")
    parser.add_argument("--batch-size", type=int, default=2000, help="Sforce-Query-Options batchSize")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory, start_sandbox(Path(directory) / "bench.sqlite3",
                                                                   seed="empty") as sandbox:
        inserted, insert_s = timed(lambda: insert(sandbox.info, args.records, args.workers))
        (rows, pages), query_s = timed(lambda: page_through(sandbox.info, args.batch_size))
        calls = -(-args.records // COLLECTION_SIZE)
        print(f"sandbox at {sandbox.info.instance_url}, {args.records} accounts, {args.workers} insert thread(s)")
        print(f"collections insert: {inserted} rows in {insert_s:.1f} s = {inserted / insert_s:,.0f} rows/s "
              f"({calls} requests, {insert_s / calls * 1000:.1f} ms each)")
        print(f"query paging:       {rows} rows in {query_s:.1f} s = {rows / query_s:,.0f} rows/s "
              f"({pages} pages of up to {args.batch_size})")
        if inserted != args.records or rows != args.records:
            raise SystemExit(f"expected {args.records} rows everywhere, inserted {inserted} and read {rows}")


if __name__ == "__main__":
    main()
