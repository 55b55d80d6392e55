"""The suite's own checks, with schemathesis's check signature ``(ctx, response, case)``.

Each raises what schemathesis reports as a failure with a reproducing curl command. The rules
a schema cannot state are not written here: ``spec_rules`` hands every answer to the run's
``meetings_spec.judge.Judge``, which reads them from the spec's extensions, and turns each
broken rule into a failure of its own, titled by the rule.
"""

from __future__ import annotations

from typing import Any, Callable

from schemathesis.core.failures import CustomFailure, FailureGroup

from contract_tests.ledger import Ledger
from meetings_spec.judge import ABSENT, Exchange, Judge, Outcome
from meetings_spec.rules import Operation

Check = Callable[[Any, Any, Any], None]

#: Every check the suite adds to schemathesis's own, by name; tests/ holds a broken server that
#: each of them catches.
SUITE_CHECKS = ("spec_rules", "accepted_with_2xx", "refused_without_a_valid_token", "mistyped_value_refused", "null_refused")


def exchange_of(op: Operation, case: Any, response: Any, *, documented: bool) -> Exchange:
    """The request and answer as the judge sees them."""
    try:
        answer = response.json()
    except ValueError:
        answer = ABSENT
    body = case.body if isinstance(case.body, (dict, list, str, int, float, bool)) or case.body is None else ABSENT
    return Exchange(
        operation=op,
        request_body=ABSENT if body is None else body,
        path_parameters=dict(case.path_parameters or {}),
        status=response.status_code,
        response_body=answer,
        documented=documented,
    )


def spec_rules(op: Operation, judge: Judge, ledger: Ledger, *, documented: bool, seen: list[Any] | None = None) -> Check:
    """Every rule of the spec the answer can be judged by; one failure per broken rule.

    ``seen`` collects the findings (for tests that assert a rule was judged at all)."""

    def spec_rules(ctx: Any, response: Any, case: Any) -> None:
        findings = judge.judge(exchange_of(op, case, response, documented=documented))
        ledger.record(findings)
        if seen is not None:
            seen.extend(findings)
        broken = [f for f in findings if f.outcome is Outcome.FAILED]
        if broken:
            raise FailureGroup(
                [
                    CustomFailure(
                        operation=case.operation.label,
                        title=f"Spec rule broken ({finding.extension}): {finding.rule}",
                        message=finding.message,
                        exception=AssertionError(finding.message),
                    )
                    for finding in broken
                ]
            )

    return spec_rules


def accepted_with_2xx(ctx: Any, response: Any, case: Any) -> None:
    """A request built from documented values must be accepted."""
    if not 200 <= response.status_code < 300:
        raise AssertionError(
            f"a request built only from documented values was answered {response.status_code}; expected a 2xx"
        )
