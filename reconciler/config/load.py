"""The loader: a path (one file or a directory of them) -> LoadResult (the desired state, or the problems)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from reconciler.config.build import Checked, build_desired
from reconciler.config.problems import Problem, Severity, has_errors, problem
from reconciler.config.rules import run_rules
from reconciler.config.schema import check_structure
from reconciler.config.yamlfile import read_document
from reconciler.expiry import DEFAULT_EXPIRING_WITHIN
from reconciler.model import DesiredState, MemberKind, Source

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Summary:
    """What a config declares, counted (groups in state absent are not counted)."""

    files: int
    groups: int
    members: int
    customers: int  # distinct customer emails across groups
    chatter_users: int
    external_users: int
    permission_sets: int

    @classmethod
    def of(cls, desired: DesiredState) -> Summary:
        present = [g for g in desired.groups if g.state.value == "present"]
        customers = {m.identity for g in present for m in g.members if m.kind is MemberKind.CUSTOMER}
        return cls(
            files=len(desired.files),
            groups=len(present),
            members=sum(len(g.members) for g in present),
            customers=len(customers),
            chatter_users=len(desired.chatter_users),
            external_users=len(desired.external_users),
            permission_sets=len(desired.permission_sets),
        )

    def line(self) -> str:
        """`5 files: 4 groups, 17 members, 7 customers, 3 chatter users, 4 external users, 2 permission sets`
        (groups, members and customers always; the other counts when not zero)."""
        counts = [_count(self.groups, "group"), _count(self.members, "member"), _count(self.customers, "customer")]
        optional = [(self.chatter_users, "chatter user"), (self.external_users, "external user"),
                    (self.permission_sets, "permission set")]
        counts += [_count(number, noun) for number, noun in optional if number]
        return f"{_count(self.files, 'file')}: {', '.join(counts)}"

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class LoadResult:
    """`desired` is the merged config, or None when any error was found (then `problems` says why).

    `draft` is always the best-effort model of what could be read (for summaries; never for planning).
    `problems` are sorted by file, line, column and rule; warnings never make `desired` None.
    """

    desired: DesiredState | None
    problems: tuple[Problem, ...]
    files: tuple[str, ...]
    draft: DesiredState

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)

    @property
    def summary(self) -> Summary:
        return Summary.of(self.draft)


def load_desired(path: Path | str, today: dt.date | None = None,
                 expiring_within: int = DEFAULT_EXPIRING_WITHIN) -> LoadResult:
    """Read, check and build the config at `path`; never raises for bad input. `today` judges expiry dates
    (`access-expiring` warns about those at most `expiring_within` days away)."""
    today = today or dt.date.today()
    files, problems = find_config_files(Path(path))
    checked: list[Checked] = []
    for file, display in files:
        document, found = read_document(file, display)
        problems.extend(found)
        if document is None:
            continue
        if document.data is None:
            problems.append(problem("empty-file", Source(display, 0, 0), "declares nothing (empty or only comments)"))
            continue
        structure, broken = check_structure(document)
        problems.extend(structure)
        checked.append(Checked(document, broken))
    names = [display for _, display in files]
    draft, found = build_desired(checked, names)
    problems.extend(found)
    problems.extend(run_rules(draft, today, expiring_within))
    ordered = tuple(sorted(set(problems)))
    return LoadResult(None if has_errors(list(ordered)) else draft, ordered, tuple(names), draft)


def find_config_files(path: Path) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """The YAML files at `path` with their display names: the file itself, or a directory's *.yaml/*.yml files,
    recursively, sorted by relative path; hidden files and directories (.git, .github, ...) are skipped and
    symlinked directories are not followed."""
    shown = str(path)
    whole = Source(shown, 0, 0)
    try:
        if not path.exists():
            return [], [problem("path-not-found", whole, "no such file or directory")]
        if not path.is_dir():
            return [(path, shown)], []
    except OSError as exc:
        return [], [problem("unreadable-file", whole, f"can't be read: {exc.strerror or exc}")]
    problems: list[Problem] = []

    def unreadable(exc: OSError) -> None:
        where = Source(str(exc.filename or shown), 0, 0)
        problems.append(problem("unreadable-file", where, f"can't be read: {exc.strerror or exc}"))

    found: list[tuple[str, Path]] = []
    for folder, dirs, names in os.walk(path, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if not name.startswith(".") and name.lower().endswith(YAML_SUFFIXES):
                file = Path(folder, name)
                found.append((file.relative_to(path).as_posix(), file))
    if not found and not problems:
        problems.append(problem("no-config-files", whole, "holds no *.yaml or *.yml file"))
    return [(file, str(file)) for _, file in sorted(found)], problems
