"""Judge changes to annotations: documentation, documented defaults, and the kit's ``x-`` rules.

JSON Schema cannot say that an omitted field takes a value (``default``, ``x-default-from``,
``x-default-from-scenario``), that a value comes back (``x-echo``), that an object is reused
(``x-reuses``), that a URL carries values of its response (``x-query-params``), or what a meeting
starts as and may become (``x-initial-value``, ``x-mutable``, ``x-non-increasing``). Each is a
promise to clients, so each is judged like one: taking it back or changing it breaks them, making
a new one does not. The top of ``openapi/meetings.yaml`` says what each extension means.
"""

from __future__ import annotations

from typing import Any, Callable

from meetings_spec.refs import escape_segment
from spec_diff.model import Level, View
from spec_diff.normal import DOCUMENTATION, Flat, canonical
from spec_diff.place import Findings, Place

Pointer = Callable[[str], "str | None"]
_ABSENT = object()

#: Extensions handled elsewhere (the views) or by ``compare_defaults``: not judged one by one here.
VIEW_EXTENSIONS = frozenset({"x-strict", "x-only-in"})
DEFAULTING = ("default", "x-default-from", "x-default-from-scenario")


def compare_notes(o: Flat, n: Flat, place: Place, findings: Findings) -> None:
    """Every annotation of a schema: documentation, defaults, the kit's rules, assumptions."""
    compare_defaults(o.notes, n.notes, place, findings, n.where, o.where)
    for key, judge in PROMISES.items():
        old, new = o.notes.get(key, _ABSENT), n.notes.get(key, _ABSENT)
        if canonical_or_absent(old) != canonical_or_absent(new):
            judge(old, new, Reporter(findings, place, key, n.where, o.where))
    for key in ("readOnly", "writeOnly"):
        if bool(o.notes.get(key)) != bool(n.notes.get(key)):
            findings.add(Level.POSSIBLY_BREAKING, f"{place.direction}-{key}-changed", place,
                         f"{key} {'added' if n.notes.get(key) else 'removed'}", n.where(key), o.where(key))
    skip = {*PROMISES, *DEFAULTING, "readOnly", "writeOnly"}
    compare_annotations(o.notes, n.notes, place, findings, n.where, o.where, skip=skip)


def compare_annotations(old: dict[str, Any], new: dict[str, Any], place: Place, findings: Findings,
                        at_new: Pointer, at_old: Pointer, *, skip: set[str] | frozenset[str] = frozenset()) -> None:
    """Documentation (compatible), ``x-assumption`` (the strict view's business) and unknown extensions."""
    for key in list(dict.fromkeys([*old, *new])):
        if key in skip or key in VIEW_EXTENSIONS or not (key in DOCUMENTATION or key.startswith("x-")):
            continue
        was, now = old.get(key, _ABSENT), new.get(key, _ABSENT)
        if canonical_or_absent(was) == canonical_or_absent(now):
            continue
        change = "added" if was is _ABSENT else "removed" if now is _ABSENT else "changed"
        if key == "deprecated":
            findings.add(Level.COMPATIBLE, "deprecated-changed", place,
                         "now deprecated" if now is True else "no longer deprecated", at_new(key), at_old(key))
        elif key in DOCUMENTATION:
            findings.add(Level.COMPATIBLE, f"{key.lstrip('$')}-changed", place, f"{key} {change}",
                         at_new(key), at_old(key))
        elif key == "x-assumption":
            text = f"x-assumption removed (was {_quote(was)})" if now is _ABSENT else f"x-assumption {change}: {_quote(now)}"
            findings.add(Level.POSSIBLY_BREAKING, "assumption-changed", place, text,
                         at_new(key), at_old(key), view=View.STRICT)
        else:
            findings.add(Level.POSSIBLY_BREAKING, "extension-changed", place,
                         f"{key} {change}; this tool does not know what it promises", at_new(key), at_old(key))


# ---------------------------------------------------------------------- defaults


def compare_defaults(old: dict[str, Any], new: dict[str, Any], place: Place, findings: Findings,
                     at_new: Pointer, at_old: Pointer) -> None:
    """What a field is when a request leaves it out: ``default``, ``x-default-from``, ``x-default-from-scenario``.

    The rules (join other fields, ask the scenario) and the fallback value are compared apart, so
    moving a fallback between ``default`` and an ``otherwise`` is no change. A documented value
    that changes breaks clients even when the schema stays the same; one that is newly
    documented breaks nobody; one no longer documented may.
    """
    old_rules, old_fallback, old_fallback_at = _omitted(old)
    new_rules, new_fallback, new_fallback_at = _omitted(new)
    documented_before = bool(old_rules) or old_fallback is not _ABSENT
    for rule in dict.fromkeys([*old_rules, *new_rules]):
        was, now = old_rules.get(rule, _ABSENT), new_rules.get(rule, _ABSENT)
        if canonical_or_absent(was) == canonical_or_absent(now):
            continue
        what = {"x-default-from": "the fields joined in its place", "x-default-from-scenario": "the scenario attribute used"}[rule]
        shown = f"{rule}: {what} {_show(was)} -> {_show(now)}"
        if not documented_before:
            level, text = Level.COMPATIBLE, f"value when omitted now documented ({shown})"
        elif now is _ABSENT and not new_rules and new_fallback is _ABSENT:
            level, text = Level.POSSIBLY_BREAKING, f"value when omitted no longer documented ({shown})"
        else:
            level, text = Level.BREAKING, f"value when omitted changed ({shown})"
        findings.add(level, "default-rule-changed", place, text, _sub(at_new, rule, "join" if rule == "x-default-from" else "field"),
                     _sub(at_old, rule, "join" if rule == "x-default-from" else "field"))
    if canonical_or_absent(old_fallback) == canonical_or_absent(new_fallback):
        return
    new_at, old_at = _sub(at_new, *new_fallback_at), _sub(at_old, *old_fallback_at)
    if old_fallback is _ABSENT:
        findings.add(Level.COMPATIBLE, "default-added", place, f"default now documented: {_show(new_fallback)}",
                     new_at, old_at)
    elif new_fallback is _ABSENT:
        findings.add(Level.POSSIBLY_BREAKING, "default-removed", place,
                     f"default {_show(old_fallback)} no longer documented: a request that leaves the field out "
                     "may now get another value", new_at, old_at)
    else:
        findings.add(Level.BREAKING, "default-changed", place,
                     f"default changed from {_show(old_fallback)} to {_show(new_fallback)}: a request that leaves "
                     "the field out now gets another value", new_at, old_at)


def _omitted(notes: dict[str, Any]) -> tuple[dict[str, Any], Any, tuple[str, ...]]:
    """``(rules, fallback value, where the fallback is written)`` of a field's value when omitted."""
    rules: dict[str, Any] = {}
    fallback: Any = _ABSENT
    fallback_at: tuple[str, ...] = ("default",)
    joined = notes.get("x-default-from")
    if isinstance(joined, dict) and "join" in joined:
        rules["x-default-from"] = joined["join"]
    scenario = notes.get("x-default-from-scenario")
    if isinstance(scenario, dict) and "field" in scenario:
        rules["x-default-from-scenario"] = scenario["field"]
    for key, holder in (("default", notes), ("x-default-from", joined), ("x-default-from-scenario", scenario)):
        if key == "default" and "default" in notes:
            fallback, fallback_at = notes["default"], ("default",)
            break
        if key != "default" and isinstance(holder, dict) and "otherwise" in holder:
            fallback, fallback_at = holder["otherwise"], (key, "otherwise")
            break
    return rules, fallback, fallback_at


# ---------------------------------------------------------------------- the kit's promises


class Reporter:
    """Adds findings about one extension at one place."""

    def __init__(self, findings: Findings, place: Place, key: str, at_new: Pointer, at_old: Pointer) -> None:
        self.findings, self.place, self.key = findings, place, key
        self.at_new, self.at_old = at_new, at_old

    def __call__(self, level: Level, what: str, message: str, *sub: str) -> None:
        self.findings.add(level, f"{self.key.removeprefix('x-')}-{what}", self.place, f"{self.key}: {message}",
                          _sub(self.at_new, self.key, *sub), _sub(self.at_old, self.key, *sub))


def _echo(old: Any, new: Any, report: Reporter) -> None:
    if old is _ABSENT:
        report(Level.COMPATIBLE, "added", f"the value sent now comes back at {new}")
    elif new is _ABSENT:
        report(Level.BREAKING, "removed", f"the value sent is no longer promised back at {old}")
    else:
        report(Level.BREAKING, "changed", f"the value sent now comes back at {new}, not {old}")


def _reuses(old: Any, new: Any, report: Reporter) -> None:
    if old is _ABSENT:
        report(Level.COMPATIBLE, "added", f"requests with the same value now get the same {_get(new, 'object')}")
        return
    if new is _ABSENT:
        report(Level.BREAKING, "removed", f"requests with the same value no longer get the same {_get(old, 'object')}")
        return
    if _get(old, "object") != _get(new, "object"):
        report(Level.BREAKING, "object-changed", f"the object reused is now {_get(new, 'object')}, not {_get(old, 'object')}", "object")
    old_fields, new_fields = _names(_get(old, "compare")), _names(_get(new, "compare"))
    for name in old_fields - new_fields:
        report(Level.BREAKING, "compare-removed", f"{name} is no longer promised equal between reuses", "compare")
    for name in new_fields - old_fields:
        report(Level.COMPATIBLE, "compare-added", f"{name} is now promised equal between reuses too", "compare")


def _query_params(old: Any, new: Any, report: Reporter) -> None:
    old_map = old if isinstance(old, dict) else {}
    new_map = new if isinstance(new, dict) else {}
    for name in dict.fromkeys([*old_map, *new_map]):
        if name not in new_map:
            report(Level.BREAKING, "param-removed", f"the URL no longer promises query parameter {name}")
        elif name not in old_map:
            report(Level.COMPATIBLE, "param-added", f"the URL now carries query parameter {name} (= {new_map[name]})",
                   escape_segment(name))
        elif canonical(old_map[name]) != canonical(new_map[name]):
            report(Level.BREAKING, "param-changed",
                   f"query parameter {name} now equals {new_map[name]}, not {old_map[name]}", escape_segment(name))


def _initial_value(old: Any, new: Any, report: Reporter) -> None:
    if old is _ABSENT:
        report(Level.COMPATIBLE, "added", f"a new meeting now starts as {_show(new)}")
    elif new is _ABSENT:
        report(Level.BREAKING, "removed", f"a new meeting is no longer promised to start as {_show(old)}")
    else:
        report(Level.BREAKING, "changed", f"a new meeting starts as {_show(new)}, not {_show(old)}")


def _non_increasing(old: Any, new: Any, report: Reporter) -> None:
    if _truthy(old) and not _truthy(new):
        report(Level.BREAKING, "removed", "the number is no longer promised never to grow")
    elif _truthy(new) and not _truthy(old):
        report(Level.COMPATIBLE, "added", "the number is now promised never to grow")


def _mutable(old: Any, new: Any, report: Reporter) -> None:
    if _truthy(new) and not _truthy(old):
        report(Level.BREAKING, "added", "the field may now change between creation and a later read")
    elif _truthy(old) and not _truthy(new):
        report(Level.COMPATIBLE, "removed", "the field no longer changes after creation")


#: The kit's promises (see the top of openapi/meetings.yaml), each with its judge.
PROMISES: dict[str, Callable[[Any, Any, Reporter], None]] = {
    "x-echo": _echo,
    "x-reuses": _reuses,
    "x-query-params": _query_params,
    "x-initial-value": _initial_value,
    "x-non-increasing": _non_increasing,
    "x-mutable": _mutable,
}


# ---------------------------------------------------------------------- small helpers


def canonical_or_absent(value: Any) -> str:
    return "<absent>" if value is _ABSENT else canonical(value)


def _sub(at: Pointer, key: str, *sub: str) -> str | None:
    base = at(key)
    return None if base is None else base + "".join(f"/{escape_segment(s)}" for s in sub)


def _show(value: Any) -> str:
    return "none" if value is _ABSENT else canonical(value)


def _quote(value: Any) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return f'"{text[:200]}"'


def _get(rule: Any, key: str) -> Any:
    return rule.get(key) if isinstance(rule, dict) else None


def _names(value: Any) -> set[str]:
    return {str(v) for v in value} if isinstance(value, list) else set()


def _truthy(value: Any) -> bool:
    return value is not _ABSENT and bool(value)
