"""Text comes back as it was sent: accents precomposed and as combining marks, a non-Latin
script, characters outside the Basic Multilingual Plane, right-to-left text, and names of 1, 255,
1,000 and 10,000 characters (``probes.TEXT_PROBES``).

Every free-text request field the spec echoes (``x-echo``) gets each of them, one create per
name on top of the docs' required values. What the server accepts must come back code point for
code point, in the create's answer and when the created resource is read back through the spec's
link: not folded to ASCII, normalised, cut short or re-encoded. In lenient mode a server may
refuse any of them with a 4xx (the docs give no limits; the test then says it could not judge
the echo); in strict mode the strict view decides: what it allows must be accepted, what it
refuses (a name over 255 characters) refused.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.calls import documented_case, failures_together, judged
from contract_tests.checks import answered_as_the_view_allows, text_comes_back_as_sent
from contract_tests.probes import TEXT_PROBES, echoed_text_fields
from contract_tests.requests_from_docs import minimal
from contract_tests.target import current
from meetings_spec.judge import link_target
from meetings_spec.model import Operation, lookup

RUN = current()
CASES = [
    pytest.param(op, field, probe, id=f"{op.operation_id}.{field}:{probe}")
    for op in RUN.operations.values()
    if op.request_schema is not None
    for field in echoed_text_fields(op)
    for probe in TEXT_PROBES
]


def _json_or_none(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None  # the schema check has reported it


def _read_backs(op: Operation, created: Any, pointer: str) -> list[tuple[Operation, dict[str, Any]]]:
    """The reads the spec's links make of what ``op`` created, where the echoed value sits
    inside the linked resource (which a read answers at the same place, as ``x-mutable`` reads it)."""
    reads: list[tuple[Operation, dict[str, Any]]] = []
    if not isinstance(created, dict):
        return reads
    for link in op.links.values():
        expressions = link.get("parameters", {})
        resource = next((link_target(e)[0] for e in expressions.values()), None)
        if resource is None or not pointer.startswith(resource + "/"):
            continue
        parameters = {name: lookup(created, link_target(e)[1], None) for name, e in expressions.items()}
        if None not in parameters.values():
            reads.append((RUN.operations[link["operationId"]], parameters))
    return reads


@pytest.mark.parametrize(("op", "field", "probe"), CASES)
def test_text_comes_back_as_sent(op: Operation, field: str, probe: str) -> None:
    sent = TEXT_PROBES[probe]
    body = {**minimal(op, RUN.settings.scenario_id), field: sent}
    pointer = op.request_fields[field].echo or ""
    problem = RUN.request_problem(op, body)
    view = RUN.settings.mode
    checks = [
        answered_as_the_view_allows(f"{field} as {probe}", problem, view=view, must_accept=RUN.settings.strict),
        text_comes_back_as_sent(field, probe, sent, pointer, f"the answer of {op.operation_id}"),
    ]
    with failures_together() as broken:
        created = judged(broken, documented_case(op, body), extra=checks)
        status = None if created is None else created.status_code
        if status is not None and 200 <= status < 300:
            for reader, parameters in _read_backs(op, _json_or_none(created), pointer):
                check = text_comes_back_as_sent(field, probe, sent, pointer, f"its read-back through {reader.operation_id}")
                judged(broken, documented_case(reader, path_parameters=parameters), extra=[check])
    if status is not None and 400 <= status < 500 and problem is None:
        pytest.skip(f"{op.operation_id}: {field} as {probe} was refused with {status}, which the {view} view allows (the docs give no limit): its echo could not be judged")
