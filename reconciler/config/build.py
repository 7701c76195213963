"""Parsed, schema-checked documents -> one frozen DesiredState, merging files and reporting collisions.

A part of a file the schema rejected is left out (the rest is still built, so that the domain rules can report
everything at once); the result is only handed to plan when no error was found anywhere.
Identities (usernames, emails, owners, sponsors, protected users, domains) are lower-cased here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reconciler.config.hints import calendar_problem
from reconciler.config.problems import Problem, problem
from reconciler.config.schema import describe, schema
from reconciler.config.yamlfile import Document, PathKey
from reconciler.kinds import GROUP
from reconciler.model import (
    LICENSE_PROFILES,
    Assignee,
    ChatterSettings,
    ChatterUser,
    CommunityLicense,
    DesiredState,
    DuplicateContactsPolicy,
    ExternalUser,
    ExternalUsersPolicy,
    Group,
    GroupState,
    InvitationSettings,
    Member,
    MemberKind,
    Membership,
    Notify,
    OrgSettings,
    PermissionSetAssignments,
    Policy,
    PortalRole,
    RemovalLimit,
    Role,
    Source,
)

T = TypeVar("T")


@dataclass
class Checked:
    """A parsed document and the data paths the schema rejected (their subtrees are not built)."""

    document: Document
    broken: set[PathKey] = field(default_factory=set)
    _above_broken: set[PathKey] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self._above_broken = {bad[:cut] for bad in self.broken for cut in range(len(bad) + 1)}

    def clean(self, path: PathKey) -> bool:
        """No schema error at `path`, below it, or at an ancestor."""
        return path not in self._above_broken and not any(path[:cut] in self.broken for cut in range(len(path)))

    def usable(self, path: PathKey) -> bool:
        """No schema error at `path` or at an ancestor (some of its items may still have one)."""
        return not any(path[:cut] in self.broken for cut in range(len(path) + 1))


@dataclass
class _Setting:
    value: Any
    source: Source  # the key
    item_sources: dict[str, Source]


class _Builder:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.settings: dict[str, dict[str, _Setting]] = {"chatter": {}, "invitations": {}, "policy": {}}
        self.section_sources: dict[str, Source] = {}
        self.org_id: tuple[str, Source] | None = None
        self.groups: dict[str, Group] = {}
        self.users: dict[str, ChatterUser | ExternalUser] = {}
        self.permission_sets: dict[str, PermissionSetAssignments] = {}
        self.named: dict[tuple[str, str], tuple[str, Source]] = {}  # (rule, key) -> name as first written, where

    # -- documents ------------------------------------------------------------------------------------------------

    def add(self, checked: Checked) -> None:
        doc, data = checked.document, checked.document.data
        if not isinstance(data, dict) or () in checked.broken:
            return
        if isinstance(data.get("org"), dict) and ("org",) not in checked.broken:
            for section in ("chatter", "invitations"):
                self._settings(checked, ("org", section), section)
            self._org_id(checked)
        if isinstance(data.get("policy"), dict):
            self._settings(checked, ("policy",), "policy")
        for index, item in self._items(checked, "groups"):
            group = self._group(checked, ("groups", index), item)
            if group is not None:
                self._unique(self.groups, group.key, group, "duplicate-group",
                             ("group", group.name, doc.at(("groups", index, "name"))))
        for kind in ("chatter_users", "external_users"):
            make = self._chatter_user if kind == "chatter_users" else self._external_user
            for index, item in self._items(checked, kind):
                if checked.clean((kind, index)):
                    user = make(doc, (kind, index), item)
                    self._unique(self.users, user.username, user, "duplicate-username",
                                 ("username", item["username"], doc.at((kind, index, "username"))))
        sets = data.get("permission_sets")
        if isinstance(sets, dict) and ("permission_sets",) not in checked.broken:
            for name, item in sets.items():
                if checked.clean(("permission_sets", name)):
                    assignments = self._permission_set(doc, name, item)
                    self._unique(self.permission_sets, name.casefold(), assignments, "duplicate-permission-set",
                                 ("permission set", name, doc.key_at(("permission_sets", name))))

    def _items(self, checked: Checked, section: str) -> Iterable[tuple[int, dict[str, Any]]]:
        items = checked.document.data.get(section)
        if isinstance(items, list) and (section,) not in checked.broken:
            yield from ((index, item) for index, item in enumerate(items) if isinstance(item, dict))

    def _unique(self, table: dict[str, T], key: str, item: T, rule: str, named: tuple[str, str, Source]) -> None:
        """Keep the first definition of `key`; a later one is reported at its name, naming the first."""
        noun, name, where = named
        written, earlier = self.named.setdefault((rule, key), (name, where))
        if table.setdefault(key, item) is item:
            return
        spelling = "" if written == name else f" as '{written}' (names are case-insensitive)"
        self.problems.append(problem(rule, where, f"{noun} '{name}' is already defined at "
                                     f"{_place(earlier, where)}{spelling}"))

    def _settings(self, checked: Checked, path: PathKey, section: str) -> None:
        doc = checked.document
        values = _get(doc.data, path)
        if not isinstance(values, dict) or path in checked.broken:
            return
        self.section_sources.setdefault(section, doc.key_at(path))
        known = _section_keys(path)
        for key, value in values.items():
            at = (*path, key)
            if key not in known or not (checked.usable(at) if isinstance(value, list) else checked.clean(at)):
                continue  # an unknown key or a bad value is reported by the schema
            where = doc.key_at(at)
            first = self.settings[section].get(key)
            if first is not None:
                self.problems.append(problem("duplicate-setting", where, f"{_dotted(path, key)} is already set at "
                                             f"{_place(first.source, where)}"))
                continue
            items = {}
            if isinstance(value, list):  # a list keeps its valid items, so that the rules still judge them
                kept = self._distinct(doc, at, value, [i for i in range(len(value)) if checked.clean((*at, i))])
                value = [value[i].lower() for i in kept]
                items = {f"{key}[{n}]": doc.at((*path, key, i)) for n, i in enumerate(kept)}
            self.settings[section][key] = _Setting(value, where, items)

    def _org_id(self, checked: Checked) -> None:
        """The org pin (`org.id`): one per config, like every setting."""
        doc, at = checked.document, ("org", "id")
        value = _get(doc.data, at)
        if not isinstance(value, str) or not checked.clean(at):
            return
        where = doc.key_at(at)
        if self.org_id is not None:
            self.problems.append(problem("duplicate-setting", where,
                                         f"org.id is already set at {_place(self.org_id[1], where)}"))
            return
        self.org_id = (value, where)

    def _distinct(self, doc: Document, path: PathKey, values: list[str], indexes: list[int] | None = None) -> list[int]:
        """Indexes (among `indexes`, default all) of each value's first occurrence, case-insensitively; repeats are
        reported."""
        seen: dict[str, int] = {}
        for index in range(len(values)) if indexes is None else indexes:
            value = values[index]
            first = seen.setdefault(value.lower(), index)
            if first != index:
                self.problems.append(problem("duplicate-item", doc.at((*path, index)),
                                             f"{value} is listed twice (first at line {doc.at((*path, first)).line})"))
        return list(seen.values())

    # -- objects --------------------------------------------------------------------------------------------------

    def _group(self, checked: Checked, path: PathKey, item: dict[str, Any]) -> Group | None:
        """The group, without the fields the schema rejected (so the rules still judge its members and the rest);
        None when what it is can't be known: the entry, its name or its state was rejected. A rejected field
        stays in `sources` with no value: the rules take "written but None" as unreadable, not as undeclared."""
        doc = checked.document
        if path in checked.broken or not all(checked.clean((*path, key)) for key in ("name", "state")):
            return None

        def field(key: str, default: Any = None) -> Any:
            return item.get(key, default) if checked.clean((*path, key)) else default

        members: tuple[Member, ...] = ()
        raw_members = item.get("members", [])
        if checked.usable((*path, "members")) and isinstance(raw_members, list):
            members = tuple(
                self._member(doc, (*path, "members", index), entry)
                for index, entry in enumerate(raw_members)
                if checked.clean((*path, "members", index))
            )
        settings = {
            setting.word: value
            for setting in GROUP.fields
            if checked.clean((*path, *setting.word.split("."))) and (value := setting.declared(item)) is not None
        }
        return Group(
            name=item["name"],
            settings=settings,
            owner=_lower(field("owner")),
            membership=Membership(field("membership", Membership.AUTHORITATIVE)),
            state=GroupState(item.get("state", GroupState.PRESENT)),
            members=members,
            source=doc.at(path),
            sources=_key_sources(doc, path, item),
        )

    def _member(self, doc: Document, path: PathKey, item: dict[str, Any]) -> Member:
        kind = MemberKind.USER if "user" in item else MemberKind.CUSTOMER
        return Member(
            kind=kind,
            identity=item[str(kind)].lower(),
            role=Role(item.get("role", Role.MEMBER)),
            notify=_maybe(Notify, item.get("notify")),
            expires=self._date(doc, path, item),
            sponsor=_lower(item.get("sponsor")),
            message=item.get("message"),
            source=doc.at(path),
            sources=_key_sources(doc, path, item),
        )

    def _chatter_user(self, doc: Document, path: PathKey, item: dict[str, Any]) -> ChatterUser:
        return ChatterUser(
            username=item["username"].lower(),
            email=item["email"].lower(),
            last_name=item["last_name"],
            first_name=item.get("first_name"),
            profile=item.get("profile", "Chatter Free User"),
            active=item.get("active"),
            expires=self._date(doc, path, item),
            source=doc.at(path),
            sources=_key_sources(doc, path, item),
        )

    def _external_user(self, doc: Document, path: PathKey, item: dict[str, Any]) -> ExternalUser:
        license_ = CommunityLicense(item["license"])
        sources = _key_sources(doc, path, item)
        sets: tuple[str, ...] | None = None
        if "permission_sets" in item:
            kept = self._distinct(doc, (*path, "permission_sets"), item["permission_sets"])
            sets = tuple(item["permission_sets"][i] for i in kept)
            sources.update({f"permission_sets[{n}]": doc.at((*path, "permission_sets", i)) for n, i in enumerate(kept)})
        return ExternalUser(
            username=item["username"].lower(),
            email=item["email"].lower(),
            last_name=item["last_name"],
            account=item["account"],
            license=license_,
            profile=item.get("profile", LICENSE_PROFILES[license_]),
            first_name=item.get("first_name"),
            portal_role=_maybe(PortalRole, item.get("portal_role")),
            permission_sets=sets,
            active=item.get("active"),
            expires=self._date(doc, path, item),
            sponsor=_lower(item.get("sponsor")),
            source=doc.at(path),
            sources=sources,
        )

    def _permission_set(self, doc: Document, name: str, item: dict[str, Any]) -> PermissionSetAssignments:
        path: PathKey = ("permission_sets", name)
        listed = item["assignees"]
        kept = self._distinct(doc, (*path, "assignees"), listed)
        return PermissionSetAssignments(
            name=name,
            assignees=tuple(Assignee(listed[i].lower(), doc.at((*path, "assignees", i))) for i in kept),
            membership=Membership(item.get("membership", Membership.ADDITIVE)),
            source=doc.key_at(path),
            sources=_key_sources(doc, path, item),
        )

    def _date(self, doc: Document, path: PathKey, item: dict[str, Any]) -> dt.date | None:
        text = item.get("expires")
        if text is None:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            self.problems.append(problem("invalid-date", doc.at((*path, "expires")),
                                         f"{_dotted(path, 'expires')}: {text} is not a date: {calendar_problem(text)}"))
            return None

    # -- the whole ------------------------------------------------------------------------------------------------

    def desired(self, files: list[str]) -> DesiredState:
        return DesiredState(
            org=OrgSettings(chatter=self._chatter(), invitations=self._invitations(),
                            id=self.org_id[0] if self.org_id else None),
            groups=tuple(self.groups.values()),
            chatter_users=tuple(u for u in self.users.values() if isinstance(u, ChatterUser)),
            external_users=tuple(u for u in self.users.values() if isinstance(u, ExternalUser)),
            permission_sets=tuple(self.permission_sets.values()),
            policy=self._policy(),
            files=tuple(files),
        )

    def _values(self, section: str) -> tuple[dict[str, Any], dict[str, Source]]:
        found = self.settings[section]
        sources = {key: setting.source for key, setting in found.items()}
        for setting in found.values():
            sources.update(setting.item_sources)
        return {key: setting.value for key, setting in found.items()}, sources

    def _chatter(self) -> ChatterSettings | None:
        if "chatter" not in self.section_sources:
            return None
        values, sources = self._values("chatter")
        return ChatterSettings(**values, source=self.section_sources["chatter"], sources=sources)

    def _invitations(self) -> InvitationSettings | None:
        if "invitations" not in self.section_sources:
            return None
        values, sources = self._values("invitations")
        domains = values.get("domains")
        return InvitationSettings(
            allowed=values.get("allowed"),
            domains=tuple(domains) if domains is not None else None,
            source=self.section_sources["invitations"],
            sources=sources,
        )

    def _policy(self) -> Policy:
        values, sources = self._values("policy")
        default = Policy()
        days = values.get("max_access_days")
        return Policy(
            max_removals=_removal_limit(values["max_removals"]) if "max_removals" in values else default.max_removals,
            protected=tuple(values.get("protected", ())),
            deactivate_orphaned_customers=values.get("deactivate_orphaned_customers", False),
            external_users=ExternalUsersPolicy(values.get("external_users", ExternalUsersPolicy.OBSERVE)),
            allow_public_email_domains=values.get("public_email_domains", "deny") == "allow",
            require_sponsor=values.get("require_sponsor", False),
            max_access_days=int(days) if days is not None else None,
            duplicate_contacts=DuplicateContactsPolicy(values.get("duplicate_contacts", DuplicateContactsPolicy.BLOCK)),
            source=self.section_sources.get("policy", default.source),
            sources=sources,
        )


def build_desired(checked: list[Checked], files: list[str]) -> tuple[DesiredState, list[Problem]]:
    """Merge the documents (in the given order) into one DesiredState; collisions are reported at the later one."""
    builder = _Builder()
    for item in checked:
        builder.add(item)
    return builder.desired(files), builder.problems


def _section_keys(path: PathKey) -> set[str]:
    """The keys the schema defines for the settings section at `path` (org.chatter, org.invitations, policy)."""
    definitions = schema()["$defs"]
    section = definitions["policy"] if path == ("policy",) else definitions["org"]["properties"][path[-1]]
    return set(section["properties"])


def _removal_limit(value: int | float | str) -> RemovalLimit:
    if isinstance(value, str):
        return RemovalLimit(percent=float(value.removesuffix("%")))
    return RemovalLimit(count=int(value))


def _key_sources(doc: Document, path: PathKey, item: dict[str, Any]) -> dict[str, Source]:
    return {key: doc.key_at((*path, key)) for key in item}


def _maybe(kind: Callable[[Any], T], value: Any) -> T | None:
    return None if value is None else kind(value)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()


def _get(data: Any, path: PathKey) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _dotted(path: PathKey, key: str) -> str:
    return describe((*path, key))


def _place(earlier: Source, here: Source) -> str:
    """`line 12` in the same file, `desired/a.yaml:12:5` in another."""
    if earlier.file == here.file:
        return f"line {earlier.line}"
    return f"{earlier.file}:{earlier.line}:{earlier.col}"
