"""``waterrai-spec diff`` gives each edit of the real spec its level, as a client would feel it."""

from __future__ import annotations

import copy
import datetime
import functools
from pathlib import Path
from typing import Any

import pytest

from meetings_spec import load_spec
from spec_diff import Change, Level, ShownIn, diff_specs
from spec_diff.catalogue import CATALOGUE
from tests.spec_edits import EDITS, Edit, component, unrequire

SPEC = load_spec()
RELEASED = Path(__file__).resolve().parent.parent / "openapi" / "released" / "1.0.0.yaml"


@functools.cache
def found_by(index: int) -> tuple[Change, ...]:
    """What the diff finds for ``EDITS[index]`` (computed once: two tests read it)."""
    return tuple(diff_specs(*EDITS[index].sides(SPEC)))


def diff_after(edit: Edit) -> list[Change]:
    return list(found_by(EDITS.index(edit)))


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
    hits = [c for c in changes if c.rule == edit.rule and c.level.label == edit.level]
    assert hits, f"{edit.name}: expected a {edit.level} {edit.rule}, found:\n{shown(changes)}"
    if edit.view is not None:
        assert {c.view.value for c in hits} == {edit.view}, shown(hits)
        assert all(("strict view only" in c.text) == (edit.view == "strict") for c in hits), shown(hits)
        assert all(("lenient view only" in c.text) == (edit.view == "lenient") for c in hits), shown(hits)
    if edit.places is not None:
        places = {(c.where, c.part, c.field) for c in hits}
        assert len(places) == edit.places == len(hits), (
            f"{edit.name}: expected once at each of {edit.places} places, found:\n{shown(hits)}")


def test_every_catalogued_rule_has_an_edit_that_triggers_it_and_nothing_uncatalogued_is_reported() -> None:
    """The catalogue and the edits hold each other: each rule is named by an edit whose diff
    reports it, and no edit's diff reports an id the catalogue lacks, or at another level than
    the catalogue's (lowered to possibly breaking at most when only the strict view sees it)."""
    named = {edit.rule for edit in EDITS if edit.rule is not None}
    assert not named - CATALOGUE.ids, f"edits name rules the catalogue lacks: {sorted(named - CATALOGUE.ids)}"
    reported_by_namer: set[str] = set()
    for index, edit in enumerate(EDITS):
        for change in found_by(index):
            assert change.rule in CATALOGUE, f"{edit.name}: reported {change.rule}, which the catalogue lacks"
            level = CATALOGUE[change.rule].level
            expected = min(level, Level.POSSIBLY_BREAKING) if change.view is ShownIn.STRICT else level
            assert change.level is expected, f"{edit.name}: {change.rule} reported {change.level.label}, not {expected.label}"
            if change.rule == edit.rule:
                reported_by_namer.add(change.rule)
    untriggered = [rule.id for rule in CATALOGUE if rule.id not in reported_by_namer]
    assert not untriggered, f"no edit in tests/spec_edits.py names and triggers: {untriggered}"


def test_a_restructured_spec_still_shows_real_changes() -> None:
    """Release 1.0.0 wrote the answers with allOf overrides; the spec now writes them as plain
    objects sharing fields by $ref (issue 16). Nothing breaks between the two because no fact
    changed, not because the diff stops looking: a real change shows from either."""
    released = load_spec(RELEASED)
    assert [c for c in diff_specs(released, SPEC) if c.level is Level.BREAKING] == []
    changed = copy.deepcopy(SPEC)
    component(changed, "MeetingType")["enum"].append("team")
    unrequire(changed, "CreatedMeeting", "created_at")
    for old in (released, SPEC):
        changes = diff_specs(old, changed)
        assert sorted((c.rule, c.where, c.part, c.field) for c in changes if c.level is Level.BREAKING) == [
            ("response-property-became-optional", "POST /meetings", f"response {status} body", "data.created_at")
            for status in ("200", "201")
        ] + [
            ("response-value-added", where, f"response {status} body", "data.meeting_type")
            for where, status in (("GET /meetings/{id}", "200"), ("POST /meetings", "200"), ("POST /meetings", "201"))
        ]


def tiny_spec(request: dict[str, Any], response: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    """A one-operation spec: POST /things with the given request and 200 response schemas."""
    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"content": {"application/json": {"schema": copy.deepcopy(schema)}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/things": {"post": {
            "requestBody": {"required": True, **body(request)},
            "responses": {"200": {"description": "ok", **body(response)}},
        }}},
        "components": {"schemas": schemas},
    }


def test_recursive_schemas_are_followed_and_the_diff_ends() -> None:
    node = {"type": "object", "properties": {
        "name": {"type": "string"},
        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
    }}
    old = tiny_spec({"$ref": "#/components/schemas/Node"}, {"$ref": "#/components/schemas/Node"}, {"Node": node})
    new = copy.deepcopy(old)
    new["components"]["schemas"]["Node"]["properties"]["name"]["maxLength"] = 10
    changes = diff_specs(old, new)
    request = {c.field for c in changes if c.part == "request body"}
    assert {"name", "children[].name"} <= request
    assert all(c.level is Level.BREAKING for c in changes if c.part == "request body")
    assert all(c.level is Level.COMPATIBLE for c in changes if c.part == "response 200 body")


@pytest.mark.parametrize("direction", ["request", "response"])
def test_alternatives_are_matched_branch_by_branch(direction: str) -> None:
    schemas = {
        "Card": {"type": "object", "required": ["number"], "properties": {"number": {"type": "string"}}},
        "Bank": {"type": "object", "required": ["iban"], "properties": {"iban": {"type": "string"}}},
    }
    payment = {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Bank"}]}
    old = tiny_spec(payment, payment, schemas)
    fewer = copy.deepcopy(old)
    for place in (fewer["paths"]["/things"]["post"]["requestBody"], fewer["paths"]["/things"]["post"]["responses"]["200"]):
        place["content"]["application/json"]["schema"]["oneOf"].reverse()  # order does not matter...
        place["content"]["application/json"]["schema"]["oneOf"].pop()  # ...but Card is gone (Bank was oneOf[1])
    fewer["components"]["schemas"]["Bank"]["properties"]["iban"]["minLength"] = 15  # and Bank changed inside
    part = "request body" if direction == "request" else "response 200 body"
    found = {(c.rule, c.level, c.field) for c in diff_specs(old, fewer) if c.part == part}
    if direction == "request":
        assert found == {("request-alternative-removed", Level.BREAKING, ""),
                         ("request-minLength-tightened", Level.BREAKING, "oneOf[1].iban")}
    else:
        assert found == {("response-alternative-removed", Level.COMPATIBLE, ""),
                         ("response-minLength-tightened", Level.COMPATIBLE, "oneOf[1].iban")}
    more = diff_specs(fewer, old)
    assert {(c.rule, c.level) for c in more if c.part == part and "alternative" in c.rule} == {
        (f"{direction}-alternative-added", Level.COMPATIBLE if direction == "request" else Level.BREAKING)}


SPELLINGS = {
    "type list / anyOf of types": ({"type": ["integer", "string"]}, {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
    "nullable type / anyOf with null": ({"type": ["string", "null"], "maxLength": 5},
                                         {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]}),
    "nullable object / oneOf $ref or null": (
        {"type": ["object", "null"], "required": ["a"], "properties": {"a": {"type": "integer"}}},
        {"oneOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]}),
    "const with and without its type": ({"type": "string", "const": "x"}, {"const": "x"}),
    "enum of one / const": ({"enum": ["x"]}, {"const": "x"}),
    "whole numbers as 1.0": ({"enum": [1, 2]}, {"enum": [2.0, 1.0]}),
    "allOf / merged object": (
        {"allOf": [{"$ref": "#/components/schemas/A"}, {"required": ["b"], "properties": {"b": {"type": "string"}}}]},
        {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}}),
    "bounds in allOf / tightest bounds": (
        {"allOf": [{"type": "integer", "minimum": 1, "maximum": 10}, {"minimum": 3, "maximum": 20}]},
        {"type": "integer", "minimum": 3, "maximum": 10}),
    "$ref / the same schema written out": (
        {"$ref": "#/components/schemas/A"},
        {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}),
}


@pytest.mark.parametrize("name", SPELLINGS)
@pytest.mark.parametrize("swap", [False, True], ids=["old-new", "new-old"])
def test_spellings_of_one_schema_compare_equal(name: str, swap: bool) -> None:
    one, other = SPELLINGS[name]
    if swap:
        one, other = other, one
    schemas = {"A": {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}}}
    changes = diff_specs(tiny_spec(one, one, schemas), tiny_spec(other, other, schemas))
    assert changes == [], shown(changes)


def test_yaml_spellings_of_statuses_and_dates_are_read_as_json() -> None:
    """YAML reads an unquoted 200 as a number and an unquoted date as a date: neither is a change."""
    written = tiny_spec({"type": "object"}, {"type": "object", "examples": [{"at": "2024-01-15T10:40:00Z"}]}, {})
    unquoted = copy.deepcopy(written)
    operation_ = unquoted["paths"]["/things"]["post"]
    operation_["responses"] = {200: operation_["responses"]["200"], "4xx": {"description": "any"}}
    written["paths"]["/things"]["post"]["responses"]["4XX"] = {"description": "any"}
    example = operation_["responses"][200]["content"]["application/json"]["schema"]["examples"][0]
    example["at"] = datetime.datetime(2024, 1, 15, 10, 40, tzinfo=datetime.timezone.utc)
    assert [c.rule for c in diff_specs(written, unquoted)] == ["examples-changed"]  # the date, now a date
    example["at"] = "2024-01-15T10:40:00Z"
    assert diff_specs(written, unquoted) == []
