"""`apply --plan` on a corpus of damaged or hand-edited saved plans, made systematically from a real one (issue 8
point 13): every top-level field and every field of a change removed, of the wrong type, or null; bytes that are
not UTF-8 or not strict JSON; values, ids, references and totals edited. Each is refused before anything is written
(the org read back is unchanged, the journal empty), with the documented exit code (docs/decisions/exit-codes.md:
1 for a file that can't be read as a plan guestlist wrote, 4 for a well-formed plan the org or config no longer
matches) and a message that names the file and what is wrong; never a traceback, never a hang.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from reconciler.sandbox.runner import RunningSandbox, start_sandbox
from tests.apply.test_apply_cli import TODAY, census, guestlist, plan_exit

DESIRED = Path(__file__).resolve().parents[2] / "desired"
TOP_FIELDS = ("format_version", "org", "today", "generated", "summary", "changes", "blockers", "warnings",
              "manual_checks", "manual_steps", "licenses", "people", "managed_access", "removals", "max_removals",
              "protected", "undeclared_groups", "external_names", "fingerprints", "api_requests")
CHANGE_FIELDS = ("action", "kind", "key", "before", "after", "source", "reason", "risks", "sobject", "record_id",
                 "values", "refs", "lookup", "depends_on", "fingerprint", "people", "allow_duplicates")
DAMAGED, STALE = 1, 4
Damage = Callable[[Path], Path]


@dataclass(frozen=True)
class Org:
    sandbox: RunningSandbox
    config: Path
    plan: str  # the saved plan's text, as plan --out wrote it


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[Org]:
    """One demo org for the whole corpus: every case is refused, so none changes it (each checks that)."""
    root = tmp_path_factory.mktemp("damaged")
    shutil.copyfile(demo_template, root / "org.sqlite3")
    shutil.copytree(DESIRED, root / "desired")
    with start_sandbox(root / "org.sqlite3") as sandbox:
        saved = root / "plan.json"
        result = guestlist(sandbox, "plan", str(root / "desired"), "--org", "env", "--today", TODAY, "--out",
                           str(saved))
        assert result.exit_code == 0, result.output
        yield Org(sandbox, root / "desired", saved.read_text())


# -- how files are damaged ----------------------------------------------------------------------------------------


def _edit(change: Callable[[dict[str, Any]], None]) -> Damage:
    def damage(path: Path) -> Path:
        document = json.loads(path.read_text())
        change(document)
        path.write_text(json.dumps(document))
        return path
    return damage


def _text(make: Callable[[str], str]) -> Damage:
    def damage(path: Path) -> Path:
        path.write_text(make(path.read_text()), encoding="utf-8")
        return path
    return damage


def _bytes(make: Callable[[str], bytes]) -> Damage:
    def damage(path: Path) -> Path:
        path.write_bytes(make(path.read_text()))
        return path
    return damage


def _fifo(path: Path) -> Path:
    path.unlink()
    os.mkfifo(path)
    return path


def _index(document: dict[str, Any], action: str, sobject: str, *, with_refs: bool = False) -> int:
    return next(i for i, c in enumerate(document["changes"]) if c["action"] == action and c["sobject"] == sobject
                and (c["refs"] or not with_refs))


def _a_change(document: dict[str, Any]) -> dict[str, Any]:
    """The change whose fields are damaged: a member create that takes its user's id from another create (every
    field of a change is filled in)."""
    return document["changes"][_index(document, "create", "CollaborationGroupMember", with_refs=True)]


def _first(action: str, sobject: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda document: document["changes"][_index(document, action, sobject)]


def _in(pick: Callable[[dict[str, Any]], dict[str, Any]], change: Callable[[dict[str, Any]], None]) -> Damage:
    return _edit(lambda document: change(pick(document)))


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, str):
        return 7
    if isinstance(value, int | float):
        return "7"
    if isinstance(value, list):
        return {"x": 1}
    if isinstance(value, dict):
        return ["x"]
    return 7  # null where a value belongs


def _set(field: str, make: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    return lambda mapping: mapping.update({field: make(mapping[field])})


def _recount(document: dict[str, Any]) -> None:
    """What a careful hand-editor does after adding a change: fix the totals, so that only the edit is wrong."""
    document["summary"] = {action: sum(c["action"] == action for c in document["changes"])
                           for action in ("create", "update", "delete")}


def _duplicate_change(document: dict[str, Any]) -> None:
    document["changes"].append(copy.deepcopy(_a_change(document)))
    _recount(document)


def _create_to_delete(document: dict[str, Any]) -> None:
    _a_change(document)["action"] = "delete"
    _recount(document)
    document["removals"] += 1  # a member delete is a removal


def _cycle(document: dict[str, Any]) -> None:
    member = _a_change(document)
    user = next(c for c in document["changes"] if c["key"] == next(iter(member["refs"].values())))
    user["depends_on"] = [member["key"]]


def _fingerprint_edited(document: dict[str, Any]) -> None:
    record_id = _first("delete", "CollaborationGroupMember")(document)["record_id"]
    document["fingerprints"][record_id] = "0" * 16


def _fingerprint_dropped(document: dict[str, Any]) -> None:
    del document["fingerprints"][_first("delete", "CollaborationGroupMember")(document)["record_id"]]


def _soql_in_values(change: dict[str, Any]) -> None:
    change["values"]["Name"] = change["lookup"]["Name"] = "x' OR Name != 'x"


def _risks_dropped(document: dict[str, Any]) -> None:
    next(c for c in document["changes"] if "irreversible" in c["risks"])["risks"].remove("irreversible")


def _org_id(document: dict[str, Any]) -> None:
    document["org"]["id"] = "00D000000000099AAA"


# -- the corpus ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    damage: Damage
    message: str  # what the refusal says (besides the file's name)
    code: int = DAMAGED


CASES: dict[str, Case] = {}
for _field in TOP_FIELDS:
    CASES[f"{_field} removed"] = Case(_edit(lambda d, f=_field: d.pop(f)), _field)
    CASES[f"{_field} of the wrong type"] = Case(_edit(lambda d, f=_field: d.update({f: _wrong_type(d[f])})), _field)
    CASES[f"{_field} null"] = Case(_edit(lambda d, f=_field: d.update({f: None})), _field)
for _field in CHANGE_FIELDS:
    CASES[f"a change's {_field} removed"] = Case(_in(_a_change, lambda c, f=_field: c.pop(f)), f"].{_field}")
    CASES[f"a change's {_field} of the wrong type"] = Case(_in(_a_change, _set(_field, _wrong_type)), f"].{_field}")

CASES.update({
    # bytes and encodings
    "a stray byte": Case(_bytes(lambda text: text.replace('"today"', '"to\xffday"', 1).encode("latin-1")),
                         "not UTF-8 (byte 0xff"),
    "utf-16": Case(_bytes(lambda text: text.encode("utf-16")), "not UTF-8"),
    "latin-1": Case(_bytes(lambda text: text.replace("Acme", "Acm\xe9").encode("latin-1")), "not UTF-8"),
    "a BOM": Case(_bytes(lambda text: text.encode("utf-8-sig")), "not JSON (Unexpected UTF-8 BOM"),
    "NUL bytes": Case(_bytes(lambda text: text.encode() + b"\0" * 8), "not JSON (Extra data)"),
    "empty": Case(_text(lambda text: ""), "not JSON (the file is empty)"),
    "blank lines only": Case(_text(lambda text: "\n\n  \n"), "not JSON (the file is empty)"),
    "truncated": Case(_text(lambda text: text[:len(text) // 2]), "not JSON"),
    "trailing garbage": Case(_text(lambda text: text + "\n}garbage"), "not JSON (Extra data)"),
    "two plans in one file": Case(_text(lambda text: text + text), "not JSON (Extra data)"),
    "a JSON array": Case(_text(lambda text: f"[{text}]"), "a plan file holds a JSON object, not a list"),
    "a JSON string": Case(_text(lambda text: json.dumps(text)), "a plan file holds a JSON object, not the string"),
    "JSON null": Case(_text(lambda text: "null"), "a plan file holds a JSON object, not null"),
    "nested 100000 deep": Case(_text(lambda text: "[" * 100_000 + "]" * 100_000), "nested 100000 deep"),
    "nested 65 deep in a field": Case(_edit(lambda d: d.update(api_requests=json.loads("[" * 65 + "]" * 65))),
                                      "nested 66 deep"),
    # not a regular file
    "a FIFO nobody writes to": Case(_fifo, "not a regular file"),
    "/dev/zero": Case(lambda path: Path("/dev/zero"), "not a regular file"),
    "a directory": Case(lambda path: path.parent, "not a regular file"),
    "missing": Case(lambda path: path.with_name("nowhere.json"), "No such file or directory"),
    # what Python's json reads but JSON is not
    "NaN": Case(_text(lambda text: text.replace('"api_requests": ', '"api_requests": NaN, "x": ', 1)),
                "NaN is not a JSON number"),
    "Infinity": Case(_text(lambda text: text.replace('"percent": 25.0', '"percent": Infinity', 1)),
                     "Infinity is not a JSON number"),
    "-Infinity": Case(_text(lambda text: text.replace('"percent": 25.0', '"percent": -Infinity', 1)),
                      "-Infinity is not a JSON number"),
    "1e999": Case(_text(lambda text: text.replace('"percent": 25.0', '"percent": 1e999', 1)), "too large"),
    "a 5000-digit number": Case(_text(lambda text: text.replace('"api_requests": ', '"api_requests": ' + "9" * 5000
                                                                + ', "x": ', 1)), "a number too long to read"),
    "a key twice in one object": Case(_text(lambda text: text.replace("{", '{"today": "2026-11-22", ', 1)),
                                      'the key "today" appears twice in one object'),
    # top-level values edited
    "format_version 2": Case(_edit(lambda d: d.update(format_version=2)), "format_version 2 is not supported"),
    "format_version true": Case(_edit(lambda d: d.update(format_version=True)), "format_version True is not"),
    "today not a date": Case(_edit(lambda d: d.update(today="yesterday")), "today: 'yesterday' is not a calendar"),
    "today 2026-02-30": Case(_edit(lambda d: d.update(today="2026-02-30")), "today: '2026-02-30' is not a calendar"),
    "today with a time": Case(_edit(lambda d: d.update(today="2026-11-22T10:00:00")), "is not a calendar date"),
    "generated not a timestamp": Case(_edit(lambda d: d.update(generated="last Tuesday")),
                                      "generated: 'last Tuesday' is not an ISO timestamp"),
    "generated a date only": Case(_edit(lambda d: d.update(generated="2026-11-22")), "is not an ISO timestamp"),
    "generated empty": Case(_edit(lambda d: d.update(generated="")), "generated: empty"),
    "summary edited": Case(_edit(lambda d: d["summary"].update(delete=0)), "summary.delete: 0 where the plan's own"),
    "removals edited": Case(_edit(lambda d: d.update(removals=0)), "removals: 0 where the plan's own"),
    "a field guestlist does not write": Case(_edit(lambda d: d.update(approved_by="me")),
                                             "approved_by: a field guestlist does not write"),
    "org id edited": Case(_edit(_org_id), "this plan was made for org 00D000000000099AAA", STALE),
    "managed_access huge": Case(_edit(lambda d: d.update(managed_access=10**30)),
                                "managed_access: the plan says 1000000000000000000000000000000", STALE),
    "max_removals raised": Case(_edit(lambda d: d["max_removals"].update(percent=100)),
                                "max_removals: the plan says 100%, the config and org make 25%", STALE),
    "protected emptied": Case(_edit(lambda d: d.update(protected=[])), "protected: the plan says ()", STALE),
    "fingerprint edited": Case(_edit(_fingerprint_edited), ") changed", STALE),
    "fingerprint dropped": Case(_edit(_fingerprint_dropped), "which the plan's fingerprints lack"),
    # changes edited
    "an unknown action": Case(_in(_a_change, lambda c: c.update(action="crate")), "'crate' is not one of create"),
    "an unknown kind": Case(_in(_a_change, lambda c: c.update(kind="team")), "'team' is not one of setting"),
    "an unknown risk": Case(_in(_a_change, lambda c: c.update(risks=["scary"])), "'scary' is not one of"),
    "a risk twice": Case(_in(_first("update", "ChatterSettings"), lambda c: c.update(risks=c["risks"] * 2)),
                         ".risks: "),
    "an irreversible risk dropped": Case(_edit(_risks_dropped), "the config no longer asks for this", STALE),
    "a change of another sobject": Case(_in(_a_change, lambda c: c.update(sobject="Account")),
                                        "a member change writes CollaborationGroupMember, not Account"),
    "SOQL in the sobject": Case(_in(_a_change, lambda c: c.update(sobject="User WHERE Id != ''")),
                                "is not an API name"),
    "SOQL in a field name": Case(_in(_a_change, lambda c: c["values"].update({"Id, (SELECT Id FROM User)": 1})),
                                 "values field 'Id, (SELECT Id FROM User)' is not an API name"),
    "SOQL in a value and its lookup": Case(_in(_first("create", "CollaborationGroup"), _soql_in_values),
                                           "the config no longer asks for this create", STALE),
    "an object as a value": Case(_in(_a_change, lambda c: c["values"].update(CollaborationRole={"a": 1})),
                                 "values.CollaborationRole is an object, not a single value"),
    "a record id of the wrong shape": Case(_in(_first("delete", "CollaborationGroupMember"),
                                               lambda c: c.update(record_id="0FB' OR Id != '")),
                                           "a delete needs a Salesforce record id"),
    "a delete without a record id": Case(_in(_first("delete", "CollaborationGroupMember"),
                                             lambda c: c.update(record_id=None)), "needs a Salesforce record id"),
    "a record id the plan never saw": Case(_in(_first("delete", "CollaborationGroupMember"),
                                               lambda c: c.update(record_id="0FB5g000000ZZZZAAA")),
                                           "0FB5g000000ZZZZAAA is not among the records the change relies on"),
    "a create turned into a delete": Case(_edit(_create_to_delete), "needs a Salesforce record id, not None"),
    "a ref to an unknown change": Case(_in(_a_change, lambda c: c["refs"].update(MemberId="user:nobody")),
                                       "refs.MemberId names 'user:nobody', which the plan does not create"),
    "a dependency on an unknown change": Case(_in(_a_change, lambda c: c.update(depends_on=["group:nowhere"])),
                                              "depends_on names 'group:nowhere', which the plan does not hold"),
    "a dependency cycle": Case(_edit(_cycle), "changes depend on each other in a cycle"),
    "a change twice": Case(_edit(_duplicate_change), "appears twice"),
    "a change without a key": Case(_in(_a_change, lambda c: c.update(key="")), "a change has no key"),
    "SOQL in a lookup value": Case(_in(_first("create", "User"), lambda c: c["lookup"].update(
        Username="x' OR Username != 'x")), "lookup.Username is \"x' OR Username != 'x\" but the create writes"),
    "a lookup that never matches": Case(_in(_first("create", "CollaborationInvitation"), lambda c: c["lookup"].update(
        InvitedUserEmail="nobody@example.com")), "lookup.InvitedUserEmail is 'nobody@example.com' but the create"),
    "a lookup emptied": Case(_in(_first("create", "CollaborationGroup"), lambda c: c["lookup"].clear()),
                             "a create needs a lookup (its natural key)"),
    "a control character in a lookup": Case(_in(_first("create", "User"), lambda c: c["lookup"].update(
        Username=c["lookup"]["Username"] + "\n")), "\\n', not a plain value"),
})


def _refusal(org: Org, tmp_path: Path, damage: Damage) -> tuple[Path, Result]:
    original = tmp_path / "plan.json"
    original.write_text(org.plan)
    saved = damage(original)
    result = guestlist(org.sandbox, "apply", str(org.config), "--org", "env", "--today", TODAY, "--plan", str(saved),
                       "--journal", str(tmp_path / "journal.jsonl"), "--yes", "--allow-irreversible", "--force",
                       "--lock-timeout", "0")
    return saved, result


def test_the_corpus_is_large_and_covers_every_field(org: Org) -> None:
    document = json.loads(org.plan)
    assert tuple(document) == TOP_FIELDS and tuple(_a_change(document)) == CHANGE_FIELDS
    assert len(CASES) >= 69


@pytest.mark.parametrize("name", list(CASES))
def test_a_damaged_or_edited_plan_is_refused_cleanly(org: Org, tmp_path: Path, name: str) -> None:
    case = CASES[name]
    before = census(org.sandbox)
    saved, result = _refusal(org, tmp_path, case.damage)
    assert result.exit_code == case.code, result.output
    assert result.stdout == ""  # refused before the plan is shown
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith("connected to ")]
    if case.code == DAMAGED:
        assert lines[0].startswith(f"error: {saved}") or lines[0].startswith(f"error: cannot read the plan {saved}")
    else:
        assert lines[0].startswith("Refused: ") and "nothing was written" in lines[0]
    assert case.message in result.stderr, result.stderr
    assert len(lines) <= 12 and "Traceback" not in result.output
    assert census(org.sandbox) == before and not (tmp_path / "journal.jsonl").exists()


def test_line_endings_and_indentation_are_not_damage(sandbox: RunningSandbox, config: Path, tmp_path: Path) -> None:
    """JSON whitespace carries nothing: a plan re-indented with CRLF line ends (an editor, a Windows checkout) is
    the same plan, and applies as such (the control case of the corpus: the rest is refused for its damage)."""
    saved = tmp_path / "plan.json"
    assert guestlist(sandbox, "plan", str(config), "--org", "env", "--today", TODAY, "--out", str(saved)).exit_code == 0
    saved.write_bytes(json.dumps(json.loads(saved.read_text()), indent=2).replace("\n", "\r\n").encode() + b"\r\n")
    result = guestlist(sandbox, "apply", str(config), "--org", "env", "--today", TODAY, "--plan", str(saved),
                       "--journal", str(tmp_path / "journal.jsonl"), "--yes", "--allow-irreversible")
    assert result.exit_code == 0, result.output
    assert plan_exit(sandbox, config) == 0
