"""The standard Contact and Lead duplicate rules, active in every new org (real-orgs.md §3.1).

On create, a Contact or Lead whose email, last name and first name match a Contact or Lead already saved (not one
of the same request) is refused
with DUPLICATES_DETECTED ("Use one of these records?", the rule's alert), unless the request carries
`Sforce-Duplicate-Rule-Header: allowSave=true` (real-orgs.md §3.3). The rules' action is "Allow" with an alert,
so the header saves the record. The real matching rules are fuzzy; the sandbox compares exactly, ignoring case,
and treats a blank first name as matching (`assumed("duplicate-matching")`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

HEADER = "Sforce-Duplicate-Rule-Header"
ALERT = "Use one of these records?"
_MATCHING = assumed("duplicate-matching")
_RESULT = assumed("duplicate-result-shape")


@dataclass(frozen=True)
class DuplicateRuleHeader:
    """The request's Sforce-Duplicate-Rule-Header; every field defaults to false (real-orgs.md §3.3)."""

    allow_save: bool = False
    include_record_details: bool = False
    run_as_current_user: bool = False  # no effect: the sandbox has no record sharing for Contacts and Leads

    @classmethod
    def parse(cls, text: str | None) -> DuplicateRuleHeader:
        """`allowSave=true; includeRecordDetails=true; runAsCurrentUser=true`; unknown names and values other
        than true are ignored (`assumed("duplicate-header-parsing")`)."""
        assumed("duplicate-header-parsing")
        options: dict[str, bool] = {}
        for part in (text or "").replace(",", ";").split(";"):
            name, _, value = part.partition("=")
            options[name.strip().lower()] = value.strip().lower() == "true"
        return cls(options.get("allowsave", False), options.get("includerecorddetails", False),
                   options.get("runascurrentuser", False))


@dataclass(frozen=True)
class _Rule:
    name: str  # the duplicate rule's API name
    sobject: str
    match_rules: tuple[tuple[str, str], ...]  # (sObject searched, its matching rule's API name)


_CONTACT_MATCH = ("Contact", "Standard_Contact_Match_Rule_v1_1")
_LEAD_MATCH = ("Lead", "Standard_Lead_Match_Rule_v1_0")
# orgs created in Summer '17 or later: each rule also matches the other object (real-orgs.md §3.1)
_RULES = {
    "Contact": _Rule("Standard_Contact_Duplicate_Rule", "Contact", (_CONTACT_MATCH, _LEAD_MATCH)),
    "Lead": _Rule("Standard_Lead_Duplicate_Rule", "Lead", (_LEAD_MATCH, _CONTACT_MATCH)),
}


class DuplicatesDetected(ApiError):
    """DUPLICATES_DETECTED with the duplicateResult a REST create answers with (real-orgs.md §3.4)."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(400, "DUPLICATES_DETECTED", ALERT)
        self.result = result

    def body(self) -> list[dict[str, Any]]:
        return [{"duplicateResult": self.result, "errorCode": self.code, "message": self.message}]

    def record_error(self) -> dict[str, Any]:
        return {**super().record_error(), "duplicateResult": self.result}


def check(session: Session, sobject: str, values: dict[str, Any]) -> None:
    """Refuse a new Contact or Lead that duplicates an existing one, unless the request allows saving it."""
    rule = _RULES.get(sobject)
    email = values.get("Email")
    if rule is None or not email:
        return
    matches = [(searched, match_rule, rows) for searched, match_rule in rule.match_rules
               if (rows := _matching(session, searched, values))]
    if not matches or session.duplicate_rule_header.allow_save:
        return
    details = session.duplicate_rule_header.include_record_details
    raise DuplicatesDetected({
        "allowSave": True,
        "duplicateRule": rule.name,
        "duplicateRuleEntityType": rule.sobject,
        "errorMessage": ALERT,
        "matchResults": [
            {"entityType": searched, "errors": [], "matchEngine": "FuzzyMatchEngine",
             "matchRecords": [_match_record(session, searched, row, details) for row in rows],
             "rule": match_rule, "size": len(rows), "success": True}
            for searched, match_rule, rows in matches
        ],
    })


def _matching(session: Session, sobject: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Undeleted records of `sobject` (Leads not converted) with the same email, last name and first name (either
    first name blank counts as a match), oldest first; records saved by this request don't count: "records within
    the same save aren't compared to each other" (real-orgs.md §3.1)."""
    converted = ' AND "IsConverted" = 0' if sobject == "Lead" else ""
    rows = session.rows(sobject, f'lower("Email") = lower(?) AND "IsDeleted" = 0{converted} ORDER BY "Id"',
                        (values["Email"],))
    return [row for row in rows if row["Id"] not in session.created_in_request
            and _same(row.get("LastName"), values.get("LastName"))
            and (not row.get("FirstName") or not values.get("FirstName")
                 or _same(row.get("FirstName"), values.get("FirstName")))]


def _same(a: Any, b: Any) -> bool:
    return str(a or "").strip().casefold() == str(b or "").strip().casefold()


def _match_record(session: Session, sobject: str, row: dict[str, Any], details: bool) -> dict[str, Any]:
    record: dict[str, Any] = {
        "attributes": {"type": sobject,
                       "url": f"/services/data/v{session.api_version}/sobjects/{sobject}/{row['Id']}"},
        "Id": row["Id"],
    }
    if details:  # includeRecordDetails: the record's fields, not only its id
        record.update({k: v for k, v in row.items() if v is not None and k != "Id"})
    return {"additionalInformation": [], "fieldDiffs": [], "matchConfidence": 100.0, "record": record}
