"""One YAML file -> plain data plus the line:col of every key and value, safely.

The node tree is composed here from the parser's events (libyaml when available), not by PyYAML's composer, so
that nothing a file contains can crash or stall the loader:
- files above MAX_FILE_BYTES are refused before they are read; text must be UTF-8;
- nesting is capped at MAX_DEPTH while parsing (PyYAML's recursive composer overflows the stack instead);
- duplicate keys in one mapping are reported (PyYAML silently keeps the last);
- aliases are references: expanding them is bounded by MAX_ALIAS_EXPANSION extra nodes, and recursive ones
  are refused ("billion laughs");
- only YAML's core tags are accepted (no !!python/..., no !!binary);
- booleans are YAML 1.2's true/false, as in editors (yes/no/on/off are text, see _resolve).
Dates stay the text the user typed (the schema and the model builder check them), so an impossible date such as
2027-02-30 is a located problem instead of a constructor exception.
"""

from __future__ import annotations

import bisect
import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from reconciler.config.problems import Problem, problem
from reconciler.inputfile import NotARegularFile, TooLarge, read_bounded
from reconciler.model import Source

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 40
MAX_ALIAS_EXPANSION = 100_000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()

_TAG = "tag:yaml.org,2002:"
NULL, BOOL, INT, FLOAT, STR, TIMESTAMP = (_TAG + t for t in ("null", "bool", "int", "float", "str", "timestamp"))
SEQ, MAP, MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"

PathKey = tuple[str | int, ...]
LineCol = tuple[int, int]


@dataclass(eq=False, slots=True)
class Node:
    kind: str  # "scalar" | "seq" | "map"
    tag: str
    line: int  # 1-based
    col: int
    value: Any = None  # str; list of Node/Alias; list of (key Node, Node/Alias)


@dataclass(eq=False, slots=True)
class Alias:
    target: Node
    line: int
    col: int


# A node's position, compactly (issue 14: a Source per key of every entry cost +1.45 GB at 200,000 people): one
# int packing the value's line:col and, under a mapping, its key's (0:0 when it has none), and for a list or a
# mapping a pair (that int, its children: a list, or a dict by key name sharing the data's key strings).
Position = int | tuple[int, "list[Position] | dict[str, Position]"]
_BITS = 23  # lines and columns of a file of at most MAX_FILE_BYTES (5 MiB < 2**23)
_MASK = (1 << _BITS) - 1


def _pack(line: int, col: int) -> int:
    return min(line, _MASK) | min(col, _MASK) << _BITS


def _unpack(packed: int) -> LineCol:
    return packed & _MASK, packed >> _BITS & _MASK


@dataclass
class Document:
    """A parsed file: `data` is plain Python (dict/list/str/int/float/bool/None); `positions` mirrors it (Position)."""

    file: str
    data: Any
    positions: Position | None = None
    unreadable: set[PathKey] = field(default_factory=set)  # values already reported (a bad tag): not checked again

    def _walk(self, path: PathKey) -> tuple[int | None, bool]:
        """The packed position of the deepest located node along `path`, and whether it is `path`'s own."""
        found = self.positions
        if found is None:
            return None, False
        for depth, step in enumerate(path):
            children = found[1] if isinstance(found, tuple) else None
            child: Position | None = None
            if isinstance(children, list) and isinstance(step, int) and 0 <= step < len(children):
                child = children[step]
            elif isinstance(children, dict) and isinstance(step, str):
                child = children.get(step)
            if child is None:
                return (found[0] if isinstance(found, tuple) else found), depth == len(path)
            found = child
        return (found[0] if isinstance(found, tuple) else found), True

    def at(self, path: PathKey) -> Source:
        """Where the value at `path` starts (or its nearest located ancestor)."""
        packed, _ = self._walk(path)
        if packed is None:
            return Source(self.file, 1, 1)
        return Source(self.file, *_unpack(packed))

    def key_at(self, path: PathKey) -> Source:
        """Where the key naming the value at `path` is written (its value's position when it has no key)."""
        packed, own = self._walk(path)
        key = packed >> 2 * _BITS if packed is not None and own else 0
        return Source(self.file, *_unpack(key)) if key & _MASK else self.at(path)


def read_document(path: Path, display: str) -> tuple[Document | None, list[Problem]]:
    """Read, decode, parse and convert one file. None when it can't be read or parsed (the problems say why);
    a Document whose data is None when the file holds no document (empty, or only comments)."""
    whole = Source(display, 0, 0)
    try:
        raw = read_bounded(path, MAX_FILE_BYTES)
    except NotARegularFile:
        return None, [problem("unreadable-file", whole, "is not a regular file")]
    except TooLarge as large:
        if large.size is None:
            return None, [problem("file-too-large", whole, f"is over {_megabytes(MAX_FILE_BYTES)}; refused")]
        return None, [problem("file-too-large", whole, f"is {_megabytes(large.size)}; files over "
                              f"{_megabytes(MAX_FILE_BYTES)} are refused (split the config into several files)")]
    except OSError as exc:
        return None, [problem("unreadable-file", whole, f"can't be read: {exc.strerror or exc}")]
    text, bad = _decode(raw, display)
    if bad:
        return None, [bad]
    root, problems = _compose(_before_too_deep(text), display)
    if root is None:
        return (None if problems else Document(display, None)), problems
    converter = _Converter(display, budget=_count(root) + MAX_ALIAS_EXPANSION)
    try:
        data, positions = converter.convert(root, ())
    except _ExpansionLimit as limit:
        return None, [*problems, problem("alias-expansion", limit.where, f"aliases expand to more than "
                                         f"{MAX_ALIAS_EXPANSION:,} extra nodes; refused (a 'billion laughs' bomb?)")]
    document = Document(display, data, positions, converter.unreadable)
    return document, problems + converter.problems


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _decode(raw: bytes, display: str) -> tuple[str, Problem | None]:
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        start = exc.start
        line_start = raw.rfind(b"\n", 0, start) + 1
        line = raw.count(b"\n", 0, start) + 1
        col = len(raw[line_start:start].decode("utf-8", errors="replace")) + 1
        return "", problem("not-utf8", Source(display, line, col),
                           f"byte 0x{raw[start]:02X} is not valid UTF-8 (save the file as UTF-8)")


def _before_too_deep(text: str) -> str:
    """The text up to just past the first flow bracket nested deeper than MAX_DEPTH, or all of it.

    Parsers limit flow nesting themselves at depths that differ by release (PyYAML 6.0.4's libyaml: 1000), and
    buffer events so far ahead that their limit fires first; composing only this prefix makes our MAX_DEPTH
    check (with its line:col) the one that answers, under every PyYAML release.
    """
    depth, quote, index, size = 0, "", 0, len(text)
    while index < size:
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = ""
        elif char == "#" and (index == 0 or text[index - 1] in " \t\n"):
            end = text.find("\n", index)
            index = size if end < 0 else end
            continue
        elif char in "'\"" and (depth or _starts_token(text, index)):
            quote = char
        elif char in "[{" and (depth or _starts_token(text, index)):
            depth += 1
            if depth > MAX_DEPTH:
                return text[: index + 1]
        elif char in "]}" and depth:
            depth -= 1
        index += 1
    return text


def _starts_token(text: str, index: int) -> bool:
    """In block context: does the character at `index` begin a value (not sit inside a plain scalar)?"""
    back = index - 1
    while back >= 0 and text[back] == " ":
        back -= 1
    if back < 0 or text[back] in "\n:,[{":
        return True
    return text[back] in "-?" and (back == 0 or text[back - 1] in " \n")


def _events(text: str) -> Iterator[ev.Event]:
    loader = _Loader(text)
    try:
        while loader.check_event():
            yield loader.get_event()
    finally:
        loader.dispose()


class _Abort(Exception):
    def __init__(self, found: Problem) -> None:
        self.found = found


class _Lines:
    """Line:col of a character offset as editors count them: lines end at "\n" only. PyYAML's own marks also break
    lines at U+0085, U+2028 and U+2029, so their line numbers can run past the file's lines (an IndexError in the
    hints) and point at the wrong line."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(i + 1 for i, char in enumerate(text) if char == "\n")]

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

    def of(self, mark: Any) -> tuple[int, int]:
        return self.at(mark.index)


def _compose(text: str, display: str) -> tuple[Node | None, list[Problem]]:
    """The document's node tree from parser events, iteratively; fatal problems abort the file."""
    problems: list[Problem] = []
    lines = _Lines(text)
    root: Node | None = None
    stack: list[list[Any]] = []  # [node, pending key node or None]
    anchors: dict[str, Node] = {}
    documents = 0

    def at(mark: Any) -> Source:
        return Source(display, *lines.of(mark))

    def attach(child: Node | Alias) -> None:
        nonlocal root
        if not stack:
            root = child if isinstance(child, Node) else child.target
            return
        frame = stack[-1]
        parent: Node = frame[0]
        if parent.kind == "seq":
            parent.value.append(child)
        elif frame[1] is None:
            if not isinstance(child, Node) or child.kind != "scalar":
                raise _Abort(problem("invalid-key", Source(display, child.line, child.col),
                                     "a mapping key must be a plain value, not a list, mapping or alias"))
            frame[1] = child
        else:
            parent.value.append((frame[1], child))
            frame[1] = None

    try:
        for event in _events(text):
            if isinstance(event, ev.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Abort(problem("multiple-documents", at(event.start_mark),
                                         "a second YAML document ('---'); put each in its own file"))
            elif isinstance(event, ev.AliasEvent):
                target = anchors.get(event.anchor)
                if target is None:
                    raise _Abort(problem("yaml-syntax", at(event.start_mark), f"undefined alias *{event.anchor}"))
                if any(frame[0] is target for frame in stack):
                    raise _Abort(problem("recursive-alias", at(event.start_mark),
                                         f"alias *{event.anchor} refers to a node that contains it"))
                attach(Alias(target, *lines.of(event.start_mark)))
            elif isinstance(event, ev.ScalarEvent):
                tag = event.tag
                if tag is None or tag == "!":
                    tag = _resolve(event.value, event.implicit)
                node = Node("scalar", tag, *lines.of(event.start_mark), event.value)
                if event.anchor:
                    anchors[event.anchor] = node
                attach(node)
            elif isinstance(event, ev.SequenceStartEvent | ev.MappingStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise _Abort(problem("too-deep", at(event.start_mark),
                                         f"nested deeper than {MAX_DEPTH} levels; refused"))
                is_seq = isinstance(event, ev.SequenceStartEvent)
                tag = event.tag
                if tag is None or tag == "!":
                    tag = SEQ if is_seq else MAP
                node = Node("seq" if is_seq else "map", tag, *lines.of(event.start_mark), [])
                if event.anchor:
                    anchors[event.anchor] = node
                attach(node)
                stack.append([node, None])
            elif isinstance(event, ev.SequenceEndEvent | ev.MappingEndEvent):
                closed: Node = stack.pop()[0]
                if closed.kind == "map":
                    problems.extend(_duplicate_keys(closed, display))
    except _Abort as abort:
        return None, [*problems, abort.found]
    except yaml.MarkedYAMLError as exc:
        return None, [*problems, _syntax_problem(exc, text, display, lines)]
    except yaml.YAMLError as exc:  # ReaderError: a character YAML does not allow
        where = _position(text, display, getattr(exc, "position", None))
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        if where.line and _char_at(text, where) == "\t":
            reason += "; a tab: YAML indents with spaces only"
        return None, [*problems, problem("yaml-syntax", where, reason)]
    return root, problems


_NO_COLON = "this line is neither 'key: value' nor a '- ' list entry (a missing ':'?)"
_SYNTAX_HINTS = {
    "mapping values are not allowed": "check this line's indentation, or quote a value that contains ': '",
    "did not find expected key": "check this line's indentation: it does not line up with the keys above it",
    "did not find expected '-' indicator": "check this line's indentation: list entries line up on their '-'",
    "expected <block end>": "check this line's indentation: it does not line up with the lines above it",
}


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, display: str, lines: _Lines) -> Problem:
    """PyYAML's parse error, located, in the user's terms where a common cause is known."""
    mark = exc.problem_mark or exc.context_mark
    where = Source(display, *lines.of(mark)) if mark else Source(display, 0, 0)
    if _char_at(text, where) == "\t":
        return problem("yaml-syntax", where, "a tab character: YAML indents with spaces only (replace it with spaces)")
    if exc.context in ("while scanning a quoted scalar", "while scanning a block scalar") and exc.context_mark:
        opened = Source(display, *lines.of(exc.context_mark))
        return problem("yaml-syntax", opened, f"this quoted text is never closed ({exc.problem})")
    if exc.context == "while scanning a simple key" and exc.context_mark:
        key = Source(display, *lines.of(exc.context_mark))
        return problem("yaml-syntax", key, _NO_COLON)
    if (exc.problem or "").startswith("mapping values are not allowed") and where.line > 1:
        keyless = _keyless_line_before(text, where.line)
        if keyless:
            return problem("yaml-syntax", Source(display, *keyless), _NO_COLON)
    message = exc.problem or exc.context or "invalid YAML"
    if exc.context and exc.problem and exc.context_mark:
        message = f"{message} ({exc.context} at line {lines.of(exc.context_mark)[0]})"
    hint = next((hint for start, hint in _SYNTAX_HINTS.items() if message.startswith(start)), None)
    return problem("yaml-syntax", where, f"{message}; {hint}" if hint else message)


def _keyless_line_before(text: str, line: int) -> tuple[int, int] | None:
    """The line:col of the meaningful line before `line` when it is a bare word (`invitations` without its ':')."""
    lines = text.split("\n")
    for number in range(line - 1, 0, -1):
        content = lines[number - 1].split(" #")[0].rstrip()
        if not content.strip() or content.lstrip().startswith("#"):
            continue
        bare = ":" not in content and not content.lstrip().startswith(("-", "[", "{", "'", '"'))
        return (number, len(content) - len(content.lstrip()) + 1) if bare else None
    return None


def _resolve(text: str, implicit: tuple[bool, bool]) -> str:
    """The tag of an untagged scalar. Booleans follow YAML 1.2 (only true/false, any case), as editors do: a plain
    yes, no, on or off is text, so `name: no` is the name "no" and `allow_customers: yes` is a located type error
    (PyYAML's YAML 1.1 would silently read them as booleans)."""
    tag: str = _RESOLVER.resolve(yaml.ScalarNode, text, implicit)
    return STR if tag == BOOL and text.lower() not in ("true", "false") else tag


def _position(text: str, display: str, offset: int | None) -> Source:
    if offset is None or offset < 0:
        return Source(display, 0, 0)
    return Source(display, text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)


def _char_at(text: str, where: Source) -> str:
    if where.line < 1:
        return ""
    lines = text.split("\n", where.line)
    line = lines[where.line - 1] if len(lines) >= where.line else ""
    return line[where.col - 1] if 0 < where.col <= len(line) else ""


def _duplicate_keys(mapping: Node, display: str) -> Iterator[Problem]:
    seen: dict[str, Node] = {}
    for key, _ in mapping.value:
        if key.tag == MERGE:
            continue
        first = seen.setdefault(key.value, key)
        if first is not key:
            yield problem("duplicate-key", Source(display, key.line, key.col),
                          f"duplicate key '{key.value}' (first at line {first.line}); YAML would keep only the last")


def _count(root: Node) -> int:
    """Distinct nodes in the tree (aliases not followed)."""
    total, todo = 0, [root]
    while todo:
        node = todo.pop()
        total += 1
        if node.kind == "seq":
            todo.extend(child for child in node.value if isinstance(child, Node))
        elif node.kind == "map":
            for key, child in node.value:
                todo.append(key)
                if isinstance(child, Node):
                    todo.append(child)
    return total


class _ExpansionLimit(Exception):
    def __init__(self, where: Source) -> None:
        self.where = where


class _Converter:
    """Node tree -> plain data, recording positions; every node visited (aliases expanded) costs one unit."""

    def __init__(self, file: str, budget: int) -> None:
        self.file = file
        self.budget = budget
        self.problems: list[Problem] = []
        self.unreadable: set[PathKey] = set()
        self._alias: Alias | None = None  # the outermost alias being expanded

    def convert(self, item: Node | Alias, path: PathKey, at: int | None = None) -> tuple[Any, Position]:
        """The value and its Position; `at` is where an alias that stands for it was written."""
        if isinstance(item, Alias):
            outer = self._alias
            self._alias = outer or item
            try:
                return self.convert(item.target, path, _pack(item.line, item.col) if at is None else at)
            finally:
                self._alias = outer
        self._charge(item)
        here = _pack(item.line, item.col) if at is None else at
        if item.kind == "scalar":
            return self._scalar(item, path), here
        if item.tag not in (SEQ, MAP):
            self._bad_tag(item, path)
        if item.kind == "seq":
            values, positions = [], []
            for index, child in enumerate(item.value):
                value, position = self.convert(child, (*path, index))
                values.append(value)
                positions.append(position)
            return values, (here, positions)
        return self._mapping(item, path, here)

    def _mapping(self, node: Node, path: PathKey, here: int) -> tuple[dict[str, Any], Position]:
        result: dict[str, Any] = {}
        positions: dict[str, Position] = {}
        for key, child in self._pairs(node).items():
            value, position = self.convert(child, (*path, key.value))
            keyed = _pack(key.line, key.col) << 2 * _BITS
            result[key.value] = value
            positions[key.value] = (position[0] | keyed, position[1]) if isinstance(position, tuple) \
                else position | keyed
        return result, (here, positions)

    def _pairs(self, node: Node) -> dict[Any, Node | Alias]:
        """The mapping's effective pairs by key name (keyed by the key Node, unique names): a repeated key keeps
        the last value, as YAML does; merge keys (`<<: *defaults`) add the keys the mapping does not write."""
        written: dict[str, tuple[Node, Node | Alias]] = {}
        merges: list[Node | Alias] = []
        for key, child in node.value:
            if key.tag == MERGE:
                merges.append(child)
            else:
                written.pop(key.value, None)
                written[key.value] = (key, child)
        inherited: dict[str, tuple[Node, Node | Alias]] = {}
        for source in merges:
            target = source.target if isinstance(source, Alias) else source
            for part in target.value if target.kind == "seq" else [source]:
                mapping = part.target if isinstance(part, Alias) else part
                if not isinstance(mapping, Node) or mapping.kind != "map":
                    self.problems.append(problem("yaml-syntax", Source(self.file, part.line, part.col),
                                                 "a merge key (<<) takes a mapping or a list of mappings"))
                    continue
                self._charge(part)
                for key, child in self._pairs(mapping).items():
                    if key.value not in written:
                        inherited.setdefault(key.value, (key, child))
        return {key: child for key, child in [*inherited.values(), *written.values()]}

    def _charge(self, item: Node | Alias) -> None:
        self.budget -= 1
        if self.budget < 0:
            where = self._alias or item
            raise _ExpansionLimit(Source(self.file, where.line, where.col))

    def _scalar(self, node: Node, path: PathKey) -> Any:
        tag, text = node.tag, node.value
        if tag in (STR, TIMESTAMP):
            return text
        if tag == NULL:
            return None
        constructors = {BOOL: _CONSTRUCTOR.construct_yaml_bool, INT: _CONSTRUCTOR.construct_yaml_int,
                        FLOAT: _CONSTRUCTOR.construct_yaml_float}
        if tag not in constructors:
            self._bad_tag(node, path)
            return text
        try:
            return constructors[tag](yaml.ScalarNode(tag, text))
        except (ValueError, KeyError, IndexError):
            self.unreadable.add(path)
            short = tag.removeprefix(_TAG)
            self.problems.append(problem("yaml-tag", Source(self.file, node.line, node.col),
                                         f"'{text[:40]}' is not a valid !!{short}"))
            return text

    def _bad_tag(self, node: Node, path: PathKey) -> None:
        self.unreadable.add(path)
        shown = "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag
        self.problems.append(problem("yaml-tag", Source(self.file, node.line, node.col),
                                     f"unsupported tag {shown}; only plain YAML values are allowed"))
