"""`notify --via github-issue`: each notice becomes a GitHub issue, opened through the REST API with what a GitHub
Actions job has: GH_TOKEN or GITHUB_TOKEN (in `gh`'s order), GITHUB_REPOSITORY and GITHUB_API_URL
(docs/reference/ecosystem.md §12, docs/decisions/notify.md).

Stateless but not spammy: the open issues labelled `guestlist-expiry` are listed once, before anything is created,
and a notice whose title is open already is left alone, so a re-run of the same day's job opens nothing new.
Under --redact the issues mask the people the output masks.

Exit codes: 0 every notice is open on GitHub (opened now or already), or there were none; 1 an error: before
anything was sent (no token, no repository, a bad GITHUB_API_URL), or a notice not delivered (the lines printed
before the error name those that were).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO
from urllib.parse import urlsplit

import requests

from reconciler import guard
from reconciler.errors import CommandError
from reconciler.notify.github_issue import LABEL, issue_body, issue_title
from reconciler.notify.notices import Notice

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"  # X-GitHub-Api-Version (ecosystem.md §12.1)
TIMEOUT = (10.0, 30.0)  # seconds: connect, read
PAGE_SIZE = 100  # per_page's maximum (ecosystem.md §12.2)
MAX_PAGES = 50  # 5,000 open issues with the label: far beyond any real list; stops a server that pages forever
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
NOT_SENT = "no notice was sent"


@dataclass(frozen=True)
class GitHubTarget:
    """Where issues go. `token` is registered with the output guard, so it is never printed."""

    api_url: str
    repository: str
    token: str = field(repr=False)

    @property
    def loopback(self) -> bool:
        return _is_loopback(urlsplit(self.api_url).hostname or "")


def target_from(env: Mapping[str, str]) -> GitHubTarget:
    """The token, repository and API address from the environment; a CommandError (exit 1) naming what is missing
    or wrong, before any request."""
    token = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN") or ""  # the gh CLI's order (ecosystem.md §12.1)
    if not token.strip():
        raise CommandError("error: --via github-issue needs a token in GITHUB_TOKEN (or GH_TOKEN): in a workflow, "
                           "set `GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}` with `permissions: issues: write`; "
                           f"{NOT_SENT}")
    guard.hold_secret(token, token.strip())
    repository = env.get("GITHUB_REPOSITORY", "")
    if not repository:
        raise CommandError("error: --via github-issue needs GITHUB_REPOSITORY (owner/name; GitHub Actions sets it); "
                           f"{NOT_SENT}")
    if not REPOSITORY.fullmatch(repository):
        raise CommandError(f"error: GITHUB_REPOSITORY {repository!r}: expected owner/name; {NOT_SENT}")
    api_url = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    parts = urlsplit(api_url)
    plain_loopback = parts.scheme == "http" and _is_loopback(parts.hostname or "")
    if not parts.hostname or not (parts.scheme == "https" or plain_loopback):
        raise CommandError(f"error: GITHUB_API_URL {api_url!r}: expected an https:// address (plain http only to "
                           f"this machine, for tests); {NOT_SENT}")
    return GitHubTarget(api_url, repository, token.strip())


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class GitHubError(Exception):
    """GitHub refused a request, or could not be reached: the message says what to fix."""


class _Bearer(requests.auth.AuthBase):
    """`Authorization: Bearer <token>`; as the session's auth it also keeps requests from using ~/.netrc instead."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


class IssuesClient:
    """The two calls the channel makes: list the open issues with a label, create an issue."""

    def __init__(self, target: GitHubTarget, session: requests.Session | None = None) -> None:
        self.target = target
        self.session = session or requests.Session()
        # the real API keeps the environment (proxies, the CA bundle); a loopback test server needs none of it
        self.session.trust_env = not target.loopback
        self.session.auth = _Bearer(target.token)
        self.session.headers.update({"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION,
                                     "User-Agent": "guestlist"})
        self.issues_url = f"{target.api_url}/repos/{target.repository}/issues"

    def open_titles(self, label: str) -> dict[str, dict[str, Any]]:
        """The open issues carrying `label`, by title (pull requests left out), following every page."""
        found: dict[str, dict[str, Any]] = {}
        url: str | None = self.issues_url
        params: dict[str, str | int] | None = {"labels": label, "state": "open", "per_page": PAGE_SIZE}
        for _ in range(MAX_PAGES):
            if url is None:
                break
            response = self._send("GET", url, params=params)
            for issue in _json(response, list):
                if isinstance(issue, dict) and "pull_request" not in issue:
                    found.setdefault(str(issue.get("title")), issue)
            url, params = self._next_page(response), None
        return found

    def create(self, title: str, body: str, label: str) -> dict[str, Any]:
        return _json(self._send("POST", self.issues_url, json={"title": title, "body": body, "labels": [label]}),
                     dict)

    def _next_page(self, response: requests.Response) -> str | None:
        """The Link header's rel="next", only on the same API host (the token goes nowhere else)."""
        url = response.links.get("next", {}).get("url")
        return url if url and urlsplit(url).netloc == urlsplit(self.target.api_url).netloc else None

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise GitHubError(f"could not reach GitHub at {self.target.api_url} ({type(exc).__name__}): check "
                              "GITHUB_API_URL and the network") from None
        if response.status_code >= 400:
            raise GitHubError(explain(response, self.target.repository))
        return response


def _json(response: requests.Response, kind: type) -> Any:
    """The answer's JSON when it is a `kind` (a list of issues, an issue); anything else is a GitHubError."""
    try:
        value = response.json()
    except ValueError:
        value = None
    if not isinstance(value, kind):
        raise GitHubError(f"GitHub answered {response.status_code} without the expected JSON: check GITHUB_API_URL")
    return value


def explain(response: requests.Response, repository: str) -> str:
    """One line for a refusal: the status, GitHub's own message, and what to fix (ecosystem.md §12.3)."""
    status = response.status_code
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = ""
    said = f"{status} {' '.join(message.split())[:200]}".strip()
    if status == 401:
        return f"GitHub refused the token ({said}): GITHUB_TOKEN (or GH_TOKEN) is invalid or expired"
    if status in (403, 429) and (response.headers.get("X-RateLimit-Remaining") == "0"
                                 or "rate limit" in message.lower()):
        return f"GitHub's rate limit was reached ({said}): run it again later"
    if status == 403:
        return (f"GitHub refused to write issues in {repository} ({said}): give the job `permissions: issues: "
                "write`, or use a token that may write issues there")
    if status == 404:
        return (f"GitHub knows no repository {repository} that this token can see ({said}): check GITHUB_REPOSITORY, "
                "GITHUB_API_URL and the token's access")
    if status == 410:
        return f"issues are turned off in {repository} ({said}): turn Issues on in the repository's settings"
    if status == 422:
        return f"GitHub refused the issue as invalid ({said})"
    return f"GitHub answered {said}"


@dataclass(frozen=True)
class Delivered:
    title: str
    number: int | None
    url: str
    opened: bool  # False: it was open already


def deliver(found: Sequence[Notice], today: dt.date, out: TextIO, err: TextIO, *, as_json: bool,
            env: Mapping[str, str], session: requests.Session | None = None) -> int:
    """Opens an issue for each notice not open already; prints one line per notice (or JSON). Exit code 0, or a
    CommandError when GitHub refuses: the message counts what was delivered before."""
    target = target_from(env)
    done: list[Delivered] = []
    try:
        if found:
            _open_issues(IssuesClient(target, session), found, today, done, None if as_json else out, err)
    except GitHubError as exc:
        _report(done, today, out, as_json)
        delivered = f"{len(done)} of {len(found)} notices delivered (listed above)" if done else NOT_SENT
        raise CommandError(f"error: {exc}; {delivered}") from None
    _report(done, today, out, as_json, nothing=not found)
    return 0


def _open_issues(client: IssuesClient, found: Sequence[Notice], today: dt.date, done: list[Delivered],
                 out: TextIO | None, err: TextIO) -> None:
    open_now = client.open_titles(LABEL)
    for notice in found:
        title, body = guard.mask(issue_title(notice, today)), guard.mask(issue_body(notice, today))
        issue = open_now.get(title)
        opened = issue is None
        if issue is None:
            issue = client.create(title, body, LABEL)
            if LABEL not in {label.get("name") for label in issue.get("labels", []) if isinstance(label, dict)}:
                print(f"warning: GitHub did not label issue #{issue.get('number')} {LABEL!r} (a token without push "
                      "access has labels dropped): a re-run would open it again", file=err)
        item = Delivered(title, issue.get("number"), str(issue.get("html_url", "")), opened)
        done.append(item)
        if out is not None:
            out.write(f"{'opened' if opened else 'already open'}: #{item.number} {title} {item.url}".rstrip() + "\n")
            out.flush()


def _report(done: list[Delivered], today: dt.date, out: TextIO, as_json: bool, *, nothing: bool = False) -> None:
    if as_json:
        out.write(json.dumps({"today": today.isoformat(), "issues": [
            {"title": d.title, "number": d.number, "url": d.url, "opened": d.opened} for d in done]}, indent=2) + "\n")
    elif nothing:
        out.write(f"no notices on {today.isoformat()}: no access ends on a threshold day; no issue opened\n")
    out.flush()
