"""Routes under ``/__mock/`` for people and test suites driving the mock: health, reset, journal."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from mock_server.act import MockContext
from mock_server.errors import ApiError, Problem, json_response
from mock_server.request_log import ADMIN_PREFIX


def register_admin(app: Flask, ctx: MockContext) -> None:
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

    app.register_blueprint(admin)


def _counts(ctx: MockContext) -> dict[str, int]:
    """Rows of each table, the reused objects named as the spec's ``x-reuses`` names them."""
    counts = ctx.state.counts()
    counts[ctx.compiled.reused_label] = counts.pop("reused_objects")
    return {**counts, "scenarios": len(ctx.scenarios)}
