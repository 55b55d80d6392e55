"""What a field is when a request leaves it out: ``default``, ``x-default-from``, ``x-default-from-scenario``.

Family ``defaults`` of the catalogue. JSON Schema cannot say that an omitted field takes a value;
the spec documents it, and clients rely on it. The rules (join other fields, ask the scenario)
and the fallback value are compared apart, so moving a fallback between ``default`` and an
``otherwise`` is no change. A documented value that changes breaks clients even when the schema
stays the same; one that is newly documented breaks nobody; one no longer documented may.
"""

from __future__ import annotations

from typing import Any

from spec_diff import catalogue as rules
from spec_diff.checks.comparison import ABSENT, Pointer, canonical_or_absent, show, sub
from spec_diff.place import Findings, Place

DEFAULTING = ("default", "x-default-from", "x-default-from-scenario")
_RULE_TEXT = {"x-default-from": "the fields joined in its place", "x-default-from-scenario": "the scenario attribute used"}
_RULE_KEY = {"x-default-from": "join", "x-default-from-scenario": "field"}


def compare_defaults(old: dict[str, Any], new: dict[str, Any], place: Place, findings: Findings,
                     at_new: Pointer, at_old: Pointer) -> None:
    """The value of an omitted field, from the annotations ``old`` and ``new`` of its schema."""
    old_rules, old_fallback, old_fallback_at = _omitted(old)
    new_rules, new_fallback, new_fallback_at = _omitted(new)
    documented_before = bool(old_rules) or old_fallback is not ABSENT
    for rule in dict.fromkeys([*old_rules, *new_rules]):
        was, now = old_rules.get(rule, ABSENT), new_rules.get(rule, ABSENT)
        if canonical_or_absent(was) == canonical_or_absent(now):
            continue
        shown = f"{rule}: {_RULE_TEXT[rule]} {show(was)} -> {show(now)}"
        if not documented_before:
            kind, text = rules.DEFAULT_RULE_ADDED, f"value when omitted now documented ({shown})"
        elif now is ABSENT and not new_rules and new_fallback is ABSENT:
            kind, text = rules.DEFAULT_RULE_REMOVED, f"value when omitted no longer documented ({shown})"
        else:
            kind, text = rules.DEFAULT_RULE_CHANGED, f"value when omitted changed ({shown})"
        findings.add(kind, place, text, sub(at_new, rule, _RULE_KEY[rule]), sub(at_old, rule, _RULE_KEY[rule]))
    if canonical_or_absent(old_fallback) == canonical_or_absent(new_fallback):
        return
    new_at, old_at = sub(at_new, *new_fallback_at), sub(at_old, *old_fallback_at)
    if old_fallback is ABSENT:
        findings.add(rules.DEFAULT_ADDED, place, f"default now documented: {show(new_fallback)}", new_at, old_at)
    elif new_fallback is ABSENT:
        findings.add(rules.DEFAULT_REMOVED, place,
                     f"default {show(old_fallback)} no longer documented: a request that leaves the field out "
                     "may now get another value", new_at, old_at)
    else:
        findings.add(rules.DEFAULT_CHANGED, place,
                     f"default changed from {show(old_fallback)} to {show(new_fallback)}: a request that leaves "
                     "the field out now gets another value", new_at, old_at)


def _omitted(notes: dict[str, Any]) -> tuple[dict[str, Any], Any, tuple[str, ...]]:
    """``(rules, fallback value, where the fallback is written)`` of a field's value when omitted."""
    found: dict[str, Any] = {}
    fallback: Any = ABSENT
    fallback_at: tuple[str, ...] = ("default",)
    joined = notes.get("x-default-from")
    if isinstance(joined, dict) and "join" in joined:
        found["x-default-from"] = joined["join"]
    scenario = notes.get("x-default-from-scenario")
    if isinstance(scenario, dict) and "field" in scenario:
        found["x-default-from-scenario"] = scenario["field"]
    for key, holder in (("default", notes), ("x-default-from", joined), ("x-default-from-scenario", scenario)):
        if key == "default" and "default" in notes:
            fallback, fallback_at = notes["default"], ("default",)
            break
        if key != "default" and isinstance(holder, dict) and "otherwise" in holder:
            fallback, fallback_at = holder["otherwise"], (key, "otherwise")
            break
    return found, fallback, fallback_at
