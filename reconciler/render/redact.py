"""--redact: external people's emails and usernames become j***@contoso.com everywhere in the plan (keys, fields,
values, findings), and their first and last names are masked in their own user and contact changes. The result is
still a Plan, so every format renders it the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reconciler.plan.change import Plan

_NAME_FIELDS = frozenset({"first_name", "last_name", "FirstName", "LastName", "Alias"})


def mask(text: str) -> str:
    """ "jane.doe@contoso.com" -> "j***@contoso.com"; a name without "@" keeps its first character."""
    local, at, domain = text.partition("@")
    return f"{local[:1]}***{at}{domain}"


def redact(plan: Plan) -> Plan:
    names = {name.lower() for person in plan.people if person.external for name in (person.person, *person.names)}
    if not names:
        return plan
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)), re.IGNORECASE)
    external_people = {p.person.lower() for p in plan.people if p.external}

    def scrub(text: str) -> str:
        return pattern.sub(lambda m: mask(m.group(0)), text)

    data = plan.to_json()
    for change in data["changes"]:
        if change["kind"] in ("user", "contact") and {p.lower() for p in change["people"]} <= external_people:
            for part in ("before", "after", "values"):
                change[part] = {
                    k: (mask(v) if k in _NAME_FIELDS and isinstance(v, str) else v) for k, v in change[part].items()
                }
    return Plan.from_json(_walk(data, scrub))


def _walk(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k): _walk(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, scrub) for v in value]
    return value
