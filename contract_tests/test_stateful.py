"""Create, then follow the spec's links to read what was created (schemathesis's state machine).

Each create sends the docs' own request (aimed at the target's scenario): one a server must
accept, so that every run reaches the read-back, whatever hypothesis draws. What generated bodies
a server takes or refuses is test_generated's job."""

from __future__ import annotations

from typing import Any

from hypothesis import settings

from contract_tests.calls import rule_checks, skip_if_budget_spent
from contract_tests.requests_from_docs import docs_example
from contract_tests.target import current

RUN = current()


class LinkedCalls(RUN.schema.as_state_machine()):  # type: ignore[misc]
    def call(self, case: Any, **kwargs: Any) -> Any:
        # no write past --max-creates; rejecting the step instead would fail a good server as Unsatisfiable
        skip_if_budget_spent(case.method, " during the linked create-then-read run")
        op = RUN.operation_of(case)
        if op.request_schema is not None and op.request_examples():
            case.body = docs_example(op, RUN.settings.scenario_id)
        return super().call(case, **kwargs)

    def get_call_kwargs(self, case: Any) -> dict[str, Any]:
        return {"session": RUN.http}  # the run's kept-alive connections

    def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
        checks = list(additional_checks or []) + rule_checks(RUN.operation_of(case), documented=False)
        super().validate_response(response, case, additional_checks=checks, **kwargs)


TestLinkedCalls = LinkedCalls.TestCase
TestLinkedCalls.settings = settings(
    TestLinkedCalls.settings,
    max_examples=max(2, RUN.settings.max_examples // 3),
    stateful_step_count=4,
    derandomize=True,
    database=None,
)
