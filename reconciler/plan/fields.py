"""The one comparison of declared and observed fields, for every kind: what differs goes into a change's
`before`/`after` (guestlist's words) and `values` (Salesforce's), translated by the kind registry's Field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from reconciler.kinds.field import Field, as_words
from reconciler.plan.context import Draft

_UNSET: Any = object()


def differing(fields: Iterable[Field], wanted: Mapping[str, Any], current: Mapping[str, Any]
              ) -> Iterator[tuple[Field, Any, Any]]:
    """(field, current, wanted) for each field the config declares (not None) whose value differs from the org's."""
    for spec in fields:
        want = wanted.get(spec.word)
        if want is not None and want != current.get(spec.word):
            yield spec, current.get(spec.word), want


def record(draft: Draft, spec: Field, current: Any, wanted: Any, sf_value: Any = _UNSET) -> None:
    """One difference into an update: before and after in words, the Salesforce value to write (`sf_value` when
    it isn't the field's translation of `wanted`, e.g. an id)."""
    draft.before[spec.word], draft.after[spec.word] = as_words(current), as_words(wanted)
    draft.values[spec.sf_field] = spec.to_sf(wanted) if sf_value is _UNSET else sf_value


def declare(draft: Draft, fields: Iterable[Field], wanted: Mapping[str, Any]) -> None:
    """Every declared field into a create: `after` in words, `values` in Salesforce's."""
    for spec in fields:
        want = wanted.get(spec.word)
        if want is not None:
            draft.after[spec.word] = as_words(want)
            draft.values[spec.sf_field] = spec.to_sf(want)
