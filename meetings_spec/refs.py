"""Follow the spec's local ``$ref``s with the ``referencing`` library, not by hand."""

from __future__ import annotations

from typing import Any, Iterator

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

JSON = "application/json"

#: The URI the spec is registered under, so schemas can point into it with ``{"$ref": SPEC_URI#/...}``.
SPEC_URI = "urn:waterrai:meetings-api"


def spec_registry(spec: dict[str, Any]) -> Registry:
    """A registry holding the whole spec as one 2020-12 resource (OpenAPI 3.1's schema dialect)."""
    return Registry().with_resource(SPEC_URI, Resource(contents=spec, specification=DRAFT202012))


class RefResolver:
    """Resolve ``{"$ref": "#/..."}`` objects of one spec (schemas, responses, examples, links)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self._resolver = spec_registry(spec).resolver(base_uri=SPEC_URI)

    def deref(self, node: Any) -> Any:
        """``node`` itself, or what its ``$ref`` (followed repeatedly) points at."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and isinstance(node["$ref"], str):
            node = self._resolver.lookup(node["$ref"]).contents
            seen += 1
            if seen > 32:
                raise ValueError(f"$ref chain too long at {node!r:.80}")
        return node

    def lookup(self, ref: str) -> Any:
        """What the reference ``ref`` (such as ``#/components/schemas/Meeting``) points at."""
        return self._resolver.lookup(ref).contents


def schema_ref(pointer: str) -> dict[str, str]:
    """A schema that is the spec's schema at ``pointer`` (``/components/schemas/Meeting``)."""
    return {"$ref": f"{SPEC_URI}#{pointer}"}


def keyed(node: Any, key: str, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every ``(pointer, value)`` of ``key`` in the objects under ``node``, in file order: where
    the spec says ``$ref``, ``x-assumption``, or any other keyword."""
    if isinstance(node, dict):
        if key in node:
            yield pointer, node[key]
        for name, value in node.items():
            yield from keyed(value, key, f"{pointer}/{escape_segment(name)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from keyed(value, key, f"{pointer}/{index}")


def escape_segment(segment: str) -> str:
    """One JSON pointer segment, escaped as RFC 6901 says."""
    return str(segment).replace("~", "~0").replace("/", "~1")


def unescape_segment(segment: str) -> str:
    """One JSON pointer segment as it was before ``escape_segment``."""
    return segment.replace("~1", "/").replace("~0", "~")


def canonical_pointer(refs: RefResolver, *segments: str) -> str:
    """The pointer of the node reached by walking ``segments`` from the spec's root.

    Each ``$ref`` met on the way is followed, so the result points at where the node is written
    (``/components/responses/MeetingCreated/content/...``), and can be wrapped by ``schema_ref``.
    """
    node: Any = refs.spec
    pointer = ""
    for segment in segments:
        node, pointer = _follow_local_refs(refs, node, pointer)
        node = node[segment]
        pointer += "/" + escape_segment(segment)
    return pointer


def _follow_local_refs(refs: RefResolver, node: Any, pointer: str) -> tuple[Any, str]:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        pointer = node["$ref"][1:]
        node = refs.lookup(node["$ref"])
    return node, pointer


def request_body_pointer(refs: RefResolver, path: str, method: str) -> str:
    """Where the JSON request body schema of an operation is written."""
    return canonical_pointer(refs, "paths", path, method, "requestBody", "content", JSON, "schema")


def response_body_pointer(refs: RefResolver, path: str, method: str, status: str) -> str | None:
    """Where the JSON body schema of one response is written; None if it declares no body."""
    response = refs.deref(refs.spec["paths"][path][method]["responses"][status])
    if JSON not in response.get("content", {}):
        return None
    return canonical_pointer(refs, "paths", path, method, "responses", status, "content", JSON, "schema")
