"""A null sent for an optional request field: a case the docs leave open, and how it is read.

The docs give each field a type, mark some required and give some a default; they never say
whether a client may send ``null`` for an optional field. Many server frameworks read it as the
field left out; the mock refuses it (an assumption of the strict view, marked on the request
schemas). So the lenient view reads such a null as docs-silent: a server may refuse it with a
4xx, or accept it as "not given", and then its answer keeps every promise made for the field
omitted (its documented default, ``x-default-from``, ...). Two nulls are not silent: one the
docs list as a value (``max_participants``: "default: null - unlimited") is a value like any
other, and one for a required field is wrong input.

Which fields are which is read from the spec: the required lists, and whether the schema a
field is written with takes null. One rule, used by everything that judges traffic: the judge
reads each request through ``read_as_omitted``, the proxy and the HAR check validate requests
that way, and the contract suite hands schemathesis ``tolerating_nulls(view)``, so that its
negative data never counts such a null as invalid input.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

import jsonschema_rs

from meetings_spec.refs import JSON, SPEC_URI, RefResolver, canonical_pointer, escape_segment, schema_ref
from meetings_spec.shapes import flatten
from meetings_spec.views import iter_operations


def silent_null_fields(refs: RefResolver, body_pointer: str) -> frozenset[str]:
    """The optional fields of the request body written at ``body_pointer`` whose schema does not
    take null: where a null is for the server to refuse or to read as not given."""
    required = set(flatten({"$ref": f"#{body_pointer}"}, refs).get("required", ()))
    registry = jsonschema_rs.Registry([(SPEC_URI, refs.spec)])
    silent = set()
    for name, pointers in declarations(refs, body_pointer).items():
        if name in required:
            continue
        takes_null = all(jsonschema_rs.validator_for(schema_ref(p), registry=registry).is_valid(None) for p in pointers)
        if not takes_null:
            silent.add(name)
    return frozenset(silent)


def declarations(refs: RefResolver, pointer: str) -> dict[str, list[str]]:
    """Where each property of the object schema at ``pointer`` is written (JSON pointers into the
    spec), through ``$ref`` and ``allOf``: a property written in two branches must take null in
    both."""
    found: dict[str, list[str]] = {}

    def visit(node: Any, here: str, depth: int) -> None:
        if not isinstance(node, dict) or depth > 32:
            return
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            visit(refs.lookup(ref), ref[1:], depth + 1)
        for index, branch in enumerate(node.get("allOf", [])):
            visit(branch, f"{here}/allOf/{index}", depth + 1)
        for name in node.get("properties", {}):
            found.setdefault(name, []).append(f"{here}/properties/{escape_segment(name)}")

    visit(refs.lookup(f"#{pointer}"), pointer, 0)
    return found


def read_as_omitted(body: Any, silent: Collection[str]) -> Any:
    """``body`` as the lenient view reads it: the ``silent`` fields that hold null left out.
    Anything that is not a JSON object comes back as it is."""
    if not isinstance(body, dict) or not any(body.get(name, ...) is None for name in silent):
        return body
    return {name: value for name, value in body.items() if not (value is None and name in silent)}


def nulls_in(body: Any, silent: Collection[str]) -> list[str]:
    """The ``silent`` fields ``body`` sends as null, in the body's order."""
    return [name for name, value in body.items() if value is None and name in silent] if isinstance(body, dict) else []


def tolerating_nulls(view: dict[str, Any]) -> dict[str, Any]:
    """A copy of a view in which every docs-silent null of a request body is a valid value.

    For a test generator (schemathesis) that must not count such a null as invalid input. Each
    request body's schema is copied in place along the way to its properties (the ``$ref``s it
    follows are inlined), so the components the answers share stay as they were written.
    """
    document = copy.deepcopy(view)
    source = RefResolver(view)
    for path, method, operation in iter_operations(view):
        if JSON not in source.deref(operation.get("requestBody", {})).get("content", {}):
            continue
        pointer = canonical_pointer(source, "paths", path, method, "requestBody", "content", JSON, "schema")
        silent = silent_null_fields(source, pointer)
        if not silent:
            continue
        media = RefResolver(document).deref(document["paths"][path][method]["requestBody"])["content"][JSON]
        media["schema"] = _widened(media["schema"], silent, source)
    return document


def _widened(node: Any, silent: frozenset[str], source: RefResolver, depth: int = 0) -> Any:
    """``node`` with each ``silent`` property also taking null; each local ``$ref`` on the way
    is replaced by a copy of its target (siblings kept beside it in an ``allOf``)."""
    if not isinstance(node, dict) or depth > 32:
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        target = copy.deepcopy(source.lookup(ref))
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        inlined = target if not siblings else {**siblings, "allOf": [*siblings.get("allOf", []), target]}
        return _widened(inlined, silent, source, depth + 1)
    if isinstance(node.get("allOf"), list):
        node["allOf"] = [_widened(branch, silent, source, depth + 1) for branch in node["allOf"]]
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name in silent & properties.keys():
            properties[name] = {"anyOf": [{"type": "null"}, properties[name]]}
    return node
