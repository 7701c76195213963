"""A tiny pure org: executes a plan's changes (their Salesforce values, refs and record ids, as apply would) on a
snapshot and returns the snapshot after. Behaves like the org where the planner relies on it: a new group gets the
owner's manager row; an owner change makes sure the new owner has one; NotificationFrequency defaults to N."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import replace
from typing import Any

from reconciler.kinds import GROUP
from reconciler.kinds.permission_sets import EXPIRES
from reconciler.kinds.users import LOCALIZATION_FIELDS
from reconciler.model import (
    CHATTER_SETTING_TO_SF,
    NOTIFY_FROM_SF,
    PORTAL_ROLE_FROM_SF,
    ROLE_FROM_SF,
    Localization,
    Notify,
    ObservedAssignment,
    ObservedContact,
    ObservedGroup,
    ObservedInvitation,
    ObservedMember,
    ObservedUser,
    Role,
    Snapshot,
)
from reconciler.plan.change import Action, Change, Plan

_SETTING_FROM_SF = {sf: word for word, sf in CHATTER_SETTING_TO_SF.items()}
_ids = itertools.count(1)


def _new_id(prefix: str) -> str:
    return f"{prefix}SIM{next(_ids):09d}AAA"


class _Org:
    def __init__(self, snapshot: Snapshot, today: dt.date) -> None:
        self.s = snapshot
        self.today = today
        self.chatter = dict(snapshot.chatter)
        self.groups = {g.id: g for g in snapshot.groups.values()}
        self.members = {gid: dict(rows) for gid, rows in snapshot.members.items()}
        self.invitations = {gid: dict(rows) for gid, rows in snapshot.invitations.items()}
        self.users = dict(snapshot.users)
        self.contacts = dict(snapshot.contacts)
        self.assignments = {pid: dict(rows) for pid, rows in snapshot.assignments.items()}
        self.profiles = {p.id: p for p in snapshot.profiles.values()}
        self.created: dict[str, str] = {}

    def run(self, change: Change) -> None:
        values, _ = change.resolve(self.created)
        handler = getattr(self, f"_{change.sobject}_{change.action.value}")
        new_id = handler(change, values)
        if change.action is Action.CREATE:
            self.created[change.key] = new_id

    # -- settings, contacts, users --------------------------------------------------------------------------------

    def _ChatterSettings_update(self, change: Change, values: dict[str, Any]) -> None:
        for sf_field, value in values.items():
            self.chatter[_SETTING_FROM_SF[sf_field]] = value

    def _Contact_create(self, change: Change, v: dict[str, Any]) -> str:
        contact = ObservedContact(_new_id("003"), v["AccountId"], v["Email"].lower(), v.get("FirstName"), v["LastName"])
        self.contacts[(contact.account_id, contact.email)] = contact
        return contact.id

    def _User_create(self, change: Change, v: dict[str, Any]) -> str:
        profile = self.profiles[v["ProfileId"]]
        contact = next((c for c in self.contacts.values() if c.id == v.get("ContactId")), None)
        user = ObservedUser(
            id=_new_id("005"),
            username=v["Username"].lower(),
            email=v["Email"].lower(),
            last_name=v["LastName"],
            first_name=v.get("FirstName"),
            is_active=v.get("IsActive", True),
            profile=profile.name,
            license=profile.license,
            user_type="Standard",
            contact_id=contact.id if contact else None,
            account_id=contact.account_id if contact else None,
            portal_role=PORTAL_ROLE_FROM_SF.get(v.get("PortalRole", "")),
            localization=_localization(v),
        )
        self.users[user.id] = user
        return user.id

    def _User_update(self, change: Change, v: dict[str, Any]) -> None:
        user = self.users[change.record_id or ""]
        fields: dict[str, Any] = {}
        if "ProfileId" in v:
            profile = self.profiles[v["ProfileId"]]
            fields.update(profile=profile.name, license=profile.license)
        for sf_field, name in (
            ("Email", "email"),
            ("FirstName", "first_name"),
            ("LastName", "last_name"),
            ("IsActive", "is_active"),
        ):
            if sf_field in v:
                fields[name] = v[sf_field].lower() if sf_field == "Email" else v[sf_field]
        if any(spec.sf_field in v for spec in LOCALIZATION_FIELDS):
            fields["localization"] = _localization({**_localization_values(user.localization), **v})
        self.users[user.id] = replace(user, **fields)

    # -- groups -----------------------------------------------------------------------------------------------------

    def _CollaborationGroup_create(self, change: Change, v: dict[str, Any]) -> str:
        group = ObservedGroup(
            id=_new_id("0F9"),
            name=v["Name"],
            owner_id=v.get("OwnerId", self.s.org.user_id),
            member_count=1,
            settings={setting.word: setting.observed(v) for setting in GROUP.fields},
        )
        self.groups[group.id] = group
        self.members[group.id] = {}
        self.invitations[group.id] = {}
        self._owner_row(group)
        return group.id

    def _owner_row(self, group: ObservedGroup) -> None:
        rows = self.members[group.id]
        row = rows.get(group.owner_id)
        if row is None:
            rows[group.owner_id] = ObservedMember(_new_id("0FB"), group.id, group.owner_id, Role.MANAGER, Notify.NEVER)
        elif row.role is not Role.MANAGER:
            rows[group.owner_id] = replace(row, role=Role.MANAGER)

    def _CollaborationGroup_update(self, change: Change, v: dict[str, Any]) -> None:
        group = self.groups[change.record_id or ""]
        settings = {setting.word: setting.observed(v) for setting in GROUP.fields if setting.sf_field in v}
        fields: dict[str, Any] = {"settings": {**group.settings, **settings}}
        if "OwnerId" in v:
            fields["owner_id"] = v["OwnerId"]
        self.groups[group.id] = replace(group, **fields)
        if "OwnerId" in v:
            self._owner_row(self.groups[group.id])

    def _CollaborationGroup_delete(self, change: Change, v: dict[str, Any]) -> None:
        gid = change.record_id or ""
        del self.groups[gid]
        self.members.pop(gid, None)
        self.invitations.pop(gid, None)

    # -- members, invitations, assignments -------------------------------------------------------------------------

    def _CollaborationGroupMember_create(self, change: Change, v: dict[str, Any]) -> str:
        gid, uid = v["CollaborationGroupId"], v["MemberId"]
        assert uid not in self.members[gid], f"duplicate member {change.key}"
        notify = NOTIFY_FROM_SF[v.get("NotificationFrequency", "N")]
        row = ObservedMember(_new_id("0FB"), gid, uid, ROLE_FROM_SF[v["CollaborationRole"]], notify)
        self.members[gid][uid] = row
        return row.id

    def _find_member(self, member_id: str) -> ObservedMember:
        return next(r for rows in self.members.values() for r in rows.values() if r.id == member_id)

    def _CollaborationGroupMember_update(self, change: Change, v: dict[str, Any]) -> None:
        row = self._find_member(change.record_id or "")
        fields: dict[str, Any] = {}
        if "CollaborationRole" in v:
            fields["role"] = ROLE_FROM_SF[v["CollaborationRole"]]
        if "NotificationFrequency" in v:
            fields["notify"] = NOTIFY_FROM_SF[v["NotificationFrequency"]]
        self.members[row.group_id][row.user_id] = replace(row, **fields)

    def _CollaborationGroupMember_delete(self, change: Change, v: dict[str, Any]) -> None:
        row = self._find_member(change.record_id or "")
        group = self.groups[row.group_id]
        assert row.user_id != group.owner_id, f"the owner's row can't be deleted ({change.key})"
        del self.members[row.group_id][row.user_id]

    def _CollaborationInvitation_create(self, change: Change, v: dict[str, Any]) -> str:
        gid, email = v["SharedEntityId"], v["InvitedUserEmail"]
        assert not (email in self.invitations[gid] and self.invitations[gid][email].pending), (
            f"second invitation {email}"
        )
        invitation = ObservedInvitation(
            _new_id("0H1"), gid, email, "Sent", self.s.org.user_id, f"{self.today.isoformat()}T00:00:00.000+0000"
        )
        self.invitations[gid][email] = invitation
        return invitation.id

    def _CollaborationInvitation_delete(self, change: Change, v: dict[str, Any]) -> None:
        for rows in self.invitations.values():
            for email, invitation in list(rows.items()):
                if invitation.id == change.record_id:
                    del rows[email]

    def _PermissionSetAssignment_create(self, change: Change, v: dict[str, Any]) -> str:
        assignment = ObservedAssignment(_new_id("0Pa"), v["PermissionSetId"], v["AssigneeId"],
                                        expires=EXPIRES.observed(v))
        self.assignments.setdefault(assignment.permission_set_id, {})[assignment.user_id] = assignment
        return assignment.id

    def _PermissionSetAssignment_update(self, change: Change, v: dict[str, Any]) -> None:
        for rows in self.assignments.values():
            for uid, assignment in list(rows.items()):
                if assignment.id == change.record_id:
                    rows[uid] = replace(assignment, expires=EXPIRES.observed(v))

    def _PermissionSetAssignment_delete(self, change: Change, v: dict[str, Any]) -> None:
        for rows in self.assignments.values():
            for uid, assignment in list(rows.items()):
                if assignment.id == change.record_id:
                    del rows[uid]

    def snapshot(self) -> Snapshot:
        return replace(
            self.s,
            chatter=self.chatter,
            groups={g.name.casefold(): g for g in self.groups.values()},
            members=self.members,
            invitations=self.invitations,
            users=self.users,
            contacts=self.contacts,
            assignments=self.assignments,
        )


def apply_plan(snapshot: Snapshot, plan: Plan, today: dt.date) -> Snapshot:
    """The snapshot after every change of `plan`, executed in order (licence counts are not simulated)."""
    org = _Org(snapshot, today)
    done: set[str] = set()
    for change in plan.changes:
        missing = [key for key in change.depends_on if key not in done]
        assert not missing, f"{change.key} runs before {missing}"
        org.run(change)
        done.add(change.key)
    return org.snapshot()


def _localization(values: dict[str, Any]) -> Localization:
    return Localization(**{spec.word: values.get(spec.sf_field) for spec in LOCALIZATION_FIELDS})


def _localization_values(localization: Localization) -> dict[str, Any]:
    return {spec.sf_field: getattr(localization, spec.word) for spec in LOCALIZATION_FIELDS}
