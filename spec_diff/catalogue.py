"""Every rule ``waterrai-spec diff`` applies: its id, its level, its family and what it means.

This is the one list of rules, kept apart from the code that walks two documents (as oasdiff
keeps its rule list apart from its checkers). A check reports a change by naming one of the
entries below, never by spelling an id or a level itself: the level of a change is the level of
its rule. ``waterrai-spec rules`` prints this list for users.

One exception to "the level of its rule", made after the walk (``spec_diff.engine``): a change
found only in the spec's strict view touches only the mock's assumptions, so a breaking one is
reported as possibly breaking, and says so.

Schema rules come in pairs, one per side a value flows (``request-...`` and ``response-...``):
the same edit that narrows what a request may carry breaks the clients that send it, while
narrowing what a response may carry breaks nobody; widening is the other way round.

An id given twice is refused when this module is imported.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Iterator

from spec_diff.model import Level
from spec_diff.normal import DOCUMENTATION

BREAKING, POSSIBLY_BREAKING, COMPATIBLE = Level.BREAKING, Level.POSSIBLY_BREAKING, Level.COMPATIBLE
_ID = re.compile(r"[a-z][A-Za-z]*(-[A-Za-z]+)*")


class Family(enum.Enum):
    """Which part of a spec a rule judges; ``waterrai-spec rules`` lists rules by family."""

    PATHS = ("paths", "paths and operations: what a client can call")
    SECURITY = ("security", "how a request is authorised")
    PARAMETERS = ("parameters", "path, query and header parameters of an operation")
    REQUEST_BODY = ("request body", "whether an operation takes a body, and must")
    MEDIA_TYPES = ("media types", "the media types a body is sent or answered as")
    EXAMPLES = ("examples", "examples, which the mock answers by name")
    RESPONSES = ("responses", "statuses, response headers and links")
    SCHEMAS = ("schemas", "the values a request may carry and a response may hold, field by field")
    DEFAULTS = ("defaults", "the value a field takes when a request leaves it out")
    PROMISES = ("promises", "the kit's x- rules: x-echo, x-reuses, x-query-params, x-initial-value, "
                            "x-non-increasing, x-mutable")
    DOCUMENTATION = ("documentation", "keywords that describe without constraining")
    EXTENSIONS = ("extensions", "x-assumption, and x- extensions this tool does not know")
    SERVERS = ("servers", "the servers listed, and which one is production")
    COMPONENTS = ("components", "component schemas' names")
    MOCK_SETTINGS = ("mock settings", "x-mock: the mock's seed and limits")

    def __init__(self, label: str, summary: str) -> None:
        self.label = label
        self.summary = summary


class Touch(enum.Enum):
    """Which recorded exchanges a change of a rule touches (``waterrai-spec diff --traffic``):
    what ``spec_diff.impact`` looks for in each exchange of the operation the change is on. A
    rule without one cannot have its impact counted from traffic (a server, a description, an
    example, or a value NEW newly allows, which nothing recorded against OLD can hold)."""

    CALLS = "every recorded call of the operation"
    ANSWERED = "the calls answered with the change's status"
    SUCCEEDED = "the calls answered with a success (2xx)"
    SENDS = "the calls that send the field or parameter"
    OMITS = "the calls that leave the field or parameter out"
    REFUSED = "the calls that send a value there that NEW refuses and OLD accepted"
    WITHOUT_BODY = "the calls that send no body"
    WITH_BODY = "the calls that send a body"
    SENT_AS = "the calls that send their body as the media type"
    ANSWERED_AS = "the answers of the status in the media type"
    HOLDS = "the answers of the status that hold the field"
    HOLDS_PARENT = "the answers of the status that hold the object the field is added to"
    ANSWER_REFUSED = "the answers that hold a value there that NEW no longer allows"


@dataclass(frozen=True)
class Rule:
    """One kind of change, at the one level it always has (before the strict view lowers it)."""

    id: str
    level: Level
    family: Family
    description: str
    #: The rule this one is a variant of: the same change, at another level because of its
    #: circumstances (an optional field removed, say). The two views' findings of one change are
    #: merged by it, as one finding (``spec_diff.engine.merge_views``).
    variant_of: str | None = None
    #: Which recorded exchanges a change of this rule touches; None: not countable from traffic.
    touch: Touch | None = None

    @property
    def change(self) -> str:
        """The change this rule names, the same for a rule and its variants."""
        return self.variant_of or self.id


@dataclass(frozen=True)
class Directed:
    """One kind of schema change as a pair of rules: on a request (``request-…``) and on a response (``response-…``)."""

    request: Rule
    response: Rule

    def on(self, *, request: bool) -> Rule:
        return self.request if request else self.response


class DuplicateRule(ValueError):
    """Two rules share an id: a report could not say which one it found."""


class UnknownRule(RuntimeError):
    """A check reported a rule that is not in the catalogue (a bug of this tool, not of the input)."""


class Catalogue:
    """The rules by id, in the order they were declared; an id given twice is refused."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.variant_of is not None and rule.variant_of not in self._rules:
            raise ValueError(f"rule {rule.id}: declare {rule.variant_of}, which it is a variant of, before it")
        if rule.id in self._rules:
            raise DuplicateRule(f"rule id {rule.id!r} is declared twice ({self._rules[rule.id].description!r} "
                                f"and {rule.description!r}): give one of them another id")
        if not _ID.fullmatch(rule.id):
            raise ValueError(f"rule id {rule.id!r}: an id is words of letters joined by dashes")
        if not rule.description or "\n" in rule.description:
            raise ValueError(f"rule {rule.id}: its description must be one line")
        self._rules[rule.id] = rule
        return rule

    def rule(self, id: str, level: Level, family: Family, description: str,  # noqa: A002 - the rule's id
             *, variant_of: Rule | None = None, touch: Touch | None = None) -> Rule:
        return self.add(Rule(id, level, family, description, None if variant_of is None else variant_of.id, touch))

    def narrowing(self, name: str, what: str, *, request: Touch = Touch.REFUSED) -> Directed:
        """NEW allows fewer values than OLD: breaks a client that sends them, not one that receives them.
        Recorded requests NEW refuses are touched, and recorded answers it would no longer allow."""
        return Directed(self.rule(f"request-{name}", BREAKING, Family.SCHEMAS, f"{what}: requests accept fewer values",
                                  touch=request),
                        self.rule(f"response-{name}", COMPATIBLE, Family.SCHEMAS, f"{what}: answers hold fewer values",
                                  touch=Touch.ANSWER_REFUSED))

    def widening(self, name: str, what: str) -> Directed:
        """NEW allows more values than OLD: breaks a client that receives them, not one that sends them.
        The answers that hold the field are touched (their readers may meet the new values); no
        recorded request can hold what only NEW allows."""
        return Directed(self.rule(f"request-{name}", COMPATIBLE, Family.SCHEMAS, f"{what}: requests accept more values"),
                        self.rule(f"response-{name}", BREAKING, Family.SCHEMAS,
                                  f"{what}: answers may hold values a client does not expect", touch=Touch.HOLDS))

    def either_side(self, name: str, level: Level, what: str, *, request: Touch = Touch.REFUSED) -> Directed:
        """A change that means the same to a sender and to a receiver."""
        return Directed(self.rule(f"request-{name}", level, Family.SCHEMAS, f"{what} (in a request)", touch=request),
                        self.rule(f"response-{name}", level, Family.SCHEMAS, f"{what} (in a response)", touch=Touch.HOLDS))

    def check(self, rule: Rule) -> Rule:
        """``rule`` itself, when it is this catalogue's entry for its id (level and all); otherwise ``UnknownRule``."""
        if self._rules.get(rule.id) != rule:
            raise UnknownRule(f"rule {rule.id!r} ({rule.level.label}) is not in spec_diff.catalogue: declare it there")
        return rule

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._rules)


CATALOGUE = Catalogue()
_rule = CATALOGUE.rule

# ---------------------------------------------------------------------- paths and operations

PATH_REMOVED = _rule("path-removed", BREAKING, Family.PATHS, "a path removed, with its operations: every call to it fails", touch=Touch.CALLS)
OPERATION_REMOVED = _rule("operation-removed", BREAKING, Family.PATHS,
                          "an operation removed (its path stays): every call to it fails", touch=Touch.CALLS)
OPERATION_ADDED = _rule("operation-added", COMPATIBLE, Family.PATHS, "a new operation")
OPERATION_ID_CHANGED = _rule("operationId-changed", POSSIBLY_BREAKING, Family.PATHS,
                             "operationId renamed: generated clients name their methods after it, and links point at it", touch=Touch.CALLS)
TAGS_CHANGED = _rule("tags-changed", COMPATIBLE, Family.PATHS, "an operation's tags changed (they group it in docs)")

# ---------------------------------------------------------------------- security

SECURITY_REQUIREMENT_ADDED = _rule("security-requirement-added", BREAKING, Family.SECURITY,
                                   "credentials that authorised a request are no longer enough", touch=Touch.CALLS)
SECURITY_ALTERNATIVE_ADDED = _rule("security-alternative-added", COMPATIBLE, Family.SECURITY,
                                   "a request may now be authorised another way too")
SECURITY_SCHEME_CHANGED = _rule("security-scheme-changed", BREAKING, Family.SECURITY,
                                "a security scheme in use changed how requests authenticate (type, scheme, where)", touch=Touch.CALLS)

# ---------------------------------------------------------------------- parameters

PARAMETER_ADDED_REQUIRED = _rule("parameter-added-required", BREAKING, Family.PARAMETERS,
                                 "a new required parameter: requests without it are refused", touch=Touch.OMITS)
PARAMETER_ADDED = _rule("parameter-added", COMPATIBLE, Family.PARAMETERS, "a new optional parameter")
PARAMETER_REMOVED = _rule("parameter-removed", POSSIBLY_BREAKING, Family.PARAMETERS,
                          "a parameter no longer described: the server may ignore it now", touch=Touch.SENDS)
PARAMETER_BECAME_REQUIRED = _rule("parameter-became-required", BREAKING, Family.PARAMETERS,
                                  "a parameter now required: requests without it are refused", touch=Touch.OMITS)
PARAMETER_BECAME_OPTIONAL = _rule("parameter-became-optional", COMPATIBLE, Family.PARAMETERS,
                                  "a parameter no longer required")
PATH_PARAMETER_RENAMED = _rule("path-parameter-renamed", COMPATIBLE, Family.PARAMETERS,
                               "a path parameter renamed (the URL is the same)")
#: ``style``, ``explode`` and ``allowReserved``: how a parameter's value is written in a request.
PARAMETER_SERIALIZATION_CHANGED = {
    keyword: _rule(f"parameter-{keyword}-changed", BREAKING, Family.PARAMETERS,
                   f"a parameter's `{keyword}` changed: its value is written differently in requests", touch=Touch.SENDS)
    for keyword in ("style", "explode", "allowReserved")
}

# ---------------------------------------------------------------------- request body

REQUEST_BODY_ADDED_REQUIRED = _rule("request-body-added-required", BREAKING, Family.REQUEST_BODY,
                                    "a request body now required where none was described", touch=Touch.WITHOUT_BODY)
REQUEST_BODY_ADDED = _rule("request-body-added", COMPATIBLE, Family.REQUEST_BODY,
                           "an optional request body now described")
REQUEST_BODY_REMOVED = _rule("request-body-removed", POSSIBLY_BREAKING, Family.REQUEST_BODY,
                             "the request body no longer described: the server may ignore it now", touch=Touch.WITH_BODY)
REQUEST_BODY_BECAME_REQUIRED = _rule("request-body-became-required", BREAKING, Family.REQUEST_BODY,
                                     "the request body now required: requests without one are refused", touch=Touch.WITHOUT_BODY)
REQUEST_BODY_BECAME_OPTIONAL = _rule("request-body-became-optional", COMPATIBLE, Family.REQUEST_BODY,
                                     "the request body now optional")

# ---------------------------------------------------------------------- media types

REQUEST_MEDIA_TYPE_REMOVED = _rule("request-media-type-removed", BREAKING, Family.MEDIA_TYPES,
                                   "a request media type no longer accepted: requests sent as it are refused", touch=Touch.SENT_AS)
REQUEST_MEDIA_TYPE_ADDED = _rule("request-media-type-added", COMPATIBLE, Family.MEDIA_TYPES,
                                 "a request body may now be sent as another media type too")
RESPONSE_MEDIA_TYPE_REMOVED = _rule("response-media-type-removed", BREAKING, Family.MEDIA_TYPES,
                                    "a response media type no longer answered: a client that reads it gets another", touch=Touch.ANSWERED_AS)
RESPONSE_MEDIA_TYPE_ADDED = _rule("response-media-type-added", COMPATIBLE, Family.MEDIA_TYPES,
                                  "a response may now be answered as another media type too")

# ---------------------------------------------------------------------- examples

EXAMPLE_REMOVED = _rule("example-removed", POSSIBLY_BREAKING, Family.EXAMPLES,
                        "a body's named example removed (the mock answers `Prefer: example=NAME` with it)")
EXAMPLE_ADDED = _rule("example-added", COMPATIBLE, Family.EXAMPLES, "a body's named example added")
EXAMPLE_CHANGED = _rule("example-changed", COMPATIBLE, Family.EXAMPLES,
                        "an example changed: a body's named example, or a schema's or parameter's `example`")

# ---------------------------------------------------------------------- responses

SUCCESS_STATUS_REMOVED = _rule("response-success-status-removed", BREAKING, Family.RESPONSES,
                               "a success status removed, and no success status of OLD remains", touch=Touch.ANSWERED)
SUCCESS_STATUS_REMOVED_OTHERS_REMAIN = _rule(
    "response-success-status-removed-others-remain", POSSIBLY_BREAKING, Family.RESPONSES,
    "one of OLD's success statuses removed while another remains: code that only saw this one may not cope",
    variant_of=SUCCESS_STATUS_REMOVED, touch=Touch.ANSWERED)
STATUS_REMOVED = _rule("response-status-removed", POSSIBLY_BREAKING, Family.RESPONSES,
                       "another status removed: what it answered may now come as another status", touch=Touch.ANSWERED)
STATUS_MERGED = _rule("response-status-merged", POSSIBLY_BREAKING, Family.RESPONSES,
                      "a status no longer listed on its own: a range (4XX) or default now covers it", touch=Touch.ANSWERED)
STATUS_SPLIT = _rule("response-status-split", COMPATIBLE, Family.RESPONSES,
                     "a status now described on its own, where a range or default covered it")
SUCCESS_STATUS_ADDED = _rule("response-success-status-added", POSSIBLY_BREAKING, Family.RESPONSES,
                             "a new success status: a client that checks for OLD's may not expect it", touch=Touch.SUCCEEDED)
STATUS_ADDED = _rule("response-status-added", COMPATIBLE, Family.RESPONSES, "a new status other than success")
HEADER_REMOVED = _rule("response-header-removed", BREAKING, Family.RESPONSES, "a response header that was always sent removed", touch=Touch.ANSWERED)
OPTIONAL_HEADER_REMOVED = _rule("response-optional-header-removed", POSSIBLY_BREAKING, Family.RESPONSES,
                                "a response header that was not always sent removed", variant_of=HEADER_REMOVED, touch=Touch.ANSWERED)
HEADER_BECAME_OPTIONAL = _rule("response-header-became-optional", BREAKING, Family.RESPONSES,
                               "a response header no longer always sent", touch=Touch.ANSWERED)
HEADER_ADDED = _rule("response-header-added", COMPATIBLE, Family.RESPONSES, "a new response header")
LINK_REMOVED = _rule("link-removed", POSSIBLY_BREAKING, Family.RESPONSES,
                     "a response link removed (clients and the contract suite follow it)", touch=Touch.ANSWERED)
LINK_CHANGED = _rule("link-changed", POSSIBLY_BREAKING, Family.RESPONSES, "a response link points elsewhere or passes other values", touch=Touch.ANSWERED)
LINK_ADDED = _rule("link-added", COMPATIBLE, Family.RESPONSES, "a new response link")

# ---------------------------------------------------------------------- schemas

ALTERNATIVES_UNMATCHED = CATALOGUE.either_side("alternatives-changed", POSSIBLY_BREAKING,
                                               "several anyOf/oneOf combined: this tool cannot match their alternatives")
ALTERNATIVES_KEYWORD_CHANGED = CATALOGUE.either_side("alternatives-keyword-changed", POSSIBLY_BREAKING,
                                                     "oneOf became anyOf, or the other way round")
ALTERNATIVE_REMOVED = CATALOGUE.narrowing("alternative-removed", "an anyOf/oneOf alternative removed")
ALTERNATIVE_ADDED = CATALOGUE.widening("alternative-added", "an anyOf/oneOf alternative added")
KEYWORD_CHANGED = CATALOGUE.either_side("keyword-changed", POSSIBLY_BREAKING,
                                        "another assertion (not, contains, dependentRequired...) changed: not judged")
VALUE_REMOVED = CATALOGUE.narrowing("value-removed", "an enum or const value removed")
VALUE_ADDED = CATALOGUE.widening("value-added", "an enum value added")
VALUES_LIMITED = CATALOGUE.narrowing("values-limited", "now limited to an enum or const")
VALUES_UNLIMITED = CATALOGUE.widening("values-unlimited", "no longer limited to an enum or const")
TYPE_NARROWED = CATALOGUE.narrowing("type-narrowed", "a type no longer allowed, or a type now required")
TYPE_WIDENED = CATALOGUE.widening("type-widened", "a type now allowed too, or any type")
TYPE_CHANGED = CATALOGUE.either_side("type-changed", BREAKING, "the type changed to one that shares no value with OLD's")
NULLABLE_REMOVED = CATALOGUE.narrowing("nullable-removed", "null no longer allowed")
NULLABLE_ADDED = CATALOGUE.widening("nullable-added", "null now allowed")
#: ``minimum``/``maximum`` (exclusive or not) and the length, item and property counts, each tightened and relaxed.
BOUND_KEYWORDS = ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_BOUND_NAMES = {"minimum": "`minimum` or `exclusiveMinimum`", "maximum": "`maximum` or `exclusiveMaximum`"}
BOUND_TIGHTENED = {keyword: CATALOGUE.narrowing(f"{keyword}-tightened",
                                                f"{_BOUND_NAMES.get(keyword, f'`{keyword}`')} added or tightened")
                   for keyword in BOUND_KEYWORDS}
BOUND_RELAXED = {keyword: CATALOGUE.widening(f"{keyword}-relaxed",
                                             f"{_BOUND_NAMES.get(keyword, f'`{keyword}`')} relaxed or removed")
                 for keyword in BOUND_KEYWORDS}
MULTIPLE_OF_TIGHTENED = CATALOGUE.narrowing("multipleOf-tightened", "`multipleOf` added, or now a multiple of OLD's")
MULTIPLE_OF_RELAXED = CATALOGUE.widening("multipleOf-relaxed", "`multipleOf` removed, or now a divisor of OLD's")
MULTIPLE_OF_CHANGED = CATALOGUE.either_side("multipleOf-changed", BREAKING,
                                            "`multipleOf` changed to a number neither a multiple nor a divisor of OLD's")
UNIQUE_ITEMS_ADDED = CATALOGUE.narrowing("uniqueItems-added", "items must now be unique")
UNIQUE_ITEMS_REMOVED = CATALOGUE.widening("uniqueItems-removed", "items need no longer be unique")
PATTERN_ADDED = CATALOGUE.narrowing("pattern-added", "values must now match a `pattern`")
PATTERN_REMOVED = CATALOGUE.widening("pattern-removed", "values need no longer match a `pattern`")
PATTERN_CHANGED = CATALOGUE.either_side("pattern-changed", POSSIBLY_BREAKING,
                                        "`pattern` changed: whether one includes the other cannot be decided")
FORMAT_ADDED = CATALOGUE.narrowing("format-added", "a `format` added", request=Touch.SENDS)
FORMAT_REMOVED = CATALOGUE.widening("format-removed", "a `format` removed")
FORMAT_CHANGED = CATALOGUE.either_side("format-changed", BREAKING, "`format` changed to another", request=Touch.SENDS)
ADDITIONAL_PROPERTIES_TIGHTENED = CATALOGUE.narrowing("additionalProperties-tightened",
                                                      "fields not listed are now constrained or refused")
ADDITIONAL_PROPERTIES_RELAXED = CATALOGUE.widening("additionalProperties-relaxed",
                                                   "fields not listed are now less constrained")
ITEMS_CONSTRAINED = CATALOGUE.narrowing("items-constrained", "an array's items now constrained")
ITEMS_RELAXED = CATALOGUE.widening("items-relaxed", "an array's items no longer constrained")
READ_ONLY_CHANGED = CATALOGUE.either_side("readOnly-changed", POSSIBLY_BREAKING, "`readOnly` added or removed",
                                        request=Touch.SENDS)
WRITE_ONLY_CHANGED = CATALOGUE.either_side("writeOnly-changed", POSSIBLY_BREAKING, "`writeOnly` added or removed",
                                         request=Touch.SENDS)

REQUEST_PROPERTY_REMOVED = _rule("request-property-removed", POSSIBLY_BREAKING, Family.SCHEMAS,
                                 "a request field no longer described: the server may ignore it now", touch=Touch.SENDS)
REQUEST_PROPERTY_REMOVED_CLOSED = _rule("request-property-removed-closed", BREAKING, Family.SCHEMAS,
                                        "a request field removed where unknown fields are refused: requests sending it fail",
                                        variant_of=REQUEST_PROPERTY_REMOVED, touch=Touch.SENDS)
REQUEST_PROPERTY_ADDED_REQUIRED = _rule("request-property-added-required", BREAKING, Family.SCHEMAS,
                                        "a new required request field: requests without it are refused", touch=Touch.OMITS)
REQUEST_PROPERTY_ADDED = _rule("request-property-added", COMPATIBLE, Family.SCHEMAS, "a new optional request field")
REQUEST_PROPERTY_BECAME_REQUIRED = _rule("request-property-became-required", BREAKING, Family.SCHEMAS,
                                         "a request field now required: requests without it are refused", touch=Touch.OMITS)
REQUEST_PROPERTY_BECAME_OPTIONAL = _rule("request-property-became-optional", COMPATIBLE, Family.SCHEMAS,
                                         "a request field no longer required")
RESPONSE_PROPERTY_REMOVED = _rule("response-property-removed", BREAKING, Family.SCHEMAS,
                                  "a response field that was always present removed", touch=Touch.HOLDS)
RESPONSE_OPTIONAL_PROPERTY_REMOVED = _rule("response-optional-property-removed", POSSIBLY_BREAKING, Family.SCHEMAS,
                                           "a response field that was not always present removed",
                                           variant_of=RESPONSE_PROPERTY_REMOVED, touch=Touch.HOLDS)
RESPONSE_PROPERTY_ADDED = _rule("response-property-added", COMPATIBLE, Family.SCHEMAS, "a new response field")
RESPONSE_PROPERTY_ADDED_CLOSED = _rule("response-property-added-closed", BREAKING, Family.SCHEMAS,
                                       "a new response field where OLD promised no others (additionalProperties: false)",
                                       variant_of=RESPONSE_PROPERTY_ADDED, touch=Touch.HOLDS_PARENT)
RESPONSE_PROPERTY_BECAME_OPTIONAL = _rule("response-property-became-optional", BREAKING, Family.SCHEMAS,
                                          "a response field no longer always present", touch=Touch.HOLDS)
RESPONSE_PROPERTY_BECAME_REQUIRED = _rule("response-property-became-required", COMPATIBLE, Family.SCHEMAS,
                                          "a response field now always present")

# ---------------------------------------------------------------------- defaults

DEFAULT_ADDED = _rule("default-added", COMPATIBLE, Family.DEFAULTS,
                      "a field's value when omitted now documented (`default`, or an `otherwise`)")
DEFAULT_REMOVED = _rule("default-removed", POSSIBLY_BREAKING, Family.DEFAULTS,
                        "a field's value when omitted no longer documented: a request leaving it out may get another", touch=Touch.OMITS)
DEFAULT_CHANGED = _rule("default-changed", BREAKING, Family.DEFAULTS,
                        "a field's documented value when omitted changed: a request leaving it out gets another", touch=Touch.OMITS)
DEFAULT_RULE_CHANGED = _rule("default-rule-changed", BREAKING, Family.DEFAULTS,
                             "x-default-from's fields joined or x-default-from-scenario's attribute changed", touch=Touch.OMITS)
DEFAULT_RULE_ADDED = _rule("default-rule-added", COMPATIBLE, Family.DEFAULTS,
                           "x-default-from or x-default-from-scenario now documents a field's value when omitted",
                           variant_of=DEFAULT_RULE_CHANGED)
DEFAULT_RULE_REMOVED = _rule("default-rule-removed", POSSIBLY_BREAKING, Family.DEFAULTS,
                             "x-default-from or x-default-from-scenario removed, and nothing documents the value now",
                             variant_of=DEFAULT_RULE_CHANGED, touch=Touch.OMITS)

# ---------------------------------------------------------------------- the kit's promises

ECHO_ADDED = _rule("echo-added", COMPATIBLE, Family.PROMISES, "x-echo added: the value sent now comes back")
ECHO_REMOVED = _rule("echo-removed", BREAKING, Family.PROMISES, "x-echo removed: the value sent is no longer promised back", touch=Touch.SENDS)
ECHO_CHANGED = _rule("echo-changed", BREAKING, Family.PROMISES, "x-echo moved: the value sent comes back elsewhere", touch=Touch.SENDS)
REUSES_ADDED = _rule("reuses-added", COMPATIBLE, Family.PROMISES,
                     "x-reuses added: requests with the same value now get the same object")
REUSES_REMOVED = _rule("reuses-removed", BREAKING, Family.PROMISES,
                       "x-reuses removed: requests with the same value no longer get the same object", touch=Touch.SENDS)
REUSES_OBJECT_CHANGED = _rule("reuses-object-changed", BREAKING, Family.PROMISES, "x-reuses names another object", touch=Touch.SENDS)
REUSES_COMPARE_REMOVED = _rule("reuses-compare-removed", BREAKING, Family.PROMISES,
                               "x-reuses promises fewer fields equal between reuses", touch=Touch.SENDS)
REUSES_COMPARE_ADDED = _rule("reuses-compare-added", COMPATIBLE, Family.PROMISES,
                             "x-reuses promises more fields equal between reuses")
QUERY_PARAMS_PARAM_ADDED = _rule("query-params-param-added", COMPATIBLE, Family.PROMISES,
                                 "x-query-params: a URL now carries another query parameter")
QUERY_PARAMS_PARAM_REMOVED = _rule("query-params-param-removed", BREAKING, Family.PROMISES,
                                   "x-query-params: a URL no longer promises a query parameter", touch=Touch.HOLDS)
QUERY_PARAMS_PARAM_CHANGED = _rule("query-params-param-changed", BREAKING, Family.PROMISES,
                                   "x-query-params: a query parameter now equals another value of the answer", touch=Touch.HOLDS)
INITIAL_VALUE_ADDED = _rule("initial-value-added", COMPATIBLE, Family.PROMISES,
                            "x-initial-value added: what a new meeting starts as is now promised")
INITIAL_VALUE_REMOVED = _rule("initial-value-removed", BREAKING, Family.PROMISES,
                              "x-initial-value removed: what a new meeting starts as is no longer promised", touch=Touch.HOLDS)
INITIAL_VALUE_CHANGED = _rule("initial-value-changed", BREAKING, Family.PROMISES,
                              "x-initial-value changed: a new meeting starts as something else", touch=Touch.HOLDS)
NON_INCREASING_ADDED = _rule("non-increasing-added", COMPATIBLE, Family.PROMISES,
                             "x-non-increasing added: the number is now promised never to grow")
NON_INCREASING_REMOVED = _rule("non-increasing-removed", BREAKING, Family.PROMISES,
                               "x-non-increasing removed: the number may now grow", touch=Touch.HOLDS)
MUTABLE_ADDED = _rule("mutable-added", BREAKING, Family.PROMISES,
                      "x-mutable added: the field may now change between creation and a later read", touch=Touch.HOLDS)
MUTABLE_REMOVED = _rule("mutable-removed", COMPATIBLE, Family.PROMISES,
                        "x-mutable removed: the field no longer changes after creation")

# ---------------------------------------------------------------------- documentation and extensions

DEPRECATED_CHANGED = _rule("deprecated-changed", COMPATIBLE, Family.DOCUMENTATION,
                           "`deprecated` set or cleared (a warning to clients, not a change of the traffic)")
#: One rule per documentation keyword (``spec_diff.normal.DOCUMENTATION``), ``$`` dropped from its id:
#: ``description-changed``, ``comment-changed``...; ``example`` is in EXAMPLES, ``deprecated`` above.
_WHY_NOT_JUDGED = {
    "$defs": "its schemas are compared where a $ref reaches them",
    "definitions": "its schemas are compared where a $ref reaches them",
    "$id": "it names the schema, it constrains nothing",
    "$anchor": "it names the schema, it constrains nothing",
    "$dynamicAnchor": "it names the schema, it constrains nothing",
    "$schema": "the dialect stays JSON Schema 2020-12 in OpenAPI 3.1",
    "$vocabulary": "the dialect stays JSON Schema 2020-12 in OpenAPI 3.1",
}
DOCUMENTATION_CHANGED = {
    keyword: _rule(f"{keyword.lstrip('$')}-changed", COMPATIBLE, Family.DOCUMENTATION,
                   f"`{keyword}` added, removed or changed: {_WHY_NOT_JUDGED.get(keyword, 'it documents, it does not constrain')}")
    for keyword in sorted(DOCUMENTATION - {"deprecated", "example"}, key=lambda k: k.lstrip("$").lower())
} | {"example": EXAMPLE_CHANGED}
ASSUMPTION_CHANGED = _rule("assumption-changed", POSSIBLY_BREAKING, Family.EXTENSIONS,
                           "x-assumption added, removed or reworded: what the mock assumes changed (strict view only)")
EXTENSION_CHANGED = _rule("extension-changed", POSSIBLY_BREAKING, Family.EXTENSIONS,
                          "an x- extension this tool does not know added, removed or changed")

# ---------------------------------------------------------------------- servers

PRODUCTION_SERVER_REMOVED = _rule("production-server-changed", BREAKING, Family.SERVERS,
                                  "the server marked x-production removed: its clients and the contract suite's guard lose it")
SERVER_REMOVED = _rule("server-removed", POSSIBLY_BREAKING, Family.SERVERS, "a server removed")
SERVER_ADDED = _rule("server-added", COMPATIBLE, Family.SERVERS, "a server added")
PRODUCTION_MARK_REMOVED = _rule("production-mark-removed", BREAKING, Family.SERVERS,
                                "x-production dropped from a server: the contract suite would run against it untold")
PRODUCTION_MARK_ADDED = _rule("production-mark-added", POSSIBLY_BREAKING, Family.SERVERS,
                              "a server now marked x-production: the contract suite refuses it unless told otherwise")

# ---------------------------------------------------------------------- components

COMPONENT_SCHEMA_REMOVED = _rule("component-schema-removed", COMPATIBLE, Family.COMPONENTS,
                                 "a component schema's name removed: no traffic changes, generated code names the type")
COMPONENT_SCHEMA_ADDED = _rule("component-schema-added", COMPATIBLE, Family.COMPONENTS, "a component schema's name added")

# ---------------------------------------------------------------------- the mock's settings

MOCK_SETTING_ADDED = _rule("mock-setting-added", COMPATIBLE, Family.MOCK_SETTINGS, "an x-mock setting or seed added")
MOCK_SETTING_REMOVED = _rule("mock-setting-removed", POSSIBLY_BREAKING, Family.MOCK_SETTINGS,
                             "an x-mock setting or seed removed (frontends rely on the seed)")
MOCK_SETTING_CHANGED = _rule("mock-setting-changed", POSSIBLY_BREAKING, Family.MOCK_SETTINGS,
                             "an x-mock setting or seed changed (frontends rely on the seed)")
