"""What a validation proxy (or the offline check of a recording) finds wrong in one exchange.

Every check is read from the spec's lenient view, what the docs promise, since the server behind
the proxy is a real one: the request as the mock validates it (the same stages of
``mock_server.validate``, with the lenient view's validators; a null the docs are silent on read
as the field not given, ``meetings_spec.nulls``), the answer's status, media type
and body schema, and the spec's own rules through the shared ``meetings_spec.judge.Judge``, which
also judges the rules that span exchanges (the same e-mail gives the same end user; the minutes
left never grow). A rule whose precondition the traffic does not show is not reported.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import jsonschema_rs
import orjson

from meetings_spec import View, contract_view
from meetings_spec.judge import ABSENT, Exchange, Judge, Outcome
from meetings_spec.nulls import read_as_omitted
from meetings_spec.refs import JSON, SPEC_URI, keyed, response_body_pointer
from meetings_spec.rules import scenario_attribute
from meetings_spec.schemas import FORMAT_CHECKER
from mock_server.compiled import CompiledOperation, compile_operations
from mock_server.errors import ApiError, Problem
from mock_server.routes import Kind, RouteTable
from mock_server.validate import check_bearer, check_body, check_parameters, orjson_reads_exactly, parse_json_body, problems

REQUEST, RESPONSE = "request", "response"
#: At most this many schema errors are reported for one body: the first ones say what is wrong.
MAX_SCHEMA_ERRORS = 10
_CLIP = 300


def _clip(text: str) -> str:
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


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
    operation: CompiledOperation | None
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
        return self.operation.spec.operation_id if self.operation is not None else f"{self.method} {self.path}"


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
        self.view = contract_view(spec, View.LENIENT)
        self.operations = compile_operations(self.view)
        self.routes = RouteTable(self.operations.values())
        self.judge = Judge(self.view, scenarios=scenarios)
        self._responses = _ResponseValidators(self.view, self.operations.values())

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
            seen.violations.append(Violation(seen.label, REQUEST, "method", match.allow, method, f"{match.path} has no {method} operation; it allows {match.allow}"))
            return seen
        op = match.op
        assert op is not None
        seen = Seen(method, path, op, dict(match.params))
        label = op.spec.operation_id
        stages = [lambda: check_bearer(op, headers.get("authorization"), None)]
        stages.append(lambda: seen.path_parameters.update(check_parameters(op, match.params)))
        if op.body_validator is not None and body is None:
            seen.unrecorded = "the request's body was not recorded"
        elif op.body_validator is not None:
            stages.append(lambda: self._body(op, seen, headers.get("content-type"), body))
        for stage in stages:
            try:
                stage()
            except ApiError as error:
                for problem in error.details:
                    got = _text_of(body) if problem.field == "body" and problem.received is None else received(problem)
                    seen.violations.append(Violation(label, REQUEST, _request_rule(problem.field, problem.rule), _request_expectation(problem.field), got, _clip(problem.message)))
        return seen

    @staticmethod
    def _body(op: CompiledOperation, seen: Seen, content_type: str | None, body: bytes) -> None:
        seen.body = parse_json_body(content_type, body)
        # a null the docs are silent on is the server's to refuse or to read as not given
        check_body(op, read_as_omitted(seen.body, op.spec.silent_nulls))

    # -------------------------------------------------------------------- the answer

    def response(self, seen: Seen, status: int, headers: Mapping[str, str], body: bytes | None) -> list[Violation]:
        """The answer's violations (the request's are in ``seen``); remembers the exchange.
        ``body`` None when a recording did not keep it: only the status is checked."""
        op = seen.operation
        if op is None:
            return []
        label, found = op.spec.operation_id, []
        declared = _declared_status(op, status)
        if seen.violations and 200 <= status < 300:
            found.append(Violation(label, RESPONSE, "invalid request accepted", "a 4xx", str(status), f"the request breaks the spec ({seen.violations[0].rule}) but was answered {status}; it must be refused with a 4xx"))
        if declared is None:
            found.append(Violation(label, RESPONSE, "status", "one of " + ", ".join(op.spec.responses), str(status), f"{op.spec.operation_id} does not declare the status {status}"))
            return found
        document, problem = (ABSENT, "") if seen.method == "HEAD" or body is None else _json_document(headers, body)
        if _has_json(op, declared) and seen.method != "HEAD" and body is not None:
            if problem:
                wrong_type = "media type" in problem
                got = (headers.get("content-type") or "absent") if wrong_type else _text_of(_decoded_or_as_sent(headers, body))
                found.append(Violation(label, RESPONSE, "media type" if wrong_type else "body", "a JSON body", _clip_value(got), problem))
                return found
            found += self._responses.violations(op, declared, label, document)
        if not seen.violations:  # the rules judge answers to requests that keep the spec
            found += self._judged(seen, status, ABSENT if problem else document)
        return found

    def _judged(self, seen: Seen, status: int, document: Any) -> list[Violation]:
        op = seen.operation
        assert op is not None
        exchange = Exchange(op.spec, seen.body, seen.path_parameters, status, document, documented=_documented(seen.body))
        return [
            Violation(op.spec.operation_id, finding.side, f"{finding.extension}: {finding.rule}", finding.expected, finding.got, _clip(finding.message))
            for finding in self.judge.judge(exchange)
            if finding.outcome is Outcome.FAILED
        ]


#: ``got`` holds at most this many characters of what came.
_CLIP_VALUE = 120


def _clip_value(text: str) -> str:
    return text if len(text) <= _CLIP_VALUE else text[: _CLIP_VALUE - 1] + "…"


def received(problem: Problem) -> str:
    """What came where ``problem`` is, for a violation's ``got``: the value as JSON spells it
    (clipped), "absent" when there was none; a credential's value hidden (a header's as a
    recording keeps it, a field named like one replaced), never the schema's keyword."""
    from validation_proxy.redaction import HIDDEN, hidden_header, is_credential  # it imports this module

    if problem.received is None:
        return "(not recorded)"
    if problem.received.absent:
        return "absent"
    value = problem.received.value
    where, _, name = problem.field.rpartition(".")
    if where == "header":
        return _clip_value(hidden_header(name, str(value)))
    if is_credential(name):
        return HIDDEN
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return _clip_value(text)


def _decoded_or_as_sent(headers: Mapping[str, str], body: bytes) -> bytes:
    try:
        return decoded(headers.get("content-encoding", ""), body)
    except ValueError:
        return body


def _text_of(body: bytes | None) -> str:
    """A body as the violation's ``got``: its text, clipped; "absent" when empty."""
    if not body:
        return "absent"
    return _clip_value(body[: _CLIP_VALUE * 4].decode("utf-8", "replace"))


def _request_rule(where: str, rule: str) -> str:
    if where.startswith("header.Authorization"):
        return "security"
    if where.startswith("header.Content-Type"):
        return "media type"
    return f"schema: {where}" if rule != "json" else "body"


def _request_expectation(where: str) -> str:
    if where.startswith("header.Authorization"):
        return 'an Authorization header "Bearer <token>"'
    if where.startswith("header.Content-Type"):
        return "a JSON body (application/json)"
    return f"{where} as the spec describes it"


def _documented(body: Any) -> bool:
    """Whether the request holds only values the docs say something about, as far as a proxy
    can tell: no blank or padded text, which a server may normalise (then echoes are not judged)."""
    if not isinstance(body, dict):
        return True
    return all(not isinstance(value, str) or (value.strip() == value and value) for value in body.values())


def _declared_status(op: CompiledOperation, status: int) -> str | None:
    """The key of ``op.spec.responses`` that covers ``status`` (exact, then ``4XX``, then default)."""
    responses = op.spec.responses
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return key
    return None


def _has_json(op: CompiledOperation, status_key: str) -> bool:
    return JSON in op.spec.responses[status_key].get("content", {})


def _json_document(headers: Mapping[str, str], body: bytes) -> tuple[Any, str]:
    """The answer's JSON document, or a problem saying why there is none."""
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != JSON and not (media_type.startswith("application/") and media_type.endswith("+json")):
        return None, f"{media_type or 'no media type'}: the answer's media type should be {JSON}"
    try:
        data = decoded(headers.get("content-encoding", ""), body)
    except ValueError as error:
        return None, f"undecodable: {error}"
    if orjson_reads_exactly(data):
        try:
            return orjson.loads(data), ""
        except orjson.JSONDecodeError:
            pass  # refused: the stdlib says why, in words
    try:
        return json.loads(data), ""
    except (ValueError, RecursionError) as error:
        return None, f"not JSON: the body does not parse ({str(error)[:120]})"


def decoded(encoding: str, body: bytes) -> bytes:
    """The body without its content coding (gzip, deflate; br when ``brotli`` is installed)."""
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding in ("identity", ""):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli  # type: ignore[import-not-found]

                body = brotli.decompress(body)
            else:
                raise ValueError(f"the content coding {coding!r} is not one the proxy reads")
        except ImportError:
            raise ValueError("the body is brotli-compressed and the brotli package is not installed") from None
        except zlib.error as error:
            raise ValueError(f"the {coding} body does not decompress ({error})") from None
    return body


class _ResponseValidators:
    """The answers' body validators, each compiled once at start (jsonschema-rs, with the same
    formats asserted as the reference ``meetings_spec.schemas``: date-time and uri)."""

    def __init__(self, view: dict[str, Any], operations: Iterable[CompiledOperation]) -> None:
        registry = jsonschema_rs.Registry([(SPEC_URI, view)])
        asserted = set(FORMAT_CHECKER.checkers)
        used = {value for _, value in keyed(view, "format") if isinstance(value, str)}
        formats = {name: (lambda _value: True) for name in used - asserted}
        self._validators: dict[tuple[str, str], jsonschema_rs.Validator] = {}
        for op in operations:
            for status in op.spec.responses:
                pointer = response_body_pointer(op.spec.refs, op.spec.path, op.spec.method, status)
                if pointer is not None:
                    self._validators[(op.spec.operation_id, status)] = jsonschema_rs.validator_for(
                        {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, validate_formats=True, formats=formats
                    )

    def violations(self, op: CompiledOperation, status: str, label: str, document: Any) -> list[Violation]:
        validator = self._validators.get((op.spec.operation_id, status))
        if validator is None or validator.is_valid(document):
            return []
        return [
            Violation(label, RESPONSE, f"schema: {problem.field}", f"{problem.field} as the spec's {status} answer describes it", received(problem), _clip(problem.message))
            for problem in problems(validator, document, "body", MAX_SCHEMA_ERRORS)
        ]
