"""What the run found out about each rule of the spec: kept, broken, or never judged (and why).

Every answer the suite gets is judged by the spec's rules (``checks.spec_rules``); the ledger
tallies the findings by rule, so that the end of the run can say, rule by rule, whether it was
checked at all. A rule no exchange could exercise, or whose input was unknown, is reported as
skipped with the reason, never as passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from meetings_spec.judge import Finding, Judge, Outcome


@dataclass
class RuleTally:
    name: str
    extension: str
    needs: str
    passed: int = 0
    failed: list[str] = field(default_factory=list)  # "message (in test)" of each failure
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> times

    @property
    def outcome(self) -> str:
        if self.failed:
            return "failed"
        return "passed" if self.passed else "skipped"

    @property
    def detail(self) -> str:
        """One line: how often it was judged, or why it never was."""
        if self.failed:
            return f"broken {len(self.failed)} time(s), first: {self.failed[0]}"
        if self.passed:
            extra = f"; skipped {sum(self.skipped.values())} time(s): {next(iter(self.skipped))}" if self.skipped else ""
            return f"kept on {self.passed} exchange(s){extra}"
        if self.skipped:
            return "; ".join(self.skipped)
        return f"not exercised by this run: it needs {self.needs}"


class Ledger:
    """Tallies of one run, by rule, in the spec's order."""

    def __init__(self, judge: Judge) -> None:
        self.rules = {rule.name: RuleTally(rule.name, rule.extension, rule.needs) for rule in judge.named_rules()}
        self.current_test = ""

    def record(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            tally = self.rules.get(finding.rule)
            if tally is None:
                continue
            if finding.outcome is Outcome.PASSED:
                tally.passed += 1
            elif finding.outcome is Outcome.FAILED:
                tally.failed.append(f"{finding.message} (in {self.current_test or 'this run'})")
            else:
                tally.skipped[finding.message] = tally.skipped.get(finding.message, 0) + 1
