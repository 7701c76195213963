"""Per-read request counts of observe (issue 14 item 1): for a generated reference org and its config, how many
query requests each read makes, how many rows it returns, and its floor (ceil(rows/2000)).

    python bench/observe_reads.py --size S [--variant]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scale_org import TODAY, generate  # noqa: E402
from reconciler.config.load import load_desired  # noqa: E402
from reconciler.org.connect import connect  # noqa: E402
from reconciler.org.observe import observe  # noqa: E402

_FROM = re.compile(r"\bFROM (\w+)(?: WHERE (.{0,60}))?")


def _label(soql: str) -> str:
    match = _FROM.search(soql)
    if not match:
        return soql[:60]
    where = re.sub(r"'[^']*'", "'…'", match.group(2) or "")
    where = re.sub(r"IN \(.*", "IN (…)", where)
    return f"{match.group(1)} {where}".strip()


class Tally:
    """Query requests and rows per read, attributed through each first page's nextRecordsUrl."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_locator: dict[str, str] = {}
        self.requests: dict[str, int] = defaultdict(int)
        self.rows: dict[str, int] = defaultdict(int)

    def hook(self, response, *args, **kwargs) -> None:
        url = urlsplit(response.request.url)
        if "/query" not in url.path:
            return
        body = response.json() if response.ok else {}
        with self.lock:
            q = parse_qs(url.query).get("q")
            label = _label(q[0]) if q else self.by_locator.get(url.path.rsplit("/", 1)[-1].rsplit("-", 1)[0], "?")
            self.requests[label] += 1
            self.rows[label] += len(body.get("records") or [])
            if body.get("nextRecordsUrl"):
                self.by_locator[body["nextRecordsUrl"].rsplit("/", 1)[-1].rsplit("-", 1)[0]] = label

    def table(self) -> list[dict[str, object]]:
        return [{"read": label, "requests": self.requests[label], "rows": self.rows[label],
                 "floor": max(1, math.ceil(self.rows[label] / 2000))} for label in sorted(self.requests)]


def measure(db: Path, config: Path) -> tuple[list[dict[str, object]], int, int]:
    desired = load_desired(config, dt.date.fromisoformat(TODAY)).desired
    assert desired is not None, config
    tally = Tally()
    with connect("sandbox", sandbox_db=db) as conn:
        conn.sf.session.hooks["response"].append(tally.hook)
        snapshot = observe(conn, desired)
    return tally.table(), conn.counter.by_kind["query"], len(snapshot.users)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="S")
    parser.add_argument("--variant", action="store_true")
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    root = args.dir or Path(tempfile.mkdtemp(prefix="observe-reads-"))
    db = root / f"{args.size}.sqlite3"
    if not db.exists():
        generate(db, args.size, root / "desired", root / "variant")
    table, queries, users = measure(db, root / ("variant" if args.variant else "desired"))
    for row in table:
        print(json.dumps(row))
    print(f"query requests {queries}, users in snapshot {users}, "
          f"sum of per-read floors {sum(int(str(r['floor'])) for r in table)}")


if __name__ == "__main__":
    main()
