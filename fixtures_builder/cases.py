"""Which exchanges the fixtures record: the cases other teams must handle, per operation.

Request values come from the spec (its documented examples, schema ``examples``, defaults and
enums); only the scenario of each case (which fields to send or break) is written here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from meetings_spec.model import Operation, RequestField

#: The header every recorded request carries instead of a real token.
AUTH_PLACEHOLDER = "Bearer YOUR_API_TOKEN"
UNKNOWN_ID = 999999


@dataclass(frozen=True)
class Step:
    """One HTTP request. ``body`` is sent as JSON unless ``raw`` (exact bytes, as text) is set."""

    method: str
    path: str
    body: Any = None
    raw: str | None = None
    headers: dict[str, str] = field(default_factory=lambda: {"Authorization": AUTH_PLACEHOLDER})


@dataclass(frozen=True)
class Case:
    """A recorded exchange: ``setup`` runs first on the same fresh mock and is not recorded."""

    operation_id: str
    name: str
    description: str
    request: Step
    broken: str | None = None  # the part of the request that breaks the spec: body, header or path
    setup: tuple[Step, ...] = ()
    balance: int | None = None
    status: int | None = None  # the answer's status; None: the operation's success status


def _json_headers() -> dict[str, str]:
    return {"Authorization": AUTH_PLACEHOLDER, "Content-Type": "application/json"}


def sample_value(field: RequestField, docs: dict[str, Any]) -> Any:
    """A valid value for a field: the first the docs vouch for, else the simplest of its type."""
    documented = field.documented_values(docs)
    if documented:
        return documented[0]
    schema = field.schema
    kind = schema.get("type")
    kind = next(k for k in kind if k != "null") if isinstance(kind, list) else kind
    return {"boolean": True, "integer": schema.get("minimum", 1), "string": f"sample {field.name}", "object": {}}[kind]


def cases_for(
    op: Operation, strict_op: Operation, scenarios: list[dict[str, Any]], others: dict[str, Operation]
) -> Iterator[Case]:
    """Every case of one operation; ``strict_op`` is it in the strict view, ``scenarios`` the
    mock's, ``others`` every operation (a read's creator comes from the spec's links)."""
    if op.method == "get":
        creator = next(o for o in others.values() if any(link["operationId"] == op.operation_id for link in o.links.values()))
        yield from _read_cases(op, creator)
        return
    docs_name, docs = next(iter(op.request_examples().items()))
    fields = strict_op.request_fields
    minimal = {name: docs[name] for name in op.required_fields}
    post = lambda body, **kw: Step("POST", op.path, body=body, headers=_json_headers(), **kw)  # noqa: E731

    yield Case(op.operation_id, "docs-example", f"The request of the docs ({docs_name}), with the docs' balance of 300 minutes.", post(docs), balance=300)
    yield Case(op.operation_id, "minimal", "Only the required fields: every documented default applies.", post(minimal))
    full = {name: sample_value(f, docs) for name, f in fields.items()}
    yield Case(op.operation_id, "full", "Every field the operation takes.", post(full))
    for name, f in fields.items():
        for value in f.schema.get("enum", []):
            yield Case(op.operation_id, f"enum-{name}-{value}", f"{name} set to {value!r}.", post({**minimal, name: value}))
    for name, f in fields.items():
        if f.scenario_default:
            by, attribute, _ = f.scenario_default
            scenario = next(s for s in scenarios if s.get(attribute))
            yield Case(
                op.operation_id,
                f"default-{name}-from-scenario",
                f"{name} omitted on scenario {scenario['id']}, whose {attribute} is {scenario[attribute]}: that applies.",
                post({**minimal, by: scenario["id"]}),
            )
    if op.operation_id == "createDynamicMeeting":
        yield from _end_user_cases(op, docs, post)
    yield from _error_cases(op, minimal, post)


def _end_user_cases(op: Operation, docs: dict[str, Any], post: Any) -> Iterator[Case]:
    scenario = {"scenario_id": docs["scenario_id"]}
    new_user = {**scenario, "email": "new.user@example.com", "first_name": "Noor", "last_name": "Haddad"}
    yield Case(op.operation_id, "user-new-email", "An email the API has not seen: a new end user is created.", post(new_user))
    yield Case(
        op.operation_id,
        "user-same-email-again",
        "The same email a second time: the end user created by the first request is reused.",
        post({**scenario, "email": new_user["email"]}),
        setup=(post(new_user),),
    )
    yield Case(op.operation_id, "user-known-email", "The docs' end user's email: that end user (id 123) is reused.", post({**scenario, "email": docs["email"]}))
    yield Case(op.operation_id, "user-no-email", "No email: an anonymous end user is created.", post(scenario))
    yield Case(
        op.operation_id,
        "user-name-from-first-and-last",
        "No person_name: it is made from first_name and last_name.",
        post({**scenario, "first_name": docs["first_name"], "last_name": docs["last_name"]}),
    )


def _first(fields: dict[str, Any], test: Any) -> str:
    return next(name for name, f in fields.items() if test(f.schema))


def _error_cases(op: Operation, minimal: dict[str, Any], post: Any) -> Iterator[Case]:
    oid, fields = op.operation_id, op.request_fields
    required = op.required_fields[-1]
    integer = _first(fields, lambda s: s.get("type") == "integer" and "default" not in s)
    boolean = _first(fields, lambda s: s.get("type") == "boolean")
    enum = _first(fields, lambda s: "enum" in s)
    text = _first(fields, lambda s: s.get("type") == "string")
    duration = next(name for name, f in fields.items() if f.scenario_default)
    bad = lambda name, description, body, **kw: Case(oid, name, description, post(body), broken="body", **kw)  # noqa: E731
    yield Case(oid, "error-missing-token", "No Authorization header: 401.", Step("POST", op.path, body=minimal, headers={"Content-Type": "application/json"}), broken="header", status=401)
    yield bad("error-missing-required-field", f"{required} left out: 400 naming it.", {k: v for k, v in minimal.items() if k != required}, status=400)
    yield bad("error-wrong-type", f"{integer} sent as a string: 400 (integers must be JSON integers).", {**minimal, integer: "5"}, status=400)
    yield bad("error-boolean-as-string", f'{boolean} sent as "true": 400 (booleans must be JSON booleans).', {**minimal, boolean: "true"}, status=400)
    yield bad("error-enum-value", f"{enum} outside its enum: 400.", {**minimal, enum: "not-a-listed-value"}, status=400)
    yield bad("error-body-not-an-object", "A JSON array instead of an object: 400.", [minimal], status=400)
    yield Case(oid, "error-malformed-json", "A body that is not JSON: 400.", post(None, raw="{" + json_text(minimal)[1:-1] + ","), broken="body", status=400)
    yield Case(
        oid,
        "error-wrong-content-type",
        "A body sent as text/plain: 415.",
        Step("POST", op.path, raw=json_text(minimal), headers={"Authorization": AUTH_PLACEHOLDER, "Content-Type": "text/plain"}),
        broken="header",
        status=415,
    )
    yield bad("error-payload-too-large", "A body over 64 KiB: 413.", {**minimal, text: "x" * 66_000}, status=413)
    yield Case(oid, "error-unknown-scenario", "A scenario_id no scenario has: 404.", post({**minimal, "scenario_id": UNKNOWN_ID}), status=404)
    yield Case(oid, "error-insufficient-minutes", "The meeting needs more minutes than the account has left: 402.", post({**minimal, duration: 60}), balance=20, status=402)
    yield Case(
        oid,
        "error-server-error",
        "A failure asked for with Prefer: fault=server_error: 500 (the mock fails only when asked to).",
        Step("POST", op.path, body=minimal, headers={**_json_headers(), "Prefer": "fault=server_error"}),
        status=500,
    )


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _read_cases(op: Operation, creator: Operation) -> Iterator[Case]:
    docs_id = next(iter(op.examples(op.success_status).values()))["data"]["id"]
    get = lambda ident, **kw: Step("GET", op.path.replace("{id}", str(ident)), **kw)  # noqa: E731
    yield Case(op.operation_id, "docs-example", f"The docs' meeting {docs_id}.", get(docs_id))
    created_id = docs_id + 1  # the docs' meeting is the newest the mock is seeded with
    docs_request = next(iter(creator.request_examples().values()))
    yield Case(
        op.operation_id,
        "created-meeting",
        f"A meeting read back right after {creator.method.upper()} {creator.path} created it (id {created_id}).",
        get(created_id),
        setup=(
            Step(
                creator.method.upper(),
                creator.path,
                body={name: docs_request[name] for name in creator.required_fields},
                headers=_json_headers(),
            ),
        ),
    )
    yield Case(op.operation_id, "error-missing-token", "No Authorization header: 401.", get(docs_id, headers={}), broken="header", status=401)
    yield Case(op.operation_id, "error-unknown-meeting", "An id no meeting has: 404.", get(UNKNOWN_ID), status=404)
    yield Case(op.operation_id, "error-id-not-an-integer", "A path id that is not an integer: 400.", get("abc"), broken="path", status=400)
    server_error = {"Authorization": AUTH_PLACEHOLDER, "Prefer": "fault=server_error"}
    yield Case(op.operation_id, "error-server-error", "A failure asked for with Prefer: fault=server_error: 500.", get(docs_id, headers=server_error), status=500)
