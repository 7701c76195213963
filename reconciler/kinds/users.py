"""Users: Chatter Free colleagues and Experience Cloud users, by username."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reconciler.kinds.field import Field, through
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.spec import Audit, CreateStep, KindSpec
from reconciler.model import PORTAL_ROLE_FROM_SF, PORTAL_ROLE_TO_SF, PortalRole, Snapshot

# Localization's attributes, in YAML and Salesforce words
LOCALIZATION_FIELDS = (
    Field("time_zone", "TimeZoneSidKey"),
    Field("locale", "LocaleSidKey"),
    Field("language", "LanguageLocaleKey"),
    Field("email_encoding", "EmailEncodingKey"),
)


def _records(snapshot: Snapshot) -> Iterator[tuple[str, Any, str]]:
    for user in snapshot.users.values():
        yield user.id, user, f"user {user.username}"


USER = KindSpec(
    Kind.USER, "User", "Users", "user", Phase.USERS,
    fields=(
        Field("email", "Email"),
        Field("first_name", "FirstName", private="name"),
        Field("last_name", "LastName", private="name"),
        Field("active", "IsActive", read=bool),
        # User.PortalRole is create-only ("C N", docs/reference/salesforce-api.md §5 User fields)
        Field("portal_role", "PortalRole", through(PORTAL_ROLE_TO_SF), through(PORTAL_ROLE_FROM_SF),
              create_only=True, parse=PortalRole),
        # required on create; a new user gets the org's defaults unless the YAML declares them (real-orgs.md §11)
        *LOCALIZATION_FIELDS,
    ),
    other_fields=(
        Field("username", "Username"),
        Field("profile", "ProfileId", in_config=False),
        Field("contact", "ContactId", in_config=False),
        Field("alias", "Alias", in_config=False, private="name"),
    ),
    records=_records,
    audit=Audit("CreatedDate", "CreatedById", last_login="LastLoginDate"),  # real-orgs.md §13.1, real-orgs.md §13.2
    # welcome: true sends the platform's welcome / password-reset mail once, after the create (real-orgs.md §12.3)
    create_steps=(CreateStep("welcome", "password", "DELETE", "welcome mail sent"),),
)
