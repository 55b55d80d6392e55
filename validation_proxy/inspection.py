"""What a validation proxy (or the offline check of a recording) finds wrong in one exchange.

Every check is read from the spec's lenient view, what the docs promise, since the server behind
the proxy is a real one: the contract library's ``check_request`` and ``check_response`` (the
same checks the mock answers 4xx with, on the strict view) and the spec's own rules through the
shared ``meetings_spec.judge.Judge``, which also judges the rules that span exchanges (the same
e-mail gives the same end user; the minutes left never grow). The problems they return become
violations here. A rule whose precondition the traffic does not show is not reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from meetings_spec import View
from meetings_spec.contract import Contract, OperationContract
from meetings_spec.judge import ABSENT, Exchange, Judge, Outcome
from meetings_spec.ledger import Ledger
from meetings_spec.problems import HIDDEN, NOTHING, Part, Problem, clip
from meetings_spec.secrets import is_credential
from meetings_spec.routing import Kind
from meetings_spec.model import scenario_attribute

REQUEST, RESPONSE = "request", "response"


@dataclass(frozen=True)
class Violation:
    """One promise of the spec an exchange broke: where, which rule, what was expected and got."""

    operation: str  # the spec's operationId, or "METHOD path" where the spec has no operation
    side: str  # REQUEST or RESPONSE: which half broke it
    rule: str  # e.g. "schema", "status", "security", "x-echo: createMeeting: person_name sent ..."
    expected: str
    got: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"operation": self.operation, "side": self.side, "rule": self.rule, "expected": self.expected, "got": self.got, "message": self.message}

    def line(self) -> str:
        """One log line: no header value, no body, only what the rule says."""
        return f"{self.operation} {self.side}: {self.rule}: {self.message}"


@dataclass
class Seen:
    """One request as it came in, and what the inspector made of it."""

    method: str
    path: str
    operation: OperationContract | None
    path_parameters: dict[str, Any] = field(default_factory=dict)
    body: Any = ABSENT
    violations: list[Violation] = field(default_factory=list)
    #: Why the exchange is not checked at all (a path the spec lacks, a CORS preflight); else "".
    unchecked: str = ""
    #: Why the request's body is unknown (a HAR that did not keep it); else "". The body stays
    #: ABSENT, which the judge's rules that compare the answer with the request do not judge.
    unrecorded: str = ""

    @property
    def label(self) -> str:
        return self.operation.operation_id if self.operation is not None else f"{self.method} {self.path}"


SCENARIO_HELP = (
    "what a scenario of the upstream holds, as ID:NAME=VALUE (e.g. 456:call_duration=none or 457:call_duration=45), "
    "repeatable: the rules it decides (a duration taken from the scenario) are not judged until it is given"
)


class UsageError(ValueError):
    """An option that cannot work: exit status 2, before anything runs."""


def scenarios_from(spec: dict[str, Any], given: list[str]) -> dict[int, dict[str, Any]]:
    """``--scenario-attribute ID:NAME=VALUE`` options as the judge takes them; ``UsageError`` for a bad one."""
    scenarios: dict[int, dict[str, Any]] = {}
    for option in given:
        scenario, sep, pair = option.partition(":")
        if not sep or not scenario.strip().isdigit():
            raise UsageError(f"--scenario-attribute takes ID:NAME=VALUE, the scenario's id first, not {option!r}")
        try:
            name, value = scenario_attribute(spec, pair)
        except ValueError as error:
            raise UsageError(f"--scenario-attribute {error}") from None
        scenarios.setdefault(int(scenario), {})[name] = value
    return scenarios


class Inspector:
    """The checks of one run, with the judge's memory of the exchanges seen so far.

    ``scenarios`` is what is known of the upstream's scenarios (as the contract suite's
    ``--scenario-attribute``); rules that need what is not known are not reported.
    """

    def __init__(self, spec: dict[str, Any], *, scenarios: Mapping[int, Mapping[str, Any]] | None = None) -> None:
        self.contract = Contract(spec, View.LENIENT)
        self.view = self.contract.document
        self.routes = self.contract.route_table()
        self.judge = Judge(self.view, scenarios=scenarios)
        #: Tallies every finding of the rules, when a caller wants them (``check --coverage``).
        self.ledger: Ledger | None = None

    # -------------------------------------------------------------------- the request

    def request(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> Seen:
        """The request's violations; ``headers`` keyed by lower-case name; ``body`` None when a
        recording did not keep it (its checks are skipped and ``seen.unrecorded`` says so)."""
        match = self.routes.match(method, path)
        if match is None:
            return Seen(method, path, None, unchecked="the spec has no such path")
        if match.kind is Kind.OPTIONS:
            return Seen(method, path, None, unchecked="OPTIONS (a CORS preflight) is not an operation of the spec")
        if match.kind is Kind.NOT_ALLOWED:
            seen = Seen(method, path, None)
            seen.violations.append(Violation(seen.label, REQUEST, "method", match.allow, method, f"{match.template} has no {method} operation; it allows {match.allow}"))
            return seen
        op = match.target
        assert op is not None
        checked = self.contract.check_request(
            op, authorization=headers.get("authorization"), path_parameters=match.params, content_type=headers.get("content-type"), body=body
        )
        seen = Seen(method, path, op, checked.parameters, checked.document)
        if op.body_validator is not None and body is None:
            seen.unrecorded = "the request's body was not recorded"
        seen.violations = [_request_violation(op.operation_id, problem) for problem in checked.problems]
        return seen

    # -------------------------------------------------------------------- the answer

    def response(self, seen: Seen, status: int, headers: Mapping[str, str], body: bytes | None) -> list[Violation]:
        """The answer's violations (the request's are in ``seen``); remembers the exchange.
        ``body`` None when a recording did not keep it: only the status is checked."""
        op = seen.operation
        if op is None:
            return []
        label, found = op.operation_id, []
        if seen.violations and 200 <= status < 300:
            found.append(Violation(label, RESPONSE, "invalid request accepted", "a 4xx", str(status), f"the request breaks the spec ({seen.violations[0].rule}) but was answered {status}; it must be refused with a 4xx"))
        checked = self.contract.check_response(
            op, status, content_type=headers.get("content-type"), content_encoding=headers.get("content-encoding", ""), body=body, head=seen.method == "HEAD"
        )
        found += [_answer_violation(op, checked.declared, problem) for problem in checked.problems]
        if checked.declared is None or any(problem.part is not Part.SCHEMA for problem in checked.problems):
            return found
        if not seen.violations:  # the rules judge answers to requests that keep the spec
            found += self._judged(seen, status, checked.document)
        return found

    def _judged(self, seen: Seen, status: int, document: Any) -> list[Violation]:
        op = seen.operation
        assert op is not None
        exchange = Exchange(op.model, seen.body, seen.path_parameters, status, document, documented=_documented(seen.body))
        findings = self.judge.judge(exchange)
        if self.ledger is not None:
            self.ledger.record(findings)
        return [
            Violation(op.operation_id, finding.side, f"{finding.extension}: {finding.rule}", finding.expected, finding.got, clip(finding.message))
            for finding in findings
            if finding.outcome is Outcome.FAILED
        ]


#: How each part of the contract is named in a violation's rule, and what it expects of a request.
_RULES = {Part.SECURITY: "security", Part.MEDIA_TYPE: "media type", Part.MALFORMED: "body", Part.STATUS: "status"}
_REQUEST_EXPECTS = {
    Part.SECURITY: 'an Authorization header "Bearer <token>"',
    Part.MEDIA_TYPE: "a JSON body (application/json)",
    Part.MALFORMED: "a JSON body (application/json)",
}


def _rule(problem: Problem) -> str:
    return _RULES.get(problem.part) or f"schema: {problem.field}"


def _got(problem: Problem) -> str:
    """What came, as the problem quotes it; a value in a field named like a credential hidden."""
    return HIDDEN if problem.part is Part.SCHEMA and is_credential(problem.field.rpartition(".")[2]) and problem.got != NOTHING else problem.got


def _request_violation(label: str, problem: Problem) -> Violation:
    expected = _REQUEST_EXPECTS.get(problem.part) or f"{problem.field} as the spec describes it"
    return Violation(label, REQUEST, _rule(problem), expected, _got(problem), clip(problem.message))


def _answer_violation(op: OperationContract, declared: str | None, problem: Problem) -> Violation:
    if problem.part is Part.STATUS:
        expected = "one of " + ", ".join(op.model.responses)
    elif problem.part is Part.SCHEMA:
        expected = f"{problem.field} as the spec's {declared} answer describes it"
    else:
        expected = "a JSON body"
    return Violation(op.operation_id, RESPONSE, _rule(problem), expected, _got(problem), clip(problem.message))


def _documented(body: Any) -> bool:
    """Whether the request holds only values the docs say something about, as far as a proxy
    can tell: no blank or padded text, which a server may normalise (then echoes are not judged)."""
    if not isinstance(body, dict):
        return True
    return all(not isinstance(value, str) or (value.strip() == value and value) for value in body.values())
