"""Small builders of plan Changes for unit tests."""

from __future__ import annotations

from typing import Any

from reconciler.model import OrgIdentity, RemovalLimit
from reconciler.plan.change import Action, Change, Kind, Plan, Risk

ORG = OrgIdentity(id="00D000000000001AAA", name="Acme", instance_url="https://127.0.0.1:1", is_sandbox_org=True,
                  user_id="005000000000001AAA", username="admin@acme.com", can_invite_customers=True)
SOBJECT = {Kind.MEMBER: "CollaborationGroupMember", Kind.USER: "User", Kind.GROUP: "CollaborationGroup",
           Kind.CONTACT: "Contact", Kind.INVITATION: "CollaborationInvitation", Kind.SETTING: "ChatterSettings",
           Kind.PERMISSION_SET_ASSIGNMENT: "PermissionSetAssignment"}


def change(kind: Kind, action: Action, key: str, *, values: dict[str, Any] | None = None,
           refs: dict[str, str] | None = None, lookup: dict[str, Any] | None = None, record_id: str | None = None,
           depends_on: tuple[str, ...] = (), risks: frozenset[Risk] = frozenset(), reason: str | None = None) -> Change:
    return Change(action=action, kind=kind, key=key, before={}, after={}, source=None, reason=reason, risks=risks,
                  sobject=SOBJECT[kind], record_id=record_id, values=values or {}, refs=refs or {},
                  lookup=lookup or {}, depends_on=depends_on)


def member_create(group: str, user: str, *, group_ref: str | None = None, user_ref: str | None = None) -> Change:
    values = {"CollaborationRole": "Standard"}
    lookup: dict[str, Any] = {"CollaborationGroupId": None if group_ref else group,
                              "MemberId": None if user_ref else user}
    refs = {}
    if group_ref:
        refs["CollaborationGroupId"] = group_ref
    else:
        values["CollaborationGroupId"] = group
    if user_ref:
        refs["MemberId"] = user_ref
    else:
        values["MemberId"] = user
    return change(Kind.MEMBER, Action.CREATE, f"member:{group_ref or group}/{user_ref or user}", values=values,
                  refs=refs, lookup=lookup)


def member_delete(i: int) -> Change:
    return change(Kind.MEMBER, Action.DELETE, f"member:g/removed{i}", record_id=f"0FB{i:015d}",
                  risks=frozenset({Risk.REVOKES_ACCESS}), reason="not in config")


def plan_of(*changes: Change, managed: int = 100, limit: RemovalLimit | None = None) -> Plan:
    return Plan(org=ORG, today="2026-11-22", changes=tuple(changes), managed_access=managed,
                max_removals=limit or RemovalLimit(percent=25))
