"""Route stage: the one table that says what the API answers for a method and a path.

Built once from the spec at start-up and asked by every way a request comes in (the WSGI lane
for embedded and test use, the RSGI lane under Granian), so that an operation, its ``OPTIONS``
answer, a 405 and the order of paths are decided in one place. OpenAPI matches concrete paths
before templated ones: ``POST``-only ``/meetings/create-dynamic-meeting`` is not
``GET /meetings/{id}`` with id ``create-dynamic-meeting``, so a ``GET`` there is a 405.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Iterable

from mock_server.compiled import CompiledOperation


class Kind(enum.Enum):
    """What the API does with a request to one of its paths."""

    OPERATION = "operation"  # run the operation (HEAD runs GET and drops the body)
    OPTIONS = "options"  # answer the methods of the path (and a CORS preflight)
    NOT_ALLOWED = "not_allowed"  # a path of the API, another method: 405 naming the allowed ones


@dataclass(frozen=True)
class Match:
    """The table's answer for one request; ``params`` are the path's raw template values."""

    kind: Kind
    path: str  # the spec's path (``/meetings/{id}``)
    allow: str  # the Allow header of this path
    op: CompiledOperation | None = None
    params: dict[str, str] = field(default_factory=dict)
    head: bool = False


@dataclass
class _Path:
    path: str
    methods: dict[str, CompiledOperation]
    allow: str = ""
    pattern: re.Pattern[str] | None = None
    fixed: dict[str, Match] = field(default_factory=dict)  # prepared answers of a concrete path

    def answer(self, method: str, params: dict[str, str]) -> Match:
        if method in self.methods:
            return Match(Kind.OPERATION, self.path, self.allow, self.methods[method], params)
        if method == "HEAD" and "GET" in self.methods:
            return Match(Kind.OPERATION, self.path, self.allow, self.methods["GET"], params, head=True)
        if method == "OPTIONS":
            return Match(Kind.OPTIONS, self.path, self.allow)
        return Match(Kind.NOT_ALLOWED, self.path, self.allow)


class RouteTable:
    """Every path of the spec with its methods; ``match`` is all a lane needs to ask."""

    def __init__(self, operations: Iterable[CompiledOperation]) -> None:
        paths: dict[str, _Path] = {}
        for op in operations:
            entry = paths.setdefault(op.spec.path, _Path(op.spec.path, {}))
            entry.methods[op.spec.method.upper()] = op
        for entry in paths.values():
            methods = list(entry.methods)
            entry.allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"])
            if "{" in entry.path:
                regex = re.sub(r"\\\{([^}/]+)\\\}", r"(?P<\1>[^/]+)", re.escape(entry.path))
                entry.pattern = re.compile(regex)
            else:
                entry.fixed = {m: entry.answer(m, {}) for m in [*methods, "HEAD", "OPTIONS"]}
        self._concrete = {path: entry for path, entry in paths.items() if entry.pattern is None}
        self._templated = [entry for entry in paths.values() if entry.pattern is not None]

    def match(self, method: str, path: str) -> Match | None:
        """What the API does with ``method path``; None for a path the API does not have."""
        concrete = self._concrete.get(path)
        if concrete is not None:
            return concrete.fixed.get(method) or concrete.answer(method, {})
        for entry in self._templated:
            found = entry.pattern.fullmatch(path)  # type: ignore[union-attr]
            if found is not None:
                return entry.answer(method, found.groupdict())
        return None

    @property
    def paths(self) -> list[str]:
        return [*self._concrete, *(entry.path for entry in self._templated)]
