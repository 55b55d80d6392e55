"""Integers at the edges of fixed-width arithmetic, in every integer path parameter and request
field: 2^31, 2^53 + 1, 2^63, 2^64, -1 and 0, and a path id with leading zeros
(``probes.INTEGER_EDGES``), the overflows first.

The spec's own limits (the strict view's minimum and maximum) are reached by schemathesis's
coverage phase (``test_generated``). These edges are where a server's ints, doubles and database
columns overflow, which no limit in the docs names; each is sent on its own, one field at a time
on top of the docs' required values. Whatever a server chooses there, it never answers a 5xx, and
never a success whose body breaks the schema; where the run's view sets a limit (strict), a value
past it is refused with a 4xx. A server may take an edge value in a create: at most
``EDGE_CREATES`` of these requests may create a meeting; the rest are then not sent, and the
tests that could not send theirs say so.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.calls import documented_case, failures_together, judged
from contract_tests.checks import answered_as_the_view_allows, edge_value_handled
from contract_tests.probes import EDGE_CREATES, INTEGER_EDGES, integer_fields, integer_path_parameters, path_id_edges
from contract_tests.requests_from_docs import documented_path_parameters, minimal
from contract_tests.target import current
from meetings_spec.model import Operation

RUN = current()
_created: list[str] = []  # the edge requests that created something, this run

BODY_CASES = [
    pytest.param(op, field, id=f"{op.operation_id}.{field}")
    for op in RUN.operations.values()
    if op.request_schema is not None
    for field in integer_fields(op)
]
PATH_CASES = [
    pytest.param(op, name, id=f"{op.operation_id}.path.{name}")
    for op in RUN.operations.values()
    for name in integer_path_parameters(op)
]


def _checks(op: Operation, what: str, problem: str | None) -> list[Any]:
    """No 5xx, no success breaking the schema; past the view's limits, a refusal (what the view
    allows need not be accepted: an edge id may name nothing, an edge duration may be too long)."""
    return [
        edge_value_handled(what, op, RUN.contract),
        answered_as_the_view_allows(what, problem, view=RUN.settings.mode, must_accept=False),
    ]


@pytest.mark.parametrize(("op", "name"), PATH_CASES)
def test_a_path_id_at_an_edge_is_answered_safely(op: Operation, name: str) -> None:
    documented = documented_path_parameters(op, RUN.operations)
    with failures_together() as broken:
        for edge, raw in path_id_edges(documented.get(name, 1)).items():
            what = f"path parameter {name} at {edge} ({raw})"
            judged(broken, documented_case(op, path_parameters={**documented, name: raw}), extra=_checks(op, what, RUN.path_problem(op, name, raw)))


@pytest.mark.parametrize(("op", "field"), BODY_CASES)
def test_an_integer_field_at_an_edge_is_answered_safely(op: Operation, field: str) -> None:
    base = minimal(op, RUN.settings.scenario_id)
    not_sent = []
    with failures_together() as broken:
        for edge, value in INTEGER_EDGES.items():
            if len(_created) >= EDGE_CREATES:
                not_sent.append(edge)
                continue
            body = {**base, field: value}
            what = f"{field} at {edge} ({value})"
            answer = judged(broken, documented_case(op, body), extra=_checks(op, what, RUN.request_problem(op, body)))
            if answer is not None and 200 <= answer.status_code < 300:
                _created.append(f"{op.operation_id}.{field} at {edge}")
    if not_sent:
        pytest.skip(
            f"{op.operation_id}: {field} was not sent at {', '.join(not_sent)}: the server took {EDGE_CREATES} edge values "
            f"already, each a meeting created (the first: {_created[0]}), and the edge probe creates no more"
        )
