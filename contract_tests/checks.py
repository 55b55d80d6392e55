"""The suite's own checks, with schemathesis's check signature ``(ctx, response, case)``.

Each raises what schemathesis reports as a failure with a reproducing curl command. Nothing is
judged here that the kit judges elsewhere: ``answer_keeps_the_contract`` hands every answer to
the contract library's ``check_response`` (the same checks of status, media type and schema the
proxy applies; schemathesis's own conformance checks are off), and ``spec_rules`` to the run's
``meetings_spec.judge.Judge``, which reads the rules a schema cannot state from the spec's
extensions; each broken one is a failure of its own.
"""

from __future__ import annotations

from typing import Any, Callable

from schemathesis.core.failures import CustomFailure, FailureGroup

from meetings_spec.ledger import Ledger
from contract_tests.probes import how_text_changed, shown
from meetings_spec.contract import Contract
from meetings_spec.judge import ABSENT, Exchange, Judge, Outcome
from meetings_spec.model import Operation, lookup
from meetings_spec.problems import Part

Check = Callable[[Any, Any, Any], None]

#: Every check the suite adds to schemathesis's own, by name; tests/ holds a broken server that
#: each of them catches.
SUITE_CHECKS = (
    "answer_keeps_the_contract",
    "spec_rules",
    "accepted_with_2xx",
    "refused_without_a_valid_token",
    "mistyped_value_refused",
    "null_refused",
    "text_comes_back_as_sent",
    "answered_as_the_view_allows",
    "edge_value_handled",
    "no_error_dressed_as_success",
)


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


#: How a broken part of the contract is titled in a report (as schemathesis titles its own checks).
ANSWER_TITLES = {
    Part.STATUS: "Undocumented HTTP status code",
    Part.MEDIA_TYPE: "Undocumented Content-Type",
    Part.MALFORMED: "Response is not JSON",
    Part.SCHEMA: "Response violates schema",
}


def answer_keeps_the_contract(op: Operation, contract: Contract) -> Check:
    """The answer's status, media type and body as the run's view declares them, judged by the
    contract library (one failure per problem, titled as schemathesis titles its own)."""

    def answer_keeps_the_contract(ctx: Any, response: Any, case: Any) -> None:
        if case.method.upper() != op.method.upper():
            return  # a method the operation lacks, sent on purpose: schemathesis's unsupported_method judges it
        checked = contract.check_response(
            contract.operations[op.operation_id],
            response.status_code,
            content_type=header(response, "content-type"),
            body=response.content,
            head=case.method.upper() == "HEAD",
        )
        if checked.problems:
            raise FailureGroup(
                [
                    CustomFailure(
                        operation=case.operation.label,
                        title=ANSWER_TITLES[problem.part],
                        message=(message := f"{problem.message} (at {problem.field}, got {problem.got})"),
                        exception=AssertionError(message),
                    )
                    for problem in checked.problems
                ]
            )

    return answer_keeps_the_contract


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


# ------------------------------------------------------------------ the probes' checks


def _json(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return ABSENT


def _where(pointer: str) -> str:
    return pointer.lstrip("/").replace("/", ".")


def text_comes_back_as_sent(field: str, probe: str, sent: str, pointer: str, answer: str) -> Check:
    """An accepted text comes back exactly as sent (``x-echo``), code point for code point: not
    folded to ASCII, normalised, cut short or re-encoded. A refusal is judged elsewhere."""

    def text_comes_back_as_sent(ctx: Any, response: Any, case: Any) -> None:
        if not 200 <= response.status_code < 300:
            return
        got = lookup(body, pointer, ABSENT) if isinstance(body := _json(response), dict) else ABSENT
        if isinstance(got, str) and got == sent:
            return
        change = "it did not come back" if got is ABSENT else how_text_changed(sent, got)
        raise AssertionError(
            f"{field} sent as {probe} was accepted, but in {answer} {change} at {_where(pointer)}: "
            f"expected {shown(sent)}, got {shown(got) if got is not ABSENT else 'nothing'}"
        )

    return text_comes_back_as_sent


def answered_as_the_view_allows(what: str, problem: str | None, *, view: str, must_accept: bool) -> Check:
    """What the run's view of the spec refuses (``problem`` says why) must be refused with a
    4xx; with ``must_accept`` (strict mode), what it allows must be accepted with a 2xx. In
    lenient mode a server may refuse what the docs leave open."""

    def answered_as_the_view_allows(ctx: Any, response: Any, case: Any) -> None:
        status = response.status_code
        if problem is not None and not 400 <= status < 500:
            raise AssertionError(f"{what} breaks the {view} view of the spec ({problem}): expected a 4xx refusal, got {status}")
        if problem is None and must_accept and not 200 <= status < 300:
            raise AssertionError(f"{what} is valid in the {view} view of the spec: expected a 2xx, got {status}")

    return answered_as_the_view_allows


def success_problem(op: Operation, contract: Contract, response: Any) -> str | None:
    """Why a 2xx answer is not a success the spec describes (None when it is one): the contract
    library's judgement of the answer (its status, media type and schema)."""
    checked = contract.check_response(
        contract.operations[op.operation_id], response.status_code, content_type=header(response, "content-type"), body=response.content
    )
    if not checked.problems:
        return None
    problem = checked.problems[0]
    return problem.message if problem.field in ("status", "body", "header.Content-Type") else f"{problem.message} at {problem.field}"


def header(response: Any, name: str) -> str | None:
    """A header of a schemathesis answer (lower-case names, lists of values), joined as one."""
    values = response.headers.get(name.lower())
    if values is None or isinstance(values, str):
        return values
    return ", ".join(values) if values else None


def _body_shown(response: Any) -> str:
    text = response.text if isinstance(getattr(response, "text", None), str) else ""
    return text if len(text) <= 160 else text[:160] + "..."


def edge_value_handled(what: str, op: Operation, contract: Contract) -> Check:
    """An integer at an edge of fixed-width arithmetic may be refused (4xx) or taken, but never
    fails the server (5xx), and a success answering it keeps the schema."""

    def edge_value_handled(ctx: Any, response: Any, case: Any) -> None:
        status = response.status_code
        if status >= 500:
            raise AssertionError(f"{what} was answered {status}: expected a 4xx refusal or a 2xx success, never a server error")
        if 200 <= status < 300 and (problem := success_problem(op, contract, response)):
            raise AssertionError(f"{what} was answered {status} with a body that breaks the schema ({problem}): expected a 4xx refusal, or a success the spec describes")

    return edge_value_handled


def no_error_dressed_as_success(what: str, op: Operation, contract: Contract) -> Check:
    """A request naming something that does not exist is refused with a 4xx, or served as the
    success the spec describes; an error envelope under a 2xx status is neither."""

    def no_error_dressed_as_success(ctx: Any, response: Any, case: Any) -> None:
        status = response.status_code
        if 200 <= status < 300 and (problem := success_problem(op, contract, response)):
            raise AssertionError(
                f"{what} was answered {status}, but not with a success the spec describes ({problem}): "
                f"an error must come with a 4xx status, not dressed as a {status}; got {_body_shown(response)}"
            )

    return no_error_dressed_as_success
