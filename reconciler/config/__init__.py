"""The config layer: YAML files -> a validated, frozen DesiredState (reconciler.model), or located problems.

Public API (plan, apply and `guestlist validate` use only this):

    load_desired(path, today=None) -> LoadResult
        path   a YAML file, or a directory read recursively (*.yaml, *.yml; sorted; hidden entries skipped)
        today  the date expiry rules are judged on (default: the real date)
        Never raises for bad input: every problem is reported in the result.

    LoadResult
        desired   DesiredState | None   the merged config; None as soon as one error was found
        problems  tuple[Problem, ...]   errors and warnings, sorted by (file, line, col, rule)
        files     tuple[str, ...]       the files read, as displayed in problems
        draft     DesiredState          best-effort model even with errors (summaries only, never for planning)
        ok / has_errors / errors / warnings / summary (Summary: counts, .line(), .to_json())

    Problem(file, line, col, rule, severity, message)   frozen; str() -> "file:line:col: error rule-id: message"
        (line 0: about the file or path as a whole, printed "file: error rule-id: message"); .to_json()
    Severity.ERROR | Severity.WARNING
    RULES: dict[str, Rule(id, severity, summary)]       every rule id that can be reported (stable ids)

Pipeline: yamlfile (bytes -> plain data + key/value positions, safely) -> schema (JSON Schema, located errors)
-> build (merge files, collisions, DesiredState) -> rules (domain rules on the merged state).
Positions of declarations are kept in the model: `obj.source` (the object) and `obj.sources[key]` (one of its
keys; list items as "domains[0]").
"""

from reconciler.config.load import LoadResult, Summary, find_config_files, load_desired
from reconciler.config.problems import RULES, Problem, Rule, Severity

__all__ = ["RULES", "LoadResult", "Problem", "Rule", "Severity", "Summary", "find_config_files", "load_desired"]
