"""Answer stage: lay out a response body the way the spec's success schema orders it.

The act stage supplies values by JSON pointer; this stage adds the ``const``s the schema fixes
(``success: true``, ``status: "success"``, a dynamic meeting's ``meeting_type``) and nests
everything in the order the schema declares it.
"""

from __future__ import annotations

from typing import Any, Mapping

from mock_server.compiled import CompiledOperation


def echoes(op: CompiledOperation, effective_request: Mapping[str, Any]) -> dict[str, Any]:
    """Request values the spec says come back in the answer (``x-echo``), by pointer."""
    return {
        field.echo: effective_request[name]
        for name, field in op.spec.request_fields.items()
        if field.echo and name in effective_request
    }


def assemble(op: CompiledOperation, values: Mapping[str, Any]) -> dict[str, Any]:
    """The success body from ``values`` (pointer to value) and the schema's consts, which win."""
    merged = {**values, **dict(op.consts)}
    ancestors = {key[:i] for key in merged for i, char in enumerate(key) if char == "/" and i}
    return _build(op.layout, merged, ancestors)


def _build(layout: list[tuple[str, Any]], values: Mapping[str, Any], ancestors: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for pointer, children in layout:
        name = pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")
        if children and pointer in ancestors:
            nested = _build(children, values, ancestors)
            base = values.get(pointer)
            body[name] = {**base, **nested} if isinstance(base, dict) else nested
        elif pointer in values:
            body[name] = values[pointer]
    return body
