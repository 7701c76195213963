"""A large sandbox org for export's request-count test and bench/export_bench.py, seeded through the sandbox's own
store and rules (Session.create, as the demo seed is), in one transaction.

The mix: Chatter Free users, internal Standard users who own the groups and hold a permission set, customers who
accepted an invitation (Chatter External), Customer Community users with a contact, groups (half of them private
and allowing customers) and a pending invitation per customer group.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reconciler.sandbox.store import Session, Store

GROUP_SIZE_CAP = 2_000  # no group larger than this: memberships spread over the groups


@dataclass(frozen=True)
class LargeOrg:
    """How many of each the org holds (the admin and the seed's own rows come on top)."""

    chatter_free: int
    standard: int
    customers: int
    community: int
    groups: int
    memberships: int  # wanted; `seeded` tells how many were made

    @property
    def users(self) -> int:
        return self.chatter_free + self.standard + self.customers + self.community


BENCH_ORG = LargeOrg(chatter_free=17_000, standard=1_000, customers=1_500, community=500, groups=100,
                     memberships=40_000)


def seed_large_org(db: Path, org: LargeOrg) -> dict[str, int]:
    """Creates the org in `db` (a new database seeded `empty`); returns the counts of what was created."""
    store = Store(db, seed="empty")
    try:
        with store.session() as s:
            return _Seeder(s, org).run()
    finally:
        store.close()


def _one(s: Session, sql: str, *params: object) -> str:
    return str(s.scalar(sql, params))


class _Seeder:
    def __init__(self, s: Session, org: LargeOrg) -> None:
        self.s = s
        self.org = org
        self.admin = _one(s, 'SELECT "Id" FROM "User" WHERE "Username" = ?', "admin@acme.com")
        self.profiles = {r["Name"]: r["Id"] for r in s.rows("Profile")}

    def _licences(self) -> None:
        """A large org has bought licences enough for its users (the seed's totals are small for tests)."""
        for row in self.s.rows("UserLicense"):
            self.s.system_update("UserLicense", row["Id"], {"TotalLicenses": self.org.users + 1_000})

    def _user(self, username: str, profile: str, **extra: object) -> str:
        return self.s.create("User", {
            "Username": username, "Email": extra.pop("Email", username), "FirstName": "Bench",
            "LastName": username.split("@")[0], "Alias": username[:8], "ProfileId": self.profiles[profile],
            "TimeZoneSidKey": "America/Los_Angeles", "LocaleSidKey": "en_US", "EmailEncodingKey": "UTF-8",
            "LanguageLocaleKey": "en_US", **extra,
        })

    def run(self) -> dict[str, int]:
        s, org = self.s, self.org
        self._licences()
        s.update_chatter_settings({"enableInviteCsnUsers": True, "unlistedGroupsEnabled": True})
        standard = [self._user(f"staff{n:05d}@acme.com", "Standard User") for n in range(org.standard)]
        free = [self._user(f"free{n:05d}@acme.com", "Chatter Free User") for n in range(org.chatter_free)]
        invite = _one(s, 'SELECT "Id" FROM "PermissionSet" WHERE "Name" = ?', "Invite_Customers_To_Chatter")
        for user in standard:
            s.create("PermissionSetAssignment", {"AssigneeId": user, "PermissionSetId": invite})
        groups = []
        for n in range(org.groups):
            private = n % 2 == 1
            groups.append(s.create("CollaborationGroup", {
                "Name": f"Bench Group {n:03d}", "CollaborationType": "Private" if private else "Public",
                "CanHaveGuests": private, "OwnerId": standard[n % len(standard)],
                "Description": f"Bench group number {n}",
            }))
        customer_groups = groups[1::2]
        customers = 0
        for n in range(org.customers):
            s.create("CollaborationInvitation", {"InvitedUserEmail": f"guest{n:05d}@contoso.com",
                                                 "SharedEntityId": customer_groups[n % len(customer_groups)]})
            s.accept_invitation(f"guest{n:05d}@contoso.com")
            customers += 1
        for n, group in enumerate(customer_groups):  # one pending invitation per customer group (the admin's)
            s.create("CollaborationInvitation", {"InvitedUserEmail": f"pending{n:03d}@contoso.com",
                                                 "SharedEntityId": group})
        self._community(org.community)
        memberships = self._memberships(groups, standard + free, org.memberships - customers - len(groups))
        return {"users": len(standard) + len(free) + customers + org.community, "groups": len(groups),
                "memberships": memberships + customers + len(groups),
                "assignments": len(standard), "invitations": len(customer_groups)}

    def _community(self, count: int) -> None:
        if not count:
            return
        # the account's owner needs a role before any Experience Cloud user of its account (real-orgs.md §6.1)
        self.s.update("User", self.admin, {"UserRoleId": _one(self.s, 'SELECT "Id" FROM "UserRole" WHERE "Name" = ?',
                                                              "CEO")})
        account = self.s.create("Account", {"Name": "Contoso Ltd", "OwnerId": self.admin})
        for n in range(count):
            email = f"portal{n:05d}@contoso.com"
            contact = self.s.create("Contact", {"LastName": f"portal{n:05d}", "Email": email, "AccountId": account})
            self._user(f"{email}.portal", "Customer Community User", Email=email, ContactId=contact)

    def _memberships(self, groups: list[str], people: list[str], wanted: int) -> int:
        """`wanted` Standard memberships of internal users, spread round-robin so each person is in few groups."""
        made, n = 0, 0
        taken = {g: {r["MemberId"] for r in self.s.rows("CollaborationGroupMember", '"CollaborationGroupId" = ?',
                                                        (g,))} for g in groups}
        while made < wanted and n < wanted * 3:
            person, group = people[n % len(people)], groups[(n + n // len(people)) % len(groups)]
            n += 1
            if person in taken[group] or len(taken[group]) >= GROUP_SIZE_CAP:
                continue
            taken[group].add(person)
            self.s.create("CollaborationGroupMember", {"CollaborationGroupId": group, "MemberId": person,
                                                       "CollaborationRole": "Standard"})
            made += 1
        return made
