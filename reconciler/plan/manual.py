"""Coworker invitations and company email domains: no Salesforce API reads or writes them (reference §4.2, §13
10b), so the plan lists them as a checklist to confirm in Setup instead of pretending to manage them."""

from __future__ import annotations

from reconciler.model import InvitationSettings
from reconciler.plan.change import ManualCheck
from reconciler.plan.context import located

WHERE = "Setup > Chatter Settings > Invitations"


def manual_checks(invitations: InvitationSettings | None) -> tuple[ManualCheck, ...]:
    if invitations is None:
        return ()
    checks = []
    source = located(invitations.source)
    if invitations.allowed is not None:
        state = "on" if invitations.allowed else "off"
        checks.append(ManualCheck("coworker-invitations", f'"Allow Invitations" is {state}', WHERE, source))
    if invitations.domains is not None:
        domains = ", ".join(invitations.domains) if invitations.domains else "(none)"
        checks.append(ManualCheck("company-domains", f"Company Email Domains are exactly: {domains}", WHERE, source))
    return tuple(checks)
