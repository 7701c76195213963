"""Contacts for external users: matched by account + email, else created (the user's create then refs it), unless
a Contact elsewhere or a Lead bears the email: the org's standard duplicate rule would refuse the create
(real-orgs.md §3.1), so the plan blocks, naming them, or with policy.duplicate_contacts: create saves it anyway."""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.kinds import CONTACT, USER
from reconciler.model import DuplicateContactsPolicy, ExternalUser, ObservedAccount, ObservedPerson
from reconciler.plan.change import Action, Kind
from reconciler.plan.context import Draft, PlanContext


@dataclass(frozen=True)
class ContactRef:
    id: str | None  # a live contact
    ref: str | None  # the key of the contact create in this plan


def contact_for(ctx: PlanContext, declared: ExternalUser, done: set[str]) -> ContactRef | None:
    """The contact an external user is enabled from; None (with a blocker) when its account does not exist, its
    name matches more than one Account, its owner has no role, or (policy.duplicate_contacts: block) a new contact
    would duplicate a Contact elsewhere or a Lead (real-orgs.md §3.1). `done`: the keys of the contact creates and
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
    duplicates = ctx.snapshot.contacts_and_leads.get(email, ())
    if duplicates and ctx.policy.duplicate_contacts is DuplicateContactsPolicy.BLOCK:
        if key not in done:
            done.add(key)
            _block_duplicates(ctx, declared, account, duplicates, key)
        return None
    if key not in done:
        done.add(key)
        if duplicates:
            ctx.warn(
                "existing-contact-or-lead",
                f"the new contact for {declared.email} on account {account.name!r} duplicates "
                f"{_listed(duplicates)}; policy.duplicate_contacts: create saves it anyway (allowSave)",
                declared.source,
                key,
            )
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
                allow_duplicates=bool(duplicates),
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


def _block_duplicates(ctx: PlanContext, declared: ExternalUser, account: ObservedAccount,
                      duplicates: tuple[ObservedPerson, ...], key: str) -> None:
    kinds = {person.sobject for person in duplicates}
    fixes = ([f"move the contact to {account.name!r}"] if "Contact" in kinds else []) \
        + (["convert the lead into a contact of that account"] if "Lead" in kinds else [])
    ctx.block(
        "existing-contact-or-lead",
        f"external user {declared.username} needs a new contact for {declared.email} on account {account.name!r}, "
        f"but {_listed(duplicates)} already bears that email, and the org's duplicate rule refuses a contact that "
        f"duplicates it: {', or '.join(fixes)}, or set policy.duplicate_contacts: create to save a new contact "
        "anyway",
        declared.source,
        key,
    )


def _listed(duplicates: tuple[ObservedPerson, ...]) -> str:
    """`Contact 003... on account 'Globex', Lead 00Q... of company 'Initech'` (ids and companies, no names)."""
    return ", ".join(_described(person) for person in duplicates)


def _described(person: ObservedPerson) -> str:
    if person.sobject == "Lead":
        return f"Lead {person.id}" + (f" of company {person.company!r}" if person.company else "")
    if person.account_id is None:
        return f"Contact {person.id} without an account"
    return f"Contact {person.id} on account {(person.account_name or person.account_id)!r}"


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
