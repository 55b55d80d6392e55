"""The catalogue of ``waterrai-spec diff``'s rules: one list, no id twice, nothing reported outside it.

That every catalogued rule is triggered by an edit of the spec is shown in ``test_spec_diff.py``,
which runs the edits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from spec_diff.catalogue import CATALOGUE, Catalogue, DuplicateRule, Family, Rule, UnknownRule
from spec_diff.model import Level
from spec_diff.place import Findings, Place


def test_an_id_declared_twice_is_refused() -> None:
    catalogue = Catalogue()
    catalogue.rule("thing-removed", Level.BREAKING, Family.PATHS, "a thing removed")
    with pytest.raises(DuplicateRule, match="thing-removed"):
        catalogue.rule("thing-removed", Level.COMPATIBLE, Family.SCHEMAS, "another meaning, same id")
    with pytest.raises(DuplicateRule, match="request-thing-added"):
        catalogue.widening("thing-added", "a thing added")
        catalogue.narrowing("thing-added", "the same id again, for the other direction")
    assert [rule.id for rule in catalogue] == ["thing-removed", "request-thing-added", "response-thing-added"]


def test_a_rule_is_refused_unless_declared_whole() -> None:
    catalogue = Catalogue()
    with pytest.raises(ValueError, match="thing-removed"):  # a variant names a rule declared before it
        catalogue.add(Rule("optional-thing-removed", Level.COMPATIBLE, Family.PATHS, "an optional thing removed",
                           variant_of="thing-removed"))
    for bad_id in ("thing removed", "thing-", "", "Thing-removed"):
        with pytest.raises(ValueError, match="words of letters"):
            catalogue.rule(bad_id, Level.COMPATIBLE, Family.PATHS, "an id a report could not quote as one word")
    with pytest.raises(ValueError, match="one line"):
        catalogue.rule("thing-moved", Level.COMPATIBLE, Family.PATHS, "two\nlines")
    assert len(catalogue) == 0


def test_a_finding_of_a_rule_outside_the_catalogue_is_refused() -> None:
    findings, place = Findings(), Place("GET /meetings/{id}", "")
    with pytest.raises(UnknownRule, match="made-up"):
        findings.add(Rule("made-up", Level.BREAKING, Family.PATHS, "not declared"), place, "message")
    catalogued = CATALOGUE["path-removed"]
    with pytest.raises(UnknownRule, match="path-removed"):  # a catalogued id at another level than the catalogue's
        findings.add(replace(catalogued, level=Level.COMPATIBLE), place, "message")
    findings.add(catalogued, place, "message")
    assert [(c.rule, c.level) for c in findings.changes] == [("path-removed", Level.BREAKING)]


def test_every_family_has_rules_and_every_rule_a_one_line_description() -> None:
    assert {rule.family for rule in CATALOGUE} == set(Family)
    assert all(rule.description and "\n" not in rule.description for rule in CATALOGUE)
    variants = [rule for rule in CATALOGUE if rule.variant_of is not None]
    assert all(CATALOGUE[rule.variant_of].family is rule.family for rule in variants)


def test_spec_diff_stands_on_meetings_spec_alone() -> None:
    """spec_diff imports nothing of the mock, the fixtures' builder, the proxy or the suite, even
    indirectly: a fresh interpreter imports every one of its modules and lists what got loaded."""
    code = (
        "import importlib, json, pkgutil, sys, spec_diff\n"
        "for module in pkgutil.walk_packages(spec_diff.__path__, 'spec_diff.'):\n"
        "    if module.name != 'spec_diff.__main__':\n"
        "        importlib.import_module(module.name)\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(done.stdout))
    assert "spec_diff" in loaded and "meetings_spec" in loaded
    assert not loaded & {"mock_server", "fixtures_builder", "validation_proxy", "contract_tests"}
