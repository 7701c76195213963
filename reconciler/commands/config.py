"""The config-loading step every command starts with: read and check the config, tell the output guard who it
names. Commands that go on to an org also list the problems and stop on an invalid config."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TextIO

from reconciler.commands.terminal import learn_people_of
from reconciler.config.load import LoadResult, load_desired
from reconciler.errors import CommandError
from reconciler.expiry import DEFAULT_EXPIRING_WITHIN
from reconciler.model import DesiredState


def load_config(path: Path, today: dt.date, expiring_within: int = DEFAULT_EXPIRING_WITHIN) -> LoadResult:
    """The config at `path` (a file or a directory; a missing or wrong path is one of its problems), its
    people known to the output guard (--redact masks them even in the problems)."""
    loaded = load_desired(path, today, expiring_within)
    learn_people_of(loaded.draft)
    return loaded


def load_valid_config(path: Path, today: dt.date, err: TextIO, consequence: str, *,
                      expiring_within: int = DEFAULT_EXPIRING_WITHIN) -> DesiredState:
    """The desired state; every problem (errors and warnings) goes to `err` as `file:line:col: severity rule:
    message`, and a config with errors raises CommandError carrying them (`consequence` ends its message)."""
    loaded = load_config(path, today, expiring_within)
    for problem in loaded.problems:
        print(str(problem), file=err)
    if loaded.desired is None:
        raise CommandError(f"error: the config has problems (listed above); {consequence}",
                           json_code="invalid-config", problems=tuple(p.to_json() for p in loaded.problems))
    return loaded.desired
