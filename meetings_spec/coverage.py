"""What a run or a recording reached of the spec: statuses, request fields, enum values, rules.

One model for every source of traffic: the contract suite feeds it each request it sent and the
status it got (``contract_tests.target``, one recorder where every request passes), the offline
check of recordings each exchange of its HARs (``waterrai-proxy check --coverage``). Both hand it
what went on the wire, ``observe(method, path, content_type, body, status)``; the model routes
the request with the contract library's table, finds its fields and which of them the view's
schema refuses with ``check_request``, and counts. The rules' outcomes come from the judge's
findings, tallied by a ``meetings_spec.ledger.Ledger``. ``meetings_spec.coverage_report`` writes
the model as ``coverage.json`` (``as_json``: its shape is documented in README.md and kept
stable across versions, under ``version``), ``coverage.md`` and ``coverage.html``.

Every status any view of the spec declares is listed, seen or not, so that a run against the
mock in the lenient view still shows the strict view's 402 it never reached, and why where the
feeder knows (``explain``); statuses no view declares are listed as the server gave them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from meetings_spec.contract import Contract, OperationContract
from meetings_spec.ledger import Ledger
from meetings_spec.model import Operation, operations
from meetings_spec.problems import Problem
from meetings_spec.refs import RefResolver
from meetings_spec.routing import Kind, RouteTable
from meetings_spec.shapes import flatten
from meetings_spec.views import View, contract_view

#: The shape of ``coverage.json``; raised only when a key changes meaning or goes away.
VERSION = 1
#: How many distinct requests off the spec's operations (and undeclared fields of an operation) are
#: named one by one: the rest of the requests are summed under ``OTHERS``, the fields left out.
OTHER_REQUESTS_NAMED = 50
OTHERS = "(others)"


def value_key(value: Any) -> str:
    """How a value is named in ``fields.<name>.values``: a string as itself, anything else as JSON
    (``true``, ``3``, ``null``)."""
    return value if isinstance(value, str) else json.dumps(value)


@dataclass
class StatusCoverage:
    """One status of an operation: declared by the spec (in which views), and how often seen."""

    key: str  # as the spec writes it ("402", "4XX", "default"), or the code no view declares
    declared: bool
    views: list[str] = field(default_factory=list)
    description: str = ""
    seen: int = 0
    codes: Counter[str] = field(default_factory=Counter)  # a range's or default's codes, as they came
    reason: str = ""  # why it was never seen, where the feeder knows

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"declared": self.declared, "seen": self.seen}
        if self.declared:
            data["views"] = self.views
        if self.codes:
            data["codes"] = dict(sorted(self.codes.items()))
        if not self.seen:
            data["reason"] = self.reason or self.default_reason()
        return data

    def default_reason(self) -> str:
        said = f"; the spec gives it for: {self.description}" if self.description else ""
        return f"never seen{said}"


@dataclass
class FieldCoverage:
    """One request field (a property of the JSON body, or a path parameter) of an operation."""

    name: str
    where: str  # "body" or "path"
    required: bool
    sent: int = 0
    omitted: int = 0
    invalid: int = 0
    #: Enum (and boolean) fields: each value the spec allows, how often sent; None for others.
    values: dict[str, int] | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"in": self.where, "required": self.required, "sent": self.sent, "omitted": self.omitted, "invalid": self.invalid}
        if self.values is not None:
            data["values"] = dict(self.values)
        return data


@dataclass
class OperationCoverage:
    operation_id: str
    method: str
    path: str
    statuses: dict[str, StatusCoverage]
    fields: dict[str, FieldCoverage]
    requests: int = 0
    #: Requests whose body could not be read as a JSON object (not JSON, another media type, a
    #: list...) or that a recording did not keep: their fields are counted neither sent nor omitted.
    bodies_unread: int = 0
    undeclared_fields: Counter[str] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method.upper(),
            "path": self.path,
            "requests": self.requests,
            "statuses": {key: status.as_json() for key, status in self.statuses.items()},
            "fields": {name: f.as_json() for name, f in self.fields.items()},
            "bodies_unread": self.bodies_unread,
            "undeclared_fields": dict(sorted(self.undeclared_fields.items())),
        }


def _declared_statuses(spec: dict[str, Any]) -> dict[str, dict[str, tuple[list[str], str]]]:
    """Operation -> status key -> (the views declaring it, its description), in the spec's order."""
    in_view = {view: operations(contract_view(spec, view)) for view in View}
    found: dict[str, dict[str, tuple[list[str], str]]] = {}
    for op_id, op in operations(spec).items():
        found[op_id] = {}
        for key, response in op.responses.items():
            views = [view.value for view in View if op_id in in_view[view] and key in in_view[view][op_id].responses]
            if views:
                found[op_id][key] = (views, _first_sentence(response.get("description", "")))
    return found


def _first_sentence(text: str) -> str:
    line = " ".join(str(text).split())
    return line.split(". ")[0].rstrip(".") if line else ""


def _enum_values(schema: dict[str, Any], refs: RefResolver) -> list[Any] | None:
    flat = flatten(schema, refs)
    if isinstance(flat.get("enum"), list):
        return list(flat["enum"])
    if "const" in flat:
        return [flat["const"]]
    types = flat.get("type")
    if types == "boolean" or (isinstance(types, list) and set(types) <= {"boolean", "null"} and "boolean" in types):
        return [True, False]
    return None


def _fields(op: Operation) -> dict[str, FieldCoverage]:
    found: dict[str, FieldCoverage] = {}
    for parameter in op.parameters:
        if parameter.get("in") == "path":
            found[parameter["name"]] = FieldCoverage(parameter["name"], "path", True)
    required = set(op.required_fields)
    for name, field_ in op.request_fields.items():
        values = _enum_values(field_.schema, op.refs)
        found[name] = FieldCoverage(name, "body", name in required, values=None if values is None else {value_key(v): 0 for v in values})
    return found


def _refused(problems: Iterable[Problem]) -> set[tuple[str, str]]:
    """``(where, field)`` of each top-level field or path parameter whose value the schema
    refuses (a required field left out is omitted, not refused)."""
    found = set()
    for problem in problems:
        where, _, rest = problem.field.partition(".")
        if where in ("body", "path") and rest and problem.rule != "required":
            found.add((where, rest.split(".")[0]))
    return found


class Coverage:
    """What one run, or the recordings of one check, reached of one view of the spec."""

    def __init__(self, spec: dict[str, Any], view: View, *, source: Mapping[str, Any]) -> None:
        self.contract = Contract(spec, view)
        self.view = view
        self.source = dict(source)
        self.routes: RouteTable[OperationContract] = self.contract.route_table()
        declared = _declared_statuses(spec)
        self.operations: dict[str, OperationCoverage] = {}
        for op_id, compiled in self.contract.operations.items():
            op = compiled.model
            statuses = {key: StatusCoverage(key, True, views, description) for key, (views, description) in declared.get(op_id, {}).items()}
            self.operations[op_id] = OperationCoverage(op_id, op.method, op.path, statuses, _fields(op))
        self.other_requests: Counter[str] = Counter()
        self.rules: list[dict[str, Any]] = []
        self.notes: list[str] = []

    # ------------------------------------------------------------------ feeding it

    def observe(self, method: str, path: str, *, content_type: str | None, body: bytes | None, status: int | None) -> str | None:
        """Count one request (``body`` None: a recording did not keep it) and the status it got
        (None: no answer came). Returns the operation it went to, or None for a request off the
        spec's operations (counted by method and path)."""
        match = self.routes.match(method.upper(), path)
        if match is None or match.kind is not Kind.ROUTE or match.target is None:
            where = match.template if match is not None else "(a path the spec lacks)"
            self._other(f"{method.upper()} {where}")
            return None
        op = match.target
        covered = self.operations[op.operation_id]
        covered.requests += 1
        checked = self.contract.check_request(op, authorization=None, path_parameters=match.params, content_type=content_type, body=body)
        refused = _refused(checked.problems)
        for name, parameter in covered.fields.items():
            if parameter.where == "path":
                parameter.sent += 1
                parameter.invalid += ("path", name) in refused
        if op.body_validator is not None:
            document = checked.document
            if body is None or not isinstance(document, dict):
                covered.bodies_unread += 1
            else:
                self._fields_of(covered, document, refused)
        if status is not None:
            self._status(covered, status)
        return op.operation_id

    def _fields_of(self, covered: OperationCoverage, document: dict[str, Any], refused: set[tuple[str, str]]) -> None:
        for name in document:
            if name not in covered.fields and (name in covered.undeclared_fields or len(covered.undeclared_fields) < OTHER_REQUESTS_NAMED):
                covered.undeclared_fields[name] += 1
        for name, body_field in covered.fields.items():
            if body_field.where != "body":
                continue
            if name not in document:
                body_field.omitted += 1
                continue
            body_field.sent += 1
            if ("body", name) in refused:
                body_field.invalid += 1
            value = document[name]
            if body_field.values is not None and not isinstance(value, (dict, list)) and value_key(value) in body_field.values:
                body_field.values[value_key(value)] += 1  # true is not 1: "true" and "1" are two keys

    def _status(self, covered: OperationCoverage, code: int) -> None:
        """Count ``code`` under its own key and under the range that covers it (``4XX``, with the
        code), as each view reads it; ``default`` only when neither is declared; else as undeclared."""
        statuses, exact, span = covered.statuses, str(code), f"{str(code)[0]}XX"
        hits = [key for key in (exact, span) if key in statuses] or (["default"] if "default" in statuses else [])
        if not hits:
            statuses[exact] = StatusCoverage(exact, False)
            hits = [exact]
        for key in hits:
            statuses[key].seen += 1
            if key != exact:
                statuses[key].codes[exact] += 1

    def _other(self, label: str) -> None:
        if label in self.other_requests or len(self.other_requests) < OTHER_REQUESTS_NAMED:
            self.other_requests[label] += 1
        else:
            self.other_requests[OTHERS] += 1

    def add_rules(self, ledger: Ledger) -> None:
        """Each rule's outcome as the run's judge found it, in the spec's order."""
        self.rules = [
            {
                "rule": tally.name,
                "operation": tally.operation,
                "field": tally.field,
                "extension": tally.extension,
                "outcome": tally.outcome,
                "reason": tally.detail,
                "passed": tally.passed,
                "failed": tally.failed_times,
                "skipped": sum(tally.skipped.values()),
            }
            for tally in ledger.rules.values()
        ]

    def explain(self, operation_id: str, status: str, reason: str) -> None:
        """Why ``status`` of an operation was not seen, as the feeder knows it (kept only while unseen)."""
        entry = self.operations.get(operation_id, None)
        if entry is not None and status in entry.statuses and not entry.statuses[status].seen:
            entry.statuses[status].reason = reason

    def finish(self) -> None:
        """Reasons the model itself can give: a success status not seen while another was (the
        server chose another one; the spec allows either)."""
        for covered in self.operations.values():
            successes = [s for s in covered.statuses.values() if s.declared and s.key.startswith("2")]
            answered = [s.key for s in successes if s.seen]
            for status in successes:
                if not status.seen and not status.reason and answered:
                    status.reason = f"the server answered {' and '.join(answered)} instead; the spec allows either as a success"

    # ------------------------------------------------------------------ reading it

    def as_json(self) -> dict[str, Any]:
        self.finish()
        return {
            "version": VERSION,
            "source": self.source,
            "view": self.view.value,
            "summary": self.summary(),
            "operations": {op_id: covered.as_json() for op_id, covered in self.operations.items()},
            "other_requests": dict(self.other_requests),
            "rules": self.rules,
            "notes": self.notes,
        }

    def summary(self) -> dict[str, Any]:
        """Counts over every operation: how much of what the spec declares was reached."""
        ops = list(self.operations.values())
        declared = [s for op in ops for s in op.statuses.values() if s.declared]
        fields = [f for op in ops for f in op.fields.values()]
        values = [n for f in fields for n in (f.values or {}).values()]
        outcomes = Counter(rule["outcome"] for rule in self.rules)
        return {
            "requests": sum(op.requests for op in ops) + sum(self.other_requests.values()),
            "operations": {"declared": len(ops), "called": sum(1 for op in ops if op.requests)},
            "statuses": {
                "declared": len(declared),
                "seen": sum(1 for s in declared if s.seen),
                "undeclared_seen": sum(1 for op in ops for s in op.statuses.values() if not s.declared),
            },
            "fields": {"declared": len(fields), "sent": sum(1 for f in fields if f.sent), "sent_invalid": sum(1 for f in fields if f.invalid)},
            "values": {"declared": len(values), "sent": sum(1 for n in values if n)},
            "rules": {"declared": len(self.rules), **{outcome: outcomes.get(outcome, 0) for outcome in ("passed", "failed", "skipped")}},
        }

