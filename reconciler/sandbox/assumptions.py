"""Every behaviour of the sandbox that the reference marks UNVERIFIED, in one table.

Code that implements such a behaviour names it with `assumed("<key>")`, so a reader can go from the rule to its
justification and back (`grep -n 'assumed("cgm-duplicate")'`). A test checks that every key here is used and that
every key used exists. Source references point into docs/reference/salesforce-api.md (§) and describe/.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assumption:
    key: str
    topic: str
    behaviour: str
    source_ref: str


ASSUMPTIONS: tuple[Assumption, ...] = (
    # --- describe and storage -------------------------------------------------------------------------------
    Assumption(
        "partial-lengths",
        "Field lengths of objects with only a partial describe",
        "Lengths come from the reference tables where given (group Name 40, InformationTitle 30, Description 1000, "
        "InformationBody 4000, InvitedUserEmail 240, OptionalMessage 255); otherwise string/textarea 255, email 80, "
        "phone 40, url 1024, picklist 255 (the v52+ standard picklist length), id/reference 18.",
        "§1, §3; describe/README.md (partial files have no length); §14 (picklist length 255 from v52)",
    ),
    Assumption(
        "partial-restricted-picklists",
        "Restricted flag of picklists in partial describes",
        "Every picklist of a partially described object is restricted (standard value sets of setup objects).",
        "describe/README.md: partial files have no restrictedPicklist; §1/§2/§3 call the Chatter picklists restricted",
    ),
    Assumption(
        "partial-defaulted",
        "defaultedOnCreate of fields in partial describes",
        "A field is defaulted on create when it is a system field (Id, audit fields, OwnerId), a non-nillable "
        "boolean, or has a describe defaultValue.",
        "describe/README.md (no defaultedOnCreate in partial files); §1 (OwnerId C D U, CanHaveGuests D)",
    ),
    Assumption(
        "experience-cloud-flags",
        "Flags of Experience Cloud fields absent from the derived v64 model",
        "User.IsPortalEnabled is update-only, User.PortalRole create-only, CollaborationGroup.NetworkId create-only, "
        "CollaborationGroupMember.NetworkId and UserRole.PortalRole read-only; Permissions* booleans missing from "
        "the v64 model are createable and updateable.",
        "§5 (IsPortalEnabled U, PortalRole C N); §1 (NetworkId C only); §8 (portal roles are system-maintained)",
    ),
    Assumption(
        "user-isactive-default",
        "Effective default of User.IsActive",
        "A user created without IsActive is active (describe says defaultedOnCreate with defaultValue false, which "
        "is not the effective default).",
        "describe/README.md, notable fact 4",
    ),
    Assumption(
        "compound-fields",
        "Compound address/location fields",
        "Compound fields (BillingAddress, Address, ...) have a column that stays null; their components are the "
        "real data.",
        "describe type address (not createable, not updateable)",
    ),
    Assumption(
        "unlisted-picklist-value",
        "CollaborationType picklist values",
        "Public and Private, as in every captured org (none had the feature on); while "
        "ChatterSettings.unlistedGroupsEnabled is true, Unlisted (label Unlisted) is accepted on write and listed "
        "last in describe.",
        "describe/README.md notable fact 7; §0 item 1",
    ),
    Assumption(
        "child-relationship-names",
        "Child relationship names not present in the captured describes",
        "Account.Contacts, Account.ChildAccounts, PermissionSet.Assignments, UserRole.Users and "
        "CollaborationGroup.GroupMembers use the names Salesforce is known to use; User.GroupMemberships, "
        "User.PermissionSetAssignments and User.ManagedUsers are from a captured UI API User describe.",
        "public UI API capture (User childRelationships); others conventional",
    ),
    # --- users ------------------------------------------------------------------------------------------------
    Assumption(
        "nickname-generation",
        "CommunityNickname generated when absent",
        "The generated nickname is the Username local part (<= 40 chars), with a numeric suffix 1, 2, ... if taken.",
        "§13 item 6 (format of the generated value unverified)",
    ),
    Assumption(
        "contactid-change",
        "Changing User.ContactId on an existing user",
        "ContactId may be set on update only to its current value (or cleared through IsPortalEnabled=false); any "
        "other change answers FIELD_INTEGRITY_EXCEPTION.",
        "§14 (ContactId updateable from v48; effect of a change undocumented)",
    ),
    Assumption(
        "portal-disable-with-isactive",
        "IsPortalEnabled=false together with IsActive in one update",
        "Answers 400 FIELD_INTEGRITY_EXCEPTION on IsActive (the real code is unknown).",
        "§13 item 10f",
    ),
    Assumption(
        "portal-role-creation",
        "Portal roles created per account",
        "The first role-based (Customer Community Plus / Partner Community) user of an account creates the three "
        "portal roles Executive, Manager, Worker named '<Account> Customer Executive' (or 'Partner ...'), with "
        "PortalType CustomerPortal or Partner; the user gets the role of its PortalRole (default Worker).",
        "§8 (KB 000240603); role naming as seen in orgs",
    ),
    Assumption(
        "portal-owner-role",
        "Portal account owner without a role",
        "Creating a portal user whose account owner has no role answers UNKNOWN_EXCEPTION 'portal account owner "
        "must have a role', for every community licence.",
        "real-orgs.md §6.1 (KB 000385901, KB 000389462: confirmed); §8, §13 item 7 (bonus texts)",
    ),
    Assumption(
        "profile-labels-de",
        "Standard profile labels of a German-language org (`sandbox reset --language de`)",
        "Systemadministrator, Standardbenutzer, Chatter Free-Benutzer, Chatter External-Benutzer, Customer "
        "Community-Benutzer, Customer Community Plus-Benutzer, Partner Community-Benutzer (the German label of each "
        "was found in no source; only that Profile.Name is a translated label is sourced). UserLicense.Name stays "
        "English in every language (licences are the untranslated key the rules use).",
        "real-orgs.md §8.1 (profile names are labels), real-orgs.md §8.4 (the German seed)",
    ),
    Assumption(
        "license-message",
        "LICENSE_LIMIT_EXCEEDED text",
        "'License Limit Exceeded', followed by ' - <Licence Name>' for community licences (Customer Community, "
        "Customer Community Plus, Partner Community); fields [].",
        "§13 item 7",
    ),
    Assumption(
        "license-count",
        "Which users consume a licence",
        "UsedLicenses counts active users whose profile has that licence, computed at read time (Salesforce "
        "refreshes it asynchronously).",
        "§6",
    ),
    Assumption(
        "username-format",
        "Username format check",
        "A username must look like an email (one @, a dot in the domain, no spaces); otherwise "
        "FIELD_INTEGRITY_EXCEPTION with the real message.",
        "§13 item 7 (bonus texts)",
    ),
    Assumption(
        "guest-username-collision",
        "Invited customer username collision",
        "On collision a numeric suffix is added to the local part: ann1@guest.acme.com, ann2@guest.acme.com ...",
        "§13 item 4d",
    ),
    # --- Chatter groups -----------------------------------------------------------------------------------------
    Assumption(
        "cg-duplicate-name",
        "Duplicate CollaborationGroup Name",
        "400 DUPLICATE_VALUE on Name, case-insensitive, among public and private groups (unlisted exempt).",
        "§13 item 2c",
    ),
    Assumption(
        "cg-name-per-site",
        "Group name uniqueness per Experience Cloud site",
        "The duplicate-name check (cg-duplicate-name) compares a group only with groups of the same NetworkId: "
        "internal groups (NetworkId null) are one namespace, each site another. NetworkId is set on create only.",
        "real-orgs.md §1.2 (Help: unique within the site); real-orgs.md §1.3 (NetworkId creatable, not updateable)",
    ),
    Assumption(
        "network-object",
        "The Network object (Experience Cloud sites)",
        "Key prefix 0DB; fields limited to Id, audit fields, Name, Description, Status, UrlPathPrefix (all read-only "
        "in the sandbox: no v64 model gives their flags); no create through the API (sites come from "
        "`guestlist sandbox site add`); a new site's Status is the describe default UnderConstruction.",
        "real-orgs.md §1.1 (ObjRef supported calls; partial describe; 0DB only seen in a test stub)",
    ),
    Assumption(
        "unlisted-visibility",
        "Who sees unlisted groups",
        "A user without PermissionsManageUnlistedGroups (profile or permission set) sees an unlisted group only as "
        "its member: SOQL on CollaborationGroup leaves the others out (and the CollaborationGroupMember and "
        "CollaborationInvitation rows of those groups), retrieve answers 404 NOT_FOUND, update and delete 400 "
        "INSUFFICIENT_ACCESS_OR_READONLY.",
        "real-orgs.md §2.1 (ObjRef Special Access Rules); the error codes of hidden records are unverified",
    ),
    Assumption(
        "permission-errors",
        "What a user is refused for a permission it lacks",
        "Without API Enabled every REST request answers 403 API_CURRENTLY_DISABLED 'API is disabled for this User' "
        "and a Metadata API call a fault of that code; setting another member's NotificationFrequency, another's "
        "group OwnerId, a user or a permission set assignment without the permission answers 400 "
        "INSUFFICIENT_ACCESS_OR_READONLY; a Metadata API call without Modify Metadata or Modify All Data a fault "
        "INSUFFICIENT_ACCESS; a password of another user without Manage Users or Reset User Passwords 403 "
        "INSUFFICIENT_ACCESS. Manage Users implies Manage Internal Users and Assign Permission Sets; Customize "
        "Application is what updating ChatterSettings needs besides Modify Metadata.",
        "real-orgs.md §10 (the permissions are documented; the HTTP status of API_CURRENTLY_DISABLED, the codes of "
        "the object refusals and the implications between permissions are not)",
    ),
    Assumption(
        "password-policy",
        "The org's password policy for POST /sobjects/User/{id}/password",
        "A new password needs at least 8 characters with a letter and a digit (a new org's default policy); "
        "otherwise 400 INVALID_NEW_PASSWORD. The password is set at once and never expires.",
        "real-orgs.md §10.5 (INVALID_NEW_PASSWORD is documented; the policy's terms are not verified)",
    ),
    Assumption(
        "cg-guests-on-public",
        "CanHaveGuests=true on a Public group",
        "400 FIELD_INTEGRITY_EXCEPTION, fields [CanHaveGuests].",
        "§13 item 2d",
    ),
    Assumption(
        "cg-guests-one-way",
        "CanHaveGuests true -> false, and access type change once customers are allowed",
        "400 FIELD_INTEGRITY_EXCEPTION on CanHaveGuests (turning it off) or CollaborationType (changing access).",
        "§13 item 2e; §1",
    ),
    Assumption(
        "cg-owner-change",
        "OwnerId change of a group",
        "The new owner gets an Admin membership row (created, or promoted from Standard); the old owner's row stays "
        "as it is. A customer (Chatter External user) cannot own a group: FIELD_INTEGRITY_EXCEPTION.",
        "§13 item 3; §1 (customers can't be owners)",
    ),
    Assumption(
        "cg-owner-notification",
        "NotificationFrequency of the owner's automatic row",
        "The owner's DefaultGroupNotificationFrequency, as for any new member.",
        "§13 item 3",
    ),
    Assumption(
        "cgm-duplicate",
        "Duplicate CollaborationGroupMember",
        "400 DUPLICATE_VALUE 'duplicate value found: <unknown> duplicates value on record with id: <unknown>', "
        "fields [].",
        "§13 item 2a",
    ),
    Assumption(
        "cgm-owner-delete",
        "Deleting the owner's membership row",
        "400 FIELD_INTEGRITY_EXCEPTION.",
        "§13 item 2b",
    ),
    Assumption(
        "cgm-customer-group",
        "A customer added to a group that does not allow customers",
        "400 FIELD_INTEGRITY_EXCEPTION on MemberId.",
        "§0 item 2, §1 (customers only in groups with CanHaveGuests)",
    ),
    Assumption(
        "cgm-inactive-member",
        "Adding an inactive user to a group",
        "400 INACTIVE_OWNER_OR_USER on MemberId.",
        "§9.4",
    ),
    # --- duplicate rules (objects/duplicates.py) -------------------------------------------------------------
    Assumption(
        "duplicate-matching",
        "How the standard Contact and Lead matching rules decide a match",
        "A new Contact or Lead matches an undeleted Contact or unconverted Lead when Email is equal ignoring case, "
        "LastName is equal ignoring case and surrounding blanks, and FirstName is equal the same way or blank on "
        "either side. The real rules are fuzzy (Jaro-Winkler, initials, name variants, metaphone, threshold 85/90) "
        "and have other terms (name with title, phone, company or mailing street), which guestlist's creates never "
        "fill; a record without Email never matches. Only creates are checked (the rules' edit action is a report). "
        "Records saved by the same request are not compared with each other, composite subrequests included.",
        "real-orgs.md §3.1 (rule, equation, criteria); real-orgs.md §3.2 (what the sandbox simplifies)",
    ),
    Assumption(
        "duplicate-result-shape",
        "DUPLICATES_DETECTED over sObject Collections",
        "Each refused record's error in composite/sobjects carries the same duplicateResult as a single-record "
        "REST create (duplicateRule, matchResults with the matched ids); the documented collections sample shows "
        "only statusCode, message and fields.",
        "real-orgs.md §3.4 (REST sample; salesforce-api.md §9.5 collections sample)",
    ),
    Assumption(
        "duplicate-header-parsing",
        "Parsing Sforce-Duplicate-Rule-Header",
        "Options are name=value pairs separated by ';' (or ','), names case-insensitive; a value other than true "
        "(any case) is false, unknown names are ignored, no error is raised. The top-level request's header "
        "applies to every record of the request, composite subrequests included; runAsCurrentUser has no effect "
        "(no record sharing in the sandbox).",
        "real-orgs.md §3.3 (the header's documented form; error behaviour not documented)",
    ),
    # --- invitations ------------------------------------------------------------------------------------------
    Assumption(
        "invitation-errors",
        "Errors of refused invitations",
        "Invitations off (coworker) or customer invitations off, or the inviter lacks the permission: "
        "INSUFFICIENT_ACCESS_OR_READONLY; domain not allowed, group not allowing customers, or the email already "
        "has an active user: FIELD_INTEGRITY_EXCEPTION on InvitedUserEmail / SharedEntityId.",
        "§13 item 2f",
    ),
    Assumption(
        "invitation-delete",
        "Deleting (cancelling) an invitation",
        "The row is removed (no IsDeleted, no Canceled row left).",
        "§13 item 5a",
    ),
    Assumption(
        "invitation-expiry",
        "Status of an expired invitation",
        "Stays Sent; nothing in the sandbox expires invitations.",
        "§13 item 5b",
    ),
    Assumption(
        "invitation-coworker-accept",
        "A coworker accepting an invitation",
        "Becomes a Chatter Free user with Username = the invited email; a group invitation adds a Standard membership.",
        "§3 (coworker invitations); issue 3",
    ),
    Assumption(
        "invitation-allow-default",
        "Default of the unexposed 'Allow Invitations' and company domains",
        "Allow Invitations is false and the company domains are empty in an empty org; the demo org allows "
        "invitations for acme.com.",
        "§4.2, §13 item 10b (not in any API)",
    ),
    # --- permissions ------------------------------------------------------------------------------------------
    Assumption(
        "psa-license-mismatch",
        "PermissionSetAssignment whose permission set licence differs from the user's",
        "400 FIELD_INTEGRITY_EXCEPTION on PermissionSetId.",
        "§7 (licence must match; code unknown)",
    ),
    Assumption(
        "psa-profile-owned",
        "Assigning a profile-owned permission set",
        "400 INVALID_CROSS_REFERENCE_KEY on PermissionSetId; profile-owned sets come with the profile and show up "
        "as assignments of every user of that profile.",
        "§7",
    ),
    Assumption(
        "role-type-mismatch",
        "Internal role on a portal user, or a portal role on an internal user / another account",
        "400 FIELD_INTEGRITY_EXCEPTION 'role type must match user type', fields [].",
        "§13 item 10e",
    ),
    Assumption(
        "customer-community-role",
        "A role on a Customer Community (no-role licence) user",
        "Same error as role-type-mismatch; PortalRole is ignored (stays null) for that licence.",
        "§8 (Customer Community has no roles)",
    ),
    # --- API mechanics ----------------------------------------------------------------------------------------
    Assumption(
        "daily-limit-window",
        "The daily API allowance window",
        "Usage counts since the last reset (the sandbox has no 24-hour rolling window); default max an Enterprise "
        "org's allowance for its licences (113,000 for the seeds: objects/allowance.py).",
        "§9.7; scale.md §4",
    ),
    Assumption(
        "entity-operation",
        "Create/update/delete on an object that does not support it (User delete, UserLicense create, ...)",
        "405 METHOD_NOT_ALLOWED \"HTTP Method 'DELETE' not allowed. Allowed are HEAD,GET,PATCH\", as the REST API "
        "answers for a method a resource lacks.",
        "§5 (users can't be deleted), §9.3 (405 among the statuses used)",
    ),
    Assumption(
        "comm-nickname-message",
        "DUPLICATE_COMM_NICKNAME text",
        "'Duplicate Nickname.<br>Another user has already selected this nickname.<br>Please select another.', "
        "fields [CommunityNickname].",
        "§5, §9.4 (code known, text from practitioner memory)",
    ),
    Assumption(
        "portal-profile-contact",
        "Profile and ContactId that do not fit together",
        "A portal profile without ContactId, ContactId with a non-portal profile, or a contact without an account: "
        "400 FIELD_INTEGRITY_EXCEPTION; a portal user may move only between portal profiles and an internal user "
        "only between internal ones.",
        "§8 (enabling an external user)",
    ),
    Assumption(
        "account-portal-flags",
        "Account flags when external users are enabled or disabled",
        "The first Partner Community user sets Account.IsPartner, the first customer user IsCustomerPortal; "
        "setting either flag back to false disables the matching users (IsPortalEnabled=false) and deletes "
        "the account's portal roles of that type.",
        "§8 (ObjRef Account)",
    ),
    Assumption(
        "contact-delete-portal-user",
        "Deleting a contact or account that has an external user",
        "400 DELETE_FAILED; deleting an account soft-deletes its contacts.",
        "§8",
    ),
    Assumption(
        "cgm-role-default",
        "CollaborationRole of a new member when not given, and demoting the owner's row",
        "Standard; the owner's row cannot be set to Standard (FIELD_INTEGRITY_EXCEPTION).",
        "§2 (nillable, no default in describe; rows always carry a role)",
    ),
    Assumption(
        "invitation-accept-all",
        "Accepting when several invitations are pending for one email",
        "All pending invitations of that email are accepted at once: one user, one membership per invited group.",
        "issue 3 (sandbox accept EMAIL)",
    ),
    Assumption(
        "setup-object-protection",
        "Changing profile-owned permission sets, standard profiles and portal roles through the API",
        "Profile-owned permission sets and standard profiles cannot be deleted and owned sets not edited "
        "(INSUFFICIENT_ACCESS_OR_READONLY); portal roles cannot be created or edited through the API "
        "(FIELD_INTEGRITY_EXCEPTION 'Cannot specify system-maintained portal role field'); a role with users, or a "
        "permission set with assignments, cannot be deleted (DELETE_FAILED).",
        "§7, §8, §13 item 10e",
    ),
    Assumption(
        "ps-duplicate-name",
        "Duplicate PermissionSet Name",
        "400 DUPLICATE_DEVELOPER_NAME on Name.",
        "§7",
    ),
    Assumption(
        "validation-rule-errors",
        "Error of a validation rule",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION with the rule's message, fields [] (a rule shown at the top of the page).",
        "§9.4",
    ),
    # --- SOQL (reconciler/sandbox/soql/) ------------------------------------------------------------------------
    Assumption(
        "soql-error-excerpt",
        "Layout of SOQL error messages",
        "'\\n<excerpt of the line>\\n<spaces>^\\nERROR at Row:<r>:Column:<c>\\n<text>', the excerpt being the "
        "error line cut at word boundaries about 40 characters either side of the column (the real window size "
        "varies); syntax errors say unexpected token: '<token>' ('<EOF>' at the end).",
        "§9.3 (texts); public REST error bodies (mautic/mautic#13406, vlocityinc/vlocity_build#364)",
    ),
    Assumption(
        "soql-not-parentheses",
        "Mixing AND, OR and NOT without parentheses",
        "Refused with MALFORMED_QUERY unexpected token at the second operator kind; NOT applies to one field "
        "expression or a parenthesised group and cannot stand as an operand of AND/OR without parentheses "
        "('a AND (NOT b)' is accepted, 'a AND NOT b' is not): whatever the sandbox accepts, a real org accepts.",
        "SOQL guide, Logical Operators: 'Parentheses are required whenever you mix the operators'",
    ),
    Assumption(
        "soql-null-logic",
        "Nulls in WHERE",
        "Two-valued logic: a comparison with a null field is false, so != v, NOT IN (...) and NOT (...) match rows "
        "whose field is null (and rows whose parent lookup is null).",
        "SOQL guide (WHERE on parent fields returns rows with no parent); practitioner reports on != and null",
    ),
    Assumption(
        "soql-filter-errors",
        "Errors for filter values of the wrong type",
        "INVALID_QUERY_FILTER_OPERATOR: \"value of filter criterion for field 'X' must be of type <type> and should "
        '(not) be enclosed in quotes", "invalid ID field: <value>", "invalid operator on <type> field"; '
        "INVALID_FIELD \"field 'X' can not be filtered in query call\" for long text areas.",
        "public issue reports (restforce#557, UnofficialSF/LightningFlowComponents#255); exact texts unverified",
    ),
    Assumption(
        "soql-case-folding",
        "Case-insensitive text comparison and sorting",
        "=, !=, IN, <, >, LIKE and ORDER BY on text fold case for ASCII letters only (SQLite NOCASE / upper()); "
        "ORDER BY sorts upper-cased values (English locale), picklists by their value order.",
        "SOQL guide, ORDER BY ('English locale: uppercase UTF-8 values'; picklists by sort order)",
    ),
    Assumption(
        "soql-default-order",
        "Order of results without ORDER BY, and ties",
        "By Id ascending; ORDER BY ends with Id as a hidden tie-break, so paging is stable.",
        "SOQL guide: no order is guaranteed without ORDER BY",
    ),
    Assumption(
        "soql-date-literals",
        "Relative date literals",
        "Evaluated in UTC when the query runs; weeks start on Sunday (en_US); LAST_N_DAYS:n spans today and the n "
        "days before, NEXT_N_DAYS:n the n days after today; fiscal literals answer MALFORMED_QUERY.",
        "SOQL guide, Date Formats and Date Literals (user time zone and locale in a real org)",
    ),
    Assumption(
        "soql-like-escapes",
        "\\% and \\_ outside LIKE",
        "Outside a LIKE pattern they keep their backslash (the literal text '\\%'); inside LIKE they match a "
        "literal % or _. Other unknown escapes answer MALFORMED_QUERY 'Invalid string literal ...'.",
        "SOQL guide, Quoted String Escape Sequences (documents them for LIKE only)",
    ),
    Assumption(
        "soql-polymorphic",
        "Polymorphic relationships (several referenceTo) in a field path",
        "Traversed when exactly one target object exists in the sandbox; otherwise MALFORMED_QUERY (no TYPEOF, no "
        "Name pseudo-object).",
        "describe referenceTo; SOQL guide, polymorphic relationships",
    ),
    Assumption(
        "soql-column-metadata",
        "The undocumented `columns=true` answer",
        "{columnMetadata: [{aggregate, apexType, booleanType, columnName, custom, displayName, foreignKeyName, "
        "insertable, joinColumns, numberType, textType, updatable}], entityName, groupBy, idSelected, keyPrefix}; "
        "lookups nest their fields in joinColumns (apexType null), subqueries too with aggregate true, aggregate "
        "functions have aggregate true, columnName expr<n> or the alias and displayName like COUNT(Id).",
        "clients.md §4.2; salesforcecli/plugin-data src/commands/data/query.ts (how the CLI reads it)",
    ),
    Assumption(
        "soql-offset-limit",
        "OFFSET above 2000",
        "400 NUMBER_OUTSIDE_VALID_RANGE 'Maximum SOQL offset allowed is 2000'.",
        "SOQL guide, OFFSET (maximum offset 2,000 rows)",
    ),
    # --- server (HTTP mapping, routes/, app.py) ---------------------------------------------------------------
    Assumption(
        "query-locator-errors",
        "nextRecordsUrl with an unknown, expired or evicted locator",
        "400 INVALID_QUERY_LOCATOR 'invalid query locator'. Cursors live in memory for 15 idle minutes (at most "
        "200 cursors / 2,000,000 rows, least recently used first out) and do not survive a restart.",
        "§9.1 (locator format only); SOAP ExceptionCode INVALID_QUERY_LOCATOR",
    ),
    Assumption(
        "collections-record-errors",
        "Per-record errors of sObject Collections for a malformed record",
        "No attributes.type or an unknown type: INVALID_TYPE; an Id on create: INVALID_FIELD_FOR_INSERT_UPDATE "
        "'cannot specify Id in an insert call'; no id on update: MISSING_ARGUMENT 'Id not specified in an update "
        "call' (the SOAP texts), each in that record's result.",
        "§9.5 (each record needs attributes.type; no id on create)",
    ),
    Assumption(
        "collections-chunks",
        "More than 10 chunks in one sObject Collections request",
        "A chunk is a run of consecutive records of one type (ids of one key prefix for DELETE). More than 10 "
        "refuse the whole request before any write: 400 INVALID_BATCH_REQUEST with the Apex/SOAP text 'Cannot have "
        "more than 10 chunks in a single operation. Please rearrange the data to reduce chunking.' (REST code "
        "unknown).",
        "§9.5 (at most 10 chunks); the message as seen from Apex and the SOAP API",
    ),
    Assumption(
        "mixed-dml",
        "MIXED_DML_OPERATION in composite and sObject Collections",
        "Setup objects: User, UserRole, PermissionSet, PermissionSetAssignment; every other object (Account, "
        "Contact, CollaborationGroup, CollaborationGroupMember, CollaborationInvitation...) is not. A composite with "
        "allOrNone=true is one transaction: the subrequest that writes one kind after the other fails with 400 "
        "MIXED_DML_OPERATION 'DML operation on setup object is not permitted after you have updated a non-setup "
        "object (or vice versa): <object>, original object: <first object>' and the others PROCESSING_HALTED; with "
        "allOrNone=false each subrequest is its own transaction. An sObject Collections request is one transaction "
        "whatever allOrNone says (false only allows partial success): each record of the second kind fails with "
        "that error. Only successful writes count; the platform's own side effects (the owner's group membership, "
        "portal roles) don't.",
        "§13 item 8 (User, PermissionSetAssignment, Group/GroupMember; the message); §9.6 note",
    ),
    Assumption(
        "composite-errors",
        "Malformed composite requests and unresolved references",
        "More than 25 subrequests: 400 LIMIT_EXCEEDED; a bad or duplicate referenceId, method or url: 400 "
        "INVALID_INPUT for the whole request; a subrequest whose reference points to a failed or unknown "
        "subrequest: 400 PROCESSING_HALTED 'Invalid reference specified. No value for <ref> found in <id>...'.",
        "§9.6 (limits, referenceId syntax), §13 item 10d (PROCESSING_HALTED)",
    ),
    Assumption(
        "injected-error-bodies",
        "Bodies of injected 500 and 503 answers",
        "500 UNKNOWN_EXCEPTION 'An unexpected error occurred. Please include this ErrorId if you contact support: "
        "<id>'; 503 SERVER_UNAVAILABLE; both as REST error arrays (SOAP paths: a SOAP fault).",
        "§9.3 (500 and 503 among the statuses used; bodies unknown)",
    ),
    Assumption(
        "api-usage-counting",
        "Which requests count against the daily API allowance",
        "Every authenticated REST request under /services/data/vXX.X (composite counts once) and every Metadata "
        "API call; not the versions list, OAuth token/userinfo/identity requests, SOAP login, or the admin path.",
        "§9.6 (composite is one call), §9.7 (the Versions URI carries no Sforce-Limit-Info)",
    ),
    Assumption(
        "oauth-connected-app",
        "Connected apps",
        "One connected app, consumer key 'guestlist-sandbox' and secret 'guestlist-sandbox-secret'. Refusals: "
        "invalid_client_id 'client identifier invalid', invalid_client 'invalid client credentials', "
        "invalid_grant 'authentication failure', unsupported_grant_type. Client credentials run as the "
        "connected administrator.",
        "clients.md §1.3 (grant types and what simple-salesforce reads)",
    ),
    Assumption(
        "oauth-jwt",
        "What a JWT bearer assertion must satisfy",
        "alg RS256, iss the consumer key, sub an active username, aud exactly https://login.salesforce.com or "
        "https://test.salesforce.com (both accepted: the sandbox is neither a production org nor a sandbox; its "
        "own host is refused 'audience is invalid'), exp (a number or a string of digits) not more than 5 minutes "
        "past. The signature is not verified: no certificate is uploaded to the sandbox's connected app.",
        "clients.md §1.3 (claims as simple-salesforce sends them, exp a string); real-orgs.md §5.1 (audiences)",
    ),
    Assumption(
        "concurrent-limit",
        "What the concurrent-request limit answers, and whether a refusal counts",
        "403 REQUEST_LIMIT_EXCEEDED 'ConcurrentRequests (Concurrent API Requests) Limit exceeded.' (SOAP: the "
        "fault), not counted against the daily allowance; the sandbox's requests are never long-running, so it "
        "refuses only when told to (`sandbox limits --busy N`, fault kind concurrent-limit).",
        "real-orgs.md §7.2 (the code and messages; whether refusals count is not documented)",
    ),
    Assumption(
        "oauth-password-flow-blocked",
        "What a blocked OAuth username-password flow answers",
        "400 invalid_grant 'authentication failure' (the answer to a wrong password too), after the client id and "
        "secret are checked; `sandbox serve --password-flow` unblocks it.",
        "real-orgs.md §5.3 (blocked by default since Summer '23; the answer is reported by a blog, not documented)",
    ),
    Assumption(
        "soap-login-disabled",
        "What a disabled SOAP login() answers",
        "HTTP 500 SOAP fault INVALID_OPERATION 'SOAP API login() is disabled by default in this org. Contact the "
        "org administrator to enable SOAP API login().', whatever the credentials; `sandbox serve --soap-login` "
        "enables it.",
        "real-orgs.md §5.3 (the message as an integration quotes it; the HTTP status and fault type UNVERIFIED)",
    ),
    Assumption(
        "oauth-refresh-token",
        "The refresh_token grant and how the sandbox issues refresh tokens",
        "grant_type=refresh_token with client_id (the sandbox's connected app, or the CLI's PlatformCLI with no "
        "secret; a client_secret, when sent, must be the app's) and a refresh token issued to that client answers "
        "like the other grants, without a new refresh token; an unknown or revoked token, or an inactive user, is "
        "400 invalid_grant 'expired access/refresh token'. Refresh tokens come from `guestlist sandbox auth-url` "
        "(no authorization-code flow), shaped 5Aep + 83 characters, and last until the org is reset.",
        "ecosystem.md §1.1 (auth URL, refresh token, PlatformCLI); the error text is the one sfdx-hardis documents "
        "for an expired token (UNVERIFIED against an org)",
    ),
    Assumption(
        "oauth-bad-token",
        "userinfo and identity URL with a missing or invalid token",
        "403 text/plain 'Bad_OAuth_Token'.",
        "clients.md §4.2 (the CLI's first call is userinfo)",
    ),
    Assumption(
        "metadata-faults",
        "Metadata API calls the sandbox does not implement",
        "SOAP fault (HTTP 500): readMetadata of another type sf:INVALID_TYPE; any other operation "
        "sf:INVALID_OPERATION; more than 10 components sf:LIMIT_EXCEEDED. updateMetadata of another type or "
        "fullName fails in its SaveResult (INVALID_TYPE, INVALID_CROSS_REFERENCE_KEY); readMetadata of an unknown "
        "fullName returns no record for it.",
        "§4.3 (operations, <= 10 components), §13 item 9 (faults are HTTP 500)",
    ),
    # --- mail ----------------------------------------------------------------------------------------------------
    Assumption(
        "email-change-pending",
        "An API write of User.Email",
        "Any write of another address (case included) is held, for active and inactive users alike, until "
        "`guestlist sandbox confirm-email`; each write mails the new address (confirmation) and the old one (notice); "
        "a later write replaces the pending address; the link does not expire in the sandbox (72 hours in a real "
        "org); a write of the current address changes nothing.",
        "real-orgs.md §4.1, real-orgs.md §4.2 (held until confirmed, both addresses mailed, 72 hours, repeat "
        "after expiry); "
        "inactive users, case-only changes and a second request are not documented",
    ),
    Assumption(
        "mail-on-user-create",
        "Mail when a user is created through REST",
        "No mail: the new-user mail is sent only when the request asks for it (EmailHeader.triggerUserEmail, which "
        "REST requests can't carry); the welcome mail is the password reset `DELETE /sobjects/User/{id}/password`.",
        "real-orgs.md §12.2 (EmailHeader is a SOAP header; REST has none)",
    ),
    Assumption(
        "password-reset-rules",
        "DELETE /sobjects/User/{id}/password in the sandbox",
        "Needs Manage Users (else 403 INSUFFICIENT_ACCESS), an active user (else 400 INVALID_OPERATION, text "
        "assumed); answers 200 {\"NewPassword\": <12 characters>}; mails the user's current Email.",
        "real-orgs.md §12.3 (the resource, its INSUFFICIENT_ACCESS, the temporary password in the response)",
    ),
    # --- Bulk API 2.0 query jobs (scale.md §3) ------------------------------------------------------------
    Assumption(
        "bulk2-errors-at-create",
        "A query job whose SOQL is bad or unsupported",
        "Refused at create (POST /jobs/query) with 400 and the query's own error (MALFORMED_QUERY, INVALID_FIELD...), "
        "or 400 INVALIDJOB for GROUP BY, OFFSET, TYPEOF, aggregates and subqueries; no Failed job is made. The job "
        "runs at once: GET shows JobComplete on the first poll.",
        "scale.md §3 (what a bulk query does not support); the error code and the moment of refusal are not documented",
    ),
    Assumption(
        "bulk2-csv-values",
        "How query job results render values",
        "Every value in double quotes (as the docs' example), a null as an empty unquoted cell, booleans as "
        "true/false, a relationship field as a `Profile.Name` column; columns in the query's order.",
        "scale.md §3 (the quoted example, column order from API 50.0); nulls and booleans are not documented",
    ),
    Assumption(
        "bulk2-abort-finished",
        "Aborting a finished query job",
        "400 INVALIDJOB: a job that is JobComplete or Failed cannot be aborted (the sandbox finishes every job at "
        "create, so abort always meets a finished job).",
        "scale.md §3 (abort is PATCH state Aborted); the refusal of a finished job is not documented",
    ),
    Assumption(
        "bulk2-request-counting",
        "Bulk API 2.0 query requests and the daily allowance",
        "Each request to /jobs/query (create, poll, each results page, abort, delete, list) counts as one API request, "
        "as every other REST request does.",
        "scale.md §3; the allowance rules for Bulk API 2.0 requests were not checked",
    ),
    Assumption(
        "psl-auto-assign",
        "Assigning a permission set bound to a permission set licence through the API",
        "A PermissionSetAssignment of a set whose LicenseId is a PermissionSetLicense (0PL) gives the assignee that "
        "licence (a PermissionSetLicenseAssign row, one seat) when they lack it, as Setup does; without a seat the "
        "assignment is refused like a PermissionSetLicenseAssign insert. Removing the set keeps the licence.",
        "real-orgs.md §15 (Salesforce Help: \"any user assigned to the permission set is auto-assigned the permission "
        "set license\", written for Setup; the API's behaviour and what removal does are not documented)",
    ),
    Assumption(
        "psla-rules",
        "PermissionSetLicenseAssign inserts, deletes and seats",
        "Insert and delete need Manage Users; a second row for the same user and licence is 400 DUPLICATE_VALUE; a "
        "licence whose Status isn't Active is 400 FIELD_INTEGRITY_EXCEPTION; one more row than TotalLicenses is 400 "
        "LICENSE_LIMIT_EXCEEDED 'License Limit Exceeded - <MasterLabel>'. UsedLicenses counts the live rows at once.",
        "real-orgs.md §15 (UsedLicenses 'currently assigned to users'; Manage Users from Salesforce Help); the error "
        "codes and messages are not documented",
    ),
    Assumption(
        "psl-seed",
        "The permission set licence a new org has",
        "The seed has one PermissionSetLicense, 'Lightning Console' (LightningConsolePsl, 3 seats, none used), and a "
        "custom permission set 'Console_Agents' bound to it, as an admin would create one (Help's example licence).",
        "real-orgs.md §15; which licences and bound sets a new org ships is not documented",
    ),
    Assumption(
        "psa-expiration-refused",
        "An ExpirationDate the org can't take",
        "400 FIELD_INTEGRITY_EXCEPTION on ExpirationDate, on insert and update, when the set holds Assign Permission "
        "Sets, Manage Profiles and Permission Sets or Manage Users, or when the org setting is off (the sandbox has "
        "it on, as the enforced release update leaves it; Admin.set_assignment_expiration turns it off).",
        "real-orgs.md §15 (such sets can't have an expiration date; the setting is needed); no error is documented",
    ),
    Assumption(
        "psa-expiration-past",
        "An ExpirationDate that is not in the future",
        "400 FIELD_INTEGRITY_EXCEPTION on ExpirationDate when it is at or before the org's clock.",
        "real-orgs.md §15: access lasts until the expiration date; no rule for a past date is documented",
    ),
    Assumption(
        "psa-expiry-removal",
        "What happens when an assignment's ExpirationDate passes",
        "The assignment is deleted, on the first request at or after that moment (by the store's clock); no mail, "
        "no IsActive = false row is left behind.",
        "real-orgs.md §15: users have the permissions until the expiration date; whether the row is deleted or kept "
        "inactive is documented nowhere (third-party pages say access is removed)",
    ),
    Assumption(
        "uri-header-counting",
        "How the URI and headers are measured against 16,384 bytes",
        "The request target as sent (path and query string) over 16,384 bytes is 414; else the target plus every "
        "header line (`Name: value` and CRLF, as received) over 16,384 bytes is 431. Both answer Jetty's HTML page "
        "`<h1>Bad Message 4xx</h1><pre>reason: ...</pre>` and close the connection.",
        "scale.md §1 (KB 000386264: the limit and the two codes) and §5 (the page, from public reports); what "
        "exactly Salesforce counts (request line, header names, separators) is not documented",
    ),
    Assumption(
        "soql-literal-length",
        "A SOQL string literal over 4,000 characters",
        "MALFORMED_QUERY pointing at the literal: \"String literal too long: <n> characters, the limit is 4000\". "
        "Counted on the literal's value after its escapes are decoded.",
        "scale.md §1 (the 4,000-character limit, limits cheatsheet); the error Salesforce answers was not found",
    ),
    Assumption(
        "licence-api-calls",
        "API calls per external licence in the daily allowance",
        "Customer Community Plus and Partner Community licences add 200 calls each; Customer Community, Chatter "
        "Free and Chatter External add none; purchased licences (TotalLicenses) count, used or not.",
        "scale.md §4: the official table's rows for these licence types could not be read; 200 comes from "
        "secondary summaries of it",
    ),
    # --- standard actions chatterPost and emailSimple (real-orgs.md §14) ------------------------------------
    Assumption(
        "action-results-status",
        "HTTP status of POST /actions/standard/{name} when some inputs fail",
        "200 with one result per input, in order; a failed input has isSuccess false and is rolled back alone, the "
        "others are still posted or sent.",
        "real-orgs.md §14.1 (a result per input); the status when an input fails is not documented",
    ),
    Assumption(
        "action-input-errors",
        "The errors of a failed action input",
        "errors: [{statusCode, message, fields}] as sObject Collections report a record; REQUIRED_FIELD_MISSING for a "
        "missing required input, INVALID_API_INPUT for an unknown or inactive subject user, a type other than user, "
        "more than 5 recipients or an unknown senderType, INVALID_EMAIL_ADDRESS, STRING_TOO_LONG for text over "
        "10,000 characters.",
        "real-orgs.md §14.2, real-orgs.md §14.3 (the inputs, which are required, the limits); the error codes and "
        "the errors' shape are not documented",
    ),
    Assumption(
        "action-feed-item-ids",
        "What a chatterPost leaves in the sandbox",
        "No FeedItem record (the sandbox has no feeds): the post is an outbox row of kind chatter-post to the "
        "subject user's Username, its text in `about`; outputValues.feedItemId is a fresh 0D5 id.",
        "real-orgs.md §14.1 (outputValues feedItemId); the outbox is the sandbox's own record (real-orgs.md §12)",
    ),
)

_BY_KEY = {a.key: a for a in ASSUMPTIONS}
if len(_BY_KEY) != len(ASSUMPTIONS):  # pragma: no cover - guards the table itself
    raise RuntimeError("duplicate assumption key")


def assumed(key: str) -> Assumption:
    """The assumption with this key (KeyError when the table lacks it: every use must be listed)."""
    return _BY_KEY[key]
