"""A plan is checked before any request uses it: API names, single values, record ids, refs, cycles."""

from __future__ import annotations

import dataclasses

import pytest

from reconciler.apply.integrity import PlanInconsistent, check_integrity
from reconciler.plan.change import Action, Kind
from tests.apply.builders import change, member_create


def problems(*changes) -> str:
    with pytest.raises(PlanInconsistent) as raised:
        check_integrity(tuple(changes))
    return str(raised.value)


def test_a_consistent_plan_passes() -> None:
    group = change(Kind.GROUP, Action.CREATE, "group:Hub", values={"Name": "Hub"}, lookup={"Name": "Hub"})
    setting = change(Kind.SETTING, Action.UPDATE, "setting:x", values={"enableChatter": True})
    check_integrity((group, setting, member_create("", "005000000000001AAA", group_ref="group:Hub")))


def test_names_that_would_reach_soql_unquoted_must_be_api_names() -> None:
    injected = change(Kind.USER, Action.CREATE, "user:x", values={"Username": "x@acme.com"},
                      lookup={"Username = 'a' OR Id != null --": "x"})
    assert "user:x: lookup field \"Username = 'a' OR Id != null --\" is not an API name" in problems(injected)
    bad_object = dataclasses.replace(change(Kind.USER, Action.CREATE, "user:y"), sobject="User WHERE")
    assert "user:y: sobject 'User WHERE' is not an API name" in problems(bad_object)


def test_values_are_single_values_and_updates_name_a_record() -> None:
    nested = change(Kind.USER, Action.CREATE, "user:x", values={"Email": ["a", "b"]})
    no_id = change(Kind.MEMBER, Action.DELETE, "member:g/u")
    bad_id = change(Kind.MEMBER, Action.UPDATE, "member:g/v", record_id="0FB'; DROP", values={"x": 1})
    text = problems(nested, no_id, bad_id)
    assert "user:x: values.Email is a list, not a single value" in text
    assert "member:g/u: a delete needs a Salesforce record id, not None" in text
    assert "member:g/v: an update needs a Salesforce record id" in text


def test_refs_name_a_create_of_the_plan_and_keys_are_unique() -> None:
    orphan = member_create("", "005000000000001AAA", group_ref="group:Nowhere")
    text = problems(orphan, orphan)
    assert "refs.CollaborationGroupId names 'group:Nowhere', which the plan does not create" in text
    assert "appears twice" in text


def test_a_cycle_is_named() -> None:
    a = change(Kind.USER, Action.CREATE, "user:a", values={"Username": "a"}, lookup={"Username": "a"},
               depends_on=("group:b",))
    b = change(Kind.GROUP, Action.CREATE, "group:b", values={"Name": "b"}, lookup={"Name": "b"},
               depends_on=("user:a",))
    assert "changes depend on each other in a cycle: group:b, user:a" in problems(a, b)


def test_a_create_s_lookup_must_be_there_plain_and_match_what_it_writes() -> None:
    empty = change(Kind.GROUP, Action.CREATE, "group:e", values={"Name": "e"})
    other = change(Kind.GROUP, Action.CREATE, "group:o", values={"Name": "o"}, lookup={"Name": "p"})
    absent = change(Kind.GROUP, Action.CREATE, "group:a", values={"Name": "a"}, lookup={"OwnerId": "005A"})
    control = change(Kind.GROUP, Action.CREATE, "group:c\n", values={"Name": "c\n"}, lookup={"Name": "c\n"})
    text = problems(empty, other, absent, control)
    assert "group:e: a create needs a lookup (its natural key)" in text
    assert "group:o: lookup.Name is 'p' but the create writes 'o', so it can never match its record" in text
    assert "group:a: lookup.OwnerId is not a field the create writes" in text
    assert "lookup.Name is 'c\\n', not a plain value" in text
