"""Users: chatter_users and external_users are created, updated, (re)activated and deactivated, never deleted.
Also the offboarding sweeps: orphaned customers and undeclared external users."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from reconciler.kinds import USER
from reconciler.model import (
    ChatterUser,
    CommunityLicense,
    ExternalUser,
    ExternalUsersPolicy,
    ObservedUser,
    Source,
)
from reconciler.plan import assumptions
from reconciler.plan.change import Action, Kind, Risk
from reconciler.plan.contacts import contact_for
from reconciler.plan.context import Draft, PlanContext, UserRef
from reconciler.plan.fields import differing, record
from reconciler.plan.people import Person
from reconciler.plan.site_members import outside_sites

Declared = ChatterUser | ExternalUser


@dataclass(frozen=True)
class UsersDecided:
    """What the users diff decided, for the diffs after it. Ids are live users' ids."""

    planned: Mapping[str, UserRef]  # username -> a user this plan creates
    planned_by_email: Mapping[str, UserRef]  # lower-case email -> the first user this plan creates with it
    deactivated: frozenset[str]
    activated: frozenset[str]
    changed: frozenset[str]  # the keys of the user changes this diff made: no later diff (de)activates them
    managed_access: int  # declared users active now


@dataclass
class _Tally:
    """UsersDecided while the users diff runs; frozen when it returns."""

    planned: dict[str, UserRef] = field(default_factory=dict)
    planned_by_email: dict[str, UserRef] = field(default_factory=dict)
    deactivated: set[str] = field(default_factory=set)
    activated: set[str] = field(default_factory=set)
    changed: set[str] = field(default_factory=set)
    managed_access: int = 0
    contacts: set[str] = field(default_factory=set)  # contact_for's keys: contact creates, ambiguous-account blockers

    def plan(self, ref: UserRef) -> None:
        self.planned[ref.username] = ref
        self.planned_by_email.setdefault(ref.email, ref)

    def freeze(self) -> UsersDecided:
        return UsersDecided(
            MappingProxyType(dict(self.planned)),
            MappingProxyType(dict(self.planned_by_email)),
            frozenset(self.deactivated),
            frozenset(self.activated),
            frozenset(self.changed),
            self.managed_access,
        )


def alias_for(first_name: str | None, last_name: str, username: str) -> str:
    """User.Alias (<= 8 characters, required): first initial + last name, ASCII letters and digits, lower case."""
    raw = f"{(first_name or '')[:1]}{last_name}"
    ascii_only = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode()
    alias = re.sub(r"[^A-Za-z0-9]", "", ascii_only).lower()
    if not alias:
        alias = re.sub(r"[^A-Za-z0-9]", "", username.split("@")[0]).lower() or "user"
    return alias[: assumptions.ALIAS_MAX]


def _person(declared: Declared, external: bool) -> Person:
    return Person(declared.email if external else declared.username, external, (declared.username, declared.email))


def _key(declared: Declared) -> str:
    return USER.key(declared.username)


def _profile_license(ctx: PlanContext, declared: Declared) -> tuple[str | None, str | None]:
    """(ProfileId, licence name) of the declared profile; blocks when the profile or its licence is unknown."""
    profile = ctx.snapshot.profiles.get(declared.profile)
    if profile is None:
        ctx.block(
            "missing-profile",
            f"profile {declared.profile!r} of user {declared.username} does not exist in the org",
            declared.source,
            _key(declared),
        )
        return None, None
    if profile.license is None or profile.license not in ctx.snapshot.licenses:
        ctx.block(
            "missing-license",
            f"licence {profile.license!r} of profile {declared.profile!r} (user "
            f"{declared.username}) does not exist in the org",
            declared.source,
            _key(declared),
        )
    return profile.id, profile.license


def _ends(declared: Declared, ctx: PlanContext) -> str | None:
    """Why a declared user must not be active: "expired <date>" or "active: false"; None when they may be."""
    if declared.expired(ctx.today):
        return f"expired {declared.expires}"
    if declared.active is False:
        return "active: false"
    return None


def diff_users(ctx: PlanContext) -> UsersDecided:
    """Both user lists; runs before groups, members and permission sets, which may point at new users."""
    tally = _Tally()
    for chatter_user in ctx.desired.chatter_users:
        _diff_user(ctx, tally, chatter_user, external=False)
    for external_user in ctx.desired.external_users:
        _diff_user(ctx, tally, external_user, external=True)
    return tally.freeze()


def _diff_user(ctx: PlanContext, tally: _Tally, declared: Declared, *, external: bool) -> None:
    observed = ctx.users_by_username.get(declared.username)
    profile_id, license_name = _profile_license(ctx, declared)
    if isinstance(declared, ExternalUser) and license_name is not None and license_name != declared.license.value:
        ctx.block(
            "profile-license-mismatch",
            f"profile {declared.profile!r} has licence {license_name!r}, not "
            f"{declared.license.value!r} (user {declared.username})",
            declared.source,
            _key(declared),
        )
    if observed is None:
        _create_user(ctx, tally, declared, external, profile_id, license_name)
    else:
        tally.managed_access += 1 if observed.is_active else 0
        _update_user(ctx, tally, declared, observed, external, profile_id, license_name)


def _create_user(
    ctx: PlanContext,
    tally: _Tally,
    declared: Declared,
    external: bool,
    profile_id: str | None,
    license_name: str | None,
) -> None:
    if _ends(declared, ctx):
        return  # never existed, not wanted: nothing to do
    key = _key(declared)
    draft = Draft(
        Action.CREATE,
        Kind.USER,
        key,
        USER.sobject,
        after=_words(declared),
        source=declared.source,
        risks={Risk.CONSUMES_LICENSE} | ({Risk.GRANTS_EXTERNAL_ACCESS} if external else set()),
        values={
            "Username": declared.username,
            "Email": declared.email,
            "LastName": declared.last_name,
            **({"FirstName": declared.first_name} if declared.first_name is not None else {}),
            "Alias": alias_for(declared.first_name, declared.last_name, declared.username),
            "ProfileId": profile_id,
            **assumptions.USER_DEFAULTS,
        },
        lookup={"Username": declared.username},
        people=(_person(declared, external),),
    )
    if isinstance(declared, ExternalUser):
        if not _attach_contact(ctx, tally, declared, draft):
            return
        if declared.portal_role is not None and declared.license is not CommunityLicense.CUSTOMER_COMMUNITY:
            draft.values["PortalRole"] = USER.field("portal_role").to_sf(declared.portal_role)
    ctx.add(draft)
    tally.changed.add(key)
    tally.plan(UserRef(declared.username, declared.email.lower(), None, key, external, license_name))
    ctx.seats.take(license_name)
    ctx.people.gain(_person(declared, external), f"user ({license_name or declared.profile})")


def _attach_contact(ctx: PlanContext, tally: _Tally, declared: ExternalUser, draft: Draft) -> bool:
    """Sets ContactId (a live contact or the contact this plan creates). False when the user can't be created."""
    contact = contact_for(ctx, declared, tally.contacts)
    if contact is None:
        return False
    if contact.id is not None:
        holder = ctx.users_by_contact.get(contact.id)
        if holder is not None and holder.username != declared.username:
            ctx.block(
                "contact-has-user",
                f"the contact {declared.email} of {declared.account} already has the user "
                f"{holder.username}; a contact can have one user",
                declared.source,
                draft.key,
            )
        draft.values["ContactId"] = contact.id
    else:
        assert contact.ref is not None
        draft.refs["ContactId"] = contact.ref
        draft.depends_on.append(contact.ref)
    return True


def _words(declared: Declared) -> dict[str, Any]:
    words: dict[str, Any] = {"email": declared.email, "last_name": declared.last_name}
    if declared.first_name is not None:
        words["first_name"] = declared.first_name
    words["profile"] = declared.profile
    if isinstance(declared, ExternalUser):
        words["account"] = declared.account
        words["license"] = declared.license.value
        if declared.portal_role is not None:
            words["portal_role"] = declared.portal_role.value
    return words


def _update_user(
    ctx: PlanContext,
    tally: _Tally,
    declared: Declared,
    observed: ObservedUser,
    external: bool,
    profile_id: str | None,
    license_name: str | None,
) -> None:
    key = _key(declared)
    person = _person(declared, external)
    draft = Draft(Action.UPDATE, Kind.USER, key, USER.sobject, source=declared.source, record=observed,
                  people=(person,))
    wanted = {"email": declared.email.lower(), "first_name": declared.first_name, "last_name": declared.last_name,
              "profile": declared.profile if profile_id is not None else None}
    current = {"email": observed.email.lower(), "first_name": observed.first_name, "last_name": observed.last_name,
               "profile": observed.profile}
    # the email is compared case-insensitively but written as declared; the profile is written by its id
    written = {"email": declared.email, "profile": profile_id}
    for spec, now, want in differing(map(USER.field, wanted), wanted, current):
        record(draft, spec, now, want, written.get(spec.word, want))
    if isinstance(declared, ExternalUser):
        _check_portal_role(ctx, declared, observed, key)
        _check_account(ctx, declared, observed, key)

    ending = _ends(declared, ctx)
    active = USER.field("active")
    if ending and observed.is_active:
        record(draft, active, True, False)
        draft.risks.add(Risk.REVOKES_ACCESS)
        draft.reason = ending
        ctx.guard_protected(observed.username, "be deactivated", declared.source, key)
        tally.deactivated.add(observed.id)
        ctx.seats.free(observed.license)
        ctx.people.lose(person, "user (deactivated)")
    elif declared.active and not observed.is_active:
        record(draft, active, False, True)
        draft.risks |= {Risk.CONSUMES_LICENSE, Risk.GRANTS_EXTERNAL_ACCESS} if external else {Risk.CONSUMES_LICENSE}
        tally.activated.add(observed.id)
        ctx.seats.take(license_name)
        ctx.people.gain(person, f"user ({license_name or declared.profile}, reactivated)")
    elif "ProfileId" in draft.values and observed.is_active and license_name != observed.license:
        draft.risks.add(Risk.CONSUMES_LICENSE)
        ctx.seats.free(observed.license)
        ctx.seats.take(license_name)
    if draft.values:
        ctx.add(draft)
        tally.changed.add(key)


def _check_portal_role(ctx: PlanContext, declared: ExternalUser, observed: ObservedUser, key: str) -> None:
    """User.PortalRole is create-only ("C N", reference salesforce-api.md §5 User fields): a difference is a manual
    step, never a silent "no changes"."""
    wanted, current = declared.portal_role, observed.portal_role
    if wanted is not None and wanted != current:  # the org showing no role differs too (never a quiet skip)
        now = "no role" if current is None else current.value
        ctx.manual(
            "portal-role-create-only",
            f"change the portal role of {declared.username} from {now} to {wanted.value} (the API sets "
            "it only on create)",
            f"Setup > Users > {declared.username} > Edit > Role",
            declared.source,
            key,
        )


def _check_account(ctx: PlanContext, declared: ExternalUser, observed: ObservedUser, key: str) -> None:
    """An existing external user on another account than the declared one. User.AccountId is read-only, derived
    from the contact (reference salesforce-api.md §5 User fields, §8), and no stored reference attests that the
    contact of an enabled portal user can be moved to another account through the API, so guestlist never writes
    Contact.AccountId here: the move is a manual step in Setup."""
    account = ctx.snapshot.accounts.get(declared.account.casefold())
    if observed.account_id is None or account is None or account.id == observed.account_id:
        return  # no contact, or a missing/ambiguous account (contact_for's blockers name those on create)
    ctx.manual(
        "account-move",
        f"{declared.username} is on another account than {declared.account!r}: move their contact "
        f"({observed.email}) to {declared.account!r} on the contact's page, or disable the user and declare them "
        "again to enable a contact of that account",
        f"Setup > Contacts > {observed.email} > Edit > Account Name",
        declared.source,
        key,
    )


def switch_active(
    ctx: PlanContext,
    users: UsersDecided,
    settled: AbstractSet[str],
    user: ObservedUser,
    active: bool,
    reason: str,
    source: Source | None = None,
) -> bool:
    """(De)activates a user the config doesn't declare: an orphaned customer or undeclared external user, or a
    customer re-added to a group. Once per user: not one the users diff changed or (de)activated, nor one in
    `settled` (the ids later diffs already (de)activated). True when it did; the caller records the id."""
    key = USER.key(user.username)
    if key in users.changed or user.id in users.deactivated or user.id in users.activated or user.id in settled:
        return False
    person = ctx.user_ref(user).person
    if active:
        ctx.seats.take(user.license)
        ctx.people.gain(person, f"user ({user.license}, reactivated)")
        risks = {Risk.CONSUMES_LICENSE, Risk.GRANTS_EXTERNAL_ACCESS}
    else:
        ctx.guard_protected(user.username, "be deactivated", source, key)
        ctx.seats.free(user.license)
        ctx.people.lose(person, "user (deactivated)")
        risks = {Risk.REVOKES_ACCESS}
    ctx.add(
        Draft(
            Action.UPDATE,
            Kind.USER,
            key,
            USER.sobject,
            before={"active": not active},
            after={"active": active},
            source=source,
            reason=reason,
            risks=risks,
            record=user,
            values={"IsActive": active},
            people=(person,),
        )
    )
    return True


def deactivate_undeclared_external_users(
    ctx: PlanContext, users: UsersDecided, settled: frozenset[str]
) -> frozenset[str]:
    """With policy.external_users: deactivate, every active Experience Cloud user the config doesn't declare, except
    members of site groups (the site's, real-orgs.md §1.5). `settled`: the ids the members and orphans diffs
    (de)activated. Returns the ids it deactivates."""
    deactivated: set[str] = set()
    if ctx.policy.external_users is not ExternalUsersPolicy.DEACTIVATE:
        return frozenset()
    declared = {u.username for u in ctx.desired.external_users} | {u.username for u in ctx.desired.chatter_users}
    undeclared = [user for user in sorted(ctx.snapshot.users.values(), key=lambda u: u.username)
                  if user.is_external and user.is_active and user.username not in declared]
    for user in outside_sites(ctx, undeclared, "external user(s) not in config"):
        if switch_active(ctx, users, settled, user, False, "external user not in config"):  # once per user
            deactivated.add(user.id)
    return frozenset(deactivated)
