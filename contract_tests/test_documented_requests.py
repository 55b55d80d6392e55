"""Requests built from the docs' own values must be accepted, and answered as documented."""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.calls import documented_case, send
from contract_tests.requests_from_docs import named_requests
from contract_tests.target import current

RUN = current()
CASES = [
    pytest.param(op, body, id=f"{op_id}:{name}")
    for op_id, op in RUN.operations.items()
    if op.request_schema is not None
    for name, body in named_requests(op, RUN.settings.scenario_id)
]


@pytest.mark.parametrize(("op", "body"), CASES)
def test_documented_request_is_accepted_as_documented(op: Any, body: dict[str, Any]) -> None:
    send(documented_case(op, body), documented=True)
