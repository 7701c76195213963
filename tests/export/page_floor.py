"""The query-page floor of `guestlist export` on a sandbox org: for each read the export needs, the records it must
return, and the fewest query pages that carry them (max(1, ceil(records / 2,000)); a query page holds 2,000
records, salesforce-api.md §9.1). Counted in the org's own database through the sandbox's SOQL engine, independently
of how export's reads are written, so that the request count can be checked against it.
"""

from __future__ import annotations

import math

from reconciler.sandbox.routes.query import DEFAULT_BATCH
from reconciler.sandbox.soql.engine import run_query
from reconciler.sandbox.store import Store

USER_FILTERS = {  # whom each user read returns
    "Chatter Free users": "Profile.UserLicense.Name = 'Chatter Free'",
    "external users": "ContactId != null",
}


def pages(records: int) -> int:
    return max(1, math.ceil(records / DEFAULT_BATCH))


def query_page_floor(store: Store) -> dict[str, tuple[int, int]]:
    """{read: (records, floor pages)}, with the two requests every export makes besides its queries: the
    connected user's identity (the OAuth userinfo the connection line names) and ChatterSettings (one Metadata
    API read)."""
    with store.session(write=False) as s:
        def count(soql: str) -> int:
            return run_query(s.conn, store.schema, soql).total_size

        def column(soql: str, name: str) -> list[str]:
            return [r[name] for r in run_query(s.conn, store.schema, soql).records]

        groups = column("SELECT Id FROM CollaborationGroup WHERE NetworkId = null", "Id")
        members = count("SELECT COUNT() FROM CollaborationGroupMember WHERE CollaborationGroup.NetworkId = null")
        invited = column("SELECT InvitedUserEmail FROM CollaborationInvitation WHERE Status = 'Sent' AND "
                         "SharedEntityId IN (SELECT Id FROM CollaborationGroup WHERE NetworkId = null)",
                         "InvitedUserEmail")
        customers = column("SELECT Member.Email FROM CollaborationGroupMember WHERE CollaborationGroup.NetworkId = "
                           "null AND Member.Profile.UserLicense.Name = 'Chatter External'", "Member")
        emails = {e.lower() for e in invited} | {m["Email"].lower() for m in customers if m}  # type: ignore[index]
        same_email = sum(1 for e in column("SELECT Email FROM User", "Email") if (e or "").lower() in emails)
        people = count("SELECT COUNT() FROM PermissionSetAssignment WHERE PermissionSet.IsOwnedByProfile = false")
        floor = {"connected user (userinfo)": (1, 1), "organization": (1, 1), "ChatterSettings (Metadata API)": (1, 1)}
        for read, where in USER_FILTERS.items():
            records = count(f"SELECT COUNT() FROM User WHERE {where}")
            floor[read] = (records, pages(records))
        floor["groups"] = (len(groups), pages(len(groups)))
        if groups:
            floor["group members"] = (members, pages(members))
            floor["invitations"] = (len(invited), pages(len(invited)))
        if emails:
            floor["users by email"] = (same_email, pages(same_email))
        floor["permission set assignments"] = (people, pages(people))
        return floor
