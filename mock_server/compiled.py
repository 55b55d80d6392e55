"""The spec, read and compiled once per process into what the mock needs to serve requests.

Nothing here names a field: defaults, examples, the response layout and the seed all come from
``openapi/meetings.yaml``, and the validators from the contract library (``meetings_spec.contract``)
of its strict view, since the mock is the server that honours every assumption.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from meetings_spec import SpecError, View, load_spec
from meetings_spec.contract import Contract, OperationContract, schema_problems
from meetings_spec.loader import SPEC_PATH, default_spec_path
from meetings_spec.places import lines_of, pointer_of
from meetings_spec.refs import JSON, escape_segment
from meetings_spec.model import Operation, RequestField, lookup
from meetings_spec.shapes import properties
from meetings_spec.unusable import reading
from mock_server.store import Limits, Seed


@dataclass(frozen=True)
class FieldPlan:
    """A request field's rules read out once, for the act stage to apply on every request."""

    name: str
    integer: bool
    echo: str | None
    has_default: bool
    default: Any
    default_from: tuple[str, ...]
    default_lend: str | None  # the answer's object whose names fill in for parts the request lacks
    default_otherwise: Any
    scenario_default: tuple[str, str, Any] | None  # (field naming the scenario, attribute, fallback)

    @classmethod
    def of(cls, field: RequestField) -> FieldPlan:
        kind = field.schema.get("type", [])
        return cls(
            name=field.name,
            integer="integer" in ([kind] if isinstance(kind, str) else kind),
            echo=field.echo,
            has_default=field.has_default,
            default=field.default,
            default_from=field.default_from,
            default_lend=field.default_lend,
            default_otherwise=field.default_otherwise,
            scenario_default=field.scenario_default,
        )


@dataclass
class CompiledOperation:
    """One operation with its contract (validators) and its response layout read."""

    spec: Operation
    contract: OperationContract
    initial_values: list[tuple[str, Any]] = field(default_factory=list)
    consts: list[tuple[str, Any]] = field(default_factory=list)
    layout: list[tuple[str, str, Any]] = field(default_factory=list)  # (pointer, name, children or None)
    fields: list[FieldPlan] = field(default_factory=list)
    #: Read out of ``fields`` for ``act.apply_defaults``: the plain defaults, the integer fields
    #: and the fields whose default is made from others (``x-default-from``, the scenario).
    defaults: dict[str, Any] = field(default_factory=dict)
    integers: tuple[str, ...] = ()
    made_defaults: tuple[FieldPlan, ...] = ()
    #: The request fields that come back in the answer (``x-echo``): (name, pointer).
    echoed: tuple[tuple[str, str], ...] = ()
    #: The success body's objects, pointer to their properties' names in schema order.
    objects: dict[str, list[str]] = field(default_factory=dict)
    #: Where the answer carries the id a link reads the created resource back by (x links).
    id_pointer: str | None = None
    #: Where the balance left goes (the success body's ``x-non-increasing`` numbers).
    balance_pointers: list[str] = field(default_factory=list)
    #: ``(request field, object pointer, identity fields)`` of the operation's ``x-reuses`` rule.
    reuses: tuple[str, str, tuple[str, ...]] | None = None
    #: URLs that carry query parameters, pointer to ``{parameter: pointer of its value}``.
    query_params: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Pointers of the success body only known once the meeting is stored (its id, room token
    #: and URLs, the balance left), in the order ``act`` fills them.
    assigned: list[str] = field(default_factory=list)
    #: The compiled spec this operation belongs to: a request routed before a reload is
    #: answered wholly by the spec it was routed by (``mock_server.served``).
    owner: CompiledSpec = field(init=False, repr=False, compare=False)
    #: Answers this operation rendered, kept by one worker while the state's generation holds
    #: (``act.ReadCache``): they belong to this spec, and go with it on a reload.
    reads: Any = field(default=None, repr=False, compare=False)

    @property
    def reads_body(self) -> bool:
        """Whether the operation takes a request body (the lanes read it only then)."""
        return self.contract.body_validator is not None


@dataclass
class CompiledSpec:
    """Everything the mock reads from the spec, built at start-up."""

    path: Path
    raw: dict[str, Any]  # the spec as written (the docs page shows its views)
    document: dict[str, Any]
    contract: Contract
    operations: dict[str, CompiledOperation]
    mock: dict[str, Any]
    seed: Seed
    limits: Limits
    max_body_bytes: int
    #: ``x-mock.urls``: the URLs the mock makes, by the pointer they go to in its answers.
    urls: dict[str, str]
    #: ``x-mock.answers``: where the other values the mock makes go, by name.
    answers: dict[str, str]
    #: What /__mock/health calls the reused objects (end users), from the x-reuses pointer.
    reused_label: str


def compile_spec(path: str | Path | None = None) -> CompiledSpec:
    """Load the spec at ``path`` and compile it for serving. A spec the mock cannot use raises
    ``SpecError`` naming the file, the place in it and what is wrong."""
    spec_path = Path(path) if path else default_spec_path()
    try:
        return _compile(load_spec(spec_path), Path(path) if path else Path())
    except SpecError as error:
        raise error.located(spec_path) from error.__cause__


def _compile(raw: dict[str, Any], path: Path) -> CompiledSpec:
    mock = raw.get("x-mock")
    if not isinstance(mock, dict):
        raise SpecError(_no_x_mock(), pointer="/x-mock")
    contract = Contract(raw, View.STRICT)
    document = contract.document
    compiled = {}
    for operation_id, op in contract.operations.items():
        with reading(document, pointer_of("paths", op.model.path, op.model.method), f"{op.model.method.upper()} {op.model.path}"):
            compiled[operation_id] = _compile_operation(op)
    limits = mock.get("limits", {})
    answers = dict(mock.get("answers", {}))
    missing = {"meeting", "created_at", "updated_at"} - set(answers)
    if missing:
        raise SpecError(f"x-mock.answers must say where these go in the answers: {', '.join(sorted(missing))}", pointer="/x-mock/answers")
    reused = next((op.reuses for op in compiled.values() if op.reuses), None)
    urls = dict(mock.get("urls", {}))
    for op in compiled.values():
        laid_out = set(_pointers(op.layout))
        wanted = [op.id_pointer, answers.get("room_token"), *urls, *op.balance_pointers]
        op.assigned = [pointer for pointer in wanted if pointer in laid_out]
    with reading(document, "/components/examples", "the seed's examples"):
        check_seed_examples(raw, contract)
    with reading(raw, "/x-mock", "x-mock"):
        seed = _seed(mock, raw, answers, reused)
    spec = CompiledSpec(
        path=path,
        raw=raw,
        document=document,
        contract=contract,
        operations=compiled,
        mock=mock,
        seed=seed,
        limits=Limits(
            max_meetings=_limit(limits, "max_meetings"),
            max_end_users=_limit(limits, "max_end_users"),
            recent_requests=_limit(limits, "recent_requests"),
        ),
        max_body_bytes=_limit(limits, "max_body_bytes"),
        urls=urls,
        answers=answers,
        reused_label=f"{reused[1].rsplit('/', 1)[-1]}s" if reused else "reused_objects",
    )
    for op in compiled.values():
        op.owner = spec
    return spec


def _no_x_mock() -> str:
    """Why a plain OpenAPI file is refused, and where to copy what it lacks from."""
    try:
        line = lines_of(SPEC_PATH.read_text(encoding="utf-8")).get("/x-mock")
    except OSError:
        line = None
    return (
        "no x-mock settings at the top of the file. The mock serves a modified copy of the kit's spec, "
        "whose x-mock block holds what an API description cannot: the seed (account, scenarios, example meetings), "
        "the limits, and where its answers put the values it makes. Copy that block from the kit's spec, "
        f"{SPEC_PATH}{f' (line {line})' if line else ''}, into this file, or start from a copy of that file"
    )


def check_seed_examples(raw: dict[str, Any], contract: Contract) -> None:
    """Each example ``x-mock.seed_examples`` plants must exist and keep the schema of every body
    that shows it (the strict view's, which the mock honours): seed data that breaks its schema
    is named as such (which example, which field, which rule), before it reaches the state."""
    seed_examples = raw["x-mock"].get("seed_examples", {})
    examples = raw.get("components", {}).get("examples", {})
    if not isinstance(seed_examples, dict) or not all(isinstance(v, list) for v in seed_examples.values()):
        raise SpecError("x-mock.seed_examples must give lists of example names (meetings: [...], end_users: [...])", pointer="/x-mock/seed_examples")
    shown = _bodies_showing_examples(contract)
    for kind, names in seed_examples.items():
        for index, name in enumerate(names):
            here = pointer_of("x-mock", "seed_examples", kind, index)
            if not isinstance(examples.get(name), dict) or "value" not in examples[name]:
                raise SpecError(f"x-mock.seed_examples.{kind} names the example {name!r}, which components/examples does not hold (with a value)", pointer=here)
            if name not in shown:
                raise SpecError(
                    f"x-mock.seed_examples.{kind} names the example {name!r}, which no request or answer of the spec shows: "
                    "no schema says what it must hold (list it under the examples of the answer it is)",
                    pointer=here,
                )
            value = examples[name]["value"]
            for validator, body in shown[name]:
                problems = schema_problems(validator, value, "", limit=1)
                if not problems:
                    continue
                problem = problems[0]
                path = problem.field.lstrip(".").split(".") if problem.field else []
                raise SpecError(
                    f"seed data breaks its schema: example {name} (planted by x-mock.seed_examples.{kind}) as the body of {body}: "
                    f"{'.'.join(path) or 'its value'} = {problem.got} breaks the rule {problem.rule!r} ({problem.message[:160]})",
                    pointer=pointer_of("components", "examples", name, "value", *path),
                )


def _bodies_showing_examples(contract: Contract) -> dict[str, list[tuple[Any, str]]]:
    """Each example of ``components/examples`` a JSON body refers to: the validator of the body
    (the contract's) and what the body is (``GET /meetings/{id} 200``)."""
    shown: dict[str, list[tuple[Any, str]]] = {}
    prefix = "#/components/examples/"
    for op in contract.operations.values():
        model, label = op.model, f"{op.model.method.upper()} {op.model.path}"
        bodies = []
        if model.request_schema is not None:
            media = model.refs.deref(model.definition["requestBody"]).get("content", {}).get(JSON)
            bodies.append((media, op.body_validator, f"{label} request"))
        for status, response in model.responses.items():
            bodies.append((response.get("content", {}).get(JSON), op.answer_validators.get(status), f"{label} {status}"))
        for media, validator, body in bodies:
            if media is None or validator is None:
                continue
            for example in media.get("examples", {}).values():
                ref = example.get("$ref") if isinstance(example, dict) else None
                if isinstance(ref, str) and ref.startswith(prefix):
                    shown.setdefault(ref[len(prefix):].replace("~1", "/").replace("~0", "~"), []).append((validator, body))
    return shown


def _limit(limits: dict[str, Any], name: str) -> int:
    """One ``x-mock.limits`` bound, which the spec must state: a whole number of at least 1
    (so the newest meeting, which carries the balance, is never pruned)."""
    value = limits.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"x-mock.limits.{name} must be a whole number of at least 1, not {value!r}", pointer=pointer_of("x-mock", "limits", name))
    return value


def _compile_operation(contract: OperationContract) -> CompiledOperation:
    op = contract.model
    response_schema = op.response_schema(op.success_status)
    layout = _layout(response_schema, op) if response_schema else []
    reuses = next(((f.name, *f.reuses) for f in op.request_fields.values() if f.reuses), None)
    return CompiledOperation(
        spec=op,
        contract=contract,
        initial_values=op.success_rule("x-initial-value"),
        consts=op.success_rule("const"),
        layout=layout,
        fields=(plans := [FieldPlan.of(f) for f in op.request_fields.values()]),
        defaults={plan.name: plan.default for plan in plans if plan.has_default},
        integers=tuple(plan.name for plan in plans if plan.integer),
        made_defaults=tuple(plan for plan in plans if not plan.has_default and (plan.default_from or plan.scenario_default)),
        echoed=tuple((plan.name, plan.echo) for plan in plans if plan.echo),
        objects=dict(_objects(layout)),
        id_pointer=next(
            (expr.split("#", 1)[1] for link in op.links.values() for expr in link.get("parameters", {}).values() if "#" in str(expr)),
            None,
        ),
        balance_pointers=[pointer for pointer, marked in op.success_rule("x-non-increasing") if marked],
        reuses=reuses,  # type: ignore[arg-type]
        query_params=dict(op.success_rule("x-query-params")),
    )


def _pointers(layout: list[tuple[str, str, Any]]) -> Iterator[str]:
    for pointer, _, children in layout:
        yield pointer
        if children:
            yield from _pointers(children)


def _objects(layout: list[tuple[str, str, Any]]) -> Iterator[tuple[str, list[str]]]:
    for pointer, _, children in layout:
        if children:
            yield pointer, [name for _, name, _ in children]
            yield from _objects(children)


def _layout(schema: Any, op: Operation, pointer: str = "") -> list[tuple[str, str, Any]]:
    """The order of the success body's properties, nested: how the mock lays out its answers."""
    result = []
    for name, sub in properties(schema, op.refs).items():
        here = f"{pointer}/{escape_segment(name)}"
        result.append((here, name, _layout(sub, op, here) if "properties" in sub else None))
    return result


def _seed(
    mock: dict[str, Any], raw: dict[str, Any], answers: dict[str, str], reused: tuple[str, str, tuple[str, ...]] | None
) -> Seed:
    """The seed: ``x-mock`` scenarios and balance, plus meetings and reused objects (end users)
    taken from the named examples, where ``x-mock.answers`` and ``x-reuses`` say they sit."""
    examples = raw.get("components", {}).get("examples", {})
    seed_examples = mock.get("seed_examples", {})
    updated_key = relative(answers["updated_at"], answers["meeting"])
    meetings = []
    for name in seed_examples.get("meetings", []):
        data = dict(lookup(examples[name]["value"], answers["meeting"]))
        updated_at = data.pop(updated_key, data.get(relative(answers["created_at"], answers["meeting"])))
        meetings.append((data, updated_at))
    objects = []
    if reused is not None:
        key_field, pointer, _ = reused
        for name in seed_examples.get("end_users", []):
            document = dict(lookup(examples[name]["value"], pointer))
            objects.append((document.get(key_field), document))
    return Seed(
        balance=int(mock.get("account", {}).get("session_minutes", 0)),
        scenarios=list(mock.get("scenarios", [])),
        meetings=meetings,
        reused=objects,
        identity=reused[2] if reused else (),
    )


def relative(pointer: str, base: str) -> str:
    """The key of ``pointer`` inside the object at ``base`` (``/data/updated_at`` in ``/data``)."""
    if not pointer.startswith(base + "/") or "/" in pointer[len(base) + 1 :]:
        raise SpecError(f"x-mock.answers: {pointer} must be a field of the meeting at {base}", pointer="/x-mock/answers")
    return pointer[len(base) + 1 :]
