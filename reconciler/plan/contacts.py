"""Contacts for external users: matched by account + email, else created (the user's create then refs it)."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.kinds import CONTACT, USER
from reconciler.model import ExternalUser, ObservedAccount
from reconciler.plan.change import Action, Kind
from reconciler.plan.context import Draft, PlanContext


@dataclass(frozen=True)
class ContactRef:
    id: str | None  # a live contact
    ref: str | None  # the key of the contact create in this plan


def contact_for(ctx: PlanContext, declared: ExternalUser, done: set[str]) -> ContactRef | None:
    """The contact an external user is enabled from; None (with a blocker) when its account does not exist, its
    name matches more than one Account, or its owner has no role. `done`: the keys of the contact creates and
    ambiguous-account blockers the users diff made so far (two users with one email on one account share one
    create, one name one blocker); this call adds its own."""
    name = declared.account.casefold()
    matches = ctx.snapshot.ambiguous_accounts.get(name)
    if matches is not None:
        _block_ambiguous(ctx, declared.account, matches, done)
        return None
    account = ctx.snapshot.accounts.get(name)
    if account is None:
        ctx.block(
            "missing-account",
            f"account {declared.account!r} of external user {declared.username} does not exist in the org",
            declared.source,
            USER.key(declared.username),
        )
        return None
    if _owner_lacks_role(ctx, declared, account):
        return None
    email = declared.email.lower()
    contact = ctx.snapshot.contacts.get((account.id, email))
    if contact is not None:
        return ContactRef(contact.id, None)
    key = CONTACT.key(account.name, email)
    if key not in done:
        done.add(key)
        ctx.add(
            Draft(
                Action.CREATE,
                Kind.CONTACT,
                key,
                CONTACT.sobject,
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


def _owner_lacks_role(ctx: PlanContext, declared: ExternalUser, account: ObservedAccount) -> bool:
    """True (with a blocker) when the account's owner has no role: Salesforce refuses every new Experience Cloud
    user of such an account ("portal account owner must have a role", real-orgs.md §6.1)."""
    owner = account.owner
    if owner is None or owner.role_id is not None:
        return False
    ctx.block(
        "portal-owner-role",
        f"external user {declared.username} can't be created: account {account.name!r} is owned by "
        f"{owner.username}, who has no role, and Salesforce creates no Experience Cloud user of such an account "
        f"(\"portal account owner must have a role\"); give {owner.username} a role (Setup > Users > "
        f"{owner.username} > Edit > Role) or the account an owner with one",
        declared.source,
        USER.key(declared.username),
    )
    return True


def _block_ambiguous(ctx: PlanContext, account: str, matches: int, done: set[str]) -> None:
    """One blocker per ambiguous account name, citing every external user that names it."""
    naming = [u for u in ctx.desired.external_users if u.account.casefold() == account.casefold()]
    key = f"account:{naming[0].account}"  # the first spelling, so differently cased names share one blocker
    if key in done:
        return
    done.add(key)
    ctx.block(
        "ambiguous-account",
        f"account {naming[0].account!r} matches {matches} Accounts in the org, so the company of its external users "
        f"is unclear; rename or merge the Accounts until one bears the name (named at "
        f"{', '.join(str(u.source) for u in naming)})",
        naming[0].source,
        key,
    )
