"""Permission set assignments guestlist manages, by permission set and username."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.field import Field
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import Audit, KindSpec
from reconciler.model import ObservedAssignment, Snapshot


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    for assignments in snapshot.assignments.values():
        for assignment in assignments.values():
            yield assignment.id, assignment, f"permission set assignment {assignment.id}"


def _restore(assignment: ObservedAssignment) -> dict[str, Any]:
    return {"PermissionSetId": assignment.permission_set_id, "AssigneeId": assignment.user_id}


PERMISSION_SET_ASSIGNMENT = KindSpec(
    Kind.PERMISSION_SET_ASSIGNMENT, "PermissionSetAssignment", "Permission set assignments", "permission set",
    Phase.PERMISSION_SETS,
    other_fields=(Field("permission set", "PermissionSetId", in_config=False),
                  Field("user", "AssigneeId", in_config=False)),
    inline=True,
    named_by_subject=frozenset({"permission_set", "user"}),
    records=_records,
    audit=Audit("SystemModstamp"),  # "Date Assigned": the object has no CreatedDate/CreatedById (real-orgs.md §13.3)
    restore=_restore,
)
