"""The planner's choices where the Salesforce facts are UNVERIFIED or silent: one visible table, and the constants
the diff uses, so a finding from a real org changes one line here.

Each row: what the planner does, and why (with the section of docs/reference/salesforce-api.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model import Access


@dataclass(frozen=True)
class Assumption:
    id: str
    choice: str
    why: str


# A new group whose `access` is left out: CollaborationType is required on create and has no documented default,
# so the planner picks the least exposed type.
DEFAULT_GROUP_ACCESS = Access.PRIVATE

# A customer invitation can be accepted for this many days after CreatedDate (§13 5c: 60 days, CONFIRMED); its
# Status stays "Sent" afterwards (§13 5b, UNVERIFIED), so the planner computes expiry itself.
INVITATION_VALID_DAYS = 60

# Required User fields (§5) when neither the config nor the Organization record gives them (the org has no default
# email encoding: real-orgs.md §11.1). CommunityNickname is left out: the org generates it (§13 6).
USER_DEFAULTS: dict[str, str] = {
    "TimeZoneSidKey": "GMT",
    "LocaleSidKey": "en_US",
    "EmailEncodingKey": "UTF-8",
    "LanguageLocaleKey": "en_US",
}
ALIAS_MAX = 8  # User.Alias is string(8)

# `guestlist notify --via chatter|email`: notices per POST /actions/standard/{name} (the documented limit on
# `inputs` was not found: real-orgs.md §14.1)
ACTION_INPUTS_PER_REQUEST = 25

ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "default-group-access",
        "A new group with no `access` is created private.",
        "CollaborationType is required on create (§1) and no default is documented; private exposes least.",
    ),
    Assumption(
        "invitation-expiry",
        f"A Sent invitation older than {INVITATION_VALID_DAYS} days (CreatedDate + {INVITATION_VALID_DAYS}) is "
        "stale: when the customer is still wanted it is deleted and sent again, otherwise deleted like any other.",
        "§13 5c: 60 days to accept (CONFIRMED); §13 5b: an expired invitation keeps Status Sent (UNVERIFIED).",
    ),
    Assumption(
        "invitation-pending",
        "Only Status = Sent counts as a pending invitation; Accepted and Canceled rows are ignored.",
        "§13 5a: whether a deleted invitation lingers as Canceled is UNVERIFIED.",
    ),
    Assumption(
        "customer-email-match",
        "A customer whose email belongs to an active user becomes a membership of that user (a Chatter External "
        "user first, then any other active user, then the lowest username); no invitation is sent.",
        "§3: people who are already users in the org can't be invited.",
    ),
    Assumption(
        "customer-reactivation",
        "A customer whose only user is an inactive Chatter External user is reactivated and added, not invited.",
        "§3: an existing user can't be invited again; deactivated users keep their record (§5).",
    ),
    Assumption(
        "owner-change-order",
        "On an owner change the new owner is first made a manager member, then OwnerId is updated; the old "
        "owner's row is removed afterwards only when the config no longer lists them.",
        "§13 3: the order shipped code uses; whether an OwnerId change adds the new owner's row is UNVERIFIED.",
    ),
    Assumption(
        "owner-row",
        "The owner's membership is never removed or demoted; on a new group the org creates it (manager) and a "
        "declared `notify` for the owner is applied on the next run.",
        "§1 and §13 3: the owner row is created on insert with CollaborationRole Admin and can't be deleted.",
    ),
    Assumption(
        "allow-customers-with-access",
        "Turning allow_customers on and changing access go in one update of the group.",
        "§1: access can't change after allow_customers is on; one update sets both at once (UNVERIFIED).",
    ),
    Assumption(
        "portal-role-create-only",
        "portal_role is set when an external user is created; a different role (or none) on an existing user is a "
        "manual step.",
        "§5: User.PortalRole is createable, not updateable.",
    ),
    Assumption(
        "user-defaults",
        "New users get the time zone, locale and language declared for them, else the Organization record's "
        "defaults (else GMT, en_US, en_US); EmailEncodingKey as declared, else UTF-8 (the org has no default); an "
        "Alias from the name, and no CommunityNickname.",
        "§5 required fields; real-orgs.md §11.1 (the org's defaults); §13 6: CommunityNickname is generated when "
        "absent.",
    ),
    Assumption(
        "orphan-scope",
        "Orphaned customers are only deactivated when the members of every group allowing customers were read; "
        "otherwise the check is skipped with a warning.",
        "Customers can only belong to groups with CanHaveGuests (§1), so those groups hold all their memberships.",
    ),
    Assumption(
        "licence-by-name",
        "Licences are known by UserLicense.LicenseDefinitionKey where documented (the three community licences), "
        "else by UserLicense.Name, taken to be untranslated (MasterLabel is the label); a new or reactivated user "
        "takes a seat of its profile's licence.",
        "real-orgs.md §8.2; §13 4c: LicenseDefinitionKey is unverified for Chatter licences; §5: each active user "
        "uses a seat.",
    ),
    Assumption(
        "standard-profile-by-licence",
        "A standard profile named in English that the org shows under another label is the org's one profile of "
        "its licence and UserType; none or several block the plan (missing-profile) naming the candidates.",
        "real-orgs.md §8.1 (profile names are labels), real-orgs.md §8.3 (the decision); no API exposes a standard "
        "profile's API name (Admin, ...) to SOQL.",
    ),
    Assumption(
        "protected-permission-sets",
        "Removing a protected user's permission set assignment is blocked like a demotion.",
        "policy.protected: never removed, demoted or deactivated.",
    ),
    Assumption(
        "internal-groups-only",
        "guestlist manages internal groups (NetworkId null) only: site groups are never matched to a declared group "
        "and only warned about (site-group-name); an org whose CollaborationGroup has no NetworkId (INVALID_FIELD) "
        "has internal groups only.",
        "real-orgs.md §1.2 (names unique per site), real-orgs.md §1.4 (admins read every site's groups); that "
        "orgs without digital experiences lack the field is UNVERIFIED (real-orgs.md §1.3).",
    ),
    Assumption(
        "site-members-spared",
        "A customer or Experience Cloud user who is a member of any site's group (NetworkId set) is the site's: "
        "neither offboarding sweep (orphaned customers, undeclared external users) deactivates them; the plan warns "
        "site-member instead.",
        "real-orgs.md §1.5: site membership comes from profiles and permission sets, not from guestlist; whether a "
        "Chatter customer can be in a site's group at all is UNVERIFIED.",
    ),
    Assumption(
        "unlisted-permission-block",
        "A present group declared unlisted blocks the plan when the connected user lacks Manage Unlisted Groups, "
        "even if the user is a member (and so sees the group): membership is not a standing grant.",
        "real-orgs.md §2.1: without the permission non-members can't see unlisted groups; unlisted names need not "
        "be unique, so an unseen group would be created again on every run.",
    ),
    Assumption(
        "permission-alternatives",
        "The plan blocks (missing-permission) unless the connected user holds, for changing ChatterSettings, Modify "
        "Metadata and Customize Application or Modify All Data; for users, Manage Users, or Manage Internal Users "
        "when no Experience Cloud user changes; for assignments, Assign Permission Sets or Manage Users.",
        "real-orgs.md §10.2 and real-orgs.md §10.4: Customize Application as ChatterSettings' feature permission, "
        "Manage Users covering internal and external users and assignments, and which permission creates an "
        "assignment are UNVERIFIED; the Metadata API, notification and owner rules are documented "
        "(real-orgs.md §10.3).",
    ),
    Assumption(
        "duplicate-by-email",
        "A Contact on another account (or none) or an unconverted Lead with the external user's email (ignoring "
        "case) counts as a duplicate of the contact the plan would create, whatever its names: the plan blocks "
        "(existing-contact-or-lead) unless policy.duplicate_contacts is create. A Contact on the declared account is "
        "reused (the lowest id when there are several), even if such duplicates exist.",
        "real-orgs.md §3.1: the standard rule matches fuzzy first and last names with the email; the planner can't "
        "reproduce the fuzzy match, so it takes the email alone (stricter, never silently failing). Converted "
        "Leads are left out: their person is the Contact they became (not documented).",
    ),
    Assumption(
        "duplicate-allow-save-collections",
        "A contact create allowed to duplicate goes in an sObject Collections request of its own carrying "
        "Sforce-Duplicate-Rule-Header: allowSave=true, which saves it.",
        "real-orgs.md §3.3: the header applies to REST creates, updates and upserts; that it applies to each "
        "record of composite/sobjects is UNVERIFIED (practitioners send it on single-record creates).",
    ),
    Assumption(
        "apply-lock-codes",
        "apply's lock (apply/lock.py) reads DUPLICATE_DEVELOPER_NAME or DUPLICATE_VALUE on creating the "
        "PermissionSet Guestlist_Apply_Lock as 'held by another apply', and needs the right to create and delete "
        "permission sets (Manage Profiles and Permission Sets).",
        "§7: PermissionSet.Name is unique in the org (ObjRef); the error code of a duplicate Name and which "
        "permission creates a set are UNVERIFIED (docs/reference/apply-lock.md facts 6, 7).",
    ),
    Assumption(
        "email-change-window",
        "An email change apply requested (journaled as a digest) is held back for 3 days counted from the day apply "
        "wrote it; from the third day it is planned again. Without the journal it is planned every time.",
        "real-orgs.md §4.2: the link lasts 72 hours, then the change must be made again; real-orgs.md §4.3: no API "
        "shows the pending address. Counting whole days is guestlist's choice (plans are judged on a date).",
    ),
    Assumption(
        "welcome-after-create",
        "`welcome: true` sends DELETE /sobjects/User/{id}/password once, right after a successful create in the same "
        "apply; an existing user never gets it, and a lost answer is not resent.",
        "real-orgs.md §12.3 (the resource mails the user each time); real-orgs.md §12.2: a REST create mails "
        "nobody (UNVERIFIED: no REST email header is documented).",
    ),
    Assumption(
        "undo-deletes",
        "Undo re-creates a removed membership or permission set assignment with the values the plan read (a new id "
        "and CreatedDate, the same access); it never re-creates a deleted group or a cancelled invitation (listed "
        "as irreversible).",
        "real-orgs.md §16: a re-created record gets a new id and CreatedDate, a group's posts and files are not "
        "restored (UNVERIFIED for files), an invitation create mails the person; re-declaring is the reviewed path.",
    ),
    Assumption(
        "uri-header-margin",
        "A query's URL-encoded SOQL is kept to 16,384 bytes less the longest request line around it and 2,048 bytes "
        "for headers (org/soql.py MAX_ENCODED_LENGTH, 14,288); a hand-built lookup keeps 600 of that for its frame.",
        "scale.md §1: 16,384 bytes of URI documented (v49.0+); a test found 431 from about 16,088 characters, so "
        "headers and URI seem to share the budget (UNVERIFIED); guestlist's headers take well under 2,048 bytes.",
    ),    Assumption(
        "action-inputs-per-request",
        "`guestlist notify --via chatter|email` sends at most 25 notices per POST /actions/standard/{name} "
        "(ACTION_INPUTS_PER_REQUEST), each as one entry of `inputs`.",
        "real-orgs.md §14.1: one request may carry several inputs (the docs' example has two); no limit on their "
        "number was found (UNVERIFIED), so a small batch keeps one request well inside any limit.",
    ),
    Assumption(
        "notify-github-label",
        "`notify --via github-issue` skips a notice whose title is among the open issues labelled guestlist-expiry; "
        "it relies on GitHub setting that label on create, and warns when the created issue comes back without it.",
        "ecosystem.md §12.2: labels are silently dropped for a user without push access; whether the job's token "
        "with `issues: write` counts as push access, and whether a label that does not exist yet is created, are "
        "UNVERIFIED (the template says to create the label first).",
    ),
    Assumption(
        "notify-github-refusals",
        "A 401 from GitHub is reported as a refused token, a 404 as a repository this token cannot see, a 403 as a "
        "missing `permissions: issues: write` unless it names a rate limit; each line carries GitHub's own status "
        "and message.",
        "ecosystem.md §12.3: GitHub's description lists 403, 404, 410 and 422 for creating an issue and no 401; the "
        "readings of 401 and 404 are UNVERIFIED inferences.",
    ),
    Assumption(
        "non-expiring-permissions",
        "A permission set with PermissionsAssignPermissionSets, PermissionsManageProfilesPermissionsets or "
        "PermissionsManageUsers gets no ExpirationDate on its assignments: the plan warns "
        "(permission-set-cannot-expire) and guestlist alone ends the access.",
        "real-orgs.md §15 names the permissions by their labels (Assign Permission Set, Manage Profiles, Manage "
        "Users, Permission Sets); mapping them to these three fields is guestlist's reading.",
    ),
    Assumption(
        "expiry-owner",
        "An assignment's ExpirationDate is managed only for assignees declared as users (chatter_users, "
        "external_users): it is 00:00 UTC of the day after their `expires`, and cleared when they have none.",
        "real-orgs.md §15 (ExpirationDate is createable and updateable); README: access lasts through the `expires` "
        "day. Other assignees have no `expires` to set, so their ExpirationDate is left as the org has it.",
    ),
    Assumption(
        "scan-filter-case",
        "A scan the read planner keeps client-side matches text with Python's str.lower(), as SOQL's "
        "case-insensitive comparison of the IN-list it replaces would.",
        "scale.md §1 and docs/decisions/read-planner.md; how SOQL folds non-ASCII case is not documented (the "
        "sandbox folds ASCII only, SQLite NOCASE): a non-ASCII name could match one way and not the other.",
    ),
)
