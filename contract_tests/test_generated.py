"""Requests generated from the spec by schemathesis (examples, coverage and fuzzing phases).

Valid ones (positive) must get an answer that conforms to the spec; invalid ones (negative:
missing fields, wrong types, values outside an enum, malformed bodies) must get a 4xx. Nothing
may get a 5xx. In lenient mode a valid request may still be refused with a 4xx, since its
values may sit where the docs say nothing; in strict mode it must be accepted.
"""

from __future__ import annotations

from typing import Any

from contract_tests.calls import send
from contract_tests.target import current

schema = current().schema


@schema.parametrize()
def test_generated_requests_conform(case: Any) -> None:
    send(case)
