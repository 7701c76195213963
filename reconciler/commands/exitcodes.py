"""Every exit code a guestlist command ends with, in one place (docs/decisions/exit-codes.md)."""

from __future__ import annotations

EXIT_OK = 0  # applied, or nothing to do (plan --detailed-exitcode: no changes)
EXIT_ERROR = 1  # an error, a blocker, a partial failure, or bad usage (never 2: see EXIT_CHANGES)
EXIT_CHANGES = 2  # plan --detailed-exitcode only: changes or manual steps present
EXIT_REFUSED = 3  # apply: refused by a safety gate before any write
EXIT_STALE = 4  # apply --plan: the saved plan is stale or for another org; nothing written
EXIT_LOCKED = 5  # apply: another apply holds the org's lock after --lock-timeout
EXIT_INTERRUPTED = 130  # Ctrl-C: the shell's convention (128 + SIGINT)
