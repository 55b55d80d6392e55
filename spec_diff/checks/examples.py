"""Named examples of a body: the mock answers them by name (``Prefer: example=NAME``).

Family ``examples`` of the catalogue. Removing one may break a client that asks for it by name;
adding or changing one breaks nobody. (A schema's or parameter's ``example`` keyword is
documentation, compared with the others in ``spec_diff.checks.annotations``.)
"""

from __future__ import annotations

from typing import Any

from spec_diff import catalogue as rules
from spec_diff.checks.comparison import Comparison, at, deref
from spec_diff.normal import Located, canonical
from spec_diff.place import Place


def compare_examples(c: Comparison, place: Place, old_media: Located, new_media: Located) -> None:
    old_examples = old_media.schema.get("examples") or {}
    new_examples = new_media.schema.get("examples") or {}
    for name in old_examples:
        if name not in new_examples:
            c.findings.add(rules.EXAMPLE_REMOVED, place,
                           f"example {name} removed (the mock answers `Prefer: example={name}` with it)",
                           at(new_media, "examples"), at(old_media.child("examples"), name))
            continue
        old_value = deref(c.old_refs, old_media.child("examples", name)).schema
        new_value = deref(c.new_refs, new_media.child("examples", name))
        if canonical(_value(old_value)) != canonical(_value(new_value.schema)):
            c.findings.add(rules.EXAMPLE_CHANGED, place, f"example {name} changed", new_value.pointer)
    for name in new_examples:
        if name not in old_examples:
            c.findings.add(rules.EXAMPLE_ADDED, place, f"example {name} added", at(new_media.child("examples"), name))


def _value(example: Any) -> Any:
    return example.get("value", example.get("externalValue")) if isinstance(example, dict) else example
