"""A stand-in for GitHub's issues API on 127.0.0.1 (plain HTTP, reached through GITHUB_API_URL): it keeps issues,
records every request, pages its list like the real one (per_page, a Link rel="next") and answers a status when
told to (docs/reference/ecosystem.md §12)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPOSITORY = "acme/access"
ISSUES_PATH = f"/repos/{REPOSITORY}/issues"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeGitHub:
    url: str = ""
    repository: str = REPOSITORY
    issues: list[dict[str, Any]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    refuse: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)  # method -> (status, body)
    refuse_after: int = 0  # answer `refuse` only after this many requests of that method succeeded
    drop_labels: bool = False  # as GitHub does for a token without push access

    def add_issue(self, title: str, labels: tuple[str, ...] = ("guestlist-expiry",), **extra: Any) -> None:
        number = len(self.issues) + 1
        self.issues.append({"number": number, "title": title, "state": "open", "body": "",
                            "labels": [{"name": name} for name in labels],
                            "html_url": f"https://github.com/{self.repository}/issues/{number}", **extra})

    def made(self, method: str) -> list[Request]:
        return [r for r in self.requests if r.method == method]


def serve(repository: str = REPOSITORY) -> tuple[FakeGitHub, ThreadingHTTPServer]:
    fake = FakeGitHub(repository=repository)
    issues_path = f"/repos/{repository}/issues"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            done = len(fake.made(method))
            fake.requests.append(Request(method, parts.path, query, dict(self.headers.items()), body))
            if method in fake.refuse and done >= fake.refuse_after:
                status, answer = fake.refuse[method]
                return self._answer(status, answer)
            if parts.path != issues_path:
                return self._answer(404, {"message": "Not Found"})
            if method == "POST":
                labels = () if fake.drop_labels else tuple(body.get("labels", ()))
                fake.add_issue(body["title"], labels, body=body.get("body", ""))
                return self._answer(201, fake.issues[-1])
            wanted = set(query.get("labels", "").split(",")) - {""}
            matching = [i for i in fake.issues if i["state"] == query.get("state", "open")
                        and wanted <= {label["name"] for label in i["labels"]}]
            size, page = int(query.get("per_page", 30)), int(query.get("page", 1))
            headers = {}
            if len(matching) > page * size:
                following = dict(query, page=str(page + 1))
                link = f"{fake.url}{issues_path}?" + "&".join(f"{k}={v}" for k, v in following.items())
                headers["Link"] = f'<{link}>; rel="next"'
            self._answer(200, matching[(page - 1) * size:page * size], headers)

        def _answer(self, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server
