"""Reading an input file someone handed guestlist (a config file, a saved plan) safely: a regular file only (a FIFO
or device is refused without blocking on it), at most `limit` bytes (/dev/zero or a huge file never fills memory).
Callers turn the two refusals into their own messages."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotARegularFile(Exception):
    """A directory, FIFO, socket or device: nothing guestlist reads."""


class TooLarge(Exception):
    """More than the limit; `size` is the size when the file system knows it (else None)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def read_bounded(path: Path, limit: int) -> bytes:
    """The file's bytes; NotARegularFile, TooLarge or OSError otherwise."""
    status = os.stat(path)
    if not stat.S_ISREG(status.st_mode):
        raise NotARegularFile()
    if status.st_size > limit:
        raise TooLarge(status.st_size)
    with path.open("rb") as handle:  # a FIFO put in its place between the stat and here is caught below
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise NotARegularFile()
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(None)
    return raw
