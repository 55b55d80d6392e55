"""Requests built only from values the docs vouch for: the suite insists these get a 2xx.

The docs' examples, every documented enum value and boolean, optional fields present or absent.
Anything else a server may refuse with a 4xx (lenient mode): the docs say nothing about it.
"""

from __future__ import annotations

from typing import Any, Iterator

from hypothesis import strategies as st

from meetings_spec.judge import link_target
from meetings_spec.model import Operation, lookup

_ABSENT = object()


def docs_example(op: Operation, scenario_id: int) -> dict[str, Any]:
    """The operation's first documented request, aimed at a scenario that exists on the target."""
    example = dict(next(iter(op.request_examples().values())))
    return aimed(op, example, scenario_id)


def aimed(op: Operation, body: dict[str, Any], scenario_id: int) -> dict[str, Any]:
    """``body`` naming the target's scenario, where the operation names one."""
    field = op.scenario_field
    return {**body, field: scenario_id} if field is not None and field in body else body


def documented_path_parameters(op: Operation, ops: dict[str, Operation]) -> dict[str, Any]:
    """The path parameters of the resource the operation's documented answer shows, read where
    the spec's links say they are (``GET /meetings/{id}``: ``id`` 789, the docs' meeting)."""
    values: dict[str, Any] = {}
    examples = list(op.examples(op.success_status).values())
    for creator in ops.values():
        for link in creator.links.values():
            if link.get("operationId") != op.operation_id:
                continue
            for name, expression in link.get("parameters", {}).items():
                found = [lookup(example, link_target(expression)[1], None) for example in examples]
                values.setdefault(name, next((value for value in found if value is not None), None))
    return {name: value for name, value in values.items() if value is not None}


def minimal(op: Operation, scenario_id: int) -> dict[str, Any]:
    example = docs_example(op, scenario_id)
    return {name: example[name] for name in op.required_fields}


def named_requests(op: Operation, scenario_id: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """A small, fixed set covering every documented value at least once."""
    docs = docs_example(op, scenario_id)
    base = minimal(op, scenario_id)
    for name, body in op.request_examples().items():
        yield f"example-{name}", aimed(op, body, scenario_id)
    yield "required-only", base
    for name, field in op.request_fields.items():
        for value in field.schema.get("enum", []):
            yield f"{name}={value}", {**base, name: value}
    booleans = [name for name, field in op.request_fields.items() if field.schema.get("type") == "boolean"]
    for value in (True, False):
        yield f"all-booleans-{str(value).lower()}", {**base, **{name: value for name in booleans}}
    for name, field in op.request_fields.items():
        if field.default_from and all(part in docs for part in field.default_from):
            parts = {part: docs[part] for part in field.default_from}
            yield f"{name}-omitted-made-from-{'-'.join(field.default_from)}", {**{k: v for k, v in base.items() if k != name}, **parts}


def documented_bodies(op: Operation, scenario_id: int, *, leave_out: tuple[str, ...] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """Any mix of optional fields, present or absent, each with a value the docs vouch for."""
    docs = docs_example(op, scenario_id)
    required = {name: st.just(docs[name]) for name in op.required_fields}
    optional = {}
    for name, field in op.request_fields.items():
        values = field.documented_values(docs)
        if name in required or name in leave_out or not values:
            continue
        optional[name] = st.sampled_from([_ABSENT, *values])
    return st.fixed_dictionaries({**required, **optional}).map(
        lambda body: {k: v for k, v in body.items() if v is not _ABSENT}
    )
