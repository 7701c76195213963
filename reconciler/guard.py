"""Every byte guestlist prints passes through one guard (docs/decisions/output-guard.md).

- Secrets are always masked: every secret the process holds (registered with `hold_secret` by whoever learns it:
  credentials, tokens, keys), in each form a server may echo it (as sent, URL-, XML-, HTML- or JSON-encoded), and
  any token-shaped text (session ids, bearer headers, JWTs, `password=` fields).
- Under `--redact` (or `GUESTLIST_REDACT=1` for a whole pipeline) people are masked too: the external people the
  config or the org names (emails, usernames, first and last names, invitation messages) and every other email
  address that is not known to be a colleague's (`learn_people`). `j***@contoso.com`, `D***`.

`install()` wraps sys.stdout and sys.stderr in a `GuardedStream` for the whole command, so a warning, an error, a
progress line or a library's message can't slip past; files guestlist writes for people to read (the journal)
go through `mask()` as well.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TextIO
from urllib.parse import quote, quote_plus

REDACTED = "***"
REDACT_VARIABLE = "GUESTLIST_REDACT"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words; Salesforce passwords have 8 or more characters
_OFF = frozenset({"", "0", "false", "no", "off"})

SECRET_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\b00D[0-9A-Za-z]{12,15}![0-9A-Za-z._\-]+"),  # Salesforce session ids / access tokens
    re.compile(r"(\bBearer\s+)[^\s\"',;]{8,}"),
    re.compile(r"(?i)(\bBasic\s+)[A-Za-z0-9+/=]{8,}"),
    re.compile(r"(?i)(\"(?:access_token|refresh_token|client_secret|password|assertion|id_token)\"\s*:\s*\")[^\"]*"),
    re.compile(r"(?i)(\b(?:access_token|refresh_token|client_secret|password|assertion|id_token)=)[^&\s\"']+"),
    re.compile(r"(?i)(<(?:\w+:)?(?:sessionId|password)>)[^<]*"),
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"),  # a JWT
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)"),
)
EMAIL_LIKE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")  # dotless too: a typo is private


def mask_person(text: str) -> str:
    """ "jane.doe@contoso.com" -> "j***@contoso.com"; a name without "@" keeps its first character."""
    local, at, domain = text.partition("@")
    return f"{local[:1]}{REDACTED}{at}{domain}"


def encoded_forms(value: str) -> set[str]:
    """`value` as a server may echo it back: as sent, and URL-, XML/HTML- and JSON-encoded."""
    forms = {value, quote(value, safe=""), quote_plus(value), html.escape(value, quote=True),
             html.escape(value, quote=False), json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return {form for form in forms if form}


def redact_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every given secret (in each encoded form) and every token-shaped string replaced by ***."""
    forms = {form for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH
             for form in encoded_forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


class Masker:
    """What the process must never print: secrets always, people while redacting. Thread-safe to extend."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._people: set[str] = set()  # lower case: external people's emails, usernames, names, messages
        self._colleagues: set[str] = set()  # lower case: emails and usernames shown unmasked
        self._names: dict[str, tuple[str, ...]] | None = None
        self.redacting = False

    def hold_secret(self, *values: str) -> None:
        with self._lock:
            self._secrets.update(v for v in values if v and len(v) >= MIN_SECRET_LENGTH)

    def learn_people(self, external: Iterable[str] = (), colleagues: Iterable[str] = ()) -> None:
        """External people to mask while redacting, and colleagues whose emails and usernames stay readable
        (a name that is both is masked)."""
        with self._lock:
            self._people.update(n.strip().lower() for n in external if n and n.strip())
            self._colleagues.update(n.strip().lower() for n in colleagues if n and n.strip())
            self._names = None

    def reset(self) -> None:
        """Forgets everything: the next command run in this process starts clean (tests run many in one)."""
        with self._lock:
            self._secrets.clear()
            self._people.clear()
            self._colleagues.clear()
            self._names = None
            self.redacting = False

    def mask_secrets(self, text: str) -> str:
        with self._lock:
            secrets = tuple(self._secrets)
        return redact_secrets(text, secrets)

    def mask(self, text: str) -> str:
        text = self.mask_secrets(text)
        if not self.redacting:
            return text
        return self._mask_people(text)

    def _names_by_first_word(self) -> dict[str, tuple[str, ...]]:
        """Every external name that is not an email (first and last names, messages, in each encoded form), keyed
        by its first word, longest first: a scan looks up each word instead of trying every name at every
        character, so masking stays linear in the text with 200,000 people."""
        with self._lock:
            if self._names is None:
                index: dict[str, list[str]] = {}
                for name in self._people:
                    if EMAIL_LIKE.fullmatch(name):
                        continue
                    for form in encoded_forms(name):
                        first = _WORD.search(form)
                        if first is not None and first.start() == 0:
                            index.setdefault(first.group(0).lower(), []).append(form.lower())
                self._names = {word: tuple(sorted(set(forms), key=len, reverse=True)) for word, forms in index.items()}
            return self._names

    def _mask_people(self, text: str) -> str:
        names = self._names_by_first_word()
        parts: list[str] = []
        position = 0
        for match in _TOKEN.finditer(text):
            start, end = match.span()
            if start < position:  # inside a multi-word name masked already
                continue
            token = match.group(0)
            if "@" in token:
                parts += [text[position:start], self._mask_email(token)]
                position = end
                continue
            for name in names.get(token.lower(), ()):
                stop = start + len(name)
                if text[start:stop].lower() == name and not (stop < len(text) and _is_word(text[stop])) \
                        and not (start and _is_word(text[start - 1])):
                    parts += [text[position:start], mask_person(text[start:stop])]
                    position = stop
                    break
        parts.append(text[position:])
        return "".join(parts)

    def _mask_email(self, token: str) -> str:
        candidate = token  # the longest known external name the token starts with (a username may extend one)
        while candidate:
            if candidate.lower() in self._people:
                return mask_person(candidate) + token[len(candidate):]
            candidate = candidate[:max(candidate.rfind("."), 0)]
        return token if token.lower() in self._colleagues else mask_person(token)


_WORD = re.compile(r"\w+")
_TOKEN = re.compile(EMAIL_LIKE.pattern + r"|\w+")


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


MASKER = Masker()


def hold_secret(*values: str) -> None:
    """Registers secrets the process holds: from now on they never appear in anything it prints."""
    MASKER.hold_secret(*values)


def mask(text: str) -> str:
    return MASKER.mask(text)


def mask_secrets(text: str) -> str:
    """`text` without any secret the process holds (people stay: for files that record what was done)."""
    return MASKER.mask_secrets(text)


def redacting() -> bool:
    return MASKER.redacting


def enable_redaction() -> None:
    MASKER.redacting = True


def learn_people(external: Iterable[str] = (), colleagues: Iterable[str] = ()) -> None:
    MASKER.learn_people(external, colleagues)


def is_on(value: str | None) -> bool:
    """An environment switch: any value but unset, empty, 0, false, no or off counts as on (fails safe)."""
    return (value or "").strip().lower() not in _OFF


def redaction_from_environment(env: Mapping[str, str] = os.environ) -> bool:
    """GUESTLIST_REDACT turns redaction on for every command."""
    return is_on(env.get(REDACT_VARIABLE))


class GuardedStream(io.TextIOBase):
    """A text stream that masks what passes through it, a whole line at a time (so a secret split across two
    writes is still seen whole); `flush()` writes out a partial line, masked too."""

    def __init__(self, inner: TextIO, masker: Masker) -> None:
        super().__init__()
        self.inner = inner
        self._masker = masker
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            head, newline, tail = self._pending.rpartition("\n")
            if newline:
                self._pending = tail
                self.inner.write(self._masker.mask(head + newline))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                pending, self._pending = self._pending, ""
                self.inner.write(self._masker.mask(pending))
        self.inner.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self.inner.isatty()
        except (AttributeError, ValueError):
            return False

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8") or "utf-8"

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", None)

    def __getattr__(self, name: str) -> Any:  # e.g. `mode`, `name`; never `buffer`: bytes would bypass the guard
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self.inner, name)


def install() -> bool:
    """Guards sys.stdout and sys.stderr for one command, starting from a clean masker (tests run many commands in
    one process); True when this call installed the guard, False when it was in place already."""
    if isinstance(sys.stdout, GuardedStream):
        return False
    MASKER.reset()
    sys.stdout = GuardedStream(sys.stdout, MASKER)
    sys.stderr = GuardedStream(sys.stderr, MASKER)
    if redaction_from_environment():
        enable_redaction()
    return True


def uninstall() -> None:
    """Flushes and removes the guard (what the masker learnt stays until the next install: a last report may
    still need it)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, GuardedStream):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
            setattr(sys, name, stream.inner)
