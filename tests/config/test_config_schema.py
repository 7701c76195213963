"""The published JSON Schema: valid Draft 2020-12, exactly the format's names, usable by editors on its own."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from reconciler.config import RULES, load_desired
from reconciler.config.schema import schema
from reconciler.config.yamlfile import read_document

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = REPO / "schemas" / "guestlist.schema.json"


def test_the_schema_is_valid_draft_2020_12() -> None:
    loaded = json.loads(PUBLISHED.read_text())
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(loaded)


def test_the_package_reads_the_published_schema_through_a_symlink() -> None:
    link = REPO / "reconciler" / "config" / "guestlist.schema.json"
    assert link.is_symlink() and link.resolve() == PUBLISHED.resolve()
    assert schema() == json.loads(PUBLISHED.read_text())


def _keys(definition: dict) -> set[str]:
    return set(definition["properties"])


def test_the_format_names_are_the_public_contract() -> None:
    loaded = schema()
    definitions = loaded["$defs"]
    assert _keys(loaded) == {"version", "org", "groups", "chatter_users", "external_users", "permission_sets", "policy"}
    assert _keys(definitions["org"]) == {"id", "chatter", "invitations"}
    assert _keys(definitions["org"]["properties"]["chatter"]) == {
        "enabled", "customer_invitations", "unlisted_groups", "group_archiving"}
    assert _keys(definitions["org"]["properties"]["invitations"]) == {"allowed", "domains"}
    assert _keys(definitions["group"]) == {
        "name", "access", "allow_customers", "owner", "description", "information", "archived", "broadcast_only",
        "auto_archive", "membership", "state", "members"}
    assert _keys(definitions["member"]) == {"user", "customer", "role", "notify", "expires", "sponsor", "message"}
    assert _keys(definitions["chatterUser"]) == {
        "username", "email", "first_name", "last_name", "profile", "active", "expires"}
    assert _keys(definitions["externalUser"]) == {
        "username", "email", "first_name", "last_name", "account", "license", "profile", "portal_role",
        "permission_sets", "active", "expires", "sponsor"}
    assert _keys(definitions["permissionSet"]) == {"assignees", "membership"}
    assert _keys(definitions["policy"]) == {
        "max_removals", "protected", "deactivate_orphaned_customers", "external_users", "public_email_domains",
        "require_sponsor", "max_access_days", "duplicate_contacts"}


def test_every_mapping_refuses_unknown_keys() -> None:
    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "properties" in node:
                assert node.get("additionalProperties") is False, sorted(node["properties"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(schema())


def test_rule_ids_named_in_the_schema_exist() -> None:
    named = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "x-rule" in node:
                named.add(node["x-rule"])
                assert node.get("errorMessage"), node
            for child in node.values():
                walk(child)

    walk(schema())
    assert named and named <= set(RULES)


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML read the way editors read YAML 1.2: dates stay text, only true/false are booleans."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if not tag.endswith(("timestamp", "bool"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                    list("tTfF"))


def test_every_property_has_hover_help() -> None:
    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key, child in node.get("properties", {}).items():
                assert child.get("description"), f"{where}/properties/{key}"
            for key, child in node.items():
                walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for child in node:
                walk(child, where)

    walk(schema(), "#")


def test_an_editor_using_the_schema_alone_accepts_desired_and_flags_typos(tmp_path: Path) -> None:
    validator = Draft202012Validator(json.loads(PUBLISHED.read_text()))
    for path in sorted((REPO / "desired").rglob("*.yaml")):
        document, problems = read_document(path, str(path))
        assert problems == [] and list(validator.iter_errors(document.data)) == [], path
        independent = yaml.load(path.read_text(), Loader=_Yaml12Loader)  # a SafeLoader subclass
        assert list(validator.iter_errors(independent)) == [], path
    assert [e.validator for e in validator.iter_errors(yaml.load("allow_customers: yes", Loader=_Yaml12Loader))]
    typo = {"groups": [{"name": "Hub", "acess": "private"}], "policy": {"max_removals": "25%"}}
    assert [e.validator for e in validator.iter_errors(typo)] == ["additionalProperties"]


def test_every_rule_id_is_documented() -> None:
    page = (REPO / "docs" / "decisions" / "validation-rule-ids.md").read_text()
    for rule in RULES.values():
        assert f"| `{rule.id}` | {rule.severity} |" in page, rule.id


def test_the_readme_format_example_is_valid(tmp_path: Path) -> None:
    """The README's format section is what people copy: it must stay valid, for the schema and the domain rules."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## The format"):]
    example = section[section.index("```yaml\n") + len("```yaml\n"):]
    example = example[:example.index("```")]
    assert list(Draft202012Validator(schema()).iter_errors(yaml.load(example, Loader=_Yaml12Loader))) == []
    (tmp_path / "example.yaml").write_text(example)
    assert load_desired(tmp_path / "example.yaml", dt.date(2026, 11, 22)).problems == ()
