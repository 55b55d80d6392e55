"""Record each case against a fresh in-process mock, with a fixed seed and a frozen clock, and
validate both halves of every exchange against the spec before anything is written."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from meetings_spec import View, contract_view, load_spec
from meetings_spec.model import operations
from meetings_spec.contract import Contract, OperationContract
from fixtures_builder.cases import Case, Step, cases_for
from mock_server import create_app

#: The docs' own creation time: every recorded meeting is created at this instant.
FROZEN_AT = datetime(2024, 1, 15, 10, 40, tzinfo=timezone.utc)
SEED = 20240115
#: Response headers other teams may rely on; the rest (Date, Server, ...) are left out.
KEPT_RESPONSE_HEADERS = ("Content-Type", "Allow", "WWW-Authenticate")


class FixtureError(Exception):
    """A recorded exchange does not match the spec; nothing is written."""


def all_cases(spec: dict[str, Any]) -> list[Case]:
    lenient = operations(contract_view(spec, View.LENIENT))
    strict = operations(contract_view(spec, View.STRICT))
    scenarios = spec.get("x-mock", {}).get("scenarios", [])
    return [case for op_id, op in lenient.items() for case in cases_for(op, strict[op_id], scenarios, lenient)]


def record_all(spec_path: str | Path | None = None) -> list[dict[str, Any]]:
    """Every case's exchange, validated; raises ``FixtureError`` naming the first bad one."""
    spec = load_spec(spec_path)
    contract = Contract(spec, View.STRICT)
    exchanges = []
    for case in all_cases(spec):
        exchange = _record(case, spec_path)
        _validate(case, exchange, contract, contract.operations[case.operation_id])
        exchanges.append(exchange)
    return exchanges


def _record(case: Case, spec_path: str | Path | None) -> dict[str, Any]:
    app = create_app(spec_path, seed=SEED, clock=lambda: FROZEN_AT, balance=case.balance, access_log=False, journal=False)
    client = app.test_client()
    for step in case.setup:
        response = _send(client, step)
        if response.status_code >= 400:
            raise FixtureError(f"{case.operation_id}/{case.name}: set-up request answered {response.status_code}")
    response = _send(client, case.request)
    request: dict[str, Any] = {"method": case.request.method, "path": case.request.path, "headers": dict(case.request.headers)}
    if case.request.raw is not None:
        request["bodyText"] = case.request.raw
    elif case.request.body is not None:
        request["body"] = case.request.body
    return {
        "operationId": case.operation_id,
        "case": case.name,
        "description": case.description,
        "request": request,
        "response": {
            "status": response.status_code,
            "headers": {k: response.headers[k] for k in KEPT_RESPONSE_HEADERS if k in response.headers},
            "body": response.get_json(),
        },
    }


def _send(client: Any, step: Step) -> Any:
    data = step.raw if step.raw is not None else (None if step.body is None else json.dumps(step.body))
    return client.open(step.path, method=step.method, headers=step.headers, data=data)


def _validate(case: Case, exchange: dict[str, Any], contract: Contract, op: OperationContract) -> None:
    """The exchange as the strict view's contract judges it: the kit's one validator stack."""
    where = f"fixture {case.operation_id}/{case.name}"
    status = str(exchange["response"]["status"])
    if status not in op.model.responses:
        raise FixtureError(f"{where}: the mock answered {status}, which the spec does not declare for {op.operation_id}")
    answer = contract.check_response(op, int(status), content_type="application/json", body=json.dumps(exchange["response"]["body"]).encode())
    if answer.problems:
        errors = [f"{problem.field}: {problem.message[:200]}" for problem in answer.problems]
        raise FixtureError(f"{where}: the response does not match the spec: {errors}")
    request = exchange["request"]
    if "body" in request and op.body_validator is not None:
        valid = op.body_validator.is_valid(request["body"])
        if valid != (case.broken != "body"):
            raise FixtureError(f"{where}: its request body is {'valid' if valid else 'invalid'} against the spec, but the case says otherwise")
    expected = op.model.success_status if case.status is None else str(case.status)
    if status != expected:
        raise FixtureError(f"{where}: the mock answered {status}, where the case expects {expected}")
