"""The diff's findings in the formats readers' tools take: text, JSON, Markdown, JUnit XML, GitHub annotations."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Callable

from meetings_spec.har_input import HarLog
from spec_diff.catalogue import Catalogue, Family, Touch
from spec_diff.impact import Impact, Traffic, read_traffic, weigh
from spec_diff.model import Change, Level
from spec_diff.source import SpecSource

FORMATS = ("text", "json", "markdown", "junit", "github")
RULES_FORMATS = ("text", "json")
_GITHUB_COMMAND = {Level.BREAKING: "error", Level.POSSIBLY_BREAKING: "warning", Level.COMPATIBLE: "notice"}
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Report:
    """What one comparison found, and how it ends. With recorded traffic (``hars``), each change
    is weighed against it (``spec_diff.impact``); ``fail_on_impact`` then fails only the changes
    that touch at least that many recorded exchanges (and those whose impact cannot be counted)."""

    old: SpecSource
    new: SpecSource
    changes: list[Change]
    fail_on: Level = Level.BREAKING
    verdict: str | None = None  # a closing sentence of ``check``, when it decides otherwise than the levels
    exit_status: int | None = None  # set by ``check`` when it decides otherwise than the levels
    hars: list[HarLog] | None = None
    fail_on_impact: int | None = None
    base_path: str | None = None
    traffic: Traffic | None = field(default=None, init=False)
    impacts: dict[tuple[str, str, str, str, str], Impact] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.hars is not None:
            self.traffic = read_traffic(self.old.document, self.hars, self.base_path)
            self.impacts = weigh(self.changes, self.old.document, self.new.document, self.traffic)

    def impact(self, change: Change) -> Impact | None:
        return self.impacts.get(change.key)

    def impact_text(self, change: Change) -> str | None:
        found = self.impact(change)
        return None if found is None else found.text(change.level)

    def fails(self, change: Change) -> bool:
        """Whether ``change`` fails the run: at or above ``--fail-on`` and, under
        ``--fail-on-impact N``, touching at least N recorded exchanges, or not countable."""
        if change.level < self.fail_on:
            return False
        found = self.impact(change)
        if self.fail_on_impact is None or found is None or not found.counted:
            return True
        return found.touched >= self.fail_on_impact

    @property
    def failing(self) -> list[Change]:
        return [change for change in self.changes if self.fails(change)]

    @property
    def spared(self) -> list[Change]:
        """Changes at or above ``--fail-on`` that ``--fail-on-impact`` lets pass."""
        return [change for change in self.changes if change.level >= self.fail_on and not self.fails(change)]

    @property
    def status(self) -> int:
        if self.exit_status is not None:
            return self.exit_status
        return 1 if self.failing else 0

    def counts(self) -> dict[str, int]:
        return {level.label: sum(1 for c in self.changes if c.level is level) for level in reversed(Level)}

    def summary(self) -> str:
        counts = ", ".join(f"{n} {label}" for label, n in self.counts().items())
        options = f"--fail-on {self.fail_on.option}" + (f", --fail-on-impact {self.fail_on_impact}" if self.fail_on_impact is not None else "")
        said = f"{counts}: {'fails' if self.status else 'passes'} ({options})"
        if self.traffic is not None:
            said += f"; weighed against {self.traffic.exchanges} recorded exchanges of the API ({len(self.traffic.files)} HAR file(s))"
        if self.spared:
            said += (f"; {len(self.spared)} change(s) at or above {self.fail_on.label} touch fewer than {self.fail_on_impact} "
                     "recorded exchanges and do not fail it")
        return said

    def new_line(self, change: Change) -> int | None:
        return self.new.line_of(change.new_pointer)

    def old_line(self, change: Change) -> int | None:
        return self.old.line_of(change.old_pointer)


def render(report: Report, fmt: str) -> str:
    renderers: dict[str, Callable[[Report], str]] = {
        "text": text, "json": as_json, "markdown": markdown, "junit": junit, "github": github,
    }
    return renderers[fmt](report)


def text(report: Report) -> str:
    lines = [f"waterrai-spec diff: {report.old.label} -> {report.new.label}"]
    if not report.changes:
        lines.append("no changes")
    for level in reversed(Level):
        found = [c for c in report.changes if c.level is level]
        if found:
            lines.append(f"{level.label.upper()} ({len(found)})")
            for change in found:
                line = report.new_line(change)
                at = f"  [{report.new.file}:{line}]" if line else ""
                lines.append(f"  {change.location}: {change.text}{at}")
                if (impact := report.impact_text(change)) is not None:
                    lines.append(f"      impact: {impact}")
    lines.append(report.summary())
    if report.verdict:
        lines.append(report.verdict)
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    def side(source: SpecSource, pointer: str | None, line: int | None) -> dict[str, Any]:
        return {"file": source.file, "pointer": pointer, "line": line}

    document = {
        "old": report.old.label,
        "new": report.new.label,
        "fail_on": report.fail_on.option,
        "exit_status": report.status,
        "summary": report.counts(),
        "verdict": report.verdict,
        "traffic": None if report.traffic is None else {
            "files": report.traffic.files,
            "entries": report.traffic.entries,
            "exchanges": report.traffic.exchanges,
            "fail_on_impact": report.fail_on_impact,
        },
        "changes": [
            {
                "level": change.level.label,
                "rule": change.rule,
                "where": change.where,
                "part": change.part,
                "field": change.field,
                "message": change.message,
                "view": change.view.value,
                "text": change.text,
                "new": side(report.new, change.new_pointer, report.new_line(change)),
                "old": side(report.old, change.old_pointer, report.old_line(change)),
                "impact": None if (impact := report.impact(change)) is None else {**impact.as_json(), "text": impact.text(change.level)},
                "fails": report.fails(change),
            }
            for change in report.changes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def markdown(report: Report) -> str:
    counts = report.counts()
    lines = [
        f"### Spec diff: `{report.old.label}` → `{report.new.label}`",
        "",
        ", ".join(f"**{n} {label}**" if n and label != "compatible" else f"{n} {label}" for label, n in counts.items())
        + f" — {'fails' if report.status else 'passes'} (`--fail-on {report.fail_on.option}`)",
        "",
    ]
    if report.changes:
        weighed = report.traffic is not None
        lines += ["| level | where | change |" + (" recorded traffic |" if weighed else ""), "|---|---|---|" + ("---|" if weighed else "")]
        for change in report.changes:
            line = report.new_line(change)
            at = f" (`{report.new.file}:{line}`)" if line else ""
            where = f"`{change.where}` {change.part}" + (f" `{change.field}`" if change.field else "")
            traffic = f" {_cell(report.impact_text(change) or '')} |" if weighed else ""
            lines.append(f"| {change.level.label} | {_cell(where)} | {_cell(change.text)}{at} |{traffic}")
    else:
        lines.append("No changes.")
    if report.traffic is not None:
        lines += ["", report.summary()]
    if report.verdict:
        lines += ["", report.verdict]
    return "\n".join(lines) + "\n"


def junit(report: Report) -> str:
    """One test case per change; those at or above ``--fail-on`` fail. No change: one passing case."""
    suites = ET.Element("testsuites", name="waterrai-spec diff")
    suite = ET.SubElement(suites, "testsuite", name=_xml(f"spec diff {report.old.label} -> {report.new.label}"))
    failures = 0
    for change in report.changes:
        case = ET.SubElement(suite, "testcase", classname=f"spec-diff.{change.level.option}",
                             name=_xml(f"{change.location}: {change.rule}"), file=_xml(report.new.file))
        line = report.new_line(change)
        if line:
            case.set("line", str(line))
        impact = report.impact_text(change)
        weighed = f"\nimpact: {impact}" if impact else ""
        if report.fails(change) and report.exit_status in (None, 1):
            failures += 1
            failure = ET.SubElement(case, "failure", type=change.level.label, message=_xml(change.text))
            failure.text = _xml(f"{change.level.label}: {change.location}: {change.text}{weighed}")
        else:
            ET.SubElement(case, "system-out").text = _xml(f"{change.level.label}: {change.text}{weighed}")
    if not report.changes:
        ET.SubElement(suite, "testcase", classname="spec-diff", name="no changes")
    if report.verdict:
        ET.SubElement(suite, "system-out").text = _xml(report.verdict)
    tests = str(max(len(report.changes), 1))
    for element in (suites, suite):
        element.set("tests", tests)
        element.set("failures", str(failures))
        element.set("errors", "0")
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def github(report: Report) -> str:
    """Workflow commands GitHub shows on the pull request's lines: error, warning or notice per level."""
    lines = []
    for change in report.changes:
        properties = [f"file={_gh_property(report.new.file)}"]
        line = report.new_line(change)
        if line:
            properties.append(f"line={line}")
        properties.append(f"title={_gh_property(f'{change.level.label}: {change.rule}')}")
        message = f"{change.location}: {change.text}"
        if (impact := report.impact_text(change)) is not None:
            message += f"\nimpact: {impact}"
        lines.append(f"::{_GITHUB_COMMAND[change.level]} {','.join(properties)}::{_gh_data(message)}")
    lines.append(f"::notice title=waterrai-spec diff::{_gh_data(report.summary())}")
    if report.verdict:
        lines.append(f"::notice title=waterrai-spec check::{_gh_data(report.verdict)}")
    return "\n".join(lines) + "\n"


def render_rules(catalogue: Catalogue, fmt: str) -> str:
    """The catalogue for users (``waterrai-spec rules``), as ``oasdiff checks`` lists its own."""
    return rules_json(catalogue) if fmt == "json" else rules_text(catalogue)


def rules_text(catalogue: Catalogue) -> str:
    """The rules by family, one a line: id, level, which recorded exchanges it touches (``--traffic``), what it means."""
    width = max(len(rule.id) for rule in catalogue)
    level_width = max(len(level.label) for level in Level)
    touch_width = max(len(_touch_code(touch)) for touch in Touch)
    counted = sum(1 for rule in catalogue if rule.touch is not None)
    lines = [f"waterrai-spec diff applies {len(catalogue)} rules, in {len(Family)} families. "
             "A change found only in the spec's strict view is reported at most possibly breaking.",
             "",
             f"With --traffic, a change's impact is counted for {counted} of them: the recorded exchanges of its operation "
             "that the third column names (- : not countable from traffic):"]
    lines += [f"  {_touch_code(touch):<{touch_width}}  {touch.value}" for touch in Touch]
    for family in Family:
        rules = [rule for rule in catalogue if rule.family is family]
        if not rules:
            continue
        lines += ["", f"{family.label.upper()} ({len(rules)}): {family.summary}"]
        lines += [f"  {rule.id:<{width}}  {rule.level.label:<{level_width}}  {_touch_code(rule.touch):<{touch_width}}  {rule.description}"
                  for rule in rules]
    return "\n".join(lines) + "\n"


def _touch_code(touch: Touch | None) -> str:
    return "-" if touch is None else touch.name.lower().replace("_", "-")


def rules_json(catalogue: Catalogue) -> str:
    document = {
        "levels": [level.label for level in reversed(Level)],
        "families": [{"family": family.label, "summary": family.summary} for family in Family],
        "impacts": [{"impact": _touch_code(touch), "touches": touch.value} for touch in Touch],
        "rules": [{"id": rule.id, "level": rule.level.label, "family": rule.family.label,
                   "description": rule.description, "impact": None if rule.touch is None else _touch_code(rule.touch)}
                  for rule in catalogue],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _cell(value: str) -> str:
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _xml(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _gh_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")
