"""No input, however broken, produces a traceback or a hang: every case ends in located problems."""

from __future__ import annotations

import copy
import errno
import os
import string
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.config import load_desired
from reconciler.config.yamlfile import MAX_FILE_BYTES
from tests.config.helpers import TODAY, located, rules


def load_bytes(tmp_path: Path, data: bytes, name: str = "config.yaml"):
    path = tmp_path / name
    path.write_bytes(data)
    return load_desired(path, TODAY)


def test_missing_path(tmp_path: Path) -> None:
    result = load_desired(tmp_path / "nowhere", TODAY)
    assert [(p.rule, p.line, p.file) for p in result.problems] == [("path-not-found", 0, str(tmp_path / "nowhere"))]
    assert result.desired is None


def test_directory_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# nothing here")
    assert rules(load_desired(tmp_path, TODAY)) == ["no-config-files"]


def test_non_utf8_is_located(tmp_path: Path) -> None:
    result = load_bytes(tmp_path, "groups:\n  - name: Caf\xe9\n".encode("latin-1"))
    assert located(result) == {(2, "not-utf8")}
    assert result.problems[0].col == 14
    assert "0xE9" in result.problems[0].message


def test_non_utf8_after_a_byte_order_mark(tmp_path: Path) -> None:
    result = load_bytes(tmp_path, b"\xef\xbb\xbfgroups: [{name: Caf\xe9}]\n")
    assert [(p.line, p.col, p.rule) for p in result.problems] == [(1, 20, "not-utf8")]
    assert "0xE9" in result.problems[0].message


def test_utf8_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    result = load_bytes(tmp_path, b"\xef\xbb\xbfgroups:\r\n  - name: Caf\xc3\xa9\r\n    access: nope\r\n")
    assert located(result) == {(3, "invalid-value")}
    assert result.problems[0].col == 13


@pytest.mark.parametrize("data", [b"a: b\x00c\n", b"groups: [\x07]\n"])
def test_control_characters(tmp_path: Path, data: bytes) -> None:
    assert located(load_bytes(tmp_path, data)) == {(1, "yaml-syntax")}


@pytest.mark.parametrize("text", ["", "\n\n", "# only\n# comments\n", "---\n", "---\n...\n"])
def test_empty_files_are_a_warning(tmp_path: Path, text: str) -> None:
    result = load_bytes(tmp_path, text.encode())
    assert rules(result) == ["empty-file"]
    assert result.desired is not None


def test_broken_symlink(tmp_path: Path) -> None:
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "missing-target.yaml")
    (tmp_path / "ok.yaml").write_text("groups: [{name: Hub}]\n")
    result = load_desired(tmp_path, TODAY)
    assert [(Path(p.file).name, p.rule) for p in result.problems] == [("gone.yaml", "unreadable-file")]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert rules(load_desired(tmp_path, TODAY)) == ["unreadable-file"]


def test_unreadable_file_and_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Permissions refused by the OS (faked, as root reads files whatever their mode): a file that can't be opened
    and a directory that can't be listed are each one located problem."""
    (tmp_path / "secret.yaml").write_text("groups: []\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "inside.yaml").write_text("groups: []\n")
    (tmp_path / "ok.yaml").write_text("groups: [{name: Hub}]\n")
    denied = {tmp_path / "secret.yaml", tmp_path / "locked"}
    real_open, real_scandir = Path.open, os.scandir

    def open_(self: Path, *args, **kwargs):
        if self in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    def scandir(path=".", *args, **kwargs):
        if Path(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)
    monkeypatch.setattr(os, "scandir", scandir)
    result = load_desired(tmp_path, TODAY)
    assert sorted((Path(p.file).name, p.rule, p.message) for p in result.problems) == [
        ("locked", "unreadable-file", "can't be read: Permission denied"),
        ("secret.yaml", "unreadable-file", "can't be read: Permission denied"),
    ]
    assert result.desired is None


def test_a_50_megabyte_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: nothing to parse would get this far anyway
    result = load_desired(path, TODAY)
    assert [(p.rule, p.line) for p in result.problems] == [("file-too-large", 0)]
    assert "50.0 MB" in result.problems[0].message


def test_just_over_the_limit_is_refused(tmp_path: Path) -> None:
    result = load_bytes(tmp_path, b"# " + b"x" * (MAX_FILE_BYTES - 1))
    assert rules(result) == ["file-too-large"]


def test_billion_laughs(tmp_path: Path) -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    result = load_bytes(tmp_path, ("\n".join(lines) + "\ngroups: *a9\n").encode())
    assert rules(result) == ["alias-expansion"]


def test_anchors_used_reasonably_are_fine(tmp_path: Path) -> None:
    text = "groups:\n  - &hub {name: Hub, members: [&bob {user: bob@acme.com}]}\n  - {name: Two, members: [*bob]}\n"
    result = load_bytes(tmp_path, text.encode())
    assert result.problems == ()
    assert [len(g.members) for g in result.desired.groups] == [1, 1]


@pytest.mark.parametrize("depth", [41, 100_000])
def test_deep_flow_nesting(tmp_path: Path, depth: int) -> None:
    result = load_bytes(tmp_path, b"groups: " + b"[" * depth + b"]" * depth + b"\n")
    assert [(p.rule, p.line, p.col) for p in result.problems] == [("too-deep", 1, 48)]


@pytest.mark.parametrize("opening", ["{a: ", "[", "[a, "])
def test_deep_nesting_is_ours_under_any_parser_limit(tmp_path: Path, opening: str) -> None:
    """Past every PyYAML release's own nesting limit (libyaml's 1000 in 6.0.4), the answer is still too-deep."""
    text = "x: 'a[b' # [[[\nlist:\n  " + opening * 5000 + "\n"
    result = load_bytes(tmp_path, text.encode())
    assert [(p.rule, p.line) for p in result.problems] == [("too-deep", 3)]


def test_deep_block_nesting(tmp_path: Path) -> None:
    text = "".join(" " * i + "a:\n" for i in range(2000))
    assert rules(load_bytes(tmp_path, text.encode())) == ["too-deep"]


def test_numbers_too_big_to_read(tmp_path: Path) -> None:
    result = load_bytes(tmp_path, b"policy:\n  max_removals: " + b"9" * 5000 + b"\n")
    assert located(result) == {(2, "yaml-tag")}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list(string.printable) + ["é", "\u2028", "&", "*", "!", "<"]),
                    max_size=200))
def test_any_text_gives_problems_not_exceptions(tmp_path: Path, text: str) -> None:
    result = load_bytes(tmp_path, text.encode("utf-8"))
    for problem in result.problems:
        assert problem.file.endswith("config.yaml") and problem.message


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                     st.sampled_from(["private", "bob@acme.com", "2027-01-01", "2027-02-30", "25%"]))
_keys = st.sampled_from(["groups", "name", "members", "user", "customer", "access", "org", "chatter", "policy",
                         "expires", "external_users", "license", "permission_sets", "assignees", "x"])
_trees = st.recursive(_scalars, lambda children: st.lists(children, max_size=4)
                      | st.dictionaries(_keys, children, max_size=4), max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.dictionaries(_keys, _trees, max_size=5))
def test_any_structure_gives_problems_not_exceptions(tmp_path: Path, tree: dict) -> None:
    result = load_bytes(tmp_path, yaml.safe_dump(tree).encode("utf-8"))
    assert (result.desired is None) == bool(result.errors)


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in children:
        found += _paths(child, (*path, key))
    return found


_EXAMPLE = yaml.safe_load(
    (Path(__file__).parents[2] / "desired" / "groups" / "partners.yaml").read_text()
    + (Path(__file__).parents[2] / "desired" / "org.yaml").read_text()
    + (Path(__file__).parents[2] / "desired" / "people.yaml").read_text()
)
_EDGE_VALUES = st.one_of(_scalars, st.sampled_from([
    10**30, -1, 0, 36500, 1e308, "x" * 300, "0001-01-01", "9999-12-31", "2028-02-29", "101%", "100%", "unlisted",
    "absent", "gmail.com", "Customer Community", "System Administrator", "jane@contoso.com", "alice@acme.com",
    "sam.patel@contoso.com.acmepartners", [], {}, ["x"]]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_edit_of_a_valid_config_gives_problems_not_exceptions(tmp_path: Path, data: st.DataObject) -> None:
    """Realistic configs with a few values replaced by edge cases (huge numbers, far dates, wrong kinds)."""
    config = copy.deepcopy(_EXAMPLE)
    for path in data.draw(st.lists(st.sampled_from(_paths(config)[1:]), min_size=1, max_size=4)):
        parent = config
        for key in path[:-1]:
            parent = parent[key] if isinstance(parent, dict | list) and _has(parent, key) else None
        if isinstance(parent, dict | list) and _has(parent, path[-1]):
            parent[path[-1]] = data.draw(_EDGE_VALUES)
    result = load_bytes(tmp_path, yaml.safe_dump(config, allow_unicode=True).encode("utf-8"))
    assert (result.desired is None) == bool(result.errors)


def _has(parent: dict | list, key: object) -> bool:
    return key in parent if isinstance(parent, dict) else isinstance(key, int) and key < len(parent)


@pytest.mark.parametrize("breaks", ["\u2028", "\u2029", "\u0085"])
def test_positions_count_lines_as_editors_do(tmp_path: Path, breaks: str) -> None:
    """PyYAML also breaks lines at U+0085, U+2028 and U+2029; editors, and guestlist's positions, don't."""
    text = "version: 1\norg:\n  chatter: {enabled: true}  # " + breaks * 8 + "\ninvitations\n  allowed: true\n"
    result = load_bytes(tmp_path, text.encode())
    assert [(p.line, p.col, p.rule) for p in result.problems] == [(4, 1, "yaml-syntax")]
