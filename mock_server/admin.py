"""Routes under ``/__mock/`` for people and test suites driving the mock: health, reset, journal,
and the delays and faults it answers with (``settings``). No delay or fault ever applies here."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from mock_server.act import MockContext
from mock_server.chaos import FAULTS, MAX_DELAY_MS, SettingError, SharedSettings
from meetings_spec.problems import Problem
from mock_server.errors import ApiError
from mock_server.flask_app import json_response
from mock_server.request_log import ADMIN_PREFIX


def register_admin(app: Flask, ctx: MockContext, settings: SharedSettings) -> None:
    admin = Blueprint("mock_admin", __name__, url_prefix=ADMIN_PREFIX.rstrip("/"))

    @admin.get("/health")
    def health() -> Response:
        if ctx.journal is not None:
            ctx.journal.flush()
        info = ctx.compiled.document.get("info", {})
        return json_response(
            {
                "status": "ok",
                "api": {"title": info.get("title"), "version": info.get("version")},
                "operations": sorted(ctx.compiled.operations),
                "balance": ctx.state.balance(),
                "counts": _counts(ctx),
            },
            200,
        )

    @admin.post("/reset")
    def reset() -> Response:
        """Back to the seed: documented scenarios, meeting 789, end user 123, full balance."""
        if ctx.journal is not None:
            ctx.journal.discard()
        ctx.state.initialize(ctx.seed, reset=True)
        return json_response({"status": "reset", "balance": ctx.state.balance()}, 200)

    @admin.get("/requests")
    def requests() -> Response:
        """The newest requests first (method, path, status, duration; never headers or bodies).
        Lines served by another worker process show within a tenth of a second."""
        cap = ctx.state.limits.recent_requests
        raw = request.args.get("limit", str(cap))
        if not raw.isdigit() or not 1 <= int(raw) <= cap:
            message = f"limit must be a whole number from 1 to {cap}."
            raise ApiError(400, "validation_failed", message, [Problem("query.limit", "range", message)])
        if ctx.journal is not None:
            ctx.journal.flush()
        return json_response({"requests": ctx.state.recent_requests(int(raw))}, 200)

    def settings_answer() -> Response:
        return json_response(
            {"settings": settings.current().as_json(), "faults": FAULTS, "max_delay_ms": MAX_DELAY_MS}, 200
        )

    @admin.get("/settings")
    def show_settings() -> Response:
        """The delay and fault every answer of the API's operations gets unless its request asks otherwise."""
        return settings_answer()

    @admin.post("/settings")
    def change_settings() -> Response:
        """Change some of them (WireMock's global settings): ``{"delay": "200-800", "fault":
        "timeout", "fault_rate": 0.1}``; ``null`` clears one. Every worker follows at once."""
        changes = request.get_json(silent=True)
        if not isinstance(changes, dict):
            message = 'Send a JSON object such as {"delay": 500} or {"fault": "server_error", "fault_rate": 0.2}.'
            raise ApiError(400, "validation_failed", message, [Problem("body", "type", message)])
        try:
            settings.store(settings.current().updated(changes))
        except SettingError as error:
            raise ApiError(400, "validation_failed", f"{error}.", [Problem(f"body.{error.field}", "value", str(error))]) from None
        return settings_answer()

    app.register_blueprint(admin)


def _counts(ctx: MockContext) -> dict[str, int]:
    """Rows of each table, the reused objects named as the spec's ``x-reuses`` names them."""
    counts = ctx.state.counts()
    counts[ctx.compiled.reused_label] = counts.pop("reused_objects")
    return {**counts, "scenarios": len(ctx.scenarios)}
