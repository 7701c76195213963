"""The kind registry (reconciler/kinds/) against the facts it must agree with: the sandbox's describe of each
sObject (taken from real orgs), the config schema, and the org itself (each group setting written through the API
reads back as the value it was written for). CONTRIBUTING.md's checklists lean on these tests."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest

import reconciler.kinds
from reconciler.kinds import GROUP, KINDS, Field, Kind, KindSpec
from reconciler.model import DesiredState, Group
from reconciler.org.connect import connect
from reconciler.org.observe import observe

ROOT = Path(__file__).resolve().parents[1]
DESCRIBE = ROOT / "reconciler" / "sandbox" / "describe"
SCHEMA = json.loads((ROOT / "schemas" / "guestlist.schema.json").read_text())
KINDS_WITHOUT_UPDATES = {Kind.INVITATION, Kind.PERMISSION_SET_ASSIGNMENT}  # created and deleted, never updated


def described_fields(sobject: str) -> dict[str, dict[str, Any]]:
    """Every field the sandbox's describe files know for an sObject, merged (the derived files say createable
    and updateable); empty for an sObject with no describe (ChatterSettings is Metadata API)."""
    found: dict[str, dict[str, Any]] = {}
    for path in (DESCRIBE / f"{sobject}.json", DESCRIBE / "derived-v64" / f"{sobject}.json",
                 *sorted((DESCRIBE / "supplementary").glob(f"{sobject}.*.json"))):
        if path.exists():
            for field in json.loads(path.read_text())["fields"]:
                found.setdefault(field["name"], {}).update(field)
    return found


def every_field() -> Iterator[tuple[KindSpec, Field]]:
    for spec in KINDS.values():
        for field in spec.every_field:
            yield spec, field


def test_every_kind_has_exactly_one_spec_and_every_spec_module_is_registered() -> None:
    assert set(KINDS) == set(Kind)
    found = []
    for module in pkgutil.iter_modules(reconciler.kinds.__path__):
        loaded = importlib.import_module(f"reconciler.kinds.{module.name}")
        found += [value for value in vars(loaded).values() if isinstance(value, KindSpec)]
    assert {id(spec) for spec in found} == {id(spec) for spec in KINDS.values()}, "a KindSpec missing from KINDS"
    assert len({spec.sobject for spec in KINDS.values()}) == len(KINDS)


@pytest.mark.parametrize(("spec", "field"), list(every_field()), ids=lambda x: getattr(x, "sf_field", None)
                         or getattr(x, "sobject", None))
def test_every_field_exists_in_its_sobjects_describe(spec: KindSpec, field: Field) -> None:
    described = described_fields(spec.sobject)
    if not described:
        pytest.skip(f"{spec.sobject} has no describe (Metadata API)")
    assert field.sf_field in described, f"{spec.sobject}.{field.sf_field} is not in the describe"


@pytest.mark.parametrize("spec", list(KINDS.values()), ids=lambda s: s.sobject)
def test_compared_fields_are_updateable_unless_create_only(spec: KindSpec) -> None:
    described = described_fields(spec.sobject)
    for field in spec.fields:
        facts = described.get(field.sf_field, {})
        if "updateable" not in facts:
            continue  # the describe doesn't say (a partial describe): salesforce-api.md is the source then
        if field.create_only:
            assert not facts["updateable"], f"{spec.sobject}.{field.sf_field} is updateable, not create-only"
        elif spec.kind not in KINDS_WITHOUT_UPDATES:
            assert facts["updateable"], f"{spec.sobject}.{field.sf_field} is compared but not updateable"


def schema_property(definition: str, word: str) -> dict[str, Any] | None:
    node: dict[str, Any] | None = SCHEMA["$defs"][definition]
    for part in word.split("."):
        node = (node or {}).get("properties", {}).get(part)
    return node


@pytest.mark.parametrize("field", GROUP.fields, ids=lambda f: f.word)
def test_every_group_setting_is_in_the_schema(field: Field) -> None:
    assert schema_property("group", field.word) is not None, f"groups[].{field.word} is not in the schema"


def sample_values(field: Field) -> list[Any]:
    """The values the schema allows for a setting, in guestlist's typed words (every one for enums and booleans)."""
    prop = schema_property("group", field.word) or {}
    if "enum" in prop:
        return [field.parse(value) for value in prop["enum"]]
    if prop.get("type") == "boolean":
        return [True, False]
    return [f"text of {field.word}"]


def test_every_group_setting_reads_back_as_written(tmp_path: Path) -> None:
    """Each value of each setting, written as the registry translates it, is read back by observe as that value:
    the registry's to_sf, from_sf and read agree with the org, for every setting there is and will be."""
    written: dict[str, tuple[str, Any]] = {}
    with connect("sandbox", sandbox_db=tmp_path / "sandbox.sqlite3") as conn:
        for field in GROUP.fields:
            for n, value in enumerate(sample_values(field)):
                name = f"Registry {field.word} {n}"
                record = {"Name": name, "CollaborationType": "Private", field.sf_field: field.to_sf(value)}
                conn.sf.CollaborationGroup.create(record)
                written[name.casefold()] = (field.word, value)
        desired = DesiredState(groups=tuple(Group(name) for name in written))
        snapshot = observe(conn, desired)
    read = {name: snapshot.groups[name].settings[word] for name, (word, _) in written.items()}
    assert read == {name: value for name, (_, value) in written.items()}


ENUM_FIELDS = [f for _, f in every_field() if isinstance(f.parse, type) and issubclass(f.parse, Enum)]


@pytest.mark.parametrize("field", ENUM_FIELDS, ids=lambda f: f.sf_field)
def test_enum_words_translate_both_ways(field: Field) -> None:
    """Every word of the format has a Salesforce value, and that value reads back as the same word."""
    for value in field.parse:  # type: ignore[attr-defined]
        assert field.to_sf(value) != value or not isinstance(field.to_sf(value), Enum)
        assert field.from_sf(field.to_sf(value)) == value


def test_contributing_names_only_files_that_exist() -> None:
    text = (ROOT / "CONTRIBUTING.md").read_text()
    paths = set(re.findall(r"`((?:reconciler|schemas|tests|docs)/[^` ]+)`", text))
    assert paths, "CONTRIBUTING.md names no files"
    templates = {p for p in paths if "<" in p}  # "reconciler/kinds/<kind>.py": the file to add
    missing = sorted(p for p in paths - templates if not (ROOT / p).exists())
    missing += sorted(p for p in templates if not (ROOT / p).parent.is_dir())
    assert not missing, f"CONTRIBUTING.md names files that don't exist: {missing}"
