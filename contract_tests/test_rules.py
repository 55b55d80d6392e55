"""Rules a schema cannot state, each read from the spec, checked as properties over requests
built from documented values (hypothesis picks which optional fields to send and how).

- a created resource reads back with the same fields, following the spec's links;
- a request field marked ``x-reuses`` identifies an object: the same value twice gives the same
  object, no value gives a new one each time (dynamic meetings' end users by email).
Defaults, echoes, URL query parameters and the never-growing balance are checked on every
create by ``calls.rule_checks``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from contract_tests.calls import documented_case, send
from contract_tests.checks import new_object_each_time, reads_back_as_created, same_object_again
from contract_tests.requests_from_docs import docs_example, documented_bodies
from contract_tests.target import current
from meetings_spec.rules import lookup

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
REUSES = [(op, name, field.reuses) for op in CREATES for name, field in op.request_fields.items() if field.reuses]


def _link_target(expression: str) -> tuple[str, str]:
    """``$response.body#/data/id`` -> (``/data``, ``/data/id``): the object and its id pointer."""
    pointer = expression.split("#", 1)[1]
    return pointer.rsplit("/", 1)[0], pointer


@pytest.mark.parametrize("op", CREATES, ids=[op.operation_id for op in CREATES])
def test_created_resource_reads_back(op: Any) -> None:
    @seed(RUN.settings.seed)
    @PROPERTY_SETTINGS
    @given(body=documented_bodies(op, SCENARIO))
    def created_then_read(body: dict[str, Any]) -> None:
        response = send(documented_case(op, body), documented=True)
        if response is None:
            return  # the write budget is spent
        created = response.json()
        for link in op.links.values():
            read_op = RUN.operations[link["operationId"]]
            mutable = {p.rsplit("/", 1)[1] for p, marked in read_op.success_rule("x-mutable") if marked}
            parameters, resource = {}, "/"
            for name, expression in link["parameters"].items():
                resource, pointer = _link_target(expression)
                parameters[name] = lookup(created, pointer)
            check = reads_back_as_created(lookup(created, resource), mutable, resource)
            send(documented_case(read_op, path_parameters=parameters), extra=[check])

    created_then_read()


@pytest.mark.parametrize(("op", "key", "rule"), REUSES, ids=[f"{op.operation_id}.{key}" for op, key, _ in REUSES])
def test_same_key_gives_the_same_object(op: Any, key: str, rule: tuple[str, tuple[str, ...]]) -> None:
    pointer, compare = rule
    documented_key = docs_example(op, SCENARIO)[key]

    @seed(RUN.settings.seed)
    @PROPERTY_SETTINGS
    @given(body=documented_bodies(op, SCENARIO, leave_out=(key,)), tag=st.integers(0, 10**6))
    def twice(body: dict[str, Any], tag: int) -> None:
        value = f"contract-{RUN.settings.seed}-{tag}.{documented_key}"  # new to the server, shaped as documented
        first = send(documented_case(op, {**body, key: value}), documented=True)
        if first is None:
            return
        check = same_object_again(pointer, compare, lookup(first.json(), pointer), key, value)
        send(documented_case(op, {**body, key: value}), documented=True, extra=[check])

    twice()


@pytest.mark.parametrize(("op", "key", "rule"), REUSES, ids=[f"{op.operation_id}.{key}" for op, key, _ in REUSES])
def test_no_key_gives_a_new_object_each_time(op: Any, key: str, rule: tuple[str, tuple[str, ...]]) -> None:
    pointer, compare = rule
    seen: list[dict[str, Any]] = []

    @seed(RUN.settings.seed)
    @PROPERTY_SETTINGS
    @given(body=documented_bodies(op, SCENARIO, leave_out=(key,)))
    def without_key(body: dict[str, Any]) -> None:
        response = send(documented_case(op, body), documented=True, extra=[new_object_each_time(pointer, compare, list(seen), key)])
        if response is not None:
            seen.append(lookup(response.json(), pointer))

    without_key()
