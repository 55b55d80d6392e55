"""The checks ``waterrai-spec diff`` runs on two documents of one view, one module per family of
rules in ``spec_diff.catalogue``:

================  =================================  ==========================================
family            module                             judges
================  =================================  ==========================================
paths             ``paths``                          operations removed, added, renamed, tagged
security          ``security``                       who may call an operation
parameters        ``parameters``                     path, query, header parameters
request body      ``request_body``                   whether a body is taken, and must be
media types       ``media_types``                    the media types of bodies, both ways
examples          ``examples``                       named examples of bodies
responses         ``responses``                      statuses, response headers, links
schemas           ``schemas``                        what a request or a response may hold
defaults          ``defaults``                       the value of an omitted field
promises          ``promises``                       the kit's x- rules (x-echo, x-reuses...)
documentation     ``annotations``                    descriptions, examples, deprecated...
extensions        ``annotations``                    x-assumption, x- extensions not known
servers           ``servers``                        servers, and which one is production
components        ``components``                     component schemas' names
mock settings     ``mock_settings``                  x-mock
================  =================================  ==========================================

A check reports a change with a catalogue entry, which gives the change its id and level.
"""

from __future__ import annotations

from typing import Any

from spec_diff.checks.comparison import Comparison
from spec_diff.checks.components import compare_component_names
from spec_diff.checks.mock_settings import compare_mock_settings
from spec_diff.checks.paths import compare_operations
from spec_diff.checks.schemas import SchemaDiff
from spec_diff.checks.servers import compare_servers
from spec_diff.normal import CachedRefs
from spec_diff.place import Findings


def compare_documents(old: dict[str, Any], new: dict[str, Any]) -> Findings:
    """Every change from ``old`` to ``new`` (two documents in the same view)."""
    old_refs, new_refs = CachedRefs(old), CachedRefs(new)
    findings = Findings()
    comparison = Comparison(old, new, old_refs, new_refs, SchemaDiff(old_refs, new_refs, findings), findings)
    compare_servers(comparison)
    compare_operations(comparison)
    compare_component_names(comparison)
    compare_mock_settings(comparison)
    return findings
