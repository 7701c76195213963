"""The export model -> YAML text, deterministic: keys in the schema's order, lists sorted, each scalar quoted only
when YAML needs it, notes as comments above what they are about. One document (`render_one`) or the split layout
(`render_split`: org.yaml, people.yaml, access.yaml, groups/<name>.yaml)."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from reconciler import __version__
from reconciler.config.schema import schema
from reconciler.export.model import Export, ExportedGroup, ExportedMember, ExportedPermissionSet, ExportedUser, Note
from reconciler.model import Membership

SINGLE_FILE = "guestlist.yaml"
SCHEMA_LINE = "# yaml-language-server: $schema={}schemas/guestlist.schema.json"


@dataclass(frozen=True)
class Commented:
    """A value with comment lines above its key (`notes`) and one at the end of its line (`inline`)."""

    value: Any
    notes: tuple[str, ...] = ()
    inline: str | None = None


@dataclass(frozen=True)
class Doc:
    """One file: its top-level keys in order, the header's description line, and where it lies below the root."""

    path: str
    describe: str
    keys: dict[str, Any] = field(default_factory=dict, hash=False)


# -- the model as mappings in the schema's order ------------------------------------------------------------------


def _order(definition: str | None) -> list[str]:
    node = schema() if definition is None else schema()["$defs"][definition]
    return list(node["properties"])


def _ordered(definition: str | None, values: dict[str, Any]) -> dict[str, Any]:
    order = _order(definition)
    present = [key for key, value in values.items() if value is not None]
    return {key: values[key] for key in sorted(present, key=order.index)}


def _nested(values: dict[str, Any]) -> dict[str, Any]:
    """Dotted words ("information.title") as nested mappings."""
    nested: dict[str, Any] = {}
    for word, value in values.items():
        head, _, rest = word.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            nested[word] = value
    return nested


def _member(member: ExportedMember) -> Commented:
    values = {member.kind: member.identity, "role": member.role, "notify": member.notify, "message": member.message}
    return Commented(_ordered("member", values), inline=member.comment)


def _group(group: ExportedGroup) -> Commented:
    settings = _nested(group.settings)
    if "information" in settings:
        settings["information"] = _ordered_information(settings["information"])
    values = {"name": group.name, **settings, "owner": group.owner,
              # authoritative is the default
              "membership": group.membership.value if group.membership is Membership.ADDITIVE else None,
              "members": [_member(m) for m in group.members] or None}
    return Commented(_ordered("group", values), _texts(group.notes))


def _ordered_information(values: dict[str, Any]) -> dict[str, Any]:
    order = list(schema()["$defs"]["group"]["properties"]["information"]["properties"])
    return {key: values[key] for key in sorted(values, key=order.index)}


def _user(user: ExportedUser) -> Commented:
    definition = "chatterUser" if user.license is None else "externalUser"
    values = {"username": user.username, "email": user.email, "first_name": user.first_name,
              "last_name": user.last_name, "account": user.account, "license": user.license,
              "profile": user.profile, "portal_role": user.portal_role, "active": user.active,
              "expires": user.expires}
    return Commented(_ordered(definition, values), _texts(user.notes))


def _permission_set(permission_set: ExportedPermissionSet) -> Commented:
    values: dict[str, Any] = {"assignees": list(permission_set.assignees)}
    if permission_set.membership is Membership.AUTHORITATIVE:
        values["membership"] = Membership.AUTHORITATIVE.value  # additive is the default
    return Commented(_ordered("permissionSet", values), _texts(permission_set.notes))


def _texts(notes: Iterable[Note]) -> tuple[str, ...]:
    return tuple(note.text for note in notes)


def _org_keys(export: Export) -> dict[str, Any]:
    keys: dict[str, Any] = {"version": 1}
    if export.chatter is not None:
        chatter = _ordered_chatter(export.chatter)
        org = Commented({"chatter": chatter} if chatter else {}, _texts(export.org_notes))
        keys["org"] = org if chatter or org.notes else None
    keys["policy"] = Commented({"external_users": "observe"},
                               ("adoption-safe: external users the config doesn't declare are left alone",))
    return keys


def _ordered_chatter(chatter: dict[str, bool]) -> dict[str, bool]:
    order = list(schema()["$defs"]["org"]["properties"]["chatter"]["properties"])
    return {key: chatter[key] for key in sorted(chatter, key=order.index)}


def _people_keys(export: Export) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    if export.chatter_users is not None:
        keys["chatter_users"] = [_user(u) for u in export.chatter_users]
    if export.external_users is not None:
        keys["external_users"] = [_user(u) for u in export.external_users]
    return keys


def _access_keys(export: Export) -> dict[str, Any]:
    if export.permission_sets is None:
        return {}
    return {"permission_sets": {ps.name: _permission_set(ps) for ps in export.permission_sets}}


# -- documents ----------------------------------------------------------------------------------------------------


def render_one(export: Export, today: dt.date) -> str:
    """The whole export as one document."""
    keys = {**_org_keys(export)}
    if export.groups is not None:
        keys["groups"] = [_group(g) for g in export.groups]
    keys.update(_people_keys(export))
    keys.update(_access_keys(export))
    doc = Doc(SINGLE_FILE, "the org's Chatter settings, groups, people and permission-set assignments",
              _ordered(None, keys))
    return _text(doc, export, today, root="../")


def render_split(export: Export, today: dt.date) -> dict[str, str]:
    """org.yaml, people.yaml and access.yaml (each when it has something to hold) and groups/<name>.yaml."""
    docs = [Doc("org.yaml", "org-wide settings and the safety policy", _org_keys(export))]
    people = _people_keys(export)
    if any(people.values()):
        docs.append(Doc("people.yaml", "Chatter Free colleagues and Experience Cloud users", people))
    access = _access_keys(export)
    if access.get("permission_sets"):
        docs.append(Doc("access.yaml", "permission-set assignments of the people exported", access))
    for name, group in zip(group_file_names(export.groups or ()), export.groups or (), strict=True):
        docs.append(Doc(f"groups/{name}", f"the group {_comment(group.name)}", {"groups": [_group(group)]}))
    return {doc.path: _text(doc, export, today, root="../" * (doc.path.count("/") + 1)) for doc in docs}


def group_file_names(groups: Sequence[ExportedGroup]) -> list[str]:
    """One file name per group, from its name (lower case, letters and digits, dashes); a clash gets -2, -3."""
    names: list[str] = []
    taken: set[str] = set()
    for group in groups:
        ascii_name = unicodedata.normalize("NFKD", group.name).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "group"
        candidate, number = stem, 1
        while candidate in taken:
            number += 1
            candidate = f"{stem}-{number}"
        taken.add(candidate)
        names.append(f"{candidate}.yaml")
    return names


def _text(doc: Doc, export: Export, today: dt.date, root: str) -> str:
    lines = [SCHEMA_LINE.format(root),
             f"# {doc.describe[:1].upper()}{doc.describe[1:]}: exported from the org {_comment(export.org_name)} "
             f"on {today.isoformat()} by guestlist {__version__}.",
             "# Review before committing; it holds people's names and emails: keep the repository private."]
    if doc.path in ("org.yaml", SINGLE_FILE):
        lines += [f"# {text}" for text in map(_comment, _texts(export.notes))]
    lines += _mapping(doc.keys, 0)
    return "\n".join(lines) + "\n"


# -- YAML ---------------------------------------------------------------------------------------------------------


def _mapping(values: dict[str, Any], indent: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, value in values.items():
        value, notes, inline = _unwrap(value)
        lines += [f"{pad}# {_comment(note)}" for note in notes]
        lines += _entry(f"{pad}{_scalar(key)}:", value, indent, inline)
    return lines


def _entry(head: str, value: Any, indent: int, inline: str | None) -> list[str]:
    tail = f"  # {_comment(inline)}" if inline else ""
    if isinstance(value, dict):
        return [head + (" {}" if not value else "") + tail, *_mapping(value, indent + 2)]
    if isinstance(value, list):
        return [head + (" []" if not value else "") + tail, *_sequence(value, indent + 2)]
    return [f"{head} {_scalar(value)}{tail}"]


def _sequence(items: list[Any], indent: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for item in items:
        value, notes, inline = _unwrap(item)
        lines += [f"{pad}# {_comment(note)}" for note in notes]
        if isinstance(value, dict) and value:
            nested = _mapping(value, indent + 2)
            first = nested[0][indent + 2:]
            tail = f"  # {_comment(inline)}" if inline else ""
            lines += [f"{pad}- {first}{tail}", *nested[1:]]
        else:
            lines.append(f"{pad}- {_scalar(value)}" + (f"  # {_comment(inline)}" if inline else ""))
    return lines


def _unwrap(value: Any) -> tuple[Any, tuple[str, ...], str | None]:
    if isinstance(value, Commented):
        return value.value, value.notes, value.inline
    return value, (), None


def _scalar(value: Any) -> str:
    """A YAML scalar on one line: plain when YAML reads it back as the same string, else quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    dumped = yaml.safe_dump(text, default_flow_style=True, width=10**9, allow_unicode=True)
    dumped = dumped.removesuffix("\n...\n").removesuffix("\n")
    if "\n" in dumped or not text.isprintable():
        return json.dumps(text, ensure_ascii=True)  # a JSON string is a YAML double-quoted scalar
    return dumped


def _comment(text: str) -> str:
    """Text safe inside a one-line comment: line breaks and other invisible characters as escapes."""
    return "".join(ch if ch.isprintable() else json.dumps(ch)[1:-1] for ch in str(text))
