"""Components: only a component schema's name appearing or going away is judged here.

Family ``components`` of the catalogue. What a component says is compared where operations use
it (``spec_diff.checks.schemas``), once per place a client meets it, not again for the component.
Its name alone changes no traffic, but code generated from OLD names that type.
"""

from __future__ import annotations

from meetings_spec.refs import escape_segment
from spec_diff import catalogue as rules
from spec_diff.checks.comparison import Comparison
from spec_diff.place import Place


def compare_component_names(c: Comparison) -> None:
    old_names = set(((c.old.get("components") or {}).get("schemas") or {}))
    new_names = set(((c.new.get("components") or {}).get("schemas") or {}))
    for name in sorted(old_names - new_names):
        c.findings.add(rules.COMPONENT_SCHEMA_REMOVED, Place("components", f"schema {name}"),
                       "schema name removed (no traffic changes by this alone; code generated from OLD that names this "
                       "type must be regenerated)", "/components/schemas", f"/components/schemas/{escape_segment(name)}")
    for name in sorted(new_names - old_names):
        c.findings.add(rules.COMPONENT_SCHEMA_ADDED, Place("components", f"schema {name}"), "schema name added",
                       f"/components/schemas/{escape_segment(name)}")
