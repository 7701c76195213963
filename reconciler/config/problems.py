"""Problems found in a config, and the catalogue of every rule id that can report one.

A rule id is a stable, short kebab-case name (`customers-need-allow-customers`): scripts, CI annotations and
people grep for it, so ids are never renamed. Each id has one fixed severity.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from reconciler.model import Source


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, at a 1-based line and column of a file (line 0: the file or path as a whole)."""

    file: str
    line: int
    col: int
    rule: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        return f"{where}: {self.severity} {self.rule}: {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
        }


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


E, W = Severity.ERROR, Severity.WARNING

_CATALOGUE: tuple[Rule, ...] = (
    # reading files
    Rule("path-not-found", E, "the config path does not exist"),
    Rule("no-config-files", E, "a directory holds no *.yaml or *.yml file"),
    Rule("unreadable-file", E, "a file or directory can't be read (permissions, I/O error)"),
    Rule("file-too-large", E, "a file is larger than the size limit; it is refused before parsing"),
    Rule("not-utf8", E, "a file is not valid UTF-8 text"),
    Rule("yaml-syntax", E, "the YAML can't be parsed"),
    Rule("yaml-tag", E, "an explicit YAML tag other than the core ones (!!str, !!int, ...)"),
    Rule("multiple-documents", E, "a file holds more than one YAML document (---)"),
    Rule("duplicate-key", E, "a key appears twice in one mapping (YAML would silently keep the last)"),
    Rule("invalid-key", E, "a mapping key that is not a plain scalar"),
    Rule("too-deep", E, "nesting deeper than the limit"),
    Rule("recursive-alias", E, "an alias refers to a node that contains it"),
    Rule("alias-expansion", E, "aliases expand to more nodes than the limit (a 'billion laughs' bomb)"),
    Rule("empty-file", W, "a file declares nothing (empty or only comments)"),
    # structure (the JSON Schema)
    Rule("unknown-key", E, "a key the format does not define (with a 'did you mean' suggestion)"),
    Rule("missing-key", E, "a required key is missing"),
    Rule("wrong-type", E, "a value of the wrong type (a list where a mapping is expected, ...)"),
    Rule("invalid-value", E, "a value outside the allowed set (access: privat, ...)"),
    Rule("too-long", E, "a text longer than Salesforce stores (group name > 40, message > 255, ...)"),
    Rule("too-short", E, "an empty text or list where one is required"),
    Rule("out-of-range", E, "a number outside its range"),
    Rule("invalid-email", E, "not an email address"),
    Rule("invalid-username", E, "not a Salesforce username (they look like email addresses)"),
    Rule("invalid-domain", E, "not an email domain"),
    Rule("invalid-date", E, "not a valid date (YYYY-MM-DD)"),
    Rule("invalid-org-id", E, "org.id is not an org id (00D, 15 or 18 letters and digits)"),
    Rule("invalid-max-removals", E, "policy.max_removals is neither a count nor a percentage like 25%"),
    Rule("invalid-permission-set-name", E, "not a permission set API name"),
    Rule("member-identity", E, "a member entry names exactly one of user: or customer:"),
    Rule("schema", E, "any other structural error"),
    # merging files
    Rule("duplicate-group", E, "two groups with the same name (case-insensitively)"),
    Rule("duplicate-username", E, "one username declared twice across chatter_users and external_users"),
    Rule("duplicate-permission-set", E, "one permission set declared in two files"),
    Rule("duplicate-setting", E, "one org or policy setting declared in two files"),
    Rule("duplicate-item", E, "a list holds the same value twice (case-insensitively)"),
    # domain rules
    Rule("chatter-disabled", E, "groups are declared while org.chatter.enabled is false"),
    Rule("allow-customers-needs-private", E, "allow_customers: true on a public group"),
    Rule("customers-need-allow-customers", E, "a customer member in a group without allow_customers: true"),
    Rule("customer-invitations-disabled", E, "a group allows customers but org.chatter.customer_invitations is false"),
    Rule("customer-invitations-undeclared", W, "a group allows customers; org.chatter.customer_invitations undeclared"),
    Rule("unlisted-groups-disabled", E, "an unlisted group while org.chatter.unlisted_groups is false"),
    Rule("unlisted-groups-undeclared", W, "an unlisted group; org.chatter.unlisted_groups is not declared"),
    Rule("public-email-domain", E, "a public email provider among the company domains"),
    Rule("customer-in-company-domain", E, "a customer email inside the company domains (a colleague, not a customer)"),
    Rule("previously-declared", E, "a group's previously: name is the name of a declared group"),
    Rule("owner-not-internal", E, "a group owner that is a customer or an external (community) user"),
    Rule("owner-outside-company-domains", W, "a group owner whose username lies outside the company domains"),
    Rule("owner-role-member", E, "a group's owner listed with role: member (the owner is always a manager)"),
    Rule("duplicate-member", E, "one person listed twice in a group"),
    Rule("member-is-external-user", E, "an Experience Cloud user listed as a member of an internal group"),
    Rule("message-only-for-customers", W, "message: on a user member (only invitations carry a message)"),
    Rule("absent-group-has-members", W, "members declared on a group with state: absent (it is deleted)"),
    Rule("portal-role-not-allowed", E, "portal_role on a Customer Community user (that licence has no roles)"),
    Rule("profile-license-mismatch", E, "a standard profile that does not belong to the user's licence"),
    Rule("chatter-user-profile", E, "a Chatter Free colleague with a standard profile of another licence"),
    Rule("duplicate-contact", E, "two external users for one contact (same account and email)"),
    Rule("access-expired", W, "an expiry date in the past: guestlist will remove that access"),
    Rule("access-expiring", W, "access ending within --expiring-within days (default 14): person, grant, sponsor"),
    Rule("sponsor-required", E, "policy.require_sponsor: a customer or external user without a sponsor"),
    Rule("sponsor-not-internal", E, "a sponsor that is a customer or an external user"),
    Rule("expires-required", E, "policy.max_access_days: a customer or external user without expires"),
    Rule("expires-too-far", E, "policy.max_access_days: an expiry date further away than allowed"),
    Rule("protected-conflict", E, "a protected user declared inactive or with an expiry date"),
    Rule("permission-set-conflict", E, "an external user's permission set is managed authoritatively without them"),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _CATALOGUE}


def problem(rule_id: str, where: Source, message: str) -> Problem:
    """A Problem of a catalogued rule at `where` (severity comes from the catalogue)."""
    rule = RULES[rule_id]
    return Problem(shown(where.file), where.line, where.col, rule.id, rule.severity, shown(message))


_INVISIBLE = ("Cc", "Cf", "Cs", "Zl", "Zp")  # controls, bidi/format marks, surrogates, line/paragraph separators


def shown(text: str) -> str:
    """`text` safe for a terminal or a JSON reader: control, bidi and Unicode line-break characters escaped
    (U+202E -> \\u202e), so input quoted in a message can't reorder, hide or break the line."""
    if text.isprintable():
        return text
    return "".join(_escape(char) if unicodedata.category(char) in _INVISIBLE else char for char in text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)
