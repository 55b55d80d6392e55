"""The tests' yardstick: python-jsonschema (Draft 2020-12) validators of the spec's bodies.

The kit validates with one stack, the contract library's (``meetings_spec.contract``, built on
jsonschema-rs); these independent validators are what the tests hold its verdicts, the mock's
answers and the fixtures to.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Iterator

from jsonschema import Draft202012Validator, FormatChecker

from meetings_spec.refs import JSON, RefResolver, request_body_pointer, response_body_pointer, schema_ref, spec_registry
from meetings_spec.views import iter_operations
#: Asserts the response formats, ``date-time`` (RFC 3339) and ``uri`` (RFC 3986); jsonschema
#: checks them only with rfc3339-validator and rfc3986-validator installed. Others, like ``email``, stay annotations: the docs never
#: say a server refuses a malformed address.
FORMAT_CHECKER = FormatChecker(formats=("date-time", "uri"))


class SpecValidators:
    """Validators for one view of the spec, each compiled once, on first use."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.refs = RefResolver(spec)
        self._cache: dict[str, Draft202012Validator] = {}

    @cached_property
    def _registry(self):  # type: ignore[no-untyped-def]
        return spec_registry(self.spec)

    def at(self, pointer: str) -> Draft202012Validator:
        """The validator of the schema written at ``pointer`` in the spec."""
        if pointer not in self._cache:
            self._cache[pointer] = Draft202012Validator(
                schema_ref(pointer), registry=self._registry, format_checker=FORMAT_CHECKER
            )
        return self._cache[pointer]

    def request_body(self, path: str, method: str) -> Draft202012Validator:
        return self.at(request_body_pointer(self.refs, path, method))

    def response_body(self, path: str, method: str, status: str) -> Draft202012Validator | None:
        pointer = response_body_pointer(self.refs, path, method, status)
        return None if pointer is None else self.at(pointer)


def iter_media_examples(spec: dict[str, Any]) -> Iterator[tuple[str, str, str, Any]]:
    """Every named example of every JSON body, as ``(schema pointer, place, name, value)``."""
    refs = RefResolver(spec)
    for path, method, operation in iter_operations(spec):
        if "requestBody" in operation:
            media = refs.deref(operation["requestBody"])["content"].get(JSON, {})
            pointer = request_body_pointer(refs, path, method)
            for name, example in media.get("examples", {}).items():
                yield pointer, f"{method.upper()} {path} request", name, refs.deref(example)["value"]
        for status, response in operation.get("responses", {}).items():
            media = refs.deref(response).get("content", {}).get(JSON, {})
            pointer = response_body_pointer(refs, path, method, status)
            for name, example in media.get("examples", {}).items():
                yield pointer, f"{method.upper()} {path} {status}", name, refs.deref(example)["value"]
