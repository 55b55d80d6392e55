"""What a run found out about each rule of the spec: kept, broken, or never judged (and why).

Whatever judges exchanges with the spec's rules (``meetings_spec.judge``) may hand the findings
to a ledger, which tallies them by rule, so that the end of a run can say, rule by rule, whether
it was checked at all: the contract suite (``checks.spec_rules``, then a line per rule), and the
coverage of a run or of recorded traffic (``meetings_spec.coverage``). A rule no exchange could
exercise, or whose input was unknown, is reported as skipped with the reason, never as passed.
"""

from __future__ import annotations

from collections.abc import Iterable
import dataclasses
from dataclasses import dataclass

from meetings_spec.judge import Finding, Judge, Outcome


@dataclass
class RuleTally:
    name: str
    extension: str
    needs: str
    operation: str = ""
    field: str = ""
    passed: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)  # "message (in test)" of each failure (the first ones, if bounded)
    failed_times: int = 0
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)  # reason -> times
    #: What "not exercised by ..." names: "this run" (the suite), "this traffic" (a recording).
    source: str = "this run"

    @property
    def outcome(self) -> str:
        if self.failed_times:
            return "failed"
        return "passed" if self.passed else "skipped"

    @property
    def detail(self) -> str:
        """One line: how often it was judged, or why it never was."""
        if self.failed_times:
            return f"broken {self.failed_times} time(s), first: {self.failed[0]}"
        if self.passed:
            extra = f"; skipped {sum(self.skipped.values())} time(s): {next(iter(self.skipped))}" if self.skipped else ""
            return f"kept on {self.passed} exchange(s){extra}"
        if self.skipped:
            return "; ".join(self.skipped)
        return f"not exercised by {self.source}: it needs {self.needs}"


class Ledger:
    """Tallies of one run, by rule, in the spec's order. ``keep_failures`` bounds the failure
    messages kept per rule (a proxy's check of a long recording must not hold them all)."""

    def __init__(self, judge: Judge, *, source: str = "this run", keep_failures: int | None = None) -> None:
        self.rules = {
            rule.name: RuleTally(rule.name, rule.extension, rule.needs, rule.operation, rule.field_name, source=source)
            for rule in judge.named_rules()
        }
        self.current_test = ""
        self._keep = max(1, keep_failures) if keep_failures is not None else None

    def record(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            tally = self.rules.get(finding.rule)
            if tally is None:
                continue
            if finding.outcome is Outcome.PASSED:
                tally.passed += 1
            elif finding.outcome is Outcome.FAILED:
                tally.failed_times += 1
                if self._keep is None or len(tally.failed) < self._keep:
                    tally.failed.append(f"{finding.message} (in {self.current_test})" if self.current_test else finding.message)
            else:
                tally.skipped[finding.message] = tally.skipped.get(finding.message, 0) + 1
