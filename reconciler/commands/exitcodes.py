"""Every exit code a guestlist command ends with, in one place (docs/decisions/exit-codes.md)."""

from __future__ import annotations

EXIT_OK = 0  # applied, or nothing to do (plan --detailed-exitcode: no changes)
EXIT_ERROR = 1  # an error, a blocker, a partial failure, or bad usage (never 2: see EXIT_CHANGES)
EXIT_CHANGES = 2  # plan --detailed-exitcode only: changes or manual steps present
EXIT_REFUSED = 3  # apply: refused by a safety gate before any write
EXIT_STALE = 4  # apply --plan: the saved plan is stale or for another org; nothing written
EXIT_LOCKED = 5  # apply: another apply holds the org's lock after --lock-timeout
EXIT_INTERRUPTED = 130  # Ctrl-C: the shell's convention (128 + SIGINT)

# What each command's --help lists: (code, meaning) in the order shown
_MEANINGS: dict[str, tuple[tuple[int, str], ...]] = {
    "validate": ((EXIT_OK, "valid (warnings allowed)"), (EXIT_ERROR, "an error, or a warning with --strict"),
                 (EXIT_INTERRUPTED, "interrupted")),
    "plan": ((EXIT_OK, "planned (with --detailed-exitcode: no changes)"), (EXIT_ERROR, "an error or a blocker"),
             (EXIT_CHANGES, "--detailed-exitcode: changes or manual steps present"),
             (EXIT_INTERRUPTED, "interrupted")),
    "apply": ((EXIT_OK, "applied and converged, or nothing to do"),
              (EXIT_ERROR, "an error, a blocker, a partial failure or manual steps left"),
              (EXIT_REFUSED, "refused by a safety gate before any write (--force, --allow-irreversible)"),
              (EXIT_STALE, "--plan: the saved plan is stale or for another org; nothing written"),
              (EXIT_LOCKED, "another apply holds the org's lock"), (EXIT_INTERRUPTED, "interrupted")),
    "report": ((EXIT_OK, "the report was written"), (EXIT_ERROR, "an error (an invalid config, the org "
                                                                "unreachable)"), (EXIT_INTERRUPTED, "interrupted")),
    "notify": ((EXIT_OK, "the notices were shown or delivered, or there were none"),
               (EXIT_ERROR, "an error (an invalid config, a bad option, the org unreachable), or a notice not "
                            "delivered (the others are still sent)"), (EXIT_INTERRUPTED, "interrupted")),
    "export": ((EXIT_OK, "exported"), (EXIT_ERROR, "an error (files in the way without --force, the org "
                                                   "unreachable)"), (EXIT_INTERRUPTED, "interrupted")),
}


def exit_codes_help(command: str) -> str:
    """The "Exit codes: ..." paragraph of a command's --help."""
    return "Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in _MEANINGS[command]) + "."
