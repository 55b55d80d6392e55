"""Negotiate stage: which answer the client asked for with Prism's ``Prefer`` header.

``Prefer: code=404`` answers the first example of the spec's 404 response for the operation;
``Prefer: example=DocsMeeting789`` answers that named example verbatim, with its status. Without
either (or with ``code`` equal to the operation's success status) the operation acts as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.compiled import CompiledOperation
from meetings_spec.problems import Problem
from mock_server.errors import ApiError


@dataclass(frozen=True)
class CannedAnswer:
    """A response taken verbatim from the spec's examples instead of acting."""

    status: int
    body: Any


def negotiate(op: CompiledOperation, prefer: str | None) -> CannedAnswer | None:
    """The canned answer ``prefer`` asks for, None to act normally, or 400 for an unknown choice."""
    if not prefer:
        return None
    wanted = preferences(prefer)
    code, example = wanted.get("code"), wanted.get("example")
    if code is None and example is None:
        return None  # other preferences (RFC 7240 says to ignore what we do not know)
    statuses = [s for s in op.spec.responses if s.isdigit()]
    if code is not None and code not in statuses:
        raise _unknown("code", code, statuses)
    if example is not None:
        for status in [code] if code else statuses:
            examples = op.spec.examples(status)
            if example in examples:
                return CannedAnswer(int(status), examples[example])
        names = sorted({name for s in ([code] if code else statuses) for name in op.spec.examples(s)})
        raise _unknown("example", example, names)
    if code == op.spec.success_status:
        return None
    examples = op.spec.examples(code)
    if not examples:
        raise _unknown("code", code, [s for s in statuses if op.spec.examples(s)])
    return CannedAnswer(int(code), next(iter(examples.values())))


def preferences(header: str) -> dict[str, str]:
    """``Prefer``'s preferences by name (RFC 7240), lower-cased names, unquoted values; a name
    given twice keeps its first value, as RFC 7240 says (section 2)."""
    result: dict[str, str] = {}
    for item in header.replace(";", ",").split(","):
        name, _, value = item.strip().partition("=")
        if name:
            result.setdefault(name.strip().lower(), value.strip().strip('"'))
    return result


def _unknown(kind: str, value: str, known: list[str]) -> ApiError:
    choices = ", ".join(known) or "none"
    message = f"Prefer asks for {kind} {value!r}, which this operation does not have; it has: {choices}."
    return ApiError(400, "unknown_preference", message, [Problem("header.Prefer", kind, message)])
