"""The command layer: one module per command (validate, plan, apply) and what they share: option parsers
(options), exit codes (exitcodes), the config-loading step (config), the plan's output (terminal) and the
timestamp (clock). Typer stays in reconciler/cli.py (docs/decisions/command-layer.md)."""
