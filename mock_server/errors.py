"""Errors as the mock answers them: a 4xx with a JSON body naming the field and the rule.

Every failure, whether the mock's own (``ApiError``) or Werkzeug's (unknown path, wrong method,
body too large), ends up in the spec's ``Error`` shape; nothing ever answers with HTML.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Flask, Response
from werkzeug.exceptions import HTTPException

log = logging.getLogger("mock_server")

#: Werkzeug's errors, in the mock's vocabulary.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
_MAX_MESSAGE = 300


class Received:
    """``Problem.received``: the value found where the problem is, or that there was none."""

    def __init__(self, value: Any = None, *, absent: bool = False) -> None:
        self.value, self.absent = value, absent


#: No value at all where one was wanted (a required field or header left out).
ABSENT = Received(absent=True)


@dataclass
class Problem:
    """One broken rule: where, which rule, and in words; and the value it judged, for whoever
    reports what came (the validation proxy's ``got``), never in the mock's answer."""

    field: str
    rule: str
    message: str
    received: Any = dataclasses.field(default=None, repr=False, compare=False)  # None: not recorded

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": _clip(self.message)}


@dataclass
class ApiError(Exception):
    """A request the mock refuses, with what the client should know to fix it."""

    status: int
    code: str
    message: str
    details: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": _clip(self.message)}
        if self.details:
            error["details"] = [problem.as_json() for problem in self.details]
        return {"error": error}


def _clip(text: str) -> str:
    """Messages quote the offending value: keep a huge one from flooding the answer."""
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status=status, headers=headers, mimetype="application/json")


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def register_error_handlers(app: Flask) -> None:
    """Route every error, expected or not, to a JSON answer."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        message = {
            404: "No operation of the API has this path.",
            405: f"This path does not take this method; it takes {headers.get('Allow', 'others')}.",
            413: "The body is larger than the mock takes.",
        }.get(status, error.description or error.name)
        return error_response(ApiError(status, _HTTP_CODES.get(status, "http_error"), message, headers=headers))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return error_response(unexpected_error())


def unexpected_error() -> ApiError:
    """Log the exception being handled (a bug in the mock) and say so, as JSON."""
    log.exception("unexpected error in the mock (a bug: please report it)")
    return ApiError(500, "internal_error", "The mock failed on this request; see its log.")
