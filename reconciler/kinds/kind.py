"""What a kind of change is: the enum the plan's JSON names (`"kind": "member"`) and the execution phases."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Kind(StrEnum):
    SETTING = "setting"
    CONTACT = "contact"
    USER = "user"
    GROUP = "group"
    PERMISSION_SET_ASSIGNMENT = "permission_set_assignment"
    MEMBER = "member"
    INVITATION = "invitation"


class Phase(IntEnum):
    """Execution order of a plan's changes (plan/order.py); a kind's creates and updates run in its own phase."""

    SETTINGS = 1
    CONTACTS = 2
    USERS = 3
    GROUPS = 4
    PERMISSION_SETS = 5
    MEMBERS = 6  # member and invitation creates and updates, owner transfers, re-sent invitations
    REMOVALS = 7  # member, invitation and permission set assignment deletes
    DEACTIVATIONS = 8
    GROUP_DELETES = 9
