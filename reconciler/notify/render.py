"""Notices as text (what a dry look shows) and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.expiry import ExpiringAccess
from reconciler.notify.notices import Notice


def item_line(item: ExpiringAccess) -> str:
    """One grant of a notice: who, what, which date, days left, sponsor, and where it is declared."""
    return f"{item.message} ({item.source})"


def render_text(found: Sequence[Notice], today: str) -> str:
    if not found:
        return f"no notices on {today}: no access ends on a threshold day\n"
    lines = []
    for notice in found:
        to = notice.recipient or "nobody (no sponsor and no group owner named)"
        lines.append(f"to {to}: {notice.subject}")
        lines.extend(f"  - {item_line(item)}" for item in notice.items)
    return "\n".join(lines) + "\n"


def render_json(found: Sequence[Notice], today: str) -> str:
    return json.dumps({"today": today, "notices": [
        {"recipient": n.recipient, "days_left": n.days_left, "subject": n.subject,
         "items": [{"person": i.person, "grant": i.grant, "expires": i.expires.isoformat(),
                    "days_left": i.days_left, "sponsor": i.sponsor, "source": str(i.source)} for i in n.items]}
        for n in found]}, indent=2) + "\n"
