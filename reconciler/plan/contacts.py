"""Contacts for external users: matched by account + email, else created (the user's create then refs it)."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.model import ExternalUser
from reconciler.plan.change import Action, Kind
from reconciler.plan.context import Draft, PlanContext


@dataclass(frozen=True)
class ContactRef:
    id: str | None  # a live contact
    ref: str | None  # the key of the contact create in this plan


def contact_for(ctx: PlanContext, declared: ExternalUser) -> ContactRef | None:
    """The contact an external user is enabled from; None (with a blocker) when its account does not exist."""
    account = ctx.snapshot.accounts.get(declared.account.casefold())
    if account is None:
        ctx.block(
            "missing-account",
            f"account {declared.account!r} of external user {declared.username} does not exist in the org",
            declared.source,
            f"user:{declared.username}",
        )
        return None
    email = declared.email.lower()
    contact = ctx.snapshot.contacts.get((account.id, email))
    if contact is not None:
        return ContactRef(contact.id, None)
    key = f"contact:{account.name}/{email}"
    if key not in ctx.keys:
        ctx.add(
            Draft(
                Action.CREATE,
                Kind.CONTACT,
                key,
                "Contact",
                after={"account": account.name, "email": email, "last_name": declared.last_name}
                | ({"first_name": declared.first_name} if declared.first_name else {}),
                source=declared.source,
                values={"AccountId": account.id, "Email": declared.email, "LastName": declared.last_name}
                | ({"FirstName": declared.first_name} if declared.first_name else {}),
                lookup={"AccountId": account.id, "Email": declared.email},
                watch=[account],
            )
        )
    return ContactRef(None, key)
