"""The git commit of a config: what the journal and the access review's header name as its version."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def config_commit(path: Path) -> dict[str, Any] | None:
    """{"commit": HEAD, "dirty": uncommitted changes under `path`} when `path` is in a git work tree; None when
    it is not, or git is not installed (never a failure)."""
    where = path if path.is_dir() else path.parent
    try:
        head = subprocess.run(["git", "-C", str(where), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10, check=False)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", str(where), "status", "--porcelain", "--", "."], capture_output=True,
                                text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}
