"""--redact: external people's emails and usernames become j***@contoso.com everywhere in the plan (keys, fields,
values, findings), their first and last names are masked in their own user and contact changes, and invitation
messages (free text that often names people: "Li, you can approve ...") are hidden. The result is still a Plan, so
every format renders it the same way."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reconciler.guard import mask_person
from reconciler.kinds import KINDS
from reconciler.model import DesiredState, MemberKind
from reconciler.plan.change import Plan

_NAME_FIELDS = {kind.value: spec.private_fields("name") for kind, spec in KINDS.items() if spec.private_fields("name")}
_MESSAGE_FIELDS = {kind.value: spec.private_fields("message") for kind, spec in KINDS.items()
                   if spec.private_fields("message")}
HIDDEN_MESSAGE = "(message hidden)"


mask = mask_person


_EMAIL_LIKE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+")


def redact(plan: Plan) -> Plan:
    data = plan.to_json()
    _hide_messages(data["changes"])
    names = {name.lower() for person in plan.people if person.external for name in (person.person, *person.names)}
    names.update(name.lower() for name in plan.external_names)
    if not names:
        return Plan.from_json(data)
    external_people = {p.person.lower() for p in plan.people if p.external}

    def masked(match: re.Match[str]) -> str:
        """The longest external name the email-like token starts with (a username may extend an email)."""
        token = match.group(0)
        candidate = token
        while candidate:
            if candidate.lower() in names:
                return mask(candidate) + token[len(candidate) :]
            cut = max(candidate.rfind("."), 0)
            candidate = candidate[:cut]
        return token

    odd = sorted((n for n in names if not _EMAIL_LIKE.fullmatch(n)), key=len, reverse=True)  # e.g. non-ASCII
    leftovers = re.compile("|".join(map(re.escape, odd)), re.IGNORECASE) if odd else None

    def scrub(text: str) -> str:
        if "@" in text:
            text = _EMAIL_LIKE.sub(masked, text)
        return leftovers.sub(lambda m: mask(m.group(0)), text) if leftovers else text

    for change in data["changes"]:
        if change["kind"] in _NAME_FIELDS and {p.lower() for p in change["people"]} <= external_people:
            _replace_fields(change, _NAME_FIELDS[change["kind"]], mask)
    return Plan.from_json(_walk(data, scrub))


def _hide_messages(changes: list[dict[str, Any]]) -> None:
    for change in changes:
        if change["kind"] in _MESSAGE_FIELDS:
            _replace_fields(change, _MESSAGE_FIELDS[change["kind"]], lambda _: HIDDEN_MESSAGE)


def _replace_fields(change: dict[str, Any], fields: frozenset[str], replace: Callable[[str], str]) -> None:
    """Replaces the non-empty text of `fields` in a change's before, after and values."""
    for part in ("before", "after", "values"):
        change[part] = {k: (replace(v) if k in fields and isinstance(v, str) and v else v)
                        for k, v in change[part].items()}


def _walk(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(k): _walk(v, scrub) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, scrub) for v in value]
    return value


def declared_people(desired: DesiredState) -> tuple[set[str], set[str]]:
    """(external, colleagues) named by a config, for the output guard: external people's emails, usernames,
    names and invitation messages are masked under --redact; colleagues' emails and usernames stay readable."""
    external: set[str] = set()
    colleagues: set[str] = set(desired.policy.protected)
    for group in desired.groups:
        colleagues.update(n for n in (group.owner,) if n)
        for member in group.members:
            if member.kind is MemberKind.CUSTOMER:
                external.update(n for n in (member.identity, member.message) if n)
            else:
                colleagues.add(member.identity)
            colleagues.update(n for n in (member.sponsor,) if n)
    for user in desired.external_users:
        external.update(n for n in (user.username, user.email, user.first_name, user.last_name) if n)
        colleagues.update(n for n in (user.sponsor,) if n)
    for chatter_user in desired.chatter_users:
        colleagues.update((chatter_user.username, chatter_user.email))
    colleagues.update(a.username for p in desired.permission_sets for a in p.assignees)
    return external, colleagues


def plan_people(plan: Plan) -> tuple[set[str], set[str]]:
    """(external, colleagues) a plan names, the org's people included (orphaned customers, undeclared users)."""
    external = {n for n in plan.external_names}
    external.update(n for p in plan.people if p.external for n in (p.person, *p.names))
    colleagues = {n for p in plan.people if not p.external for n in (p.person, *p.names)}
    return external, colleagues
