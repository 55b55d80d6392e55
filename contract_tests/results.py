"""The run's results as data: each test's outcome, each broken rule with its curl, each rule's
tally. The Markdown summary (``--summary``) and the JSON report (``--report-json``) are both
rendered from this, never from the text schemathesis or pytest print (which changes between
versions).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from contract_tests.reach import finish
from meetings_spec.coverage_report import write_coverage
from meetings_spec.files import write_atomically


@dataclass
class FailureRecord:
    """One broken check: where, which check or rule, what was expected and came back, a curl."""

    operation: str
    check: str
    message: str
    reproduce: str | None = None


@dataclass
class TestRecord:
    nodeid: str
    outcome: str  # passed, failed, skipped (an error in set-up counts as failed)
    duration: float
    reason: str | None = None  # why it was skipped
    failures: list[FailureRecord] = field(default_factory=list)


@dataclass
class Results:
    tests: list[TestRecord] = field(default_factory=list)
    #: Failures of the test running now, reported by ``calls.reported``; moved to its record.
    pending: list[FailureRecord] = field(default_factory=list)

    def add(self, record: TestRecord) -> None:
        record.failures = [*self.pending, *record.failures] if record.outcome == "failed" else []
        self.pending = []
        self.tests.append(record)

    def count(self, outcome: str) -> int:
        return sum(1 for test in self.tests if test.outcome == outcome)


def report(target: Any, exitstatus: int) -> dict[str, Any]:
    """Everything the run found, as plain data."""
    settings = target.settings
    budget = target.budget
    return {
        "target": settings.base_url,
        "mode": settings.mode,
        "seed": settings.seed,
        "verdict": "kept" if exitstatus == 0 else "broken" if exitstatus == 1 else "not judged",
        "exit_status": exitstatus,
        "reason": None,
        "tests": {
            "passed": target.results.count("passed"),
            "failed": target.results.count("failed"),
            "skipped": target.results.count("skipped"),
            "items": [asdict(test) for test in target.results.tests],
        },
        "rules": [
            {"rule": tally.name, "extension": tally.extension, "outcome": tally.outcome, "detail": tally.detail}
            for tally in target.ledger.rules.values()
        ],
        "requests": {
            "sent": budget.total_requests,
            "by_operation": dict(sorted(budget.requests.items())),
            "created": budget.creates,
            "max_creates": settings.max_creates,
            "writes_skipped_by_cap": budget.skipped_writes,
        },
    }


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown(data: dict[str, Any]) -> str:
    """A short account for a CI job's page."""
    tests, requests = data["tests"], data["requests"]
    lines = [
        f"# Meetings API contract: {data['verdict'].upper() if data['verdict'] != 'kept' else 'kept'}",
        "",
        f"- target: {data['target']} ({data['mode']} mode, seed {data['seed']})",
        *([f"- nothing was checked: {_cell(data['reason'])}"] if data.get("reason") else []),
        f"- tests: {tests['passed']} passed, {tests['failed']} failed, {tests['skipped']} skipped",
        f"- requests sent: {requests['sent']}; meetings created: {requests['created']} "
        f"(cap {requests['max_creates']}; {requests['writes_skipped_by_cap']} writes skipped by the cap)",
        "",
    ]
    failed = [t for t in tests["items"] if t["outcome"] == "failed"]
    if failed:
        lines += ["## Failures", ""]
        for test in failed:
            lines.append(f"### `{test['nodeid']}`")
            lines.append("")
            for failure in test["failures"] or [{"operation": "", "check": "failed", "message": "", "reproduce": None}]:
                where = f"{failure['operation']}: " if failure["operation"] else ""
                lines.append(f"- {where}**{_cell(failure['check'])}**" + (f": {_cell(failure['message'])}" if failure["message"] else ""))
                if failure.get("reproduce"):
                    lines += ["", "  ```sh", f"  {failure['reproduce']}", "  ```"]
            lines.append("")
    if data["rules"]:
        lines += ["## Rules the spec declares", "", "| rule | outcome | detail |", "|---|---|---|"]
        lines += [f"| {_cell(r['rule'])} | {r['outcome']} | {_cell(r['detail'])} |" for r in data["rules"]]
        lines.append("")
    skipped = [t for t in tests["items"] if t["outcome"] == "skipped"]
    if skipped:
        reasons: dict[str, int] = {}
        for test in skipped:
            reasons[test["reason"] or "no reason given"] = reasons.get(test["reason"] or "no reason given", 0) + 1
        lines += ["## Skipped (could not run)", "", "| tests | why |", "|---|---|"]
        lines += [f"| {n} | {_cell(reason)} |" for reason, n in reasons.items()]
        lines.append("")
    if requests["by_operation"]:
        lines += ["## Requests by operation", "", "| operation | requests |", "|---|---|"]
        lines += [f"| {label} | {count} |" for label, count in requests["by_operation"].items()]
    return "\n".join(lines).rstrip("\n") + "\n"


def unjudged(asked: Any, reason: str, exitstatus: int) -> dict[str, Any]:
    """The report of a run that stopped before checking anything, in the shape of ``report``:
    no test, no rule, no request, and the reason."""
    return {
        "target": asked.base_url,
        "mode": "strict" if asked.contract_strict else "lenient",
        "seed": asked.seed,
        "verdict": "not judged",
        "exit_status": exitstatus,
        "reason": reason,
        "tests": {"passed": 0, "failed": 0, "skipped": 0, "items": []},
        "rules": [],
        "requests": {"sent": 0, "by_operation": {}, "created": 0, "max_creates": asked.max_creates, "writes_skipped_by_cap": 0},
    }


def junit_unjudged(data: dict[str, Any]) -> str:
    """JUnit XML of a run that checked nothing: one errored case that says why, so that a CI
    job's test report shows a check that did not run, never an empty pass."""
    import xml.etree.ElementTree as ET

    counts = {"tests": "1", "errors": "1", "failures": "0", "skipped": "0", "time": "0"}
    suites = ET.Element("testsuites", {"name": "waterrai-contract", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "waterrai-contract", **counts})
    case = ET.SubElement(suite, "testcase", {"classname": "contract_tests", "name": f"contract of {data['target'] or 'no target'}", "time": "0"})
    error = ET.SubElement(case, "error", {"type": "no verdict", "message": f"nothing was checked: {data['reason']}"})
    error.text = f"The run stopped before any check (exit status {data['exit_status']}): {data['reason']}"
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_reports(target: Any, exitstatus: int, redact: Callable[[str], str]) -> None:
    """The files the run was asked for, each redacted and written whole or not at all."""
    settings = target.settings
    data = report(target, exitstatus)
    if settings.summary_path:
        write_atomically(Path(settings.summary_path), redact(markdown(data)))
    if settings.report_json_path:
        write_atomically(Path(settings.report_json_path), redact(json.dumps(data, indent=2, ensure_ascii=False) + "\n"))
    if settings.coverage_dir and target.coverage is not None:
        write_coverage(settings.coverage_dir, finish(target.coverage, target), redact)
