"""Permission set assignments guestlist manages, by permission set and username."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.expiry import expiration_date, expires_word
from reconciler.kinds.field import Field
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import Audit, KindSpec
from reconciler.model import ObservedAssignment, Snapshot


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    for assignments in snapshot.assignments.values():
        for assignment in assignments.values():
            yield assignment.id, assignment, f"permission set assignment {assignment.id}"


# The assignee's `expires` as the org's own backstop: the org ends the assignment then (real-orgs.md §15).
# The PermissionSet fields of the permissions Salesforce Help names ("Assign Permission Set, Manage Profiles,
# Manage Users, Permission Sets"): a set holding one can't have an expiration date (real-orgs.md §15; the
# label-to-field mapping is the `non-expiring-permissions` assumption).
NON_EXPIRING = ("PermissionsAssignPermissionSets", "PermissionsManageProfilesPermissionsets", "PermissionsManageUsers")
EXPIRES = Field("expires", "ExpirationDate", to_sf=expiration_date, from_sf=expires_word)


def _restore(assignment: ObservedAssignment) -> dict[str, Any]:
    values = {"PermissionSetId": assignment.permission_set_id, "AssigneeId": assignment.user_id}
    return values | ({EXPIRES.sf_field: EXPIRES.to_sf(assignment.expires)} if assignment.expires else {})


PERMISSION_SET_ASSIGNMENT = KindSpec(
    Kind.PERMISSION_SET_ASSIGNMENT, "PermissionSetAssignment", "Permission set assignments", "permission set",
    Phase.PERMISSION_SETS,
    fields=(EXPIRES,),
    other_fields=(Field("permission set", "PermissionSetId", in_config=False),
                  Field("user", "AssigneeId", in_config=False)),
    inline=True,
    named_by_subject=frozenset({"permission_set", "user"}),
    records=_records,
    audit=Audit("SystemModstamp"),  # "Date Assigned": the object has no CreatedDate/CreatedById (real-orgs.md §13.3)
    restore=_restore,
)
