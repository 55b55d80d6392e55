"""What every check works on: the two documents of one view, their references, and where findings go.

The helpers below read the parts of an OpenAPI document the checks share: a ``$ref`` chain
followed to its end, a JSON pointer one key down, an object's annotations apart from its
structure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from meetings_spec.refs import RefResolver, escape_segment
from spec_diff.normal import DOCUMENTATION, Located, canonical
from spec_diff.place import Findings

if TYPE_CHECKING:
    from spec_diff.checks.schemas import SchemaDiff

#: Where a keyword of an object is written (a JSON pointer), or None when it cannot be told.
Pointer = Callable[[str], "str | None"]
#: A value that is not written at all (``None`` is a value JSON can hold).
ABSENT: Any = object()


@dataclass
class Comparison:
    """OLD and NEW (one view of each), their resolvers, the schema walker, and the findings of every check."""

    old: dict[str, Any]
    new: dict[str, Any]
    old_refs: RefResolver
    new_refs: RefResolver
    schemas: SchemaDiff
    findings: Findings


def deref(refs: RefResolver, located: Located) -> Located:
    """``located`` itself, or the object its ``$ref`` chain ends at (with that object's pointer)."""
    node, pointer = located.schema, located.pointer
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return Located(node, pointer)
        ref = node["$ref"]
        node = refs.lookup(ref)
        pointer = ref[1:] if ref.startswith("#") else ref
    raise ValueError(f"$ref chain longer than 32 at {located.pointer}")


def at(located: Located, key: str) -> str:
    """The pointer of ``key`` inside ``located``."""
    return f"{located.pointer}/{escape_segment(key)}"


def under(pointer: str, key: str) -> str:
    return f"{pointer}/{escape_segment(key)}"


def same(pointer: str, _key: str) -> str:
    """A ``Pointer`` for a value that is itself the thing compared."""
    return pointer


def sub(pointer: Pointer, key: str, *segments: str) -> str | None:
    """The pointer of ``segments`` inside keyword ``key``."""
    base = pointer(key)
    return None if base is None else base + "".join(f"/{escape_segment(s)}" for s in segments)


def docs(node: dict[str, Any], parts: set[str]) -> dict[str, Any]:
    """The annotations of an object: what is neither one of its structural ``parts`` nor a ``$ref``."""
    return {k: v for k, v in node.items() if k not in parts and k != "$ref" and (k in DOCUMENTATION or k.startswith("x-"))}


def docs_removed(node: Any) -> Any:
    """A node without its documentation, for comparing what it does."""
    if isinstance(node, dict):
        return {k: docs_removed(v) for k, v in node.items() if k not in DOCUMENTATION and not k.startswith("x-")}
    return node


def canonical_or_absent(value: Any) -> str:
    return "<absent>" if value is ABSENT else canonical(value)


def show(value: Any) -> str:
    return "none" if value is ABSENT else canonical(value)


def short(value: Any) -> str:
    text = canonical(value)
    return text if len(text) <= 80 else text[:77] + "..."


def param_schema(param: Located) -> Located:
    """The schema of a parameter or header: its ``schema``, or that of its one ``content`` entry."""
    if "schema" in param.schema:
        return param.child("schema")
    content = param.schema.get("content") or {}
    for media in content:
        return media_schema(param.child("content", media))
    return Located({}, param.pointer)


def media_schema(media: Located) -> Located:
    if isinstance(media.schema, dict) and "schema" in media.schema:
        return media.child("schema")
    return Located({}, media.pointer)
