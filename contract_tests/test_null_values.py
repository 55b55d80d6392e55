"""A null for a request field, taken as the docs allow (``meetings_spec.nulls``).

- Where the docs list null as a value (``max_participants``: "default: null - unlimited"), it
  is a documented value: the request must be accepted and answered as documented.
- For a required field null is wrong input: ``test_mistyped_values`` sends it, any 4xx passes.
- For any other optional field the docs are silent. In lenient mode a server may refuse the null
  with a 4xx, or read it as the field not given: its answer is then judged as for the field
  omitted (the documented default, ``x-default-from``, every rule of the spec), and a broken rule
  fails naming it. In strict mode the mock's assumption holds: the null is refused.

Each such field whose omission a rule of the spec can see in the answer (``x-echo``,
``x-reuses``) is sent as null on its own, on top of the docs' request; the others, which no
answer shows, are sent as null together, once per operation: each accepted request is a create.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.calls import documented_case, send
from contract_tests.requests_from_docs import docs_example
from contract_tests.target import current
from meetings_spec.model import Operation

RUN = current()
SCENARIO = RUN.settings.scenario_id
CREATES = [op for op in RUN.operations.values() if op.request_schema is not None]


def _seen_in_answers(op: Operation, name: str) -> bool:
    field = op.request_fields[name]
    return bool(field.echo or field.reuses)


DOCUMENTED = [
    pytest.param(op, name, id=f"{op.operation_id}.{name}")
    for op in CREATES
    for name, field in op.request_fields.items()
    if name not in op.required_fields and any(value is None for value in field.documented_values(docs_example(op, SCENARIO)))
]
SILENT = [
    pytest.param(op, (name,), id=f"{op.operation_id}.{name}")
    for op in CREATES
    for name in sorted(op.silent_nulls)
    if _seen_in_answers(op, name)
] + [
    pytest.param(op, others, id=f"{op.operation_id}.{len(others)}-fields-no-answer-shows")
    for op in CREATES
    for others in [tuple(sorted(name for name in op.silent_nulls if not _seen_in_answers(op, name)))]
    if others
]


@pytest.mark.parametrize(("op", "name"), DOCUMENTED)
def test_a_documented_null_is_accepted(op: Operation, name: str) -> None:
    send(documented_case(op, {**docs_example(op, SCENARIO), name: None}), documented=True)


def null_refused(names: tuple[str, ...]) -> Any:
    def null_refused(ctx: Any, response: Any, case: Any) -> None:
        if 200 <= response.status_code < 300:
            raise AssertionError(
                f"{', '.join(names)} sent as null was accepted with {response.status_code}; the strict view (the mock's "
                "assumption) refuses a null where the docs give none, with a 4xx"
            )

    return null_refused


@pytest.mark.parametrize(("op", "names"), SILENT)
def test_a_null_the_docs_are_silent_on_is_refused_or_read_as_not_given(op: Operation, names: tuple[str, ...]) -> None:
    body = {**docs_example(op, SCENARIO), **dict.fromkeys(names)}
    if RUN.settings.strict:
        send(documented_case(op, body), extra=[null_refused(names)])
    else:  # refused, or judged by the spec's rules as the docs' request without these fields
        send(documented_case(op, body), documented=True, refusable=True)

