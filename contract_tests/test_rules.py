"""Rules that span exchanges, exercised on purpose: each property below sends the requests its
rule needs (built from documented values; hypothesis picks which optional fields to send and
how), and the spec's rules judge every answer (``checks.spec_rules``).

- a created resource reads back with the same fields, following the spec's links, but for the
  ``x-mutable`` ones;
- a request field marked ``x-reuses`` identifies an object: the same value twice gives the same
  object, no value gives a new one each time (dynamic meetings' end users by email).
Defaults, echoes, URL query parameters and the never-growing balance are judged on every answer.
A property that could not judge its rule even once fails, rather than passing unseen.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from contract_tests.calls import documented_case, send
from contract_tests.requests_from_docs import docs_example, documented_bodies
from contract_tests.target import current
from meetings_spec.judge import Finding, Outcome, link_target
from meetings_spec.model import lookup

RUN = current()
SCENARIO = RUN.settings.scenario_id
PROPERTY_SETTINGS = settings(
    max_examples=max(2, RUN.settings.max_examples // 3),
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each example spends real creates
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
CREATES = [op for op in RUN.operations.values() if op.request_schema is not None and op.links]
REUSES = [(op, name) for op in CREATES for name, field in op.request_fields.items() if field.reuses]


def _judged(findings: list[Finding], extension: str) -> bool:
    return any(f.extension == extension and f.outcome is Outcome.PASSED for f in findings)


@pytest.mark.parametrize("op", CREATES, ids=[op.operation_id for op in CREATES])
def test_created_resource_reads_back(op: Any) -> None:
    judged: list[Finding] = []

    @seed(RUN.settings.seed)
    @PROPERTY_SETTINGS
    @given(body=documented_bodies(op, SCENARIO))
    def created_then_read(body: dict[str, Any]) -> None:
        created = send(documented_case(op, body), documented=True).json()
        for link in op.links.values():
            parameters = {name: lookup(created, link_target(expression)[1]) for name, expression in link["parameters"].items()}
            read = send(documented_case(RUN.operations[link["operationId"]], path_parameters=parameters), documented=True)
            judged.extend(read.findings)

    created_then_read()
    assert _judged(judged, "x-mutable"), "no read of a created resource could be compared with what was created"


@pytest.mark.parametrize(("op", "key"), REUSES, ids=[f"{op.operation_id}.{key}" for op, key in REUSES])
def test_same_key_gives_the_same_object(op: Any, key: str) -> None:
    documented_key = docs_example(op, SCENARIO)[key]
    judged: list[Finding] = []

    @seed(RUN.settings.seed)
    @PROPERTY_SETTINGS
    @given(body=documented_bodies(op, SCENARIO, leave_out=(key,)), tag=st.integers(0, 10**6))
    def twice(body: dict[str, Any], tag: int) -> None:
        value = f"contract-{RUN.settings.seed}-{tag}.{documented_key}"  # new to the server, shaped as documented
        send(documented_case(op, {**body, key: value}), documented=True)
        judged.extend(send(documented_case(op, {**body, key: value}), documented=True).findings)

    twice()
    assert _judged(judged, "x-reuses"), f"no second request with the same {key} could be compared with the first"


@pytest.mark.parametrize(("op", "key"), REUSES, ids=[f"{op.operation_id}.{key}" for op, key in REUSES])
def test_no_key_gives_a_new_object_each_time(op: Any, key: str) -> None:
    judged: list[Finding] = []

    @seed(RUN.settings.seed)
    @PROPERTY_SETTINGS
    @given(body=documented_bodies(op, SCENARIO, leave_out=(key,)))
    def without_key(body: dict[str, Any]) -> None:
        judged.extend(send(documented_case(op, body), documented=True).findings)

    without_key()
    assert _judged(judged, "x-reuses"), f"no request without {key} could be judged"
