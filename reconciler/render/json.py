"""The plan for machines: Plan.to_json (the saved-plan format, docs/plan-json.md) plus the people sentence."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan.change import Plan
from reconciler.plan.people import people_sentence


def plan_document(plan: Plan) -> dict[str, Any]:
    document = plan.to_json()
    document["people_summary"] = people_sentence(plan.people)
    return document


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, ensure_ascii=False) + "\n"
