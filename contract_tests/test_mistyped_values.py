"""A server laxer than the spec is caught: values in the forms web frameworks coerce are refused.

Frameworks turn the string ``"456"`` into 456, ``"true"``, ``"yes"``, ``"1"`` or 1 into true,
``""`` into null, a float into an integer, a one-item list into its item. A server that accepts
such a value for a documented field breaks the contract (the docs give each field's type), and
random generation rarely hits these exact forms. (A null for an optional field is no wrong type
in lenient mode: ``test_null_values`` holds what a server may do with it.) So each typed field of each documented request
is sent in each form, one field at a time on top of a valid documented request. Any 4xx passes;
a 2xx fails, naming the field and the form.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator

import pytest

from contract_tests.calls import ContractBroken, documented_case, send
from contract_tests.requests_from_docs import docs_example, minimal
from contract_tests.target import current
from meetings_spec.model import Operation, RequestField

RUN = current()

#: A form: (name, applies to these JSON types, makes the wrong value from a valid one).
Form = tuple[str, frozenset[str], Callable[[Any], Any]]
FORMS: list[Form] = [
    ("a string of digits", frozenset({"integer"}), lambda v: str(v)),
    ("a number with a fraction", frozenset({"integer"}), lambda v: v + 0.5),
    ("a boolean", frozenset({"integer", "string"}), lambda v: True),
    ('the string "true"', frozenset({"boolean"}), lambda v: str(v).lower()),
    ('the string "yes"', frozenset({"boolean"}), lambda v: "yes" if v else "no"),
    ('the string "1"', frozenset({"boolean"}), lambda v: "1" if v else "0"),
    ("the number 1", frozenset({"boolean"}), lambda v: 1 if v else 0),
    ("a number", frozenset({"string"}), lambda v: 1),
    ("the object as JSON text", frozenset({"object"}), lambda v: json.dumps(v)),
    ("a one-item list", frozenset({"integer", "boolean", "string", "object"}), lambda v: [v]),
    ("an empty string", frozenset({"integer", "boolean", "object"}), lambda v: ""),
    ("null", frozenset({"integer", "boolean", "string", "object"}), lambda v: None),
]
_SAMPLES = {"integer": 5, "boolean": True, "string": "sample", "object": {"key": "value"}}


def _types(field: RequestField) -> set[str]:
    kind = field.schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def _valid(field: RequestField, docs: dict[str, Any], kind: str) -> Any:
    """A value of the field's type the docs vouch for (else a plain one of that type)."""
    for value in field.documented_values(docs):
        if {"integer": int, "boolean": bool, "string": str, "object": dict}[kind] is type(value):
            return value
    return _SAMPLES[kind]


def _null_may_be_read_as_omitted(op: Operation, name: str) -> bool:
    """Lenient: a null the docs are silent on may be read as not given (``test_null_values``
    judges it); strict: the mock's assumption holds, a null is refused like any wrong type."""
    return not RUN.settings.strict and name in op.silent_nulls


def mistyped(op: Operation) -> Iterator[tuple[str, str, Any]]:
    """``(field, form, value)`` for each typed field and each form that is wrong for it."""
    docs = docs_example(op, RUN.settings.scenario_id)
    for name, field in op.request_fields.items():
        types = _types(field) - {"null"}
        if len(types) != 1:
            continue  # a field of several types (or none): no single form is wrong for it
        (kind,) = types
        valid = _valid(field, docs, kind)
        for form, applies, make in FORMS:
            if kind not in applies:
                continue
            value = make(valid)
            if value is None and ("null" in _types(field) or _null_may_be_read_as_omitted(op, name)):
                continue
            yield name, form, value
        enum = field.schema.get("enum", [])
        if isinstance(valid, str) and valid in enum and valid.swapcase() not in enum:
            yield name, "the value in another case", valid.swapcase()


def mistyped_value_refused(field: str, form: str, value: Any) -> Any:
    def mistyped_value_refused(ctx: Any, response: Any, case: Any) -> None:
        if 200 <= response.status_code < 300:
            raise AssertionError(
                f"{field} sent as {form} ({json.dumps(value)}) was accepted with {response.status_code}; "
                "a server must refuse a value of the wrong type with a 4xx, not coerce it"
            )

    return mistyped_value_refused


CASES = [
    pytest.param(op, field, id=f"{op.operation_id}.{field}")
    for op in RUN.operations.values()
    if op.request_schema is not None
    for field in dict.fromkeys(name for name, _, _ in mistyped(op))
]


@pytest.mark.parametrize(("op", "field"), CASES)
def test_a_mistyped_value_is_refused(op: Operation, field: str) -> None:
    base = minimal(op, RUN.settings.scenario_id)
    broken = []
    for name, form, value in mistyped(op):
        if name != field:
            continue
        try:
            send(documented_case(op, {**base, name: value}), extra=[mistyped_value_refused(name, form, value)])
        except ContractBroken as error:
            broken.append(str(error))
    if broken:
        raise ContractBroken("\n\n".join(broken))
