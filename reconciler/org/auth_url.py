"""SFDX auth URLs, `force://<clientId>:<clientSecret>:<refreshToken>@<host[:port]>` (ecosystem.md §1.1), read
the way `sf org login sfdx-url` reads them: the bare URL, or JSON with a top-level `sfdxAuthUrl`, or the `--json`
output of `sf org auth show-sfdx-auth-url` (`result.sfdxAuthUrl`). guestlist exchanges the refresh token itself
(OAuth `refresh_token` grant, in reconciler/org/connect.py). Every part that is a secret is held by the output
guard as soon as it is read."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reconciler.guard import hold_secret

# sfdx-core's parseSfdxAuthUrl (src/org/authInfo.ts), the newer form that allows a port in the host
_AUTH_URL = re.compile(
    r"force://([a-zA-Z0-9._-]+={0,2}):([a-zA-Z0-9._-]*={0,2}):([a-zA-Z0-9._-]+={0,2})@([a-zA-Z0-9:._-]+)"
)
MAX_FILE_BYTES = 64 * 1024
FORMAT = "force://<clientId>:<clientSecret>:<refreshToken>@<host>"


class AuthUrlError(Exception):
    """The auth URL can't be read or parsed; the message names where it came from, never its secret parts."""


@dataclass(frozen=True)
class AuthUrl:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)
    login_url: str  # https://<host[:port]>
    text: str = field(repr=False)  # the whole URL, a secret too

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.text, self.refresh_token, self.client_secret) if s)


def parse_auth_url(text: str, source: str) -> AuthUrl:
    """The auth URL in `text` (bare, or one of the JSON shapes above); `source` names where it came from."""
    text = text.strip()
    hold_secret(text)  # never echoed: messages name the source, not the content
    url = _from_json(text, source) if text.startswith("{") else text
    hold_secret(url)
    match = _AUTH_URL.fullmatch(url.strip())
    if match is None:
        raise AuthUrlError(f"{source}: not an SFDX auth URL: expected {FORMAT} (the host without https://)")
    client_id, client_secret, refresh_token, host = match.groups()
    hold_secret(refresh_token, *([client_secret] if client_secret else []))
    return AuthUrl(client_id, client_secret, refresh_token, f"https://{host}", url.strip())


def _from_json(text: str, source: str) -> str:
    try:
        document = json.loads(text)
    except ValueError:
        raise AuthUrlError(f"{source}: starts like JSON but is not valid JSON") from None
    result = document.get("result") if isinstance(document, dict) else None
    for holder in (result, document):
        if isinstance(holder, dict) and isinstance(holder.get("sfdxAuthUrl"), str):
            return str(holder["sfdxAuthUrl"])
    raise AuthUrlError(f"{source}: JSON without sfdxAuthUrl (or result.sfdxAuthUrl)")


def read_auth_url_file(path: str, stdin: TextIO | None = None) -> AuthUrl:
    """The auth URL in the file at `path`, or on stdin when `path` is "-"."""
    if path == "-":
        stream = stdin or sys.stdin
        return parse_auth_url(stream.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES], "--auth-url-file - (stdin)")
    source = f"--auth-url-file {path}"
    file = Path(path).expanduser()
    if file.is_dir():
        raise AuthUrlError(f"{source}: is a directory, not a file holding an auth URL")
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise AuthUrlError(f"{source}: cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise AuthUrlError(f"{source}: larger than {MAX_FILE_BYTES // 1024} KiB, not an auth URL file")
    try:
        return parse_auth_url(raw.decode("utf-8-sig"), source)
    except UnicodeDecodeError:
        raise AuthUrlError(f"{source}: not UTF-8 text") from None
