"""The contract a view of the spec holds servers to, compiled once: what everything that serves
or judges traffic asks of the spec on every request.

``Contract(spec, view)`` compiles, at start, each operation's validators (the bearer
requirement, path parameters, the request body, and the body of every declared answer) with
jsonschema-rs, and builds the routing table of the API's paths. Then, on every exchange:

- ``check_request`` -> ``RequestCheck``: the problems of a request (credentials, path
  parameters, media type, JSON, schema), its typed path parameters and its JSON document; in
  the lenient view a null the docs are silent on is read as the field not given
  (``meetings_spec.nulls``): the server may refuse it or take it, so it is no problem;
- ``check_response`` -> ``ResponseCheck``: the problems of an answer (an undeclared status,
  its media type, JSON, schema) and its JSON document.

Both return problems and never raise: the mock (strict view) answers them with 4xx, the proxy
and the check of a recording (lenient view) report them as violations, the contract suite fails
a schemathesis check with them. Answers' formats ``date-time`` and ``uri`` are asserted, as the
docs give them; requests' formats stay annotations (the docs never say a server refuses a
malformed e-mail; the strict view says what the mock refuses with patterns of its own).
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import jsonschema_rs

from meetings_spec.bodies import NotJson, decoded, is_json, media_type, parse_json
from meetings_spec.judge import ABSENT
from meetings_spec.loader import SpecError
from meetings_spec.nulls import read_as_omitted
from meetings_spec.places import pointer_of
from meetings_spec.problems import GOT_CLIP, NOTHING, Part, Problem, clip, hidden_credential, shown, text_of
from meetings_spec.refs import JSON, SPEC_URI, keyed, request_body_pointer, response_body_pointer
from meetings_spec.routing import RouteTable
from meetings_spec.model import Operation, operations
from meetings_spec.unusable import reading
from meetings_spec.views import View, contract_view, iter_operations

_BEARER = re.compile(r"Bearer[ \t]+(\S.*)", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")  # ASCII digits only: int() also reads "１２"
#: Formats an answer is held to (RFC 3339 date-times, RFC 3986 URIs); the others are annotations.
ASSERTED_FORMATS = ("date-time", "uri")
#: At most this many schema problems are reported for one body: the first ones say what is wrong.
MAX_SCHEMA_PROBLEMS = 10


@dataclass
class OperationContract:
    """One operation of a view with its validators compiled."""

    model: Operation
    needs_bearer: bool
    body_validator: jsonschema_rs.Validator | None
    parameter_validator: jsonschema_rs.Validator | None
    parameter_types: dict[str, Any]
    #: By the declared status key (``200``, ``4XX``, ``default``); None where it has no JSON body.
    answer_validators: dict[str, jsonschema_rs.Validator | None] = field(default_factory=dict)

    @property
    def operation_id(self) -> str:
        return self.model.operation_id

    def declared_status(self, status: int) -> str | None:
        """The key of the responses that covers ``status`` (exact, then ``4XX``, then default)."""
        responses = self.model.responses
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return key
        return None


@dataclass
class RequestCheck:
    """What ``check_request`` found: problems in stage order (credentials, path, body), the
    path parameters typed as their schemas say, and the body's JSON document (``ABSENT`` when
    there is none, it is not JSON, or it was not recorded)."""

    problems: list[Problem]
    parameters: dict[str, Any]
    document: Any = ABSENT


@dataclass
class ResponseCheck:
    """What ``check_response`` found: problems, the declared status key that covers the answer
    (None: undeclared) and the body's JSON document (``ABSENT`` when there is none)."""

    problems: list[Problem]
    declared: str | None
    document: Any = ABSENT


class Contract:
    """One view of the spec compiled for checking traffic."""

    def __init__(self, spec: dict[str, Any], view: View) -> None:
        """Compile ``spec`` as ``view`` reads it; ``SpecError`` naming the place of what cannot be used."""
        self.view = view
        with reading(spec, "", f"its {view.value} view"):
            self.document = contract_view(spec, view)
        with reading(self.document, "/paths", "its operations"):
            for path, method, operation in iter_operations(self.document):
                if not isinstance(operation, dict) or not isinstance(operation.get("operationId"), str):
                    raise SpecError("an operation needs an operationId (the kit names each operation by it)", pointer=pointer_of("paths", path, method))
            found = operations(self.document)
            registry = jsonschema_rs.Registry([(SPEC_URI, self.document)])
            bearer = {
                name
                for name, scheme in self.document.get("components", {}).get("securitySchemes", {}).items()
                if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"
            }
        used = {value for _, value in keyed(self.document, "format") if isinstance(value, str)}
        ignored = {name: (lambda _value: True) for name in used - set(ASSERTED_FORMATS)}
        self._registry, self._ignored_formats = registry, ignored
        self.operations: dict[str, OperationContract] = {}
        for operation_id, op in found.items():
            with reading(self.document, pointer_of("paths", op.path, op.method), f"{op.method.upper()} {op.path}"):
                self.operations[operation_id] = _compile(op, registry, bearer, self.document, ignored)

    def validator(self, schema: dict[str, Any]) -> jsonschema_rs.Validator:
        """A validator of ``schema``, which may point into this view (``{"$ref": SPEC_URI#/...}``),
        compiled as the answers' are (formats ``date-time`` and ``uri`` asserted): for data that
        must read as the spec's answers do (the mock's seeds)."""
        return jsonschema_rs.validator_for(schema, registry=self._registry, validate_formats=True, formats=self._ignored_formats)

    def route_table(self) -> RouteTable[OperationContract]:
        """A fresh table holding the API's paths, for a server to add its own paths to."""
        table: RouteTable[OperationContract] = RouteTable()
        for op in self.operations.values():
            table.add(op.model.path, [op.model.method], op)
        return table

    # ------------------------------------------------------------------ requests

    def check_request(
        self,
        op: OperationContract,
        *,
        authorization: str | None,
        path_parameters: Mapping[str, str],
        content_type: str | None = None,
        body: bytes | None = None,
        token: str | None = None,
    ) -> RequestCheck:
        """Every problem of one request, stage by stage. ``token``: the one bearer token that
        is accepted (None: any). ``body`` None: not sent, or not recorded (not judged)."""
        problems = _bearer_problems(op, authorization, token)
        parameters = _typed(op, path_parameters)
        if op.parameter_validator is not None and not op.parameter_validator.is_valid(parameters):
            problems += schema_problems(op.parameter_validator, parameters, "path")
        document: Any = ABSENT
        if op.body_validator is not None and body is not None:
            document, found = _request_document(content_type, body)
            problems += found
            if document is not ABSENT:
                judged = read_as_omitted(document, op.model.silent_nulls) if self.view is View.LENIENT else document
                if not op.body_validator.is_valid(judged):
                    problems += schema_problems(op.body_validator, judged, "body")
        return RequestCheck(problems, parameters, document)

    # ------------------------------------------------------------------ answers

    def check_response(
        self,
        op: OperationContract,
        status: int,
        *,
        content_type: str | None,
        body: bytes | None,
        content_encoding: str = "",
        head: bool = False,
    ) -> ResponseCheck:
        """Every problem of one answer to ``op``: an undeclared status, a media type or body
        the declared answer does not have. ``body`` None: not recorded (only the status is
        judged); ``head``: an answer to HEAD, which has no body to judge."""
        declared = op.declared_status(status)
        if declared is None:
            message = f"{op.operation_id} does not declare the status {status}; it declares {', '.join(op.model.responses)}"
            return ResponseCheck([Problem("status", "declared", message, Part.STATUS, str(status))], None)
        validator = op.answer_validators.get(declared)
        if head or body is None or JSON not in op.model.responses[declared].get("content", {}):
            return ResponseCheck([], declared)
        if not is_json(content_type):
            message = f"the answer's media type is {media_type(content_type) or 'not given'}; the spec's {declared} answer is {JSON}"
            return ResponseCheck([Problem("header.Content-Type", "media_type", message, Part.MEDIA_TYPE, _header_got(content_type))], declared)
        try:
            document = parse_json(decoded(content_encoding, body))
        except NotJson as error:
            return ResponseCheck([Problem("body", "json", f"not JSON: {error}", Part.MALFORMED, text_of(body))], declared)
        except ValueError as error:
            return ResponseCheck([Problem("body", "content_encoding", f"undecodable: {error}", Part.MALFORMED, content_encoding)], declared)
        problems = [] if validator is None or validator.is_valid(document) else schema_problems(validator, document, "body", MAX_SCHEMA_PROBLEMS)
        return ResponseCheck(problems, declared, document)


def _compile(
    op: Operation, registry: jsonschema_rs.Registry, bearer: set[str], document: dict[str, Any], ignored: dict[str, Any]
) -> OperationContract:
    body_validator = None
    if op.request_schema is not None:
        pointer = request_body_pointer(op.refs, op.path, op.method)
        body_validator = jsonschema_rs.validator_for({"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry)
    parameter_validator = None
    parameter_types: dict[str, Any] = {}
    in_path = [p for p in op.parameters if p.get("in") == "path"]
    if in_path:
        schema = {
            "type": "object",
            "properties": {p["name"]: p.get("schema", {}) for p in in_path},
            "required": [p["name"] for p in in_path if p.get("required")],
        }
        parameter_validator = jsonschema_rs.validator_for(schema, registry=registry)
        parameter_types = {p["name"]: p.get("schema", {}).get("type") for p in in_path}
    security = op.definition.get("security", document.get("security", []))
    answers: dict[str, jsonschema_rs.Validator | None] = {}
    for status in op.responses:
        pointer = response_body_pointer(op.refs, op.path, op.method, status)
        answers[status] = None if pointer is None else jsonschema_rs.validator_for(
            {"$ref": f"{SPEC_URI}#{pointer}"}, registry=registry, validate_formats=True, formats=ignored
        )
    return OperationContract(
        model=op,
        needs_bearer=any(name in bearer for requirement in security for name in requirement),
        body_validator=body_validator,
        parameter_validator=parameter_validator,
        parameter_types=parameter_types,
        answer_validators=answers,
    )


def bearer_token(authorization: str | None) -> str | None:
    """The credential of an ``Authorization: Bearer <token>`` header, or None (no header, or
    not of that form): what the mock tells callers apart by, as it checks them."""
    found = _BEARER.fullmatch(authorization.strip()) if authorization else None
    return None if found is None else found.group(1).strip()


def _bearer_problems(op: OperationContract, authorization: str | None, token: str | None) -> list[Problem]:
    """The credentials' problem, if any: never quoting them, only how they are wrong."""
    if not op.needs_bearer:
        return []
    if not authorization:
        return [Problem("header.Authorization", "required", "The Authorization header is missing.", Part.SECURITY, NOTHING)]
    found = _BEARER.fullmatch(authorization.strip())
    if found is None:
        return [Problem("header.Authorization", "format", 'The Authorization header is not "Bearer <token>".', Part.SECURITY, hidden_credential(authorization))]
    if token is not None and not hmac.compare_digest(found.group(1).strip().encode(), token.encode()):
        return [Problem("header.Authorization", "token", "The bearer token is not the one accepted here.", Part.SECURITY, hidden_credential(authorization))]
    return []


def _typed(op: OperationContract, raw: Mapping[str, str]) -> dict[str, Any]:
    """Path parameters converted to the types their schemas give (text that is no integer
    stays text, for the schema to refuse by name)."""
    if not op.parameter_types:
        return dict(raw)
    return {
        name: int(text) if op.parameter_types.get(name) == "integer" and _INTEGER.fullmatch(text) else text
        for name, text in raw.items()
    }


def _request_document(content_type: str | None, body: bytes) -> tuple[Any, list[Problem]]:
    """The request's JSON document, or ``ABSENT`` and the problem: empty, another media type,
    not JSON."""
    if not body.strip():
        return ABSENT, [Problem("body", "json", "The body is empty; send a JSON object.", Part.MALFORMED, NOTHING)]
    if not is_json(content_type):
        kind = media_type(content_type) or "no media type"
        return ABSENT, [Problem("header.Content-Type", "media_type", f"{kind} is not application/json.", Part.MEDIA_TYPE, _header_got(content_type))]
    try:
        return parse_json(body), []
    except NotJson as error:
        return ABSENT, [Problem("body", "json", str(error), Part.MALFORMED, text_of(body))]


def _header_got(value: str | None) -> str:
    return clip(value, GOT_CLIP) if value else NOTHING


def schema_problems(validator: jsonschema_rs.Validator, instance: Any, where: str, limit: int | None = None) -> list[Problem]:
    """Each field and rule ``instance`` breaks, once (``allOf`` repeats a rule), at most
    ``limit`` of them; a missing property is named as the field, with ``got`` "absent"."""
    found: dict[tuple[str, str], Problem] = {}
    for error in validator.iter_errors(instance):
        rule = error.kind.name
        path = [str(part) for part in error.instance_path]
        value = _at(instance, error.instance_path)
        if rule == "required":
            path.append(str(error.kind.as_dict().get("property", "")))
            got = NOTHING
        else:
            got = shown(value)
        name = ".".join([where, *path])
        found.setdefault((name, rule), Problem(name, rule, _said(error.message, value), Part.SCHEMA, got))
        if limit is not None and len(found) >= limit:
            break
    return list(found.values())


def first_schema_problem(validator: jsonschema_rs.Validator, instance: Any) -> str | None:
    """The first rule ``instance`` breaks, as keyword, bound and place (``maxLength 255 at
    person_name``), never quoting the value; None when it keeps them all."""
    for error in validator.iter_errors(instance):
        bound = error.kind.as_dict()
        shown_bound = next(iter(bound.values())) if len(bound) == 1 else None
        place = ".".join(str(part) for part in error.instance_path) or "the body"
        kept = f" {json.dumps(shown_bound)}" if isinstance(shown_bound, (int, float, str, bool)) and error.kind.name != "required" else ""
        return f"{error.kind.name}{kept} at {place}"
    return None


def _at(instance: Any, path: Iterable[Any]) -> Any:
    value = instance
    for part in path:
        try:
            value = value[part]
        except (LookupError, TypeError):
            return None
    return value


def _said(message: str, value: Any) -> str:
    """jsonschema-rs's message, except that a number past what a double holds (``1e999``,
    read as infinity) is named as such, where jsonschema-rs says ``null``."""
    if isinstance(value, float) and value in (float("inf"), float("-inf")) and message.startswith("null "):
        return f"{'-' if value < 0 else ''}Infinity (a number past 1.8e308){message[4:]}"
    return message
