"""How many recorded exchanges each change of a diff would break or alter (``--traffic``).

A diff says what changed between OLD and NEW; a recording of real traffic (HARs: the proxy's
recordings, a browser's, Playwright's, read by ``meetings_spec.har_input``) says what clients
actually send and get. Each recorded request is routed to its operation in OLD, and each change
is weighed against the exchanges of its operation by what its rule touches
(``spec_diff.catalogue.Touch``): every call (an operation removed), the calls answered with a
status (a status removed), the calls that send or leave out a field (a field removed, a default
changed), the calls that send a value NEW refuses and OLD accepted (an enum value removed, a
bound tightened: judged by the contract library on both documents), the answers that hold a field
(a response field removed or widened)... A change whose rule names no touch (a server, a
description, a value NEW newly allows, which nothing recorded under OLD can hold) is said not to
be counted, and why. A breaking change no recorded exchange touches stays breaking: a recording
is a sample.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from meetings_spec.bodies import NotJson, media_type, parse_json
from meetings_spec.contract import Contract, OperationContract
from meetings_spec.har_input import HarLog, api_path, base_path_of
from meetings_spec.judge import ABSENT
from meetings_spec.loader import SpecError
from meetings_spec.refs import unescape_segment
from meetings_spec.routing import Kind, RouteTable
from meetings_spec.views import View, iter_operations
from spec_diff.catalogue import CATALOGUE, Family, Touch
from spec_diff.model import Change, Level, ShownIn

_TEMPLATE_PARAMETER = re.compile(r"\{[^}/]*\}")
_PART = re.compile(r"^(?P<kind>request body|response|parameter|security)(?: (?P<rest>.*))?$")
#: Schema keywords whose refusal a validator names by the keyword itself (with the names it uses).
_LEAF_KEYWORDS = {
    "enum": {"enum"}, "const": {"const"}, "type": {"type"}, "required": {"required"}, "pattern": {"pattern"},
    "format": {"format"}, "minimum": {"minimum", "exclusiveMinimum"}, "exclusiveMinimum": {"minimum", "exclusiveMinimum"},
    "maximum": {"maximum", "exclusiveMaximum"}, "exclusiveMaximum": {"maximum", "exclusiveMaximum"},
    "minLength": {"minLength"}, "maxLength": {"maxLength"}, "minItems": {"minItems"}, "maxItems": {"maxItems"},
    "minProperties": {"minProperties"}, "maxProperties": {"maxProperties"}, "multipleOf": {"multipleOf"},
    "uniqueItems": {"uniqueItems"}, "additionalProperties": {"additionalProperties", "falseSchema"},
}  # fmt: skip
#: How many refused values an impact names.
SHOWN_VALUES = 3
#: Why the rules of each family without a touch cannot be counted.
_NOT_COUNTED = {
    Family.DOCUMENTATION: "it documents; no exchange changes by it",
    Family.EXAMPLES: "examples are what the mock answers by name; recorded traffic does not show which one a client asked for",
    Family.EXTENSIONS: "it changes what the spec assumes or says in an extension this tool does not know; traffic does not show it",
    Family.SERVERS: "it changes the servers listed; a recording does not show which server a client was built for",
    Family.COMPONENTS: "no traffic changes by a schema's name",
    Family.MOCK_SETTINGS: "it changes the mock's seed and settings, not the API's traffic",
}


# ------------------------------------------------------------------ recorded exchanges


@dataclass
class Recorded:
    """One exchange of a HAR, as the impact of a change reads it: None where the HAR lacks it."""

    method: str
    path: str  # as the spec names it (the base path taken off)
    query: dict[str, list[str]]
    headers: dict[str, str]  # request headers, by lower-case name
    body: bytes | None
    status: int | None  # None: no answer came
    answer_type: str | None
    answer: bytes | None

    def document(self) -> Any:
        """The request body as JSON (``ABSENT``: none, not JSON, or not recorded)."""
        return _json(self.body)

    def answer_document(self) -> Any:
        return _json(self.answer)


def _json(data: bytes | None) -> Any:
    if not data:
        return ABSENT
    try:
        return parse_json(data)
    except NotJson:
        return ABSENT


@dataclass
class Traffic:
    """Recorded exchanges of the API, each routed to its operation in OLD (``METHOD /path/{}``)."""

    files: list[str]
    entries: int = 0  # every entry of every HAR
    by_operation: dict[str, list[Recorded]] = field(default_factory=dict)
    operation_ids: dict[str, str] = field(default_factory=dict)  # METHOD /path/{} -> OLD's operationId
    unrouted: int = 0  # entries on no operation of OLD (pages, assets, other hosts, other paths)

    @property
    def exchanges(self) -> int:
        return sum(len(found) for found in self.by_operation.values())


def operation_key(method: str, template: str) -> str:
    """``POST /meetings/{}``: an operation as OLD and NEW both name it, whatever their path
    parameters are called."""
    return f"{method.upper()} {_TEMPLATE_PARAMETER.sub('{}', template)}"


def read_traffic(old: dict[str, Any], hars: Iterable[HarLog], base_path: str | None = None) -> Traffic:
    """The exchanges of ``hars`` on OLD's operations, in file order."""
    table: RouteTable[tuple[str, str]] = RouteTable()
    traffic = Traffic([])
    for path, method, operation in iter_operations(old):
        key = operation_key(method, path)
        table.add(path, [method], (key, str(operation.get("operationId") or key)), first_wins=True)
        traffic.by_operation.setdefault(key, [])
        traffic.operation_ids[key] = str(operation.get("operationId") or key)
    for har in hars:
        traffic.files.append(har.source)
        traffic.entries += len(har.entries)
        root = base_path_of(har, base_path)
        for entry in har.entries:
            path = api_path(entry.path, root) if entry.url else None
            match = None if path is None else table.match(entry.method, path)
            if match is None or match.kind is not Kind.ROUTE or match.target is None:
                traffic.unrouted += 1
                continue
            headers = {name.lower(): value for name, value in entry.request_headers}
            answered = not entry.unusable and not entry.answered_by_proxy
            answer_type = next((value for name, value in entry.response_headers if name.lower() == "content-type"), None)
            traffic.by_operation[match.target[0]].append(Recorded(
                entry.method, path or "", parse_qs(urlsplit(entry.url).query, keep_blank_values=True), headers,
                entry.request_body, entry.status if answered else None, answer_type if answered else None,
                entry.response_body if answered else None,
            ))  # fmt: skip
    return traffic


# ------------------------------------------------------------------ what a change touches


@dataclass(frozen=True)
class Impact:
    """How many recorded exchanges one change touches (``counted``), or why that cannot be told."""

    counted: bool
    touched: int = 0
    of: int = 0  # the recorded calls of the change's operation
    unknown: int = 0  # of those, the ones whose part the recording lacks (a body not kept, no answer)
    operation: str = ""
    what: str = ""  # "send voice_vendor "cartesia", which NEW refuses"
    reason: str = ""  # not counted: why
    exchanges: int = 0  # every recorded exchange of the API

    def text(self, level: Level) -> str:
        if not self.counted:
            return f"not counted: {self.reason}"
        if not self.of:
            said = f"no recorded call of {self.operation} (of {self.exchanges} recorded exchanges of the API)"
        else:
            said = f"{self.touched} of {self.of} recorded {self.operation} calls {self.what}"
            if self.unknown:
                said += f"; {self.unknown} more the recording cannot tell (it lacks their body or their answer)"
        if not self.touched and level is Level.BREAKING:
            said += "; still breaking: the recording is a sample"
        return said

    def as_json(self) -> dict[str, Any]:
        if not self.counted:
            return {"counted": False, "reason": self.reason}
        return {"counted": True, "operation": self.operation, "touched": self.touched, "of": self.of, "unknown": self.unknown, "what": self.what}


class Weigher:
    """Weighs the changes of one diff against one recording."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any], traffic: Traffic) -> None:
        self.old, self.new, self.traffic = old, new, traffic
        self._contracts: dict[tuple[str, View], Contract | str] = {}

    def impact(self, change: Change) -> Impact:
        rule = CATALOGUE[change.rule]
        if rule.touch is None:
            return Impact(False, reason=_NOT_COUNTED.get(rule.family, "nothing recorded under OLD can hold what it changes (it only allows more, or names nothing a client sends or gets)"))
        key = _where_key(change.where)
        if key is None or key not in self.traffic.by_operation:
            return Impact(False, reason=f"{change.where} is no operation of OLD, so no recorded exchange went to it")
        recorded = self.traffic.by_operation[key]
        operation = self.traffic.operation_ids[key]
        try:
            touches = self._touches(rule.touch, change)
        except _CannotTell as why:
            return Impact(False, reason=str(why))
        touched = unknown = 0
        seen_values: list[str] = []
        for exchange in recorded:
            found = touches(exchange)
            if found is None:
                unknown += 1
            elif found:
                touched += 1
                if isinstance(found, str) and found not in seen_values:
                    seen_values.append(found)
        what = _what(rule.touch, change, seen_values)
        return Impact(True, touched, len(recorded) - unknown, unknown, operation, what, exchanges=self.traffic.exchanges)

    # -------------------------------------------------------------- one function per touch

    def _touches(self, touch: Touch, change: Change) -> Callable[[Recorded], bool | str | None]:
        """``exchange -> touched?``: True (or the value that makes it so), False, None when the
        recording lacks what it takes to tell."""
        part = _Part.of(change.part)
        name = change.field
        if touch is Touch.CALLS:
            return lambda exchange: True
        if touch is Touch.ANSWERED:
            return lambda exchange: None if exchange.status is None else _status_matches(exchange.status, part.status)
        if touch is Touch.SUCCEEDED:
            return lambda exchange: None if exchange.status is None else 200 <= exchange.status < 300
        if touch in (Touch.SENDS, Touch.OMITS):
            sends = _parameter_sent(part) if part.kind == "parameter" else _field_sent(name)
            if touch is Touch.SENDS:
                return sends
            return lambda exchange: None if (sent := sends(exchange)) is None else not sent
        if touch is Touch.WITHOUT_BODY:
            return lambda exchange: None if exchange.body is None else not exchange.body.strip()
        if touch is Touch.WITH_BODY:
            return lambda exchange: None if exchange.body is None else bool(exchange.body.strip())
        if touch is Touch.SENT_AS:
            media = _media_of(change.old_pointer)
            return lambda exchange: bool(exchange.body and exchange.body.strip()) and _media_matches(exchange.headers.get("content-type"), media)
        if touch is Touch.ANSWERED_AS:
            media = _media_of(change.old_pointer)
            return lambda exchange: None if exchange.status is None else _status_matches(exchange.status, part.status) and _media_matches(exchange.answer_type, media)
        if touch in (Touch.HOLDS, Touch.HOLDS_PARENT):
            at = name if touch is Touch.HOLDS else _parent(name)
            return lambda exchange: _holds(exchange, part.status, at)
        if touch is Touch.REFUSED:
            if part.kind == "parameter" and part.location != "path":
                return _parameter_sent(part)  # query and header values are not validated here: the calls that send it
            return self._refused(change, part, request=True)
        if touch is Touch.ANSWER_REFUSED:
            return self._refused(change, part, request=False)
        raise AssertionError(touch)

    def _refused(self, change: Change, part: _Part, *, request: bool) -> Callable[[Recorded], bool | str | None]:
        """The exchanges whose value at the change's place NEW refuses and OLD accepted, judged by
        the contract library in the view the change shows in."""
        view = View.STRICT if change.view is ShownIn.STRICT else View.LENIENT
        old, new = self._contract("OLD", self.old, view), self._contract("NEW", self.new, view)
        keyword = unescape_segment(change.new_pointer.rsplit("/", 1)[-1]) if change.new_pointer else ""
        rules = _LEAF_KEYWORDS.get(keyword)
        place = f"path.{part.name}" if part.kind == "parameter" else _problem_place("body", change.field)
        new_table, old_table = new.route_table(), old.route_table()

        def problems(contract: Contract, table: RouteTable[OperationContract], exchange: Recorded) -> list[Any] | None:
            match = table.match(exchange.method, exchange.path)
            if match is None or match.target is None:
                return None
            if request:
                checked = contract.check_request(match.target, authorization=None, path_parameters=match.params,
                                                 content_type=exchange.headers.get("content-type"), body=exchange.body)
            else:
                checked = contract.check_response(match.target, exchange.status, content_type=exchange.answer_type, body=exchange.answer)
            return [p for p in checked.problems if _under(_problem_field(p.field), place) and (rules is None or p.rule in rules)]

        def refused(exchange: Recorded) -> bool | str | None:
            if request and exchange.body is None:
                return None
            if not request:
                if exchange.status is None:
                    return None
                if not _status_matches(exchange.status, part.status):
                    return False
                if exchange.answer is None:
                    return None
            now = problems(new, new_table, exchange)
            if now is None:
                return None
            if not now:
                return False
            before = problems(old, old_table, exchange)
            if before:
                return False  # OLD refused it already: not this change's doing
            got = now[0].got
            return got if got and len(got) <= 40 and not got.startswith(("{", "[")) and got != "absent" else True

        return refused

    def _contract(self, label: str, document: dict[str, Any], view: View) -> Contract:
        key = (label, view)
        if key not in self._contracts:
            try:
                self._contracts[key] = Contract(document, view)
            except SpecError as error:
                self._contracts[key] = f"{label} cannot be read by the contract library ({error}), so the values it refuses cannot be told"
        found = self._contracts[key]
        if isinstance(found, str):
            raise _CannotTell(found)
        return found


class _CannotTell(Exception):
    """The impact of a change cannot be counted (the message says why)."""


# ------------------------------------------------------------------ places


@dataclass(frozen=True)
class _Part:
    """A change's ``part``, read: ``response 200 body`` -> status 200; ``parameter id (path)``."""

    kind: str
    status: str = ""
    name: str = ""
    location: str = ""

    @classmethod
    def of(cls, part: str) -> _Part:
        found = _PART.match(part)
        if found is None:
            return cls(part)
        kind, rest = found.group("kind"), found.group("rest") or ""
        if kind == "response":
            return cls(kind, status=rest.split(" ", 1)[0])
        if kind == "parameter":
            name, _, location = rest.rpartition(" (")
            return cls(kind, name=name, location=location.rstrip(")"))
        return cls(kind)


def _where_key(where: str) -> str | None:
    method, _, path = where.partition(" ")
    return operation_key(method, path) if path.startswith("/") else None


def _status_matches(status: int, key: str) -> bool:
    if not key:
        return True
    if key == "default":
        return True
    if len(key) == 3 and key.endswith("XX"):
        return str(status)[0] == key[0]
    return str(status) == key


def _media_of(pointer: str | None) -> str:
    """The media type a media-type change is about: the last segment of its pointer in OLD."""
    return unescape_segment(pointer.rsplit("/", 1)[-1]) if pointer else ""


def _media_matches(content_type: str | None, media: str) -> bool:
    kind = media_type(content_type)
    if media in ("*/*", ""):
        return bool(kind)
    if media.endswith("/*"):
        return kind.startswith(media[:-1])
    return kind == media


def _segments(field_path: str) -> list[str]:
    """``data.items[].id`` -> ``["data", "items", "[]", "id"]``."""
    return [piece for piece in re.split(r"\.|(\[\])", field_path) if piece]


def values_at(document: Any, field_path: str) -> Iterator[Any]:
    """Every value at ``field_path`` (dotted, ``[]`` for each item of an array) in ``document``."""
    nodes = [document]
    for segment in _segments(field_path):
        if segment == "[]":
            nodes = [item for node in nodes if isinstance(node, list) for item in node]
        else:
            nodes = [node[segment] for node in nodes if isinstance(node, dict) and segment in node]
    yield from nodes


def _parent(field_path: str) -> str:
    segments = _segments(field_path)[:-1]
    return ".".join(segments).replace(".[]", "[]")


def _field_sent(name: str) -> Callable[[Recorded], bool | None]:
    def sends(exchange: Recorded) -> bool | None:
        if exchange.body is None:
            return None
        document = exchange.document()
        if not name:
            return document is not ABSENT
        return any(True for _ in values_at(document, name)) if isinstance(document, (dict, list)) else False

    return sends


def _parameter_sent(part: _Part) -> Callable[[Recorded], bool | None]:
    def sends(exchange: Recorded) -> bool | None:
        if part.location == "path":
            return True
        if part.location == "query":
            return part.name in exchange.query
        if part.location == "header":
            return part.name.lower() in exchange.headers
        return None  # cookies: a HAR's cookie list is not read here

    return sends


def _holds(exchange: Recorded, status: str, at: str) -> bool | None:
    if exchange.status is None:
        return None
    if not _status_matches(exchange.status, status):
        return False
    if exchange.answer is None:
        return None
    document = exchange.answer_document()
    if document is ABSENT:
        return False
    return not at or any(True for _ in values_at(document, at))


def _problem_field(dotted: str) -> str:
    """A problem's place (``body.items.0.id``) as a diff names places (``body.items[].id``)."""
    return ".".join("[]" if piece.isdigit() else piece for piece in dotted.split(".")).replace(".[]", "[]")


def _problem_place(where: str, field_path: str) -> str:
    return f"{where}.{field_path}" if field_path else where


def _under(found: str, place: str) -> bool:
    return found == place or found.startswith((place + ".", place + "["))


def _what(touch: Touch, change: Change, values: list[str]) -> str:
    part = _Part.of(change.part)
    name = change.field or (part.name if part.kind == "parameter" else "")
    status = part.status
    shown = ", ".join(values[:SHOWN_VALUES]) + (f" and {len(values) - SHOWN_VALUES} more" if len(values) > SHOWN_VALUES else "")
    if touch is Touch.CALLS:
        return "go to it"
    if touch is Touch.ANSWERED:
        return f"were answered {status}"
    if touch is Touch.SUCCEEDED:
        return "were answered with a success"
    if touch is Touch.SENDS:
        return f"send {name or 'a body'}"
    if touch is Touch.OMITS:
        return f"leave {name} out"
    if touch is Touch.WITHOUT_BODY:
        return "send no body"
    if touch is Touch.WITH_BODY:
        return "send a body"
    if touch is Touch.SENT_AS:
        return f"send their body as {_media_of(change.old_pointer)}"
    if touch is Touch.ANSWERED_AS:
        return f"got a {status} answer as {_media_of(change.old_pointer)}"
    if touch is Touch.HOLDS:
        return f"got {name or 'a body'} in a {status} answer"
    if touch is Touch.HOLDS_PARENT:
        return f"got {_parent(name) or 'the body'}, which NEW may add {name.rsplit('.', 1)[-1]} to, in a {status} answer"
    if touch is Touch.REFUSED:
        if part.kind == "parameter" and part.location != "path":
            return f"send {name} (its values are not checked here: the calls that send it)"
        return f"send {name or 'a body'}{f' {shown}' if shown else ''}, which NEW refuses and OLD accepted"
    if touch is Touch.ANSWER_REFUSED:
        return f"got {name or 'a body'}{f' {shown}' if shown else ''} in a {status} answer, which NEW no longer allows"
    raise AssertionError(touch)


def weigh(changes: list[Change], old: dict[str, Any], new: dict[str, Any], traffic: Traffic) -> dict[tuple[str, str, str, str, str], Impact]:
    """The impact of every change, by ``Change.key``."""
    weigher = Weigher(old, new, traffic)
    return {change.key: weigher.impact(change) for change in changes}

