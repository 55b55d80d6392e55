"""Answer stage: lay out a response body the way the spec's success schema orders it.

The act stage supplies values by JSON pointer; this stage adds the ``const``s the schema fixes
(``success: true``, ``status: "success"``, a dynamic meeting's ``meeting_type``) and nests
everything in the order the schema declares it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from mock_server.compiled import CompiledOperation


def echoes(op: CompiledOperation, effective_request: Mapping[str, Any]) -> dict[str, Any]:
    """Request values the spec says come back in the answer (``x-echo``), by pointer."""
    return {pointer: effective_request[name] for name, pointer in op.echoed if name in effective_request}


def assemble(op: CompiledOperation, values: Mapping[str, Any]) -> dict[str, Any]:
    """The success body from ``values`` (pointer to value) and the schema's consts, which win."""
    merged = dict(values)
    merged.update(op.consts)
    ancestors = {ancestor for key in merged for ancestor in _ancestors(key)}
    return _build(op.layout, merged, ancestors)


@lru_cache(maxsize=1024)
def _ancestors(pointer: str) -> tuple[str, ...]:
    """``/a/b/c`` -> ``("/a", "/a/b")``; the same few pointers come back on every request."""
    return tuple(pointer[:i] for i, char in enumerate(pointer) if char == "/" and i)


def _build(layout: list[tuple[str, str, Any]], values: Mapping[str, Any], ancestors: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for pointer, name, children in layout:
        if children and pointer in ancestors:
            nested = _build(children, values, ancestors)
            base = values.get(pointer)
            body[name] = {**base, **nested} if isinstance(base, dict) else nested
        elif pointer in values:
            body[name] = values[pointer]
    return body


def place(body: dict[str, Any], pointer: str, value: Any) -> None:
    """Set the value at ``pointer`` (its parents exist) in a body ``assemble`` laid out."""
    *parents, last = pointer[1:].split("/")
    for name in parents:
        body = body[name]
    body[last] = value
