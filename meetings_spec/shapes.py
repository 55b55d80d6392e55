"""Flatten the spec's schemas (``$ref`` followed, ``allOf`` merged) to read their fields and rules.

Validation never uses these flattened forms (the validators see the schemas as written); they
serve the code that reads *what* the schemas declare: fields, defaults, consts and the ``x-``
rules.
"""

from __future__ import annotations

from typing import Any, Iterator

from meetings_spec.refs import RefResolver, escape_segment


def flatten(schema: Any, refs: RefResolver) -> dict[str, Any]:
    """One dict standing for ``schema``: ``$ref`` followed (siblings kept), ``allOf`` merged in.

    Properties declared in several branches are combined as ``{"allOf": [...]}`` and flattened
    again when they are read, so a ``const`` added by one branch is not lost.
    """
    if not isinstance(schema, dict):
        return {}
    result: dict[str, Any] = {}
    if isinstance(schema.get("$ref"), str):
        result = _merge(result, flatten(refs.lookup(schema["$ref"]), refs))
    for branch in schema.get("allOf", []):
        result = _merge(result, flatten(branch, refs))
    own = {key: value for key, value in schema.items() if key not in ("$ref", "allOf")}
    return _merge(result, own)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **{k: v for k, v in extra.items() if k not in ("properties", "required")}}
    properties = dict(base.get("properties", {}))
    for name, schema in extra.get("properties", {}).items():
        properties[name] = {"allOf": [properties[name], schema]} if name in properties else schema
    if properties:
        merged["properties"] = properties
    required = list(dict.fromkeys([*base.get("required", []), *extra.get("required", [])]))
    if required:
        merged["required"] = required
    return merged


def properties(schema: Any, refs: RefResolver) -> dict[str, dict[str, Any]]:
    """The object's properties, each flattened."""
    return {name: flatten(sub, refs) for name, sub in flatten(schema, refs).get("properties", {}).items()}


def walk(schema: Any, refs: RefResolver, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property reachable through nested objects, as ``(JSON pointer, flattened schema)``."""
    for name, sub in properties(schema, refs).items():
        here = f"{pointer}/{escape_segment(name)}"
        yield here, sub
        if "properties" in sub or "allOf" in sub:
            yield from walk(sub, refs, here)
