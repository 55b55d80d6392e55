"""Sending one request the suite's way: within the write budget, judged by schemathesis's checks
plus the spec's own rules, with failures that carry a curl command (token as a placeholder)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from schemathesis.core.failures import FailureGroup

from contract_tests import checks
from contract_tests.target import current as target
from meetings_spec.rules import Operation


def accepted_with_2xx(ctx: Any, response: Any, case: Any) -> None:
    """A request built from documented values must be accepted."""
    if not 200 <= response.status_code < 300:
        raise AssertionError(
            f"a request built only from documented values was answered {response.status_code}; expected a 2xx"
        )


def rule_checks(op: Operation, *, documented: bool) -> list[Any]:
    """The spec's rules for one operation. Echoes and defaults are only insisted on for requests
    built from documented values (or in strict mode): for other values the docs promise nothing."""
    run = target()
    found = [checks.url_query_matches_ids(op), run.non_increasing.check(op)]
    if documented or run.settings.strict:
        found.append(checks.defaults_applied_and_fields_echoed(op))
    return found


class ContractBroken(AssertionError):
    """The server broke the contract: which operation, which rule, what came back, and a curl."""


def send(case: Any, *, extra: Sequence[Any] = (), documented: bool = False, **kwargs: Any) -> Any:
    """Call and validate ``case``; None if the write budget is spent (nothing is sent)."""
    __tracebackhide__ = True  # the report is schemathesis's account of the failure, not our frames
    run = target()
    if not run.budget.may_send(case.method):
        return None
    op = run.operation_of(case)
    found = rule_checks(op, documented=documented) + list(extra)
    if documented:
        found.append(accepted_with_2xx)
    with reported(op):
        return case.call_and_validate(additional_checks=found, **kwargs)


@contextmanager
def reported(op: Operation) -> Iterator[None]:
    """Turn schemathesis's failure group into one assertion that starts with the operation."""
    __tracebackhide__ = True
    try:
        yield
    except FailureGroup as failures:
        raise ContractBroken(f"{op.method.upper()} {op.path} ({op.operation_id}): {failures.message}") from None


def documented_case(op: Operation, body: dict[str, Any] | None = None, path_parameters: dict[str, Any] | None = None) -> Any:
    """A request the suite builds itself (schemathesis adds its configured token only to cases it generates)."""
    run = target()
    schema_operation = run.schema[op.path][op.method.upper()]
    common = {"path_parameters": path_parameters or {}, "headers": run.settings.auth_header}
    if body is None:
        return schema_operation.Case(**common)
    return schema_operation.Case(body=body, media_type="application/json", **common)
