"""Org settings that are not sObjects: ChatterSettings (Metadata API field names) and the coworker-invitation
settings ("Allow Invitations", company email domains) that no real API exposes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.sandbox.assumptions import assumed
from reconciler.sandbox.errors import ApiError

if TYPE_CHECKING:
    from reconciler.sandbox.store import Session

# The ChatterSettings fields of the v63 WSDL with their values in a new org (§4.1; allowSharingInChatterGroup was
# removed after v47 and is not offered).
CHATTER_DEFAULTS: dict[str, bool] = {
    "allowChatterGroupArchiving": False,
    "allowRecordsInChatterGroup": True,
    "enableApprovalRequest": False,
    "enableCaseFeedRelativeTimestamps": True,
    "enableChatter": True,
    "enableChatterEmoticons": True,
    "enableFeedEdit": True,
    "enableFeedPinning": False,
    "enableFeedsDraftPosts": False,
    "enableFeedsRichText": True,
    "enableInviteCsnUsers": False,
    "enableOutOfOfficeEnabledPref": False,
    "enableRichLinkPreviewsInFeed": True,
    "enableTodayRecsInFeed": False,
    "unlistedGroupsEnabled": False,
}
_KEY = "ChatterSettings"
_INVITATIONS = "Invitations"
_ALLOW_DEFAULT = assumed("invitation-allow-default")


def chatter_settings(session: Session) -> dict[str, bool | None]:
    stored = session.setting(_KEY, {})
    return {name: stored.get(name, default) for name, default in CHATTER_DEFAULTS.items()}


def chatter_flag(session: Session, name: str) -> bool:
    return bool(chatter_settings(session)[name])


def update_chatter_settings(session: Session, values: dict[str, bool]) -> None:
    """Change some ChatterSettings fields; unknown names and non-boolean values are refused."""
    current = chatter_settings(session)
    for name, value in values.items():
        if name == "fullName":
            continue
        if name not in CHATTER_DEFAULTS:
            raise ApiError(400, "INVALID_FIELD", f"No such field ChatterSettings.{name}", [name])
        if not isinstance(value, bool):
            raise ApiError(400, "INVALID_TYPE", f"ChatterSettings.{name} must be a boolean, not {value!r}", [name])
        current[name] = value
    session.set_setting(_KEY, current)


def invitation_settings(session: Session) -> tuple[bool, list[str]]:
    """("Allow Invitations", the company email domains)."""
    stored = session.setting(_INVITATIONS, {})
    return bool(stored.get("allowed", False)), list(stored.get("domains", []))


def set_invitation_settings(session: Session, allowed: bool | None, domains: list[str] | None) -> None:
    current_allowed, current_domains = invitation_settings(session)
    if domains is not None:
        cleaned = [d.strip().lower().lstrip("@") for d in domains if d.strip()]
        bad = [d for d in cleaned if "." not in d or " " in d or "@" in d]
        if bad:
            raise ApiError(400, "FIELD_INTEGRITY_EXCEPTION", f"Not an email domain: {', '.join(bad)}")
        current_domains = list(dict.fromkeys(cleaned))
    stored = {"allowed": current_allowed if allowed is None else bool(allowed), "domains": current_domains}
    session.set_setting(_INVITATIONS, stored)
