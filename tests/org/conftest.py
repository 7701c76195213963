"""Fixtures for the org tests: a scripted HTTP transport for the pure tests (token requests, retries)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import requests
from requests.adapters import HTTPAdapter


@dataclass
class FakeHttp:
    """Answers requests below the counting adapter (HTTPAdapter.send), recording what was sent."""

    answers: list[Callable[[requests.PreparedRequest], requests.Response]] = field(default_factory=list)
    sent: list[requests.PreparedRequest] = field(default_factory=list)

    def answer(self, status: int, body: object = b"", headers: dict[str, str] | None = None) -> None:
        def reply(request: requests.PreparedRequest) -> requests.Response:
            response = requests.Response()
            response.status_code = status
            response.request = request
            response.url = request.url or ""
            if isinstance(body, bytes | str):
                response._content = body.encode() if isinstance(body, str) else body
                content_type = "text/xml" if response._content.startswith(b"<") else "text/plain"
            else:
                response._content = json.dumps(body).encode()
                content_type = "application/json"
            response.raw = io.BytesIO(response._content)
            response.headers.update({"Content-Type": content_type, **(headers or {})})
            return response

        self.answers.append(reply)

    def fail(self, exc: Exception) -> None:
        def reply(request: requests.PreparedRequest) -> requests.Response:
            raise exc

        self.answers.append(reply)

    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        self.sent.append(request)
        self.kwargs = kwargs
        if not self.answers:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        return self.answers.pop(0)(request)


@pytest.fixture
def fake_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHttp]:
    fake = FakeHttp()
    monkeypatch.setattr(HTTPAdapter, "send", lambda self, request, **kw: fake.send(request, **kw))
    yield fake
