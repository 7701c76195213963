"""The plan for machines: Plan.to_json (the saved-plan format, docs/plan-json.md) plus the people sentence and
`ok`; and the one JSON object `plan --format json` prints instead when no plan could be made."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan.change import FORMAT_VERSION, Plan
from reconciler.plan.people import people_sentence


def plan_document(plan: Plan) -> dict[str, Any]:
    document = plan.to_json()
    document["ok"] = not plan.blocked
    document["people_summary"] = people_sentence(plan.people)
    return document


def render_json(plan: Plan) -> str:
    return _dump(plan_document(plan))


def render_error_json(code: str, message: str, problems: tuple[dict[str, Any], ...] = ()) -> str:
    """`{"format_version": 1, "ok": false, "error": {"code", "message"}}`, plus the config's `problems` when it
    is invalid (the objects `guestlist validate --format json` lists)."""
    document: dict[str, Any] = {"format_version": FORMAT_VERSION, "ok": False,
                                "error": {"code": code, "message": message}}
    if problems:
        document["problems"] = list(problems)
    return _dump(document)


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
