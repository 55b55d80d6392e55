"""The two readings of the spec: lenient (what the docs promise) and strict (every assumption too).

The spec is written once. Where the docs are silent it marks its choices: ``x-strict`` holds
schema keywords that only the strict view enforces, and ``x-only-in`` keeps a response in one
view only (a tolerated 201 and a catch-all ``4XX`` in the lenient one; the mock's exact error
responses in the strict one).
"""

from __future__ import annotations

import copy
import enum
from typing import Any, Iterator

from meetings_spec.refs import RefResolver

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class View(enum.Enum):
    """Which promises a server is held to."""

    LENIENT = "lenient"  # the docs' facts only: fit for any real server
    STRICT = "strict"  # the docs' facts and every assumption: for a server we own (the mock)


def contract_view(spec: dict[str, Any], view: View) -> dict[str, Any]:
    """A copy of ``spec`` as seen in ``view``: ``x-strict`` merged or dropped, responses filtered."""
    document = copy.deepcopy(spec)
    _apply_strict_keywords(document, merge=view is View.STRICT)
    _drop_responses_of_other_view(document, view)
    return document


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every ``(path, method, operation)`` in the spec, in file order."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _apply_strict_keywords(node: Any, *, merge: bool) -> None:
    if isinstance(node, dict):
        extra = node.pop("x-strict", None)
        if merge and isinstance(extra, dict):
            _merge_into(node, copy.deepcopy(extra))
        for value in node.values():
            _apply_strict_keywords(value, merge=merge)
    elif isinstance(node, list):
        for value in node:
            _apply_strict_keywords(value, merge=merge)


def _merge_into(node: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add ``extra``'s keywords to ``node``; an object merges into the object it meets (so that
    ``x-strict`` can add one key to a rule), anything else replaces what was there."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            _merge_into(node[key], value)
        else:
            node[key] = value


def _drop_responses_of_other_view(document: dict[str, Any], view: View) -> None:
    refs = RefResolver(document)
    for _, _, operation in iter_operations(document):
        responses = operation.get("responses", {})
        for status in list(responses):
            only_in = refs.deref(responses[status]).get("x-only-in")
            if only_in is not None and only_in != view.value:
                del responses[status]
    # and the shared responses of the other view, which nothing refers to any more (a view is a
    # document of its own: linters and code generators read it whole)
    shared = document.get("components", {}).get("responses", {})
    for name in list(shared):
        only_in = shared[name].get("x-only-in")
        if only_in is not None and only_in != view.value:
            del shared[name]
