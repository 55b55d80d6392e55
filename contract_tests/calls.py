"""Sending one request the suite's way: within the write budget, judged by schemathesis's checks
plus the spec's own rules, with failures that carry a curl command (token as a placeholder)."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import pytest
from schemathesis.core.failures import FailureGroup

from contract_tests.checks import accepted_with_2xx, answer_keeps_the_contract, spec_rules
from contract_tests.results import FailureRecord
from contract_tests.settings import TOKEN_PLACEHOLDER
from contract_tests.target import current as target
from meetings_spec.judge import Finding
from meetings_spec.model import Operation


class ContractBroken(AssertionError):
    """The server broke the contract: which operation, which rule, what came back, and a curl.
    ``response`` is the answer that broke it, when one came (a probe may go on from it)."""

    def __init__(self, message: str, response: Any = None) -> None:
        super().__init__(message)
        self.response = response


@dataclass
class Sent:
    """A request that went out: its answer, and what the spec's rules found in it."""

    response: Any
    findings: list[Finding] = field(default_factory=list)

    def json(self) -> Any:
        return self.response.json()


def rule_checks(op: Operation, *, documented: bool, seen: list[Finding] | None = None) -> list[Any]:
    """What the spec promises of every answer to one operation, as schemathesis checks: its
    status, media type and schema (``checks.answer_keeps_the_contract``), and the spec's rules
    (``checks.spec_rules``)."""
    run = target()
    return [answer_keeps_the_contract(op, run.contract), spec_rules(op, run.judge, run.ledger, documented=documented, seen=seen)]


def skip_if_budget_spent(method: str, done: str = "") -> None:
    """Skip the running test, saying why, when a write would pass ``--max-creates``."""
    run = target()
    if not run.budget.may_send(method):
        pytest.skip(f"the write budget (--max-creates {run.settings.max_creates}) is spent{done}: the rest could not run")


def send(case: Any, *, extra: Sequence[Any] = (), documented: bool = False, refusable: bool = False, **kwargs: Any) -> Sent:
    """Call and validate ``case``. Skips the test (never passes it) if the write budget is spent.

    A ``documented`` request must be accepted with a 2xx, unless it is ``refusable`` (what it
    holds is for the server to refuse or to accept); its answer is judged as documented."""
    __tracebackhide__ = True  # the report is schemathesis's account of the failure, not our frames
    skip_if_budget_spent(case.method)
    op = target().operation_of(case)
    seen: list[Finding] = []
    answered: list[Any] = []

    def keep_the_answer(ctx: Any, response: Any, case: Any) -> None:
        answered.append(response)

    found = [keep_the_answer, *rule_checks(op, documented=documented, seen=seen), *extra]
    if documented and not refusable:
        found.append(accepted_with_2xx)
    try:
        with reported(op, case):
            response = case.call_and_validate(additional_checks=found, **{"session": target().http, **kwargs})
    except ContractBroken as error:
        error.response = answered[0] if answered else None
        raise
    return Sent(response, seen)


def judged(broken: list[str], case: Any, **kwargs: Any) -> Any:
    """``send(case)``, a broken contract noted in ``broken`` rather than raised, so that a test
    can go on with its other requests: the answer either way (None if none came)."""
    try:
        return send(case, **kwargs).response
    except ContractBroken as error:
        broken.append(str(error))
        return error.response


@contextmanager
def failures_together() -> Iterator[list[str]]:
    """For a test that sends several requests (each through ``judged``): their failures are
    reported together at its end. The write budget running out ends the test as skipped, saying
    so, unless an earlier request already failed: a skip never hides a failure."""
    broken: list[str] = []
    try:
        yield broken
    except pytest.skip.Exception as stopped:
        if not broken:
            raise
        broken.append(f"(the rest was not sent: {stopped.msg})")
    if broken:
        raise ContractBroken("\n\n".join(broken))


@contextmanager
def reported(op: Operation, case: Any = None) -> Iterator[None]:
    """Turn schemathesis's failure group into one assertion that starts with the operation, and
    keep each failure as data for the run's reports."""
    __tracebackhide__ = True
    try:
        yield
    except FailureGroup as failures:
        label = f"{op.method.upper()} {op.path}"
        reproduce = _curl(case)
        target().results.pending.extend(
            FailureRecord(operation=label, check=failure.title, message=failure.message, reproduce=reproduce)
            for failure in failures.exceptions
        )
        raise ContractBroken(f"{label} ({op.operation_id}): {failures.message}") from None


def _curl(case: Any) -> str | None:
    """The curl line of a case; schemathesis's sanitization puts the placeholder in place of
    the token, which the reports double-quote so that a pasted line reads it from the environment."""
    if case is None:
        return None
    try:
        command = case.as_curl_command()
    except Exception:  # noqa: BLE001 - a report must not fail for want of a curl line
        return None
    header = f"Authorization: {TOKEN_PLACEHOLDER}"
    return command.replace(f"'{header}'", f'"{header}"')


def documented_case(op: Operation, body: dict[str, Any] | None = None, path_parameters: dict[str, Any] | None = None) -> Any:
    """A request the suite builds itself (schemathesis adds its configured token only to cases it generates)."""
    run = target()
    schema_operation = run.schema[op.path][op.method.upper()]
    common = {"path_parameters": path_parameters or {}, "headers": run.settings.auth_header}
    if body is None:
        return schema_operation.Case(**common)
    return schema_operation.Case(body=body, media_type="application/json", **common)
