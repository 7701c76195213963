"""What apply tells the person running it: outcomes counted, every failure with its Salesforce code and a
plain-language reason, what was skipped or left, whether the org converged, and the API requests used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from reconciler.apply.converge import Verification
from reconciler.apply.execute import ChangeResult, Execution, Outcome
from reconciler.apply.explain import explain

_LISTED = 20  # skipped / not attempted changes listed before "... and N more"
_VERB = {"create": "created", "update": "updated", "delete": "deleted"}


def _listed(results: Sequence[ChangeResult], line: str) -> list[str]:
    shown = [line.format(key=r.change.key, note=r.note or "") for r in results[:_LISTED]]
    if len(results) > _LISTED:
        shown.append(f"    ... and {len(results) - _LISTED} more (see the journal)")
    return shown


def _failure(result: ChangeResult) -> list[str]:
    error = result.error
    assert error is not None
    where = f" ({result.change.source})" if result.change.source else ""
    lines = [f"  x {result.change.key}{where}", f"      {error.code}: {explain(result.change.sobject, error)}"]
    said = " ".join(error.message.replace("<br>", " ").split())  # Salesforce puts HTML line breaks in some
    if said and said not in lines[1]:
        lines.append(f"      Salesforce said: {said}")
    return lines


def outcome_lines(execution: Execution) -> list[str]:
    applied = Counter(r.change.action.value for r in execution.by_outcome(Outcome.APPLIED))
    already = execution.by_outcome(Outcome.ALREADY_DONE)
    parts = [f"{applied[a]} {_VERB[a]}" for a in ("create", "update", "delete") if applied[a]]
    summary = "Applied: " + (", ".join(parts) if parts else "nothing")
    if already:
        summary += f"; {len(already)} already so in the org (found by lookup, not written twice)"
    lines = [summary + "."] + _step_lines(execution)
    failed = execution.by_outcome(Outcome.FAILED)
    if failed:
        lines.append(f"Failed ({len(failed)}):")
        for result in failed:
            lines += _failure(result)
    unknown = execution.by_outcome(Outcome.UNKNOWN)
    if unknown:
        lines.append(f"Outcome unknown ({len(unknown)}): the org's answer was lost; rerun apply, it looks them up "
                     "before writing again:")
        lines += _listed(unknown, "  ? {key}")
    skipped = execution.by_outcome(Outcome.SKIPPED)
    if skipped:
        lines.append(f"Skipped ({len(skipped)}):")
        lines += _listed(skipped, "  - {key}: {note}")
    if execution.stopped is not None:
        left = execution.by_outcome(Outcome.NOT_ATTEMPTED)
        lines.append(f"Stopped: {execution.stopped.code}: {explain('', execution.stopped)}")
        if left:
            lines.append(f"Not attempted ({len(left)}): rerun apply to do them (it plans only what is left):")
            lines += _listed(left, "  - {key}")
    return lines


def manual_left_line(manual: int) -> str:
    """The org still differs by the plan's manual steps, which apply can't do."""
    return (f"Manual steps left ({manual}, listed above): the org still differs from the config until a person does "
            "them in Setup.")


def _step_lines(execution: Execution) -> list[str]:
    """The requests sent after creates (welcome mails): how many were done, and each that was not, never resent."""
    done = Counter(s.step.done for s in execution.steps if s.succeeded)
    lines = [f"Then: {n} {what}." for what, n in sorted(done.items())]
    failed = [s for s in execution.steps if not s.succeeded]
    if failed:
        lines.append(f"Not done after the create ({len(failed)}; guestlist never sends them again, as the record "
                     "exists now: use Setup > Users > Reset Password):")
        lines += [f"  ! {s.change.key}: {s.step.word}: {s.error}" for s in failed]
    return lines


def verification_lines(verification: Verification | None, not_applied: int = 0, manual: int = 0) -> list[str]:
    """`not_applied`: changes that did not succeed (the org can't have converged on those); `manual`: the plan's
    manual steps (never "Converged" while one is left)."""
    if verification is None:
        return []
    return _read_back_lines(verification, not_applied, manual) + _awaiting_lines(verification)


def _awaiting_lines(verification: Verification) -> list[str]:
    if not verification.awaiting:
        return []
    lines = [f"Awaiting the person's confirmation ({len(verification.awaiting)}): Salesforce keeps the old email "
             "until they confirm the new one; guestlist won't ask again until the link expires (72 hours):"]
    return lines + [f"  ... {pending}" for pending in verification.awaiting]


def _read_back_lines(verification: Verification, not_applied: int, manual: int) -> list[str]:
    if verification.converged and manual:
        return ["Read back: the org holds what was written.", manual_left_line(manual)]
    if verification.converged and not not_applied:
        if verification.awaiting:
            return ["Converged: the org now holds what was written, but for the email changes below."]
        return ["Converged: the org now holds what was written."]
    if verification.converged:
        return [f"Read back: the org holds what was written; {not_applied} change(s) listed above were not applied "
                "(rerun apply once they are fixed)."]
    lines = [f"Still different ({len(verification.differences)}):"] if verification.differences else []
    lines += [f"  ~ {difference}" for difference in verification.differences]
    if verification.unverified:
        lines.append("Not verified (guestlist plan shows what the org holds now):")
        lines += [f"  ? {note}" for note in verification.unverified]
    return lines


def usage_line(total: int, writes: int, usage: tuple[int, int] | None, allowance_spent: bool = False) -> str:
    """`usage`: the last Sforce-Limit-Info seen; `allowance_spent`: the org refused with REQUEST_LIMIT_EXCEEDED, so
    that header is stale and the allowance is said to be spent."""
    line = f"API requests: {total} ({writes} to write)"
    if allowance_spent:
        of = f" of {usage[1]:,}" if usage is not None else ""
        line += f"; daily allowance left: none{of} (spent: the org refused a request with REQUEST_LIMIT_EXCEEDED)"
    elif usage is not None:
        used, limit = usage
        line += f"; daily allowance left: {max(limit - used, 0):,} of {limit:,}"
    return line + "."
