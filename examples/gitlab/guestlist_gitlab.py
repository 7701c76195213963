#!/usr/bin/env python3
"""GitLab API helper for the guestlist pipeline (examples/gitlab/.gitlab-ci.yml), standard library only.

  guestlist_gitlab.py note FILE            post FILE as the merge request's guestlist note, or update that note
  guestlist_gitlab.py drift RC [FILE]      RC 2: open or update the one open drift issue; RC 0: close it
  guestlist_gitlab.py report PLAN_JSON     print the Terraform report {"create", "update", "delete"}

The note is the one whose body holds the <!-- guestlist-plan --> marker. Needs GUESTLIST_GITLAB_TOKEN (a project
access token with the api scope); CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID come from GitLab.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

MARKER = "<!-- guestlist-plan -->"
DRIFT_LABEL = os.environ.get("DRIFT_LABEL", "guestlist-drift")


def api(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{os.environ['CI_API_V4_URL']}/projects/{os.environ['CI_PROJECT_ID']}{path}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("PRIVATE-TOKEN", os.environ["GUESTLIST_GITLAB_TOKEN"])
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def every_page(path: str) -> list[Any]:
    """All items of a paged list (100 a page), following the page numbers until a short page."""
    items: list[Any] = []
    page = 1
    separator = "&" if "?" in path else "?"
    while True:
        batch = api("GET", f"{path}{separator}per_page=100&page={page}")
        items.extend(batch)
        if len(batch) < 100:
            return items
        page += 1


def upsert_note(body_file: str) -> str:
    body = Path(body_file).read_text(encoding="utf-8")
    notes = f"/merge_requests/{os.environ['CI_MERGE_REQUEST_IID']}/notes"
    for note in every_page(notes):
        if MARKER in note.get("body", ""):
            api("PUT", f"{notes}/{note['id']}", {"body": body})
            return f"updated note {note['id']}"
    created = api("POST", notes, {"body": body})
    return f"created note {created['id']}"


def drift(rc: str, body_file: str | None) -> str:
    label = urllib.parse.quote(DRIFT_LABEL)
    open_issues = every_page(f"/issues?state=opened&labels={label}")
    if rc == "2":
        body = Path(body_file or "drift.md").read_text(encoding="utf-8")
        if open_issues:
            api("PUT", f"/issues/{open_issues[0]['iid']}", {"description": body})
            return f"updated issue {open_issues[0]['iid']}"
        title = f"guestlist: the Salesforce org differs from {os.environ.get('GUESTLIST_CONFIG', 'desired/')}"
        created = api("POST", "/issues", {"title": title, "description": body, "labels": DRIFT_LABEL})
        return f"created issue {created['iid']}"
    if rc == "0" and open_issues:
        iid = open_issues[0]["iid"]
        api("POST", f"/issues/{iid}/notes", {"body": "In sync again: guestlist plan found no changes."})
        api("PUT", f"/issues/{iid}", {"state_event": "close"})
        return f"closed issue {iid}"
    return "nothing to do"


def report(plan_json: str) -> str:
    summary = json.loads(Path(plan_json).read_text(encoding="utf-8"))["summary"]
    return json.dumps({key: int(summary.get(key, 0)) for key in ("create", "update", "delete")})


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "note":
        print(upsert_note(argv[1]))
    elif len(argv) >= 2 and argv[0] == "drift":
        print(drift(argv[1], argv[2] if len(argv) > 2 else None))
    elif len(argv) == 2 and argv[0] == "report":
        print(report(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
