"""A request valid by the docs that names something no server has: a scenario (the request field
the spec's ``x-default-from-scenario`` rules name) or a resource in the path (``GET
/meetings/{id}``), given the id ``probes.ABSENT_ID`` (2^31 - 1, the largest 32-bit integer).

Everywhere else the suite names the scenario it was told exists, so it never sees how a server
answers one that does not. A 4xx refusal passes (strict mode: one the strict view declares, the
mock's 404); so does a 2xx that is the success the spec describes (the id may exist there after
all). A 2xx that carries an error, such as ``{"success": false, ...}`` with 200, fails: a client
reads the status and takes the error for a meeting. One create per create operation at most.
"""

from __future__ import annotations

import pytest

from contract_tests.calls import documented_case, send
from contract_tests.checks import no_error_dressed_as_success
from contract_tests.probes import absent_id, integer_path_parameters
from contract_tests.requests_from_docs import documented_path_parameters, minimal
from contract_tests.target import current
from meetings_spec.model import Operation

RUN = current()
ABSENT = absent_id(RUN.settings.scenario_id)
CASES = [
    *(pytest.param(op, op.scenario_field, None, id=f"{op.operation_id}.{op.scenario_field}") for op in RUN.operations.values() if op.scenario_field),
    *(pytest.param(op, None, name, id=f"{op.operation_id}.path.{name}") for op in RUN.operations.values() for name in integer_path_parameters(op)),
]


@pytest.mark.parametrize(("op", "field", "parameter"), CASES)
def test_an_unknown_reference_is_refused_or_served_not_dressed_up(op: Operation, field: str | None, parameter: str | None) -> None:
    if field is not None:
        what = f"a request whose {field} is {ABSENT} (chosen to name no scenario)"
        case = documented_case(op, minimal(op, ABSENT))
    else:
        assert parameter is not None
        what = f"a read of {parameter} {ABSENT} (chosen to name nothing)"
        case = documented_case(op, path_parameters={**documented_path_parameters(op, RUN.operations), parameter: ABSENT})
    send(case, extra=[no_error_dressed_as_success(what, op, RUN.contract)])
