"""Routes under ``/__mock/`` for people and test suites driving the mock: health, seeds, reset,
journal, sandboxes, and the delays and faults it answers with (``settings``). No delay or fault
ever applies here.

The routes that read or change a world act on the caller's: the shared one, or with
``--sandboxes`` the one of the bearer token in the request's ``Authorization`` header (the same
header the API's calls send). ``POST /__mock/reset?all=1``, ``GET /__mock/sandboxes`` and the
settings act on every world.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Flask, Response, request

from meetings_spec.bodies import NotJson, is_json, parse_json
from meetings_spec.problems import Problem
from mock_server.act import MockContext
from mock_server.chaos import FAULTS, MAX_DELAY_MS, SettingError, SharedSettings
from mock_server.errors import CHALLENGE, ApiError
from mock_server.flask_app import json_response
from mock_server.request_log import ADMIN_PREFIX
from mock_server.seeds import known_scenarios
from mock_server.store import SHARED, WorldGone, short_key
from mock_server.worlds import token_key
from meetings_spec.contract import bearer_token

_NO_SANDBOX = (
    "With --sandboxes, this route acts on the caller's sandbox: send the Authorization header your API "
    'calls send ("Bearer <token>"). POST /__mock/reset?all=1 and GET /__mock/sandboxes act on every one.'
)


def register_admin(app: Flask, ctx: MockContext, settings: SharedSettings, *, watching: bool = False) -> None:
    admin = Blueprint("mock_admin", __name__, url_prefix=ADMIN_PREFIX.rstrip("/"))

    def caller(required: bool = True) -> int | None:
        """The caller's world (made from the seeds on first use); 401 without a token, with sandboxes."""
        worlds = ctx.worlds
        if not worlds.sandboxes:
            return worlds.shared()
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            if not required:
                return None
            raise ApiError(401, "unauthorized", _NO_SANDBOX, [Problem("header.Authorization", "required", _NO_SANDBOX)], CHALLENGE)
        return worlds.keyed(token_key(token))

    def flush_journal() -> None:
        if ctx.journal is not None:
            ctx.journal.flush()

    @admin.get("/health")
    def health() -> Response:
        flush_journal()
        served = ctx.served
        info = served.compiled.document.get("info", {})
        body: dict[str, Any] = {
            "status": "ok",
            "api": {"title": info.get("title"), "version": info.get("version")},
            "operations": sorted(served.compiled.operations),
            "spec": {
                "path": str(served.files[0]),
                "loaded_at": _moment(served.loaded_at),
                "watching": watching,
                "error": ctx.spec_error,
            },
            "sandboxes": ctx.worlds.sandboxes,
        }
        world = caller(required=False)
        if world is not None:
            body["balance"] = ctx.state.balance(world)
            body["counts"] = _counts(ctx, world)
        return json_response(body, 200)

    @admin.post("/reset")
    def reset() -> Response:
        """Back to the seeds: the spec's, the seed files', and those posted to the world; ``?all=1``: every world."""
        every = _flag("all")
        if ctx.journal is not None:
            ctx.journal.discard()
        if every:
            count = ctx.state.reset(None, ctx.served.seed_for)
            return json_response({"status": "reset", "worlds": count}, 200)
        world = _retried(lambda: _reset(ctx, caller()))
        return json_response({"status": "reset", "balance": ctx.state.balance(world)}, 200)

    @admin.get("/seed")
    def show_seed() -> Response:
        """The seed in force in the caller's world: what a reset goes back to, and where it came from."""
        served, world = ctx.served, caller()
        posted = ctx.state.posted_seed(world) or []
        sources = [*served.sources, *(["POST /__mock/seed" + (f" ({len(posted)})" if len(posted) > 1 else "")] if posted else [])]
        return json_response({"seed": served.rules.document(served.seed_for(posted)), "sources": sources}, 200)

    @admin.post("/seed")
    def add_seed() -> Response:
        """A seed document (JSON) into the caller's world, all or nothing: checked against the spec
        (400 naming each entry and field), kept (a reset goes back to it) and planted at once."""
        document = _json_body()
        served = ctx.served

        def apply() -> int:
            world = caller()
            posted = ctx.state.posted_seed(world) or []
            below = served.seed_for(posted)
            problems = served.rules.check(document, known_scenarios(below))
            if problems:
                message = f"The seed does not fit the spec: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
                raise ApiError(400, "invalid_seed", message, [problem.as_problem() for problem in problems])
            ctx.state.seed(world, document, served.seed_for, set_balance="balance" in document)
            return world

        world = _retried(apply)
        return json_response({"status": "seeded", "balance": ctx.state.balance(world), "counts": _counts(ctx, world)}, 200)

    @admin.delete("/seed")
    def forget_seed() -> Response:
        """Forget the seeds posted to the caller's world, and reset it to the files' seeds."""
        world = _retried(lambda: _reset(ctx, caller(), forget_posted=True))
        return json_response({"status": "reset", "balance": ctx.state.balance(world)}, 200)

    @admin.get("/sandboxes")
    def sandboxes() -> Response:
        """Every world: a short hash of its token (never the token), what it holds, when last used."""
        flush_journal()
        listed = [
            {
                "sandbox": short_key(info.key),
                "made_at": _moment(info.made_at),
                "last_used": _moment(info.last_used),
                "balance": info.balance,
                "counts": _labelled(ctx, info.counts),
                "seeded_at_run_time": info.seeded_at_run_time,
            }
            for info in ctx.state.sandboxes()
            if ctx.worlds.sandboxes or info.key == SHARED
        ]
        return json_response(
            {"sandboxes": listed, "enabled": ctx.worlds.sandboxes, "max": ctx.state.limits.max_sandboxes, "hash": "the first 12 hex digits of the SHA-256 of the token"},
            200,
        )

    @admin.get("/requests")
    def requests() -> Response:
        """The caller's newest requests first (method, path, status, duration; never headers or
        bodies). Lines served by another worker process show within a tenth of a second."""
        cap = ctx.state.limits.recent_requests
        raw = request.args.get("limit", str(cap))
        if not raw.isdigit() or not 1 <= int(raw) <= cap:
            message = f"limit must be a whole number from 1 to {cap}."
            raise ApiError(400, "validation_failed", message, [Problem("query.limit", "range", message)])
        world = caller()
        flush_journal()
        return json_response({"requests": ctx.state.recent_requests(world if ctx.worlds.sandboxes else None, int(raw))}, 200)

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

    def _retried(action: Any) -> int:
        """``action()`` (which resolves the caller's world), again once if that world was removed meanwhile."""
        try:
            return int(action())
        except WorldGone as gone:
            ctx.worlds.forget(int(gone.args[0]))
            return int(action())

    app.register_blueprint(admin)


def _reset(ctx: MockContext, world: int | None, *, forget_posted: bool = False) -> int:
    assert world is not None
    ctx.state.reset(world, ctx.served.seed_for, forget_posted=forget_posted)
    return world


def _flag(name: str) -> bool:
    """A query flag: absent, or ``1``/``true`` (``0``/``false`` say no); anything else is a 400 naming it."""
    raw = request.args.get(name)
    if raw is None or raw.lower() in ("0", "false"):
        return False
    if raw.lower() in ("1", "true"):
        return True
    message = f"{name} must be 1 (or true), not {raw[:40]!r}."
    raise ApiError(400, "validation_failed", message, [Problem(f"query.{name}", "enum", message)])


def _json_body() -> Any:
    """The request's JSON document; 415 or 400 naming what is wrong."""
    if not is_json(request.content_type):
        message = 'Send the seed as JSON with "Content-Type: application/json".'
        raise ApiError(415, "unsupported_media_type", message, [Problem("header.Content-Type", "media_type", message)])
    try:
        return parse_json(request.get_data())
    except NotJson as error:
        raise ApiError(400, "malformed_json", str(error), [Problem("body", "json", str(error))]) from None


def _moment(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _labelled(ctx: MockContext, counts: dict[str, int]) -> dict[str, int]:
    """Counts with the reused objects named as the spec's ``x-reuses`` names them (end_users)."""
    labelled = dict(counts)
    if "reused_objects" in labelled:
        labelled[ctx.served.compiled.reused_label] = labelled.pop("reused_objects")
    return labelled


def _counts(ctx: MockContext, world: int) -> dict[str, int]:
    """Rows of each table of the world."""
    return _labelled(ctx, ctx.state.counts(world))
