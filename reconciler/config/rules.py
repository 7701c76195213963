"""Domain rules: what a valid structure can still get wrong, checked offline against the whole merged config.

Each check is a function over the DesiredState (plus today's date) that yields Problems of catalogued rule ids
(problems.RULES). People are classified by what the config itself declares:
- a *customer* is an email listed as `customer:` in some group;
- an *external user* is a username declared under external_users (an Experience Cloud user);
- an *internal user* is anyone else named by username (a colleague, standard or Chatter Free licence).
When org.invitations.domains is declared, it defines the company: customers must lie outside it, and owners are
expected inside it (a sandbox suffix such as alice@acme.com.uat counts as inside).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from reconciler.config.problems import Problem, problem
from reconciler.expiry import DEFAULT_EXPIRING_WITHIN, declared_grants, expiring_access
from reconciler.model import (
    CHATTER_FREE_LICENSE,
    LICENSE_PROFILES,
    Access,
    ChatterUser,
    CommunityLicense,
    DesiredState,
    ExternalUser,
    Group,
    GroupState,
    Member,
    MemberKind,
    Membership,
    Role,
    Source,
)

# Free webmail providers: anyone can have an address there, so they must never count as "the company".
PUBLIC_EMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "live.com",
    "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com", "rocketmail.com",
    "aol.com", "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.net",
    "gmx.de", "web.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru", "zoho.com", "qq.com", "163.com",
    "126.com", "fastmail.com", "tutanota.com", "hey.com", "orange.fr", "free.fr", "btinternet.com", "comcast.net",
})

# Standard profiles and the licence each belongs to (custom profiles are not judged offline).
STANDARD_PROFILE_LICENSES: dict[str, str] = {
    **{profile.casefold(): str(license_) for license_, profile in LICENSE_PROFILES.items()},
    "chatter free user": CHATTER_FREE_LICENSE,
    "chatter moderator user": CHATTER_FREE_LICENSE,
    "chatter external user": "Chatter External",
    "system administrator": "Salesforce",
    "standard user": "Salesforce",
    "customer community login user": "Customer Community Login",
    "customer community plus login user": "Customer Community Plus Login",
    "partner community login user": "Partner Community Login",
}


@dataclass(frozen=True)
class Context:
    desired: DesiredState
    today: dt.date
    expiring_within: int = DEFAULT_EXPIRING_WITHIN  # days: access-expiring warns about access ending this soon

    @cached_property
    def company_domains(self) -> tuple[str, ...] | None:
        invitations = self.desired.org.invitations
        return invitations.domains if invitations and invitations.domains else None

    @cached_property
    def customers(self) -> frozenset[str]:
        return frozenset(m.identity for g in self.present_groups for m in g.members if m.kind is MemberKind.CUSTOMER)

    @cached_property
    def external_usernames(self) -> frozenset[str]:
        return frozenset(user.username for user in self.desired.external_users)

    @cached_property
    def present_groups(self) -> tuple[Group, ...]:
        return tuple(group for group in self.desired.groups if group.state is GroupState.PRESENT)

    def members(self) -> Iterator[tuple[Group, Member]]:
        for group in self.present_groups:
            for member in group.members:
                yield group, member

    def not_internal(self, username: str) -> str | None:
        """Why `username` can't be an internal user, or None."""
        if username in self.external_usernames:
            return "an external (Experience Cloud) user"
        if username in self.customers:
            return "a customer (invited by email)"
        return None

    def in_company(self, address: str, sandbox_suffix: bool = False) -> bool:
        domain = address.rpartition("@")[2]
        return any(
            domain == company or domain.endswith("." + company) or (sandbox_suffix and domain.startswith(company + "."))
            for company in self.company_domains or ()
        )


Check = Callable[[Context], Iterator[Problem]]
CHECKS: list[Check] = []


def check(function: Check) -> Check:
    CHECKS.append(function)
    return function


def run_rules(desired: DesiredState, today: dt.date, expiring_within: int = DEFAULT_EXPIRING_WITHIN) -> list[Problem]:
    context = Context(desired, today, expiring_within)
    return [found for run in CHECKS for found in run(context)]


def at(item: Group | Member | ChatterUser | ExternalUser, key: str) -> Source:
    """The position of `key` in the object's mapping, or of the object itself."""
    return item.sources.get(key, item.source)


def plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _where(source: Source, here: Source) -> str:
    return f"line {source.line}" if source.file == here.file else f"{source.file}:{source.line}"


# -- org settings ---------------------------------------------------------------------------------------------------


@check
def chatter_disabled(ctx: Context) -> Iterator[Problem]:
    chatter = ctx.desired.org.chatter
    if chatter and chatter.enabled is False and ctx.present_groups:
        yield problem("chatter-disabled", chatter.sources.get("enabled", chatter.source),
                      f"org.chatter.enabled is false, but {plural(len(ctx.present_groups), 'group')} "
                      "declared: groups need Chatter")


def _needs_flag(ctx: Context, flag: str, wants: Callable[[Group], bool], rule: str, why: str) -> Iterator[Problem]:
    chatter = ctx.desired.org.chatter
    value = getattr(chatter, flag) if chatter else None
    for group in ctx.present_groups:
        if not wants(group):
            continue
        if value is False:
            setting = chatter.sources.get(flag, chatter.source) if chatter else group.source
            yield problem(f"{rule}-disabled", at(group, "access" if flag == "unlisted_groups" else "allow_customers"),
                          f"group '{group.name}' {why}, but org.chatter.{flag} is false "
                          f"({_where(setting, group.source)})")
        elif value is None:
            yield problem(f"{rule}-undeclared", at(group, "access" if flag == "unlisted_groups" else "allow_customers"),
                          f"group '{group.name}' {why}; declare org.chatter.{flag}: true so that the org allows it")


@check
def customer_invitations(ctx: Context) -> Iterator[Problem]:
    yield from _needs_flag(ctx, "customer_invitations", lambda g: g.allow_customers is True,
                           "customer-invitations", "allows customers")


@check
def unlisted_groups(ctx: Context) -> Iterator[Problem]:
    yield from _needs_flag(ctx, "unlisted_groups", lambda g: g.access is Access.UNLISTED,
                           "unlisted-groups", "is unlisted")


@check
def public_email_domains(ctx: Context) -> Iterator[Problem]:
    invitations = ctx.desired.org.invitations
    if not invitations or not invitations.domains or ctx.desired.policy.allow_public_email_domains:
        return
    for index, domain in enumerate(invitations.domains):
        if domain in PUBLIC_EMAIL_DOMAINS:
            yield problem("public-email-domain", invitations.sources.get(f"domains[{index}]", invitations.source),
                          f"{domain} is a public email provider: anyone with an address there could join as a "
                          "colleague (set policy.public_email_domains: allow if you really mean it)")


# -- groups ---------------------------------------------------------------------------------------------------------


@check
def allow_customers_needs_private(ctx: Context) -> Iterator[Problem]:
    for group in ctx.present_groups:
        if group.allow_customers and group.access is Access.PUBLIC:
            yield problem("allow-customers-needs-private", at(group, "allow_customers"),
                          f"group '{group.name}' is public: only private or unlisted groups can allow customers")


@check
def customers_need_allow_customers(ctx: Context) -> Iterator[Problem]:
    for group in ctx.present_groups:
        customers = [m for m in group.members if m.kind is MemberKind.CUSTOMER]
        unreadable = group.allow_customers is None and "allow_customers" in group.sources  # the schema said why
        if customers and group.allow_customers is not True and not unreadable:
            names = ", ".join(m.identity for m in customers[:3]) + (", ..." if len(customers) > 3 else "")
            where = at(group, "allow_customers") if group.allow_customers is False else customers[0].source
            yield problem("customers-need-allow-customers", where,
                          f"group '{group.name}' lists {plural(len(customers), 'customer')} ({names}) but does not "
                          "declare allow_customers: true")


@check
def absent_group_has_members(ctx: Context) -> Iterator[Problem]:
    for group in ctx.desired.groups:
        if group.state is GroupState.ABSENT and group.members:
            yield problem("absent-group-has-members", at(group, "members"),
                          f"group '{group.name}' has state: absent (it will be deleted); its members are ignored")


@check
def previous_names(ctx: Context) -> Iterator[Problem]:
    """A `previously` name that another declared group bears: both would claim the org's group of that name."""
    declared = {group.key: group for group in ctx.desired.groups}
    for group in ctx.desired.groups:
        for index, old in enumerate(group.previously):
            other = declared.get(old.casefold())
            if other is not None:
                what = "itself" if other is group else f"'{other.name}' ({_where(other.source, group.source)})"
                yield problem("previously-declared", group.sources.get(f"previously[{index}]", at(group, "previously")),
                              f"group '{group.name}' was previously '{old}', but that names {what}: a group "
                              "renamed away from a name is no longer declared by it")


@check
def owners(ctx: Context) -> Iterator[Problem]:
    for group in ctx.present_groups:
        if group.owner is None:
            continue
        reason = ctx.not_internal(group.owner)
        if reason:
            yield problem("owner-not-internal", at(group, "owner"), f"the owner of '{group.name}', {group.owner}, "
                          f"is {reason}: groups are owned by internal users")
        elif ctx.company_domains and not ctx.in_company(group.owner, sandbox_suffix=True):
            yield problem("owner-outside-company-domains", at(group, "owner"),
                          f"the owner of '{group.name}', {group.owner}, is outside the company domains "
                          f"({', '.join(ctx.company_domains)})")


@check
def owner_listed_as_member(ctx: Context) -> Iterator[Problem]:
    """The owner is always one of the group's managers (docs/reference/salesforce-api.md §1: roles owner, manager,
    member; §13 3: the owner's membership row has CollaborationRole Admin), so `role: member` can't hold."""
    for group, member in ctx.members():
        if (group.owner is not None and member.kind is MemberKind.USER and member.identity == group.owner
                and member.role is Role.MEMBER and "role" in member.sources):
            yield problem("owner-role-member", member.sources["role"],
                          f"{member.identity} owns '{group.name}', and a group's owner is always a manager: "
                          "write role: manager or leave role out")


@check
def duplicate_members(ctx: Context) -> Iterator[Problem]:
    for group in ctx.desired.groups:
        seen: dict[str, Member] = {}
        for member in group.members:
            first = seen.setdefault(member.identity, member)
            if first is not member:
                yield problem("duplicate-member", member.source, f"{member.identity} is listed twice in "
                              f"'{group.name}' (first at {_where(first.source, member.source)})")


@check
def members(ctx: Context) -> Iterator[Problem]:
    for group, member in ctx.members():
        if member.kind is MemberKind.USER:
            if member.identity in ctx.external_usernames:
                yield problem("member-is-external-user", at(member, "user"),
                              f"{member.identity} is an Experience Cloud user: they can't join the internal group "
                              f"'{group.name}' (invite their email as a customer instead)")
            if member.message is not None:
                yield problem("message-only-for-customers", at(member, "message"),
                              f"message: is only sent with customer invitations; {member.identity} is a user")
        elif ctx.company_domains and ctx.in_company(member.identity):
            yield problem("customer-in-company-domain", at(member, "customer"),
                          f"{member.identity} is inside the company domains ({', '.join(ctx.company_domains)}): "
                          "colleagues join as users (user: username), not as customers")


# -- users ----------------------------------------------------------------------------------------------------------


@check
def external_user_licences(ctx: Context) -> Iterator[Problem]:
    contacts: dict[tuple[str, str], ExternalUser] = {}
    for user in ctx.desired.external_users:
        if user.license is CommunityLicense.CUSTOMER_COMMUNITY and user.portal_role is not None:
            yield problem("portal-role-not-allowed", at(user, "portal_role"),
                          f"{user.username}: Customer Community users have no portal role (remove portal_role, or "
                          "use Customer Community Plus)")
        belongs = STANDARD_PROFILE_LICENSES.get(user.profile.casefold())
        if belongs is not None and belongs != user.license:
            yield problem("profile-license-mismatch", at(user, "profile"),
                          f"{user.username}: profile '{user.profile}' belongs to the {belongs} licence, not "
                          f"{user.license} (its profile is '{LICENSE_PROFILES[user.license]}')")
        first = contacts.setdefault((user.account.casefold(), user.email), user)
        if first is not user:
            yield problem("duplicate-contact", at(user, "email"),
                          f"{user.email} at '{user.account}' already has an external user, {first.username} "
                          f"({_where(first.source, user.source)}): one user per contact")


@check
def chatter_user_profiles(ctx: Context) -> Iterator[Problem]:
    for user in ctx.desired.chatter_users:
        belongs = STANDARD_PROFILE_LICENSES.get(user.profile.casefold())
        if belongs is not None and belongs != CHATTER_FREE_LICENSE:
            yield problem("chatter-user-profile", at(user, "profile"),
                          f"{user.username}: profile '{user.profile}' belongs to the {belongs} licence; Chatter Free "
                          "colleagues use Chatter Free User or Chatter Moderator User")


@check
def protected_users(ctx: Context) -> Iterator[Problem]:
    protected = set(ctx.desired.policy.protected)
    users: list[ChatterUser | ExternalUser] = [*ctx.desired.chatter_users, *ctx.desired.external_users]
    for user in users:
        if user.username not in protected:
            continue
        if user.active is False:
            yield problem("protected-conflict", at(user, "active"),
                          f"{user.username} is protected (policy.protected) and can't be deactivated")
        if user.expires is not None:
            yield problem("protected-conflict", at(user, "expires"),
                          f"{user.username} is protected (policy.protected): an expiry date would deactivate them")


@check
def permission_set_conflicts(ctx: Context) -> Iterator[Problem]:
    sets = ctx.desired.permission_sets
    managed = {ps.name.casefold(): ps for ps in sets if ps.membership is Membership.AUTHORITATIVE}
    for user in ctx.desired.external_users:
        for index, name in enumerate(user.permission_sets or ()):
            assignments = managed.get(name.casefold())
            if assignments and user.username not in {a.username for a in assignments.assignees}:
                yield problem("permission-set-conflict", at(user, f"permission_sets[{index}]"),
                              f"{user.username} lists {name}, whose assignees are managed authoritatively "
                              f"({_where(assignments.source, user.source)}) without them: add them there")


# -- people with access that ends: sponsors, dates ------------------------------------------------------------------


@dataclass(frozen=True)
class _Grant:
    """Access given to one outsider-like entry: a group member, a Chatter Free user or an external user."""

    item: Member | ChatterUser | ExternalUser
    who: str
    ending: str  # what guestlist does when it expires: "remove them from 'Group'" / "deactivate the user"
    outsider: bool  # customers and external users: sponsor and max_access_days apply
    sponsor: str | None


def _grants(ctx: Context) -> Iterator[_Grant]:
    for grant in declared_grants(ctx.desired):
        ending = f"remove them from '{grant.group.name}'" if grant.group else "deactivate the user"
        yield _Grant(grant.item, grant.who, ending, grant.outsider, grant.sponsor)


@check
def expiry(ctx: Context) -> Iterator[Problem]:
    policy = ctx.desired.policy
    days = policy.max_access_days
    for grant in _grants(ctx):
        expires: dt.date | None = grant.item.expires
        if expires is not None and expires < ctx.today:
            yield problem("access-expired", at(grant.item, "expires"), f"{grant.who}: access expired on "
                          f"{expires.isoformat()}; guestlist will {grant.ending}")
        if days is None or not grant.outsider:
            continue
        limit = ctx.today + dt.timedelta(days=days)
        rule_at = _where(policy.sources.get("max_access_days", policy.source), grant.item.source)
        if expires is None:
            yield problem("expires-required", grant.item.source, f"{grant.who}: policy.max_access_days ({rule_at}) "
                          f"requires an expires date, at the latest {limit.isoformat()}")
        elif expires > limit:
            yield problem("expires-too-far", at(grant.item, "expires"),
                          f"{grant.who}: expires {expires.isoformat()} is {(expires - ctx.today).days} days away; "
                          f"policy.max_access_days ({rule_at}) allows {days} (until {limit.isoformat()})")


@check
def expiring(ctx: Context) -> Iterator[Problem]:
    """Access ending within --expiring-within days (ecosystem.md §8.3): the sponsor has time to renew it."""
    for soon in expiring_access(ctx.desired, ctx.today, ctx.expiring_within):
        yield problem("access-expiring", soon.source, soon.message)


@check
def sponsors(ctx: Context) -> Iterator[Problem]:
    policy = ctx.desired.policy
    for grant in _grants(ctx):
        if grant.sponsor is not None:
            reason = ctx.not_internal(grant.sponsor)
            if reason:
                yield problem("sponsor-not-internal", at(grant.item, "sponsor"),
                              f"{grant.who}: the sponsor {grant.sponsor} is {reason}; sponsors are colleagues")
        elif policy.require_sponsor and grant.outsider:
            rule_at = _where(policy.sources.get("require_sponsor", policy.source), grant.item.source)
            yield problem("sponsor-required", grant.item.source, f"{grant.who}: policy.require_sponsor ({rule_at}) "
                          "requires a sponsor: the colleague who vouches for them")
