"""The kind registry: one KindSpec per managed kind (see spec.py), in the order plans show them.

Adding a kind: a module here with its KindSpec, and its line in KINDS (CONTRIBUTING.md, "Add a kind").
"""

from __future__ import annotations

from reconciler.kinds.contacts import CONTACT
from reconciler.kinds.field import Field
from reconciler.kinds.groups import GROUP
from reconciler.kinds.kind import Kind, Phase
from reconciler.kinds.members import INVITATION, MEMBER
from reconciler.kinds.permission_sets import PERMISSION_SET_ASSIGNMENT
from reconciler.kinds.settings import SETTING
from reconciler.kinds.spec import KindSpec
from reconciler.kinds.users import USER

KINDS: dict[Kind, KindSpec] = {
    spec.kind: spec for spec in (SETTING, CONTACT, USER, GROUP, PERMISSION_SET_ASSIGNMENT, MEMBER, INVITATION)
}
BY_SOBJECT: dict[str, KindSpec] = {spec.sobject: spec for spec in KINDS.values()}


def spec_of(kind: Kind) -> KindSpec:
    return KINDS[kind]


__all__ = ["BY_SOBJECT", "CONTACT", "GROUP", "INVITATION", "KINDS", "MEMBER", "PERMISSION_SET_ASSIGNMENT", "SETTING",
           "USER", "Field", "Kind", "KindSpec", "Phase", "spec_of"]
