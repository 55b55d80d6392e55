"""One exchange as the proxy saw it, whole: what a recording writes and the offline check reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from validation_proxy.inspection import Violation


@dataclass
class Recorded:
    """A request, the answer the client got, and the violations found in them.

    Headers are as they travelled (names as spelled, duplicates kept), credentials included:
    whoever writes this anywhere must redact it first (``validation_proxy.recording``)."""

    id: int
    started: str  # ISO 8601 UTC, milliseconds
    duration_ms: float
    method: str
    url: str  # the upstream's URL the request went to (query included)
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int  # 0 when the client got no answer
    response_headers: list[tuple[str, str]]
    response_body: bytes
    operation: str  # operationId, or "" for a path the spec lacks
    violations: list[Violation] = field(default_factory=list)
    #: Why the proxy answered itself (a refused request, a failed upstream, a replaced answer):
    #: then the answer is not the upstream's and an offline check judges the request only.
    answered_by_proxy: str = ""
