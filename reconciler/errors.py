"""The one error type every command ends with: a message for the user, the exit code, and the code that names
the error in JSON output (docs/decisions/exit-codes.md). Raised anywhere below a command, caught at its edge."""

from __future__ import annotations

from reconciler.commands.exitcodes import EXIT_ERROR


class CommandError(Exception):
    """Ends a command: `message` is printed as is (one line or a short list), the command exits `exit_code`.
    `json_code` names the kind of error in a JSON error document; `problems` are a config's problems as JSON."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR, json_code: str = "bad-option",
                 problems: tuple[dict[str, object], ...] = ()) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.json_code = json_code
        self.problems = problems
