"""The pure diff: desired state + org snapshot + today's date -> Plan (data), with blockers and summaries."""

from reconciler.plan.build import build_plan
from reconciler.plan.change import Action, Change, Finding, Kind, ManualCheck, Plan, PlanFormatError, Risk

__all__ = ["Action", "Change", "Finding", "Kind", "ManualCheck", "Plan", "PlanFormatError", "Risk", "build_plan"]
