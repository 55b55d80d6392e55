"""The kit's promises: ``x-echo``, ``x-reuses``, ``x-query-params``, ``x-initial-value``,
``x-non-increasing``, ``x-mutable``.

Family ``promises`` of the catalogue. JSON Schema cannot say that a value comes back, that an
object is reused, that a URL carries values of its response, or what a meeting starts as and may
become; the top of ``openapi/meetings.yaml`` says what each extension means. Each is a promise to
clients, so each is judged like one: taking it back or changing it breaks them, making a new one
does not.
"""

from __future__ import annotations

from typing import Any, Callable

from meetings_spec.refs import escape_segment
from spec_diff import catalogue as rules
from spec_diff.catalogue import Rule
from spec_diff.checks.comparison import ABSENT, Pointer, show, sub
from spec_diff.normal import canonical
from spec_diff.place import Findings, Place


class Reporter:
    """Adds findings about one extension at one place."""

    def __init__(self, findings: Findings, place: Place, key: str, at_new: Pointer, at_old: Pointer) -> None:
        self.findings, self.place, self.key = findings, place, key
        self.at_new, self.at_old = at_new, at_old

    def __call__(self, rule: Rule, message: str, *segments: str) -> None:
        self.findings.add(rule, self.place, f"{self.key}: {message}",
                          sub(self.at_new, self.key, *segments), sub(self.at_old, self.key, *segments))


def _echo(old: Any, new: Any, report: Reporter) -> None:
    if old is ABSENT:
        report(rules.ECHO_ADDED, f"the value sent now comes back at {new}")
    elif new is ABSENT:
        report(rules.ECHO_REMOVED, f"the value sent is no longer promised back at {old}")
    else:
        report(rules.ECHO_CHANGED, f"the value sent now comes back at {new}, not {old}")


def _reuses(old: Any, new: Any, report: Reporter) -> None:
    if old is ABSENT:
        report(rules.REUSES_ADDED, f"requests with the same value now get the same {_get(new, 'object')}")
        return
    if new is ABSENT:
        report(rules.REUSES_REMOVED, f"requests with the same value no longer get the same {_get(old, 'object')}")
        return
    if _get(old, "object") != _get(new, "object"):
        report(rules.REUSES_OBJECT_CHANGED,
               f"the object reused is now {_get(new, 'object')}, not {_get(old, 'object')}", "object")
    old_fields, new_fields = _names(_get(old, "compare")), _names(_get(new, "compare"))
    for name in old_fields - new_fields:
        report(rules.REUSES_COMPARE_REMOVED, f"{name} is no longer promised equal between reuses", "compare")
    for name in new_fields - old_fields:
        report(rules.REUSES_COMPARE_ADDED, f"{name} is now promised equal between reuses too", "compare")


def _query_params(old: Any, new: Any, report: Reporter) -> None:
    old_map = old if isinstance(old, dict) else {}
    new_map = new if isinstance(new, dict) else {}
    for name in dict.fromkeys([*old_map, *new_map]):
        if name not in new_map:
            report(rules.QUERY_PARAMS_PARAM_REMOVED, f"the URL no longer promises query parameter {name}")
        elif name not in old_map:
            report(rules.QUERY_PARAMS_PARAM_ADDED, f"the URL now carries query parameter {name} (= {new_map[name]})",
                   escape_segment(name))
        elif canonical(old_map[name]) != canonical(new_map[name]):
            report(rules.QUERY_PARAMS_PARAM_CHANGED,
                   f"query parameter {name} now equals {new_map[name]}, not {old_map[name]}", escape_segment(name))


def _initial_value(old: Any, new: Any, report: Reporter) -> None:
    if old is ABSENT:
        report(rules.INITIAL_VALUE_ADDED, f"a new meeting now starts as {show(new)}")
    elif new is ABSENT:
        report(rules.INITIAL_VALUE_REMOVED, f"a new meeting is no longer promised to start as {show(old)}")
    else:
        report(rules.INITIAL_VALUE_CHANGED, f"a new meeting starts as {show(new)}, not {show(old)}")


def _non_increasing(old: Any, new: Any, report: Reporter) -> None:
    if _truthy(old) and not _truthy(new):
        report(rules.NON_INCREASING_REMOVED, "the number is no longer promised never to grow")
    elif _truthy(new) and not _truthy(old):
        report(rules.NON_INCREASING_ADDED, "the number is now promised never to grow")


def _mutable(old: Any, new: Any, report: Reporter) -> None:
    if _truthy(new) and not _truthy(old):
        report(rules.MUTABLE_ADDED, "the field may now change between creation and a later read")
    elif _truthy(old) and not _truthy(new):
        report(rules.MUTABLE_REMOVED, "the field no longer changes after creation")


#: The kit's promises (see the top of openapi/meetings.yaml), each with its judge.
PROMISES: dict[str, Callable[[Any, Any, Reporter], None]] = {
    "x-echo": _echo,
    "x-reuses": _reuses,
    "x-query-params": _query_params,
    "x-initial-value": _initial_value,
    "x-non-increasing": _non_increasing,
    "x-mutable": _mutable,
}


def _get(rule: Any, key: str) -> Any:
    return rule.get(key) if isinstance(rule, dict) else None


def _names(value: Any) -> set[str]:
    return {str(v) for v in value} if isinstance(value, list) else set()


def _truthy(value: Any) -> bool:
    return value is not ABSENT and bool(value)
