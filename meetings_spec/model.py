"""The model of the spec: its operations, their fields, and what each field's vendor extensions
declare, in a form code can act on.

The mock acts on these declarations and the judge (``meetings_spec.judge``) checks traffic by
them; both read them from here, so a rule added to the spec reaches both without a line of
Python naming a field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from meetings_spec.nulls import silent_null_fields
from meetings_spec.refs import JSON, RefResolver, request_body_pointer
from meetings_spec.shapes import flatten, properties, walk
from meetings_spec.views import iter_operations

_MISSING = object()


@dataclass(frozen=True)
class RequestField:
    """One field of a request body, with the rules the spec gives it."""

    name: str
    schema: dict[str, Any]

    @property
    def has_default(self) -> bool:
        return "default" in self.schema

    @property
    def default(self) -> Any:
        return self.schema.get("default")

    @property
    def echo(self) -> str | None:
        """Pointer into the response body where the value comes back (``x-echo``)."""
        return self.schema.get("x-echo")

    @property
    def default_from(self) -> tuple[str, ...]:
        """Request fields joined with spaces when this one is omitted (``x-default-from``)."""
        return tuple(self.schema.get("x-default-from", {}).get("join", ()))

    @property
    def default_lend(self) -> str | None:
        """Pointer of the answer's object whose fields fill in for ``default_from`` fields the
        request leaves out (a known end user's stored names), if the spec says so."""
        return self.schema.get("x-default-from", {}).get("lend")

    @property
    def default_otherwise(self) -> Any:
        """Value when this field and every ``default_from`` field are omitted."""
        return self.schema.get("x-default-from", {}).get("otherwise")

    @property
    def scenario_default(self) -> tuple[str, str, Any] | None:
        """``(request field naming the scenario, scenario attribute, fallback)`` when the
        scenario supplies the default (``x-default-from-scenario``)."""
        rule = self.schema.get("x-default-from-scenario")
        return None if rule is None else (rule["scenario"], rule["field"], rule["otherwise"])

    def documented_values(self, docs_example: dict[str, Any]) -> list[Any]:
        """Values the docs vouch for: the docs' request example, the schema's ``examples``,
        every enum value, both booleans, and the default. Empty when the docs give none."""
        values: list[Any] = []
        if self.name in docs_example:
            values.append(docs_example[self.name])
        values += self.schema.get("examples", [])
        values += self.schema.get("enum", [])
        if self.schema.get("type") == "boolean":
            values += [True, False]
        if self.has_default:
            values.append(self.default)
        unique: list[Any] = []
        for value in values:  # True == 1 in Python: compare types too
            if not any(value == seen and type(value) is type(seen) for seen in unique):
                unique.append(value)
        return unique

    @property
    def reuses(self) -> tuple[str, tuple[str, ...]] | None:
        """``(response object pointer, identity fields)`` of an ``x-reuses`` rule."""
        rule = self.schema.get("x-reuses")
        return None if rule is None else (rule["object"], tuple(rule["compare"]))


@dataclass(frozen=True)
class Operation:
    """One operation of the spec, with what the mock and the contract suite need of it."""

    operation_id: str
    method: str
    path: str
    definition: dict[str, Any] = field(repr=False)
    refs: RefResolver = field(repr=False, compare=False)

    @cached_property
    def request_schema(self) -> dict[str, Any] | None:
        body = self.definition.get("requestBody")
        return None if body is None else self.refs.deref(body)["content"][JSON]["schema"]

    @cached_property
    def request_fields(self) -> dict[str, RequestField]:
        if self.request_schema is None:
            return {}
        return {name: RequestField(name, sub) for name, sub in properties(self.request_schema, self.refs).items()}

    @cached_property
    def scenario_field(self) -> str | None:
        """The request field that names the scenario, as the spec's ``x-default-from-scenario``
        rules say (None if the operation has none)."""
        named = {f.scenario_default[0] for f in self.request_fields.values() if f.scenario_default}
        return next(iter(sorted(named)), None)

    @cached_property
    def required_fields(self) -> tuple[str, ...]:
        if self.request_schema is None:
            return ()
        return tuple(flatten(self.request_schema, self.refs).get("required", ()))

    @cached_property
    def silent_nulls(self) -> frozenset[str]:
        """Optional request fields whose schema takes no null: a null there is the server's to
        refuse, or to read as the field not given (``meetings_spec.nulls``)."""
        if self.request_schema is None:
            return frozenset()
        return silent_null_fields(self.refs, request_body_pointer(self.refs, self.path, self.method))

    @cached_property
    def parameters(self) -> list[dict[str, Any]]:
        return [self.refs.deref(p) for p in self.definition.get("parameters", [])]

    @cached_property
    def responses(self) -> dict[str, dict[str, Any]]:
        return {status: self.refs.deref(r) for status, r in self.definition.get("responses", {}).items()}

    @cached_property
    def success_status(self) -> str:
        """The first explicit 2xx status: what the mock answers when nothing else is asked for."""
        return next(s for s in self.responses if s.isdigit() and s.startswith("2"))

    def response_schema(self, status: str) -> dict[str, Any] | None:
        media = self.responses[status].get("content", {}).get(JSON)
        return None if media is None else media.get("schema")

    def examples(self, status: str) -> dict[str, Any]:
        """Named examples of one response, name to value."""
        media = self.responses[status].get("content", {}).get(JSON, {})
        return {name: self.refs.deref(ex)["value"] for name, ex in media.get("examples", {}).items()}

    def request_examples(self) -> dict[str, Any]:
        if self.request_schema is None:
            return {}
        media = self.refs.deref(self.definition["requestBody"])["content"][JSON]
        return {name: self.refs.deref(ex)["value"] for name, ex in media.get("examples", {}).items()}

    @cached_property
    def success_properties(self) -> list[tuple[str, dict[str, Any]]]:
        """Every property of the success body, ``(pointer, flattened schema)``."""
        schema = self.response_schema(self.success_status)
        return [] if schema is None else list(walk(schema, self.refs))

    def success_rule(self, extension: str) -> list[tuple[str, Any]]:
        """``(pointer, value)`` of every success-body property carrying ``extension``."""
        return [(pointer, sub[extension]) for pointer, sub in self.success_properties if extension in sub]

    @cached_property
    def links(self) -> dict[str, dict[str, Any]]:
        links = self.responses[self.success_status].get("links", {})
        return {name: self.refs.deref(link) for name, link in links.items()}


def operations(spec: dict[str, Any]) -> dict[str, Operation]:
    """The spec's operations by ``operationId``, in file order."""
    refs = RefResolver(spec)
    return {
        op["operationId"]: Operation(op["operationId"], method, path, op, refs)
        for path, method, op in iter_operations(spec)
    }


def lookup(document: Any, pointer: str, default: Any = _MISSING) -> Any:
    """The value at a JSON pointer inside a response or request body."""
    node = document
    for raw in pointer.split("/")[1:]:
        segment = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        elif default is not _MISSING:
            return default
        else:
            raise KeyError(pointer)
    return node


def scenario_attribute(spec: dict[str, Any], pair: str) -> tuple[str, Any]:
    """``NAME=VALUE`` of a scenario attribute the spec's ``x-default-from-scenario`` rules read:
    ``none`` (or ``null``, or nothing) says the scenario has none, digits give an integer.
    Raises ``ValueError`` saying which names make sense."""
    known = sorted({f.scenario_default[1] for op in operations(spec).values() for f in op.request_fields.values() if f.scenario_default})
    name, sep, raw = pair.partition("=")
    if not sep or name not in known:
        raise ValueError(f"takes NAME=VALUE with NAME one of {', '.join(known) or '(none in this spec)'}, not {pair!r}")
    raw = raw.strip()
    return name, None if raw.lower() in ("none", "null", "") else int(raw) if raw.lstrip("-").isdigit() else raw
