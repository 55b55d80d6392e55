"""What ``waterrai-proxy check`` found, and the forms it reports it in: text for a person (one
line per violation, then a summary), JSON for scripts (violations as ``Violation.as_json()``,
as ``/__proxy/violations`` lists them) and JUnit XML for CI (one test case per exchange of the
API: a failure for its violations, skipped when it was not judged, or judged only in part)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from meetings_spec.files import dump
from validation_proxy.inspection import REQUEST, RESPONSE, Violation

#: ``--fail-on``: the sides whose violations fail the check (exit 1).
FAIL_ON = {"answers": (RESPONSE,), "requests": (REQUEST,), "any": (REQUEST, RESPONSE)}


@dataclass
class Result:
    """What the check made of one exchange of the API."""

    number: int
    method: str
    path: str
    status: int
    operation: str
    started: str
    violations: list[Violation] = field(default_factory=list)
    skipped: str = ""  # not judged at all: why
    partial: list[str] = field(default_factory=list)  # checks skipped: why
    source: str = ""  # its HAR, when the check read several

    @property
    def outcome(self) -> str:
        """failed, skipped (not judged, or judged in part without a finding: never a pass) or passed."""
        if self.violations:
            return "failed"
        return "skipped" if self.skipped or self.partial else "passed"

    @property
    def label(self) -> str:
        return f"{self.source}#{self.number} {self.method} {self.path} -> {self.status or 'no answer'}"

    def as_json(self) -> dict[str, Any]:
        data = {"number": self.number, "method": self.method, "path": self.path, "status": self.status, "operation": self.operation, "started": self.started}
        return {**data, "source": self.source} if self.source else data


@dataclass
class Report:
    source: str
    results: list[Result]
    entries: int
    not_api: int
    notes: list[str] = field(default_factory=list)
    fail_on: str = "any"
    #: Every secret the HAR showed (credential headers, credential-named query parameters): hidden in whatever else is written of it.
    secrets: list[str] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(len(result.violations) for result in self.results)

    def counts(self, violation: Violation) -> bool:
        """Whether ``violation`` fails the check under ``--fail-on``."""
        return violation.side in FAIL_ON[self.fail_on]

    @property
    def failing(self) -> int:
        """The violations that fail the check (exit 1)."""
        return sum(1 for result in self.results for violation in result.violations if self.counts(violation))

    def failed(self, result: Result) -> bool:
        return any(self.counts(violation) for violation in result.violations)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _reasons(reasons: Iterable[str]) -> str:
    counted: dict[str, int] = {}
    for reason in reasons:
        counted[reason] = counted.get(reason, 0) + 1
    return ", ".join(f"{reason} ({n})" if n > 1 else reason for reason, n in counted.items())


def nothing_checked(report: Report) -> bool:
    """Whether no exchange of the API was judged, even in part: a check that did not run, which
    must not read as a pass (``check`` exits 3)."""
    return all(r.skipped for r in report.results)


def _why_nothing(report: Report) -> str:
    if not report.entries:
        return "the HAR holds no entries"
    if not report.results:
        return "no entry is of the API; is the API served under a base path (--base-path)?"
    return "no exchange of the API could be judged"


def report_line(report: Report) -> str:
    """The summary in one line: what was judged, what was found, what was left out and why."""
    judged = [r for r in report.results if not r.skipped]
    failing = [r for r in report.results if r.violations]
    partial = [r for r in judged if r.partial]
    skipped = [r for r in report.results if r.skipped]
    parts = [f"{_plural(report.violations, 'violation')} in {len(failing)} of {_plural(len(judged), 'exchange')} checked"]
    if report.failing != report.violations:
        parts.append(f"{report.violations - report.failing} not counted (--fail-on {report.fail_on}: only the {'answers' if report.fail_on == 'answers' else 'requests'} fail the check)")
    if partial:
        parts.append(f"{len(partial)} checked in part ({_reasons(reason for r in partial for reason in r.partial)})")
    if skipped:
        parts.append(f"{len(skipped)} not checked ({_reasons(r.skipped for r in skipped)})")
    parts.append(f"{report.not_api} of {_plural(report.entries, 'entry').replace('entrys', 'entries')} not of the API")
    if nothing_checked(report):
        parts.append(f"nothing was checked: {_why_nothing(report)}")
    return "; ".join(parts + report.notes)


def text(report: Report) -> str:
    lines = []
    for result in report.results:
        for violation in result.violations:
            uncounted = "" if report.counts(violation) else " (not counted)"
            lines.append(f"{result.label} {result.operation} {violation.side}{uncounted}: {violation.rule}: {violation.message}")
        if not result.violations and result.outcome == "skipped":
            why = result.skipped and f"not checked: {result.skipped}" or f"checked in part: {'; '.join(result.partial)}"
            lines.append(f"{result.label} {result.operation or '-'}: {why}")
    lines.append(f"{report.source}: {report_line(report)}")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    document = {
        "source": report.source,
        "summary": report_line(report),
        "counts": {
            "entries": report.entries,
            "not_of_the_api": report.not_api,
            "exchanges": len(report.results),
            "checked": sum(1 for r in report.results if not r.skipped),
            "checked_in_part": sum(1 for r in report.results if not r.skipped and r.partial),
            "not_checked": sum(1 for r in report.results if r.skipped),
            "exchanges_with_violations": sum(1 for r in report.results if r.violations),
            "violations": report.violations,
            "failing": report.failing,
        },
        "fail_on": report.fail_on,
        "violations": [{**violation.as_json(), "exchange": result.as_json()} for result in report.results for violation in result.violations],
        "exchanges": [
            {**result.as_json(), "outcome": result.outcome, "skipped": result.skipped or None, "checked_in_part": result.partial, "violations": len(result.violations)}
            for result in report.results
        ],
        "notes": report.notes,
    }
    return dump(document)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(value: str) -> str:
    """Text XML 1.0 can hold: a server's bytes may include control characters it cannot."""
    return _NOT_XML.sub("\ufffd", value)


def junit(report: Report) -> str:
    """JUnit XML: one test case per exchange of the API; when none was checked, one skipped
    case that says why, so that a CI report shows a check that did not run, not an empty pass."""
    failures = sum(1 for r in report.results if report.failed(r))
    skipped = sum(1 for r in report.results if r.outcome == "skipped")
    unrun = not report.results
    counts = {"tests": str(len(report.results) or 1), "failures": str(failures), "errors": "0", "skipped": str(skipped + unrun)}
    suites = ET.Element("testsuites", {"name": "waterrai-proxy check", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": _xml(report.source), **counts})
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "summary", "value": _xml(report_line(report))})
    for result in report.results:
        case = ET.SubElement(suite, "testcase", {"classname": _xml(result.operation or "-"), "name": _xml(result.label)})
        lines = [f"{v.side}: {v.rule}: {v.message} (expected {v.expected}; got {v.got})" for v in result.violations if report.counts(v)]
        if lines:
            first = next(v for v in result.violations if report.counts(v))
            failure = ET.SubElement(case, "failure", {"type": "contract violation", "message": _xml(f"{_plural(len(lines), 'violation')}, first {first.side}: {first.rule}")})
            failure.text = _xml("\n".join(lines + [f"checked in part: {reason}" for reason in result.partial]))
        elif result.violations:  # found, but --fail-on does not count them: reported, not failed
            out = ET.SubElement(case, "system-out")
            out.text = _xml("\n".join(f"not counted (--fail-on {report.fail_on}): {v.side}: {v.rule}: {v.message} (expected {v.expected}; got {v.got})" for v in result.violations))
        elif result.outcome == "skipped":
            ET.SubElement(case, "skipped", {"message": _xml(result.skipped or "checked in part: " + "; ".join(result.partial))})
    if unrun:
        case = ET.SubElement(suite, "testcase", {"classname": "-", "name": "the HAR's exchanges of the API"})
        ET.SubElement(case, "skipped", {"message": _xml(f"nothing was checked: {_why_nothing(report)}")})
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json, "junit": junit}
