"""``waterrai-spec diff`` gives each edit of the real spec its level, as a client would feel it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from meetings_spec import load_spec
from spec_diff import Change, Level, View, diff_specs
from tests.spec_edits import BREAKING_EDITS, COMPATIBLE_EDITS, EDITS, Edit

SPEC = load_spec()


def diff_after(edit: Edit) -> list[Change]:
    edited = copy.deepcopy(SPEC)
    edit.apply(edited)
    return diff_specs(SPEC, edited)


def shown(changes: list[Change]) -> str:
    return "\n".join(f"  {c.level.label}: {c.rule}: {c.location}: {c.text}" for c in changes)


@pytest.mark.parametrize("edit", EDITS, ids=[edit.name for edit in EDITS])
def test_each_edit_gets_its_level(edit: Edit) -> None:
    changes = diff_after(edit)
    if edit.level is None:
        assert changes == [], f"{edit.name}: expected no change, found:\n{shown(changes)}"
        return
    worst = max(c.level for c in changes) if changes else None
    assert worst is not None and worst.label == edit.level, (
        f"{edit.name}: expected {edit.level}, found:\n{shown(changes)}")
    rules = (edit.rule,) if isinstance(edit.rule, str) else edit.rule
    hits = [c for c in changes if c.rule in rules and c.level.label == edit.level]
    assert hits, f"{edit.name}: expected a {edit.level} {rules}, found:\n{shown(changes)}"
    if edit.places is not None:
        places = {(c.where, c.part, c.field) for c in hits}
        assert len(places) == edit.places == len(hits), (
            f"{edit.name}: expected once at each of {edit.places} places, found:\n{shown(hits)}")


def test_the_table_is_big_enough_and_balanced() -> None:
    assert len(EDITS) >= 30
    assert len(BREAKING_EDITS) == len(COMPATIBLE_EDITS)
