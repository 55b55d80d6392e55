"""Refusals as the mock answers them: a status and a JSON body naming the code, a message and,
for bad input, each field and the rule it broke (the spec's ``Error`` shape).

``ApiError`` is what the act stage, the admin routes and the docs raise; ``refusal`` turns the
problems the contract library found in a request into the mock's answer. Nothing here knows
Flask: the core renders these, and the Flask app's handlers do for its own routes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from meetings_spec.problems import Part, Problem, clip

log = logging.getLogger("mock_server")

#: The mock's answer to a request whose problems are of this part (the spec's assumptions).
_REFUSALS = {
    Part.SECURITY: (401, "unauthorized", 'Send an Authorization header of the form "Bearer <token>".'),
    Part.MEDIA_TYPE: (415, "unsupported_media_type", 'Send the body as JSON with "Content-Type: application/json".'),
    Part.MALFORMED: (400, "malformed_json", ""),  # the problem's own words say it best
    Part.SCHEMA: (400, "validation_failed", "The request does not match the API description; see details."),
}
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="waterrai-mock"'}


@dataclass
class ApiError(Exception):
    """A request the mock refuses, with what the client should know to fix it."""

    status: int
    code: str
    message: str
    details: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": clip(self.message)}
        if self.details:
            error["details"] = [problem.as_json() for problem in self.details]
        return {"error": error}


def refusal(problems: list[Problem]) -> ApiError:
    """The answer to a request with these problems (in the contract's stage order): the first
    one's part decides the status, and the answer names every problem of that status."""
    status, code, message = _REFUSALS[problems[0].part]
    same = [problem for problem in problems if _REFUSALS[problem.part][0] == status]
    return ApiError(status, code, message or same[0].message, same, CHALLENGE if status == 401 else {})


def unexpected_error() -> ApiError:
    """Log the exception being handled (a bug in the mock) and say so, as JSON."""
    log.exception("unexpected error in the mock (a bug: please report it)")
    return ApiError(500, "internal_error", "The mock failed on this request; see its log.")
