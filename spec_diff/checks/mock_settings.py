"""``x-mock``: the mock's seed and limits. Frontends rely on them (scenario 456, say), the API does not.

Family ``mock settings`` of the catalogue: each setting or seed entry that differs, leaf by leaf;
lists of objects with an ``id`` (the seeded scenarios) are matched by id. An ``x-assumption``
inside ``x-mock`` is judged as any other (``spec_diff.checks.annotations``).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Iterator

from meetings_spec.refs import escape_segment
from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, same, short
from spec_diff.normal import canonical
from spec_diff.place import REQUEST, Place


def compare_mock_settings(c: Comparison) -> None:
    old, new = c.old.get("x-mock"), c.new.get("x-mock")
    if old is None and new is None:
        return
    for kind, pointer, path, was, now in _deep_diff(old, new, "/x-mock", ()):
        place = Place("x-mock", "the mock's seed and settings", REQUEST, path)
        if path and path[-1] == "x-assumption":
            compare_annotations({"x-assumption": was} if kind != "added" else {},
                                {"x-assumption": now} if kind != "removed" else {},
                                Place("x-mock", place.part, REQUEST, path[:-1]), c.findings,
                                partial(same, pointer), partial(same, pointer))
        elif kind == "added":
            c.findings.add(rules.MOCK_SETTING_ADDED, place, f"added: {short(now)}", pointer)
        elif kind == "removed":
            c.findings.add(rules.MOCK_SETTING_REMOVED, place, f"removed (was {short(was)})", pointer, pointer)
        else:
            c.findings.add(rules.MOCK_SETTING_CHANGED, place, f"{short(was)} -> {short(now)}", pointer, pointer)


def _deep_diff(old: Any, new: Any, pointer: str, path: tuple[str, ...]) -> Iterator[tuple[str, str, tuple[str, ...], Any, Any]]:
    """``(added|removed|changed, pointer, path, old, new)`` for every leaf that differs; lists of
    objects with an ``id`` are matched by id, other lists by position."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            here, sub = f"{pointer}/{escape_segment(str(key))}", (*path, str(key))
            if key not in new:
                yield "removed", here, sub, old[key], None
            elif key not in old:
                yield "added", here, sub, None, new[key]
            else:
                yield from _deep_diff(old[key], new[key], here, sub)
        return
    if isinstance(old, list) and isinstance(new, list):
        if all(isinstance(x, dict) and "id" in x for x in [*old, *new]):
            old_by = {canonical(x["id"]): (i, x) for i, x in enumerate(old)}
            new_by = {canonical(x["id"]): (i, x) for i, x in enumerate(new)}
            for key in dict.fromkeys([*old_by, *new_by]):
                if key not in new_by:
                    yield "removed", f"{pointer}/{old_by[key][0]}", (*path, f"id={key}"), old_by[key][1], None
                elif key not in old_by:
                    yield "added", f"{pointer}/{new_by[key][0]}", (*path, f"id={key}"), None, new_by[key][1]
                else:
                    yield from _deep_diff(old_by[key][1], new_by[key][1], f"{pointer}/{new_by[key][0]}", (*path, f"id={key}"))
            return
        if canonical(old) != canonical(new):
            yield "changed", pointer, path, old, new
        return
    if old is None and new is not None and path == ():
        yield "added", pointer, path, None, new
    elif new is None and old is not None and path == ():
        yield "removed", pointer, path, old, None
    elif canonical(old) != canonical(new):
        yield "changed", pointer, path, old, new
