"""One routing table: what a server does with a method and a path, decided in one place.

A server of the kit builds one table from the spec's operations (``Contract.route_table``) and
adds its own paths to it (the mock its docs, spec views and admin routes; the proxy its
``/__proxy/`` routes), then asks it once per request. Templates are written as the spec writes
them (``/meetings/{id}``) or as Flask does (``/docs/assets/<name>``, ``<path:name>``).

OpenAPI matches concrete paths before templated ones: ``POST``-only
``/meetings/create-dynamic-meeting`` is not ``GET /meetings/{id}`` with id
``create-dynamic-meeting``, so a ``GET`` there is a 405, not a read. ``HEAD`` runs ``GET``
(the server drops the body) unless the path takes ``HEAD`` itself, and ``OPTIONS`` lists the
methods unless the path takes it itself.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Generic, Iterable, Iterator, NamedTuple, TypeVar

Target = TypeVar("Target")

_TEMPLATE = re.compile(r"\{([^}/]+)\}|<(?:(string|path):)?([^>/:]+)>")


class Kind(enum.Enum):
    """What the table says about one request."""

    ROUTE = "route"  # a target takes this method on this path (``Match.target``)
    OPTIONS = "options"  # OPTIONS on a path that does not take it itself: answer its methods
    NOT_ALLOWED = "not_allowed"  # a known path, another method: 405 naming the allowed ones


class Match(NamedTuple, Generic[Target]):
    """The table's answer; ``params`` are the template's raw values, as strings. (A named
    tuple: one is made for every request to a templated path.)"""

    kind: Kind
    template: str  # the path as the table knows it (``/meetings/{id}``)
    allow: str  # the Allow header of the path
    target: Target | None = None
    params: dict[str, str] = {}  # noqa: RUF012 - never mutated
    head: bool = False  # a HEAD answered by GET's target: send no body


@dataclass
class _Path(Generic[Target]):
    template: str
    methods: dict[str, Target] = field(default_factory=dict)
    pattern: re.Pattern[str] | None = None
    allow: str = ""
    prepared: dict[str, Match[Target]] = field(default_factory=dict)  # a concrete path's answers

    def answer(self, method: str, params: dict[str, str]) -> Match[Target]:
        target = self.methods.get(method)
        if target is not None:
            return Match(Kind.ROUTE, self.template, self.allow, target, params)
        if method == "HEAD" and "GET" in self.methods:
            return Match(Kind.ROUTE, self.template, self.allow, self.methods["GET"], params, head=True)
        if method == "OPTIONS":
            return Match(Kind.OPTIONS, self.template, self.allow, None, params)
        return Match(Kind.NOT_ALLOWED, self.template, self.allow, None, params)

    def seal(self) -> None:
        methods = list(self.methods)
        extra = [m for m in ("HEAD", "OPTIONS") if m not in methods and (m == "OPTIONS" or "GET" in methods)]
        self.allow = ", ".join([*methods, *extra])
        if self.pattern is None:
            self.prepared = {m: self.answer(m, {}) for m in [*methods, "HEAD", "OPTIONS"]}


class RouteTable(Generic[Target]):
    """Every path a server answers, with the target of each method; ``match`` is all a server asks."""

    def __init__(self) -> None:
        self._concrete: dict[str, _Path[Target]] = {}
        self._templated: list[_Path[Target]] = []

    def add(self, template: str, methods: Iterable[str], target: Target, *, first_wins: bool = False) -> None:
        """``target`` takes ``methods`` on ``template``. A method taken already is a
        ``ValueError``, or left to its first target with ``first_wins`` (as Flask resolves
        two rules on one path: each gets ``OPTIONS`` and ``HEAD`` of its own)."""
        entry = self._concrete.get(template) or next((p for p in self._templated if p.template == template), None)
        if entry is None:
            pattern = _pattern(template)
            entry = _Path(template, pattern=pattern)
            if pattern is None:
                self._concrete[template] = entry
            else:
                self._templated.append(entry)
        for method in methods:
            method = method.upper()
            if method in entry.methods:
                if first_wins:
                    continue
                raise ValueError(f"{method} {template} has a target already")
            entry.methods[method] = target
        entry.seal()

    def match(self, method: str, path: str) -> Match[Target] | None:
        """What the server does with ``method path``; None for a path it does not have."""
        concrete = self._concrete.get(path)
        if concrete is not None:
            return concrete.prepared.get(method) or concrete.answer(method, {})
        for entry in self._templated:
            found = entry.pattern.fullmatch(path)  # type: ignore[union-attr]
            if found is not None:
                return entry.answer(method, found.groupdict())
        return None

    def routes(self) -> Iterator[tuple[str, str, Target]]:
        """Every ``(method, template, target)``, concrete paths first."""
        for entry in [*self._concrete.values(), *self._templated]:
            for method, target in entry.methods.items():
                yield method, entry.template, target


def _pattern(template: str) -> re.Pattern[str] | None:
    """The regular expression of a templated path; None for a concrete one."""
    if _TEMPLATE.search(template) is None:
        return None
    parts, last = [], 0
    for found in _TEMPLATE.finditer(template):
        parts.append(re.escape(template[last : found.start()]))
        name = found.group(1) or found.group(3)
        parts.append(f"(?P<{name}>{'.+' if found.group(2) == 'path' else '[^/]+'})")
        last = found.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))

