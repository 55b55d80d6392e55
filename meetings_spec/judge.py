"""The rules the spec declares beyond JSON Schema, judged on exchanges (a request and its answer).

One engine for everything that judges traffic: the contract suite (each answer it gets), a
validation proxy (live traffic) and the offline check of a recording. Every rule is read from a
vendor extension of the spec, so a rule added to the spec reaches all three without a line of
Python naming a field.

A ``Judge`` holds one run's memory (answers seen so far), which the rules that span exchanges
need: a number that never grows, an object reused for the same key, a created resource read
back. It returns ``Finding``s: passed, failed (what was expected, what came back) or skipped
(why the rule could not be judged on this exchange). A rule with nothing to say about an
exchange (an error answer, a field the rule does not concern) returns no finding at all.
"""

from __future__ import annotations

import enum
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from meetings_spec.nulls import nulls_in, read_as_omitted
from meetings_spec.model import Operation, RequestField, lookup, operations

#: What an exchange holds where a body was not sent or is not JSON.
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()

_MISSING = object()
SAFE_METHODS = frozenset({"get", "head", "options"})


class Outcome(enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Exchange:
    """One request to an operation of the spec and the answer it got."""

    operation: Operation
    request_body: Any  # parsed JSON, or ABSENT
    path_parameters: Mapping[str, Any]
    status: int
    response_body: Any  # parsed JSON, or ABSENT
    #: Built only from values the docs vouch for. Where the docs are silent about a value (a
    #: blank name, say), a server may normalise it; echoes are then judged in strict mode only.
    documented: bool = True


@dataclass(frozen=True)
class Finding:
    """What one rule says about one exchange."""

    rule: str  # the instance's name, e.g. "createMeeting: meeting_type omitted comes back as 'regular'"
    extension: str  # the spec's keyword the rule is read from, e.g. "default" or "x-echo"
    outcome: Outcome
    message: str = ""  # failed: expected and got; skipped: why
    side: str = "response"  # which half of the exchange broke the rule
    expected: str = ""  # failed: what the rule asked for, in short (the message says why)
    got: str = ""  # failed: what came back instead


@dataclass
class RuleInstance:
    """A rule of the spec as it applies to one operation (and one field or pointer)."""

    name: str
    extension: str
    needs: str  # what an exchange must show for the rule to be judged, for "not exercised" reports
    judge: Callable[[Exchange, dict[str, Any]], Finding | None] = field(repr=False)
    operation: str = ""  # the operationId whose exchanges it judges
    field_name: str = ""  # the request field it is declared on, or the answer's field (dotted) it concerns


#: How many entries each table of a judge's memory keeps (created resources, keys seen, ...):
#: a proxy runs for days; past this the oldest are forgotten, so a rule judges less, never wrongly.
MEMORY_LIMIT = 10_000


class _Bounded(OrderedDict):  # type: ignore[type-arg]
    """A dict that forgets its oldest entries past ``MEMORY_LIMIT``."""

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        if len(self) > MEMORY_LIMIT:
            self.popitem(last=False)


def _table(memory: dict[str, Any], name: str) -> _Bounded:
    """One named table of a judge's memory, made on first use."""
    table = memory.get(name)
    if table is None:
        table = memory[name] = _Bounded()
    return table


def _where(pointer: str) -> str:
    return pointer.lstrip("/").replace("/", ".")


def _same(value: Any, got: Any) -> bool:
    """JSON equality: 5 == 5.0, but true is not 1."""
    if isinstance(value, bool) or isinstance(got, bool):
        return type(value) is type(got) and value == got
    return value == got


def _normalised(value: Any) -> Any:
    """5.0 is the integer 5 to JSON Schema: a server may answer it as 5."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _success_object(exchange: Exchange) -> dict[str, Any] | None:
    """The answer's body if it is a 2xx JSON object, else None (other checks judge the rest)."""
    if 200 <= exchange.status < 300 and isinstance(exchange.response_body, dict):
        return exchange.response_body
    return None


def _request_object(exchange: Exchange) -> dict[str, Any] | None:
    return exchange.request_body if isinstance(exchange.request_body, dict) else None


def _shown(value: Any) -> str:
    return "nothing" if value is _MISSING else repr(value)


def _received(value: Any) -> str:
    """A finding's ``got``: the value that came, or "absent" when none did."""
    return "absent" if value is _MISSING else repr(value)


# ------------------------------------------------------------------------------ the rules


def _echo(op: Operation, field_: RequestField, strict: bool) -> RuleInstance:
    name = f"{op.operation_id}: {field_.name} sent comes back at {_where(field_.echo or '')}"

    def judge(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or field_.name not in body:
            return None
        if not (exchange.documented or strict):
            return Finding(name, "x-echo", Outcome.SKIPPED, f"{field_.name} held a value the docs say nothing about; judged in strict mode only")
        want, got = _normalised(body[field_.name]), lookup(answer, field_.echo, _MISSING)
        if got is not _MISSING and _same(want, got):
            return Finding(name, "x-echo", Outcome.PASSED)
        return Finding(name, "x-echo", Outcome.FAILED, f"{_where(field_.echo)} should be {want!r} because {field_.name} was sent; the server answered {_shown(got)}", expected=repr(want), got=_received(got))

    return RuleInstance(name, "x-echo", f"a 2xx answer to a request that sends {field_.name}", judge, op.operation_id, field_.name)


def _default(op: Operation, field_: RequestField) -> RuleInstance:
    default = field_.default
    name = f"{op.operation_id}: {field_.name} omitted comes back as its default {default!r}"

    def judge(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or field_.name in body:
            return None
        got = lookup(answer, field_.echo, _MISSING)
        if got is not _MISSING and _same(default, got):
            return Finding(name, "default", Outcome.PASSED)
        return Finding(name, "default", Outcome.FAILED, f"{_where(field_.echo)} should be {default!r}, the documented default, because {field_.name} was omitted; the server answered {_shown(got)}", expected=repr(default), got=_received(got))

    return RuleInstance(name, "default", f"a 2xx answer to a request that omits {field_.name}", judge, op.operation_id, field_.name)


def _default_from(op: Operation, field_: RequestField, strict: bool) -> Iterator[RuleInstance]:
    """An omitted field made from other fields (``x-default-from``): joined with spaces when the
    request sends them; in the view that says so, parts it leaves out are lent by an object of
    the answer (``lend``: a known end user's stored names) and a value stands in when there are
    none at all (``otherwise``). Without ``lend`` only a request sending every part is judged."""
    parts, lend, otherwise = field_.default_from, field_.default_lend, field_.default_otherwise
    joined_name = f"{op.operation_id}: {field_.name} omitted is made from {' and '.join(parts)}"
    none_name = f"{op.operation_id}: {field_.name} omitted with no {' or '.join(parts)} either"
    if otherwise is not None:
        none_name += f" comes back as {otherwise!r}" + (f" (or {_where(lend)}'s names)" if lend else "")

    def expected(body: dict[str, Any], answer: dict[str, Any]) -> tuple[Any, str] | None:
        sent = {p: body[p] for p in parts if isinstance(body.get(p), str) and body[p]}
        lent = lookup(answer, lend, None) if lend else None
        lent = lent if isinstance(lent, dict) else {}
        values = [sent.get(p, lent.get(p) if body.get(p) is None else None) for p in parts]
        values = [v for v in values if isinstance(v, str) and v]
        if values:
            borrowed = [p for p in parts if p not in sent and lent.get(p)]
            why = f"{field_.name} was omitted, so it is made from {' and '.join(parts)}"
            return " ".join(values), why + (f" ({', '.join(borrowed)} from {_where(lend)})" if borrowed else "")
        if otherwise is None:
            return None
        return otherwise, f"neither {field_.name} nor {' nor '.join(parts)} was sent" + (f", and {_where(lend)} has none" if lend else "")

    def judged(name: str, exchange: Exchange, wanted: tuple[Any, str]) -> Finding:
        answer = exchange.response_body
        got = lookup(answer, field_.echo, _MISSING)
        want, why = wanted
        if got is not _MISSING and _same(want, got):
            return Finding(name, "x-default-from", Outcome.PASSED)
        return Finding(name, "x-default-from", Outcome.FAILED, f"{_where(field_.echo)} should be {want!r} because {why}; the server answered {_shown(got)}", expected=repr(want), got=_received(got))

    def joined(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or field_.name in body or not any(p in body for p in parts):
            return None
        if not lend and not all(isinstance(body.get(p), str) for p in parts):
            return None  # only some parts sent: the docs' view says nothing about the rest
        if not (exchange.documented or strict):
            return Finding(joined_name, "x-default-from", Outcome.SKIPPED, "the parts held values the docs say nothing about; judged in strict mode only")
        wanted = expected(body, answer)
        return None if wanted is None else judged(joined_name, exchange, wanted)

    def neither(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or field_.name in body or any(p in body for p in parts):
            return None
        wanted = expected(body, answer)
        if wanted is None:
            return Finding(none_name, "x-default-from", Outcome.SKIPPED, "the docs give no value for this case (an assumption of the spec: judged in strict mode only)")
        return judged(none_name, exchange, wanted)

    yield RuleInstance(joined_name, "x-default-from", f"a 2xx answer to a request that omits {field_.name} and sends {' and '.join(parts)}", joined, op.operation_id, field_.name)
    yield RuleInstance(none_name, "x-default-from", f"a 2xx answer to a request that sends none of {field_.name}, {', '.join(parts)}", neither, op.operation_id, field_.name)


def _default_from_scenario(op: Operation, field_: RequestField, scenarios: Mapping[int, Mapping[str, Any]]) -> Iterator[RuleInstance]:
    rule = field_.scenario_default
    assert rule is not None
    by, attribute, otherwise = rule
    value_name = f"{op.operation_id}: {field_.name} omitted comes from the scenario's {attribute}, else {otherwise!r}"
    same_name = f"{op.operation_id}: {field_.name} omitted is the same for every request on one scenario"

    def omitted(exchange: Exchange) -> tuple[Any, Any] | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or field_.name in body or by not in body:
            return None
        return body[by], lookup(answer, field_.echo, _MISSING)

    def value(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        seen = omitted(exchange)
        if seen is None:
            return None
        scenario, got = seen
        known = scenarios.get(scenario) if isinstance(scenario, int) else None
        if known is None or attribute not in known:
            return Finding(value_name, "x-default-from-scenario", Outcome.SKIPPED, f"the {attribute} of scenario {scenario} on the target is not known (give it with --scenario-attribute {attribute}=N, or =none)")
        want = known[attribute] if known[attribute] is not None else otherwise
        if got is not _MISSING and _same(want, got):
            return Finding(value_name, "x-default-from-scenario", Outcome.PASSED)
        return Finding(value_name, "x-default-from-scenario", Outcome.FAILED, f"{_where(field_.echo)} should be {want!r} because {field_.name} was omitted and scenario {scenario}'s {attribute} is {known[attribute]!r}; the server answered {_shown(got)}", expected=repr(want), got=_received(got))

    def consistent(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        seen = omitted(exchange)
        if seen is None or seen[1] is _MISSING:
            return None
        scenario, got = seen
        earlier = _table(memory, f"scenario-default {field_.echo}")
        key = repr(scenario)
        if key not in earlier:
            earlier[key] = got
            return None  # nothing to compare with yet
        if _same(earlier[key], got):
            return Finding(same_name, "x-default-from-scenario", Outcome.PASSED)
        return Finding(same_name, "x-default-from-scenario", Outcome.FAILED, f"{_where(field_.echo)} was {earlier[key]!r} for an earlier request on scenario {scenario} that omitted {field_.name}, and is {got!r} now; the scenario's {attribute} (else {otherwise!r}) decides it", expected=repr(earlier[key]), got=repr(got))

    needs = f"a 2xx answer to a request that omits {field_.name}"
    yield RuleInstance(value_name, "x-default-from-scenario", needs, value, op.operation_id, field_.name)
    yield RuleInstance(same_name, "x-default-from-scenario", f"two such answers on one scenario ({needs})", consistent, op.operation_id, field_.name)


def _initial_value(op: Operation, pointer: str, initial: Any) -> RuleInstance:
    name = f"{op.operation_id}: a new resource's {_where(pointer)} is {initial!r}"

    def judge(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        answer = _success_object(exchange)
        if answer is None:
            return None
        got = lookup(answer, pointer, _MISSING)
        if got is not _MISSING and _same(initial, got):
            return Finding(name, "x-initial-value", Outcome.PASSED)
        return Finding(name, "x-initial-value", Outcome.FAILED, f"{_where(pointer)} of what was just created should be {initial!r}; the server answered {_shown(got)}", expected=repr(initial), got=_received(got))

    return RuleInstance(name, "x-initial-value", f"a 2xx answer of {op.operation_id}", judge, op.operation_id, _where(pointer))


def _query_params(op: Operation, url_pointer: str, parameters: Mapping[str, str]) -> RuleInstance:
    pairs = ", ".join(f"{n} = {_where(p)}" for n, p in parameters.items())
    name = f"{op.operation_id}: {_where(url_pointer)} carries {pairs}"

    def judge(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        answer = _success_object(exchange)
        if answer is None:
            return None
        url = lookup(answer, url_pointer, None)
        if not isinstance(url, str):
            return None  # a missing URL is the schema's finding
        query = parse_qs(urlsplit(url).query, keep_blank_values=True)
        for parameter, pointer in parameters.items():
            want, got = lookup(answer, pointer, _MISSING), query.get(parameter)
            if want is _MISSING or got != [str(want)]:
                return Finding(name, "x-query-params", Outcome.FAILED, f"{_where(url_pointer)} should carry {parameter}={_shown(want) if want is _MISSING else want} (the value of {_where(pointer)}); it carries {parameter}={','.join(got) if got else 'nothing'}: {url}", expected=f"{parameter}={_shown(want) if want is _MISSING else want}", got=f"{parameter}={','.join(got)}" if got else "absent")
        return Finding(name, "x-query-params", Outcome.PASSED)

    return RuleInstance(name, "x-query-params", f"a 2xx answer of {op.operation_id}", judge, op.operation_id, _where(url_pointer))


def _non_increasing(op: Operation, pointer: str) -> RuleInstance:
    name = f"{op.operation_id}: {_where(pointer)} never grows from one answer to the next"

    def judge(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        answer = _success_object(exchange)
        value = lookup(answer, pointer, None) if answer is not None else None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return None
        key = f"non-increasing {pointer}"  # shared by every operation answering the same number
        previous = memory.get(key)
        memory[key] = (value, op.operation_id)
        if previous is None:
            return None
        if value <= previous[0]:
            return Finding(name, "x-non-increasing", Outcome.PASSED)
        return Finding(name, "x-non-increasing", Outcome.FAILED, f"{_where(pointer)} grew from {previous[0]} (after an earlier {previous[1]}) to {value}; it may only stay or fall from one answer to the next", expected=f"at most {previous[0]}", got=repr(value))

    return RuleInstance(name, "x-non-increasing", f"two 2xx answers carrying {_where(pointer)}", judge, op.operation_id, _where(pointer))


def _reuses(op: Operation, field_: RequestField) -> Iterator[RuleInstance]:
    rule = field_.reuses
    assert rule is not None
    pointer, compare = rule
    thing = _where(pointer)
    same_name = f"{op.operation_id}: the same {field_.name} gives the same {thing}"
    new_name = f"{op.operation_id}: no {field_.name} gives a new {thing} every time"

    def identity(answer: dict[str, Any]) -> tuple[Any, ...] | None:
        found = lookup(answer, pointer, None)
        if not isinstance(found, dict):
            return None  # the schema check reports the shape
        return tuple(found.get(name) for name in compare)

    def shown(ident: tuple[Any, ...]) -> str:
        return ", ".join(f"{n}={v!r}" for n, v in zip(compare, ident, strict=True))

    def same(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or body.get(field_.name) is None:
            return None
        ident = identity(answer)
        if ident is None:
            return None
        by_key = _table(memory, f"reuses {pointer} by {field_.name}")
        _table(memory, f"reuses {pointer} seen")[ident] = True
        key = repr(body[field_.name])
        if key not in by_key:
            by_key[key] = ident
            return None
        if by_key[key] == ident:
            return Finding(same_name, "x-reuses", Outcome.PASSED)
        return Finding(same_name, "x-reuses", Outcome.FAILED, f"{field_.name} {body[field_.name]!r} was sent again: an earlier answer's {thing} had {shown(by_key[key])}, this one has {shown(ident)}; the existing one must be reused", expected=shown(by_key[key]), got=shown(ident))

    def new(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        body, answer = _request_object(exchange), _success_object(exchange)
        if body is None or answer is None or body.get(field_.name) is not None:
            return None
        ident = identity(answer)
        if ident is None:
            return None
        seen = _table(memory, f"reuses {pointer} seen")
        repeated = ident in seen
        seen[ident] = True
        if not repeated:
            return Finding(new_name, "x-reuses", Outcome.PASSED)
        return Finding(new_name, "x-reuses", Outcome.FAILED, f"no {field_.name} was sent, so {thing} must be a new one, but an earlier answer had the same ({shown(ident)})", expected="a new one", got=shown(ident))

    yield RuleInstance(same_name, "x-reuses", f"two 2xx answers to requests sending the same {field_.name}", same, op.operation_id, field_.name)
    yield RuleInstance(new_name, "x-reuses", f"a 2xx answer to a request without {field_.name}", new, op.operation_id, field_.name)


def link_target(expression: str) -> tuple[str, str]:
    """``$response.body#/data/id`` -> (``/data``, ``/data/id``): the object and its id pointer."""
    pointer = expression.split("#", 1)[1]
    return pointer.rsplit("/", 1)[0], pointer


def _reads_back(creator: Operation, link_name: str, link: Mapping[str, Any], reader: Operation) -> Iterator[RuleInstance]:
    """What a create answers reads back through the spec's link, but for ``x-mutable`` fields."""
    mutable = {pointer.rsplit("/", 1)[1] for pointer, marked in reader.success_rule("x-mutable") if marked}
    expressions = dict(link.get("parameters", {}))
    resource = next((link_target(e)[0] for e in expressions.values() if isinstance(e, str) and "#" in e), "")
    key = f"created {reader.operation_id} by {creator.operation_id}"  # one table per creator: only its judge speaks
    record_name = f"{creator.operation_id}: what it creates reads back through {reader.operation_id} ({link_name})"
    name = f"{reader.operation_id}: a resource {creator.operation_id} created reads back as created, but for {', '.join(sorted(mutable)) or 'nothing'}"

    def record(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        answer = _success_object(exchange)
        if answer is None:
            return None
        parameters = {}
        for parameter, expression in expressions.items():
            value = lookup(answer, link_target(expression)[1], _MISSING)
            if value is _MISSING:
                return None  # the schema check reports a missing id
            parameters[parameter] = value
        created = lookup(answer, resource, None)
        if isinstance(created, dict):
            _table(memory, key)[_params_key(parameters)] = (created, creator.operation_id)
        return None

    def judge(exchange: Exchange, memory: dict[str, Any]) -> Finding | None:
        entry = memory.get(key, {}).get(_params_key(exchange.path_parameters))
        if entry is None:
            return None
        created, made_by = entry
        if not 200 <= exchange.status < 300:
            return Finding(name, "x-mutable", Outcome.FAILED, f"reading what {made_by} just created answered {exchange.status}, expected a 2xx", expected="a 2xx", got=str(exchange.status))
        answer = _success_object(exchange)
        read = lookup(answer, resource, None) if answer is not None else None
        if not isinstance(read, dict):
            return None  # the schema check reports the shape
        for field_name, value in created.items():
            if field_name in mutable or field_name not in read:
                continue
            if not _same(value, read[field_name]):
                return Finding(name, "x-mutable", Outcome.FAILED, f"{_where(resource)}.{field_name} was {value!r} when {made_by} created it but reads back as {read[field_name]!r}", expected=repr(value), got=repr(read[field_name]))
        return Finding(name, "x-mutable", Outcome.PASSED)

    yield RuleInstance(record_name, "links", "", record, creator.operation_id, "")
    yield RuleInstance(name, "x-mutable", f"a read, through {reader.operation_id}, of something {creator.operation_id} created", judge, reader.operation_id, _where(resource))


def _params_key(parameters: Mapping[str, Any]) -> str:
    return repr(sorted((name, str(value)) for name, value in parameters.items()))


# ------------------------------------------------------------------------------ the judge


def rule_instances(
    ops: Mapping[str, Operation], *, strict: bool = False, scenarios: Mapping[int, Mapping[str, Any]] | None = None
) -> dict[str, list[RuleInstance]]:
    """Every rule the spec declares, by the operation whose exchanges it judges."""
    scenarios = scenarios or {}
    found: dict[str, list[RuleInstance]] = {op_id: [] for op_id in ops}
    for op_id, op in ops.items():
        rules = found[op_id]
        for field_ in op.request_fields.values():
            if not field_.echo:
                continue
            rules.append(_echo(op, field_, strict))
            if field_.has_default:
                rules.append(_default(op, field_))
            elif field_.default_from:
                rules.extend(_default_from(op, field_, strict))
            elif field_.scenario_default:
                rules.extend(_default_from_scenario(op, field_, scenarios))
        for field_ in op.request_fields.values():
            if field_.reuses:
                rules.extend(_reuses(op, field_))
        if op.method not in SAFE_METHODS:
            rules.extend(_initial_value(op, pointer, value) for pointer, value in op.success_rule("x-initial-value"))
        rules.extend(_query_params(op, pointer, parameters) for pointer, parameters in op.success_rule("x-query-params"))
        rules.extend(_non_increasing(op, pointer) for pointer, marked in op.success_rule("x-non-increasing") if marked)
        for link_name, link in op.links.items():
            reader = ops.get(link.get("operationId", ""))
            if reader is not None:
                record, judge = _reads_back(op, link_name, link, reader)
                rules.append(record)
                found[reader.operation_id].append(judge)
    return found


#: The extensions this engine reads; a test holds it to the spec (every rule has a reader).
EXTENSIONS = frozenset(
    {"x-echo", "x-default-from", "x-default-from-scenario", "x-initial-value", "x-query-params", "x-non-increasing", "x-reuses", "x-mutable"}
)


class Judge:
    """One run's judge: the rules of one view of the spec, and the answers seen so far.

    ``scenarios`` holds what is known of the target's scenarios (id to attributes), for the
    rules that depend on them; a rule whose input is unknown is skipped, saying why.
    Thread-safe: a proxy may judge exchanges from several threads.
    """

    def __init__(self, spec_view: dict[str, Any], *, strict: bool = False, scenarios: Mapping[int, Mapping[str, Any]] | None = None) -> None:
        self.operations = operations(spec_view)
        self.rules = rule_instances(self.operations, strict=strict, scenarios=scenarios)
        self._memory: dict[str, Any] = {}
        self._lock = threading.Lock()

    def judge(self, exchange: Exchange) -> list[Finding]:
        """Every finding of every rule on one exchange, in the spec's order; remembers it.

        A null the docs are silent on reads as the field not given (``meetings_spec.nulls``): a
        server that accepted it must answer as for the field omitted, and a broken rule says so."""
        silent = exchange.operation.silent_nulls
        nulls = nulls_in(exchange.request_body, silent)
        if nulls:
            exchange = replace(exchange, request_body=read_as_omitted(exchange.request_body, silent))
        with self._lock:
            findings = []
            for rule in self.rules.get(exchange.operation.operation_id, []):
                finding = rule.judge(exchange, self._memory)
                if finding is not None:
                    findings.append(finding)
        if nulls:
            note = f" ({', '.join(nulls)} {'were' if len(nulls) > 1 else 'was'} sent as null, which reads as omitted)"
            findings = [replace(f, message=f.message + note) if f.outcome is Outcome.FAILED else f for f in findings]
        return findings

    def named_rules(self) -> Iterable[RuleInstance]:
        """Every rule that can pass or fail (not the bookkeeping ones), in the spec's order."""
        return [rule for rules in self.rules.values() for rule in rules if rule.needs]


def failed(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.outcome is Outcome.FAILED]
