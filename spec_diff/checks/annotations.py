"""Documentation, ``deprecated``, ``x-assumption`` and the ``x-`` extensions this tool does not know.

Families ``documentation`` and ``extensions`` of the catalogue. Documentation describes without
constraining, so a change to it is compatible. An ``x-assumption`` is the strict view's business:
rewording one changes what the mock assumes, never what a real server is held to. An extension
this tool does not know may promise anything, so changing it may break.
"""

from __future__ import annotations

from typing import Any

from spec_diff import catalogue as rules
from spec_diff.checks.comparison import ABSENT, Pointer, canonical_or_absent
from spec_diff.model import ShownIn
from spec_diff.normal import DOCUMENTATION, canonical
from spec_diff.place import Findings, Place

#: Extensions handled elsewhere: by the views (``meetings_spec.views``), not judged one by one.
VIEW_EXTENSIONS = frozenset({"x-strict", "x-only-in"})


def compare_annotations(old: dict[str, Any], new: dict[str, Any], place: Place, findings: Findings,
                        at_new: Pointer, at_old: Pointer, *, skip: set[str] | frozenset[str] = frozenset()) -> None:
    """Every documentation keyword and ``x-`` extension of an object, but those in ``skip``."""
    for key in list(dict.fromkeys([*old, *new])):
        if key in skip or key in VIEW_EXTENSIONS or not (key in DOCUMENTATION or key.startswith("x-")):
            continue
        was, now = old.get(key, ABSENT), new.get(key, ABSENT)
        if canonical_or_absent(was) == canonical_or_absent(now):
            continue
        change = "added" if was is ABSENT else "removed" if now is ABSENT else "changed"
        if key == "deprecated":
            findings.add(rules.DEPRECATED_CHANGED, place, "now deprecated" if now is True else "no longer deprecated",
                         at_new(key), at_old(key))
        elif key in DOCUMENTATION:
            findings.add(rules.DOCUMENTATION_CHANGED[key], place, f"{key} {change}", at_new(key), at_old(key))
        elif key == "x-assumption":
            text = f"x-assumption removed (was {_quote(was)})" if now is ABSENT else f"x-assumption {change}: {_quote(now)}"
            findings.add(rules.ASSUMPTION_CHANGED, place, text, at_new(key), at_old(key), view=ShownIn.STRICT)
        else:
            findings.add(rules.EXTENSION_CHANGED, place, f"{key} {change}; this tool does not know what it promises",
                         at_new(key), at_old(key))


def _quote(value: Any) -> str:
    text = value if isinstance(value, str) else canonical(value)
    return f'"{text[:200]}"'
