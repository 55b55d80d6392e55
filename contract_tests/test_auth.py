"""Bearer auth on every operation: no token, a malformed header or a wrong token is refused."""

from __future__ import annotations

from typing import Any

import pytest
from schemathesis.checks import not_a_server_error

from contract_tests.calls import reported, skip_if_budget_spent
from contract_tests.requests_from_docs import docs_example
from contract_tests.target import current

RUN = current()
WITHOUT_A_VALID_TOKEN = {
    "no-header": None,
    "basic-scheme": "Basic Y29udHJhY3Q6c3VpdGU=",
    "bearer-without-token": "Bearer",
    "unknown-token": f"Bearer contract-suite-invalid-{RUN.settings.seed}",
}


def refused(credential: str) -> Any:
    value = WITHOUT_A_VALID_TOKEN[credential]
    # what was sent, as sent: these credentials are the suite's own and no secret
    sent = "no Authorization header" if value is None else f"'Authorization: {value}'"

    def refused_without_a_valid_token(ctx: Any, response: Any, case: Any) -> None:
        """Lenient: any 4xx refuses; strict: 401, the status the spec's assumption names."""
        wanted = range(401, 402) if RUN.settings.strict else range(400, 500)
        if response.status_code not in wanted:
            expected = "401" if RUN.settings.strict else "a 4xx (401 or 403, typically)"
            hint = " (waterrai-mock accepts any token unless started with --token)" if credential == "unknown-token" else ""
            raise AssertionError(
                f"a request with {sent} ({credential}) was answered {response.status_code}; expected {expected}{hint}"
            )

    return refused_without_a_valid_token


@pytest.mark.parametrize("credential", list(WITHOUT_A_VALID_TOKEN))
@pytest.mark.parametrize("op_id", list(RUN.operations))
def test_requests_without_a_valid_token_are_refused(op_id: str, credential: str) -> None:
    op = RUN.operations[op_id]
    skip_if_budget_spent(op.method)
    operation = RUN.schema_without_token[op.path][op.method.upper()]
    path_parameters = {}
    if op.parameters:  # the documented example's id, e.g. GET /meetings/789
        documented = next(iter(op.examples(op.success_status).values()))
        path_parameters = {p["name"]: documented["data"][p["name"]] for p in op.parameters if p["in"] == "path"}
    value = WITHOUT_A_VALID_TOKEN[credential]
    headers = {} if value is None else {"Authorization": value}  # in the case: its curl line sends them too
    if op.request_schema is not None:
        case = operation.Case(body=docs_example(op, RUN.settings.scenario_id), media_type="application/json", path_parameters=path_parameters, headers=headers)
    else:
        case = operation.Case(path_parameters=path_parameters, headers=headers)
    response = case.call(session=RUN.http)
    with reported(op, case):
        case.validate_response(response, checks=[not_a_server_error, refused(credential)])
