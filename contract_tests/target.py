"""The spec as schemathesis sees it for this run: the lenient or strict view, and its settings.

Lenient (the default) holds a server to what the docs promise: a create may answer 200 or 201,
bad input any 4xx with any body, and values the docs say nothing about may be refused (a null
for an optional field, too, or read as the field not given: ``meetings_spec.nulls``).
Strict adds every assumption the spec marks, for a server we own, such as the mock.
"""

from __future__ import annotations

import copy
from functools import cached_property
from typing import Any

import schemathesis
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from contract_tests import reach
from contract_tests.budget import READ_METHODS, Budget
from meetings_spec.ledger import Ledger
from contract_tests.results import Results
from contract_tests.requests_from_docs import minimal
from contract_tests.settings import TOKEN_PLACEHOLDER, RunSettings
from meetings_spec import View, contract_view, load_spec
from meetings_spec.judge import Judge
from meetings_spec.nulls import tolerating_nulls
from meetings_spec.model import Operation, operations
from meetings_spec.contract import Contract, first_schema_problem


def _config(settings: RunSettings, spec: dict[str, Any]) -> dict[str, Any]:
    """schemathesis settings, in its TOML vocabulary."""
    strict = settings.strict
    reads = [op_id for op_id, op in operations(spec).items() if op.method.upper() in READ_METHODS]
    # ``ignored_auth`` re-sends each accepted request without a token and with a bad one: worth
    # it once per operation (examples phase), and never for writes, which the auth tests cover.
    checks: dict[str, Any] = {
        # what an answer declares is judged by the kit's contract library (checks.answer_keeps_the_contract)
        "status_code_conformance": {"enabled": False},
        "content_type_conformance": {"enabled": False},
        "response_schema_conformance": {"enabled": False},
        "ignored_auth": {"enabled": False},
        "negative_data_rejection": {"expected-statuses": ["4xx"]},
        "positive_data_acceptance": {"enabled": strict, "expected-statuses": ["2xx"]},
        "missing_required_header": {"enabled": strict},
        "unsupported_method": {"enabled": strict},
    }
    per_operation = [
        {"include-operation-id": op_id, "phases": {"examples": {"checks": {"ignored_auth": {"enabled": True}}}}}
        for op_id in reads
    ]
    # Reads create nothing: the coverage phase sends them valid too (the view's limits and just inside them).
    per_operation += [
        {"include-operation-id": op_id, "phases": {"coverage": {"generation": {"mode": "all"}, **({} if strict else {"unexpected-methods": []})}}}
        for op_id in reads
    ]
    # A read of a generated id may rightly find nothing.
    per_operation += [
        {"include-operation-id": op_id, "checks": {"positive_data_acceptance": {"enabled": strict, "expected-statuses": ["2xx", 404]}}}
        for op_id in reads
    ]
    return {
        "base-url": settings.base_url,
        "headers": settings.auth_header,
        "request-timeout": 15,
        "seed": settings.seed,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        # Only the token is secret here; the default markers would also hide body fields such as
        # use_own_keys and break the reproducing curl commands.
        "output": {
            "sanitization": {
                "keys-to-sanitize": ["authorization", "proxy-authorization"],
                "sensitive-markers": ["authorization"],
                "replacement": TOKEN_PLACEHOLDER,
            }
        },
        "generation": {"max-examples": settings.max_examples, "database": "none", "allow-x00": False, "no-shrink": True},
        "checks": checks,
        "phases": {
            # Positive coverage would send every combination of optional fields: on a staging
            # server each one is a real meeting. Documented-value requests are sent by
            # test_documented_requests instead; coverage keeps its invalid requests.
            "coverage": {"generation": {"mode": "negative"}, **({} if strict else {"unexpected-methods": []})},
        },
        "operations": per_operation,
    }


def _broken_property(location: str) -> str | None:
    """The top-level body property an invalid generated case breaks, when its metadata names one."""
    parts = location.split("/")
    if "properties" not in parts:
        return None
    index = parts.index("properties") + 1
    return parts[index] if index < len(parts) else None


class Target:
    """Everything the test modules share about the server under test."""

    def __init__(self, settings: RunSettings) -> None:
        self.settings = settings
        self.spec = contract_view(load_spec(), View.STRICT if settings.strict else View.LENIENT)
        self.operations: dict[str, Operation] = operations(self.spec)
        self.budget = Budget(settings.max_creates)
        #: The spec's rules with this run's memory, and what they found, rule by rule.
        self.judge = Judge(self.spec, strict=settings.strict, scenarios={settings.scenario_id: settings.scenario_attributes})
        self.ledger = Ledger(self.judge)
        self.results = Results()
        #: What the run reached (``--coverage DIR``): every request that goes out is counted in it.
        self.coverage = reach.start(settings) if settings.coverage_dir else None

    @cached_property
    def contract(self) -> Contract:
        """This run's view of the spec, compiled by the contract library (the kit's validators)."""
        return Contract(load_spec(), View.STRICT if self.settings.strict else View.LENIENT)

    def request_problem(self, op: Operation, body: Any) -> str | None:
        """Why ``body`` breaks this view's schema of the operation's request (None if it does not),
        named by keyword, bound and place, never by the value (which may be ten thousand characters)."""
        validator = self.contract.operations[op.operation_id].body_validator
        return None if validator is None else first_schema_problem(validator, body)

    def path_problem(self, op: Operation, name: str, raw: str) -> str | None:
        """Why the path parameter ``name`` sent as ``raw`` breaks this view (None if it does not)."""
        checked = self.contract.check_request(self.contract.operations[op.operation_id], authorization=None, path_parameters={name: raw})
        return next((f"{p.rule} at path parameter {name}" for p in checked.problems if p.field == f"path.{name}"), None)

    @cached_property
    def http(self) -> Any:
        """One HTTP session for every request of the run: its connections are kept alive, so a
        request to a server far away costs one round trip, not a TCP (and TLS) handshake more.
        schemathesis's own kind of session: it drops the cookies an answer sets before the next
        request, and follows a redirect only to the same host (see ``transport.requests``)."""
        from schemathesis.transport.requests import ManagedCookiesSession

        session = ManagedCookiesSession()
        session.headers.clear()  # each request carries only the headers its case gives it
        return session

    @cached_property
    def schema(self) -> Any:
        """The schemathesis schema of this view, with the run's settings and hooks."""
        return self._load(with_token=True)

    @cached_property
    def schema_without_token(self) -> Any:
        """The same, sending no token of its own (for the auth tests)."""
        return self._load(with_token=False)

    def _load(self, *, with_token: bool) -> Any:
        options = _config(self.settings, self.spec)
        if not with_token:
            # never holds the token, only the deliberately wrong credentials the auth tests send,
            # which the reproducing curl must show as they were
            del options["headers"]
            options["output"]["sanitization"] = {"enabled": False}
        # schemathesis shares one config between schemas loaded from the same config object
        # lenient: a null the docs are silent on is valid input (refused or read as not given),
        # so schemathesis's negative data must never count it as invalid
        document = copy.deepcopy(self.spec) if self.settings.strict else tolerating_nulls(self.spec)
        schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_dict(options))
        scenario_id = self.settings.scenario_id

        def aim_at_known_scenario(case: Any) -> Any:
            """Creates name a scenario that exists on the target, so that a valid one can succeed
            and an invalid one is refused for what makes it invalid, not for an unknown scenario
            (a server that accepted a bad enum value would otherwise hide behind a 404)."""
            if case.meta is None or not isinstance(case.body, dict):
                return case
            field = self.operation_of(case).scenario_field
            if case.meta.generation.mode != GenerationMode.POSITIVE:
                case.body = self._only_the_broken_field(case)
            elif field in case.body:
                case.body = {**case.body, field: scenario_id}
            return case

        @schema.hook("map_case")  # coverage and fuzzing phases
        def use_known_scenario(ctx: Any, case: Any) -> Any:
            return aim_at_known_scenario(case)

        @schema.hook("before_add_examples")  # the examples phase
        def use_known_scenario_in_examples(ctx: Any, examples: list[Any]) -> None:
            examples[:] = [aim_at_known_scenario(case) for case in examples]

        @schema.hook("after_call")  # every request of the run passes here, whichever test sent it
        def count(ctx: Any, case: Any, response: Any) -> None:
            self.budget.record(f"{case.method} {case.path}", case.method, response.status_code)
            if self.coverage is not None:
                reach.observe(self.coverage, self.settings.base_url, case, response)

        return schema

    def _only_the_broken_field(self, case: Any) -> dict[str, Any]:
        """An invalid case that breaks one named field, or leaves out required ones, keeps just
        that on top of the docs' own required values (with the target's scenario): an
        undocumented value elsewhere (a blank name, an end user that does not exist there)
        would get it refused for the wrong reason and hide the field under test."""
        location = getattr(case.meta.phase.data, "location", None)
        if location is None:
            return case.body  # the metadata does not say what is broken: leave the case alone
        documented = minimal(self.operation_of(case), self.settings.scenario_id)
        broken = _broken_property(location)
        if broken is not None and broken in case.body:
            return {**documented, broken: case.body[broken]}
        if location.endswith("/required"):
            return {name: value for name, value in documented.items() if name in case.body}
        # the body's fields are not what is broken (its media type, a header): aim it at the scenario
        field = self.operation_of(case).scenario_field
        return {**case.body, field: self.settings.scenario_id} if field in case.body else case.body

    def operation_of(self, case: Any) -> Operation:
        return self.operations[case.operation.definition.raw["operationId"]]


_active: list[Target] = []


def activate(settings: RunSettings) -> Target:
    """Make the run's target the one every test module and hook sees."""
    _active.append(Target(settings))
    return _active[-1]


def current() -> Target:
    """The run's target (test modules call this while pytest collects them)."""
    if not _active:
        raise RuntimeError("the contract suite runs under pytest: pytest contract_tests --base-url URL")
    return _active[-1]
