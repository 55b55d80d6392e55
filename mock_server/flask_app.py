"""The mock's Flask application: Flask as users know it, but routed by the core.

The core's one routing table holds the Flask app's rules beside the API's operations, and hands
Flask each request with its route already matched (in the environ, ``core.ROUTE_KEY``), so
Flask does not match it again. Everything Flask answers, errors included, is JSON except the
docs page.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask, Response
from flask.ctx import RequestContext
from werkzeug.exceptions import HTTPException

from mock_server.core import ROUTE_KEY
from mock_server.errors import ApiError, unexpected_error

#: Werkzeug's errors, in the mock's vocabulary.
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type"}


class _RoutedContext(RequestContext):
    """A request context that takes the route the core matched, where there is one."""

    def match_request(self) -> None:
        routed = self.request.environ.get(ROUTE_KEY)
        if routed is None:
            super().match_request()
        else:
            self.request.url_rule, self.request.view_args = routed  # type: ignore[assignment]


class MockFlask(Flask):
    """Flask, routed once: by the core's table (``request_context`` is Flask's documented hook)."""

    def request_context(self, environ: dict[str, Any]) -> RequestContext:
        return _RoutedContext(self, environ)


def json_response(body: Any, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status=status, headers=headers, mimetype="application/json")


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def register_error_handlers(app: Flask) -> None:
    """Route every error a Flask view raises, expected or not, to a JSON answer."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        return error_response(ApiError(status, _HTTP_CODES.get(status, "http_error"), error.description or error.name))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        return error_response(unexpected_error())
