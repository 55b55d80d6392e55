"""The mock's Flask app factory: one request path, route -> validate -> negotiate -> act -> answer.

Routes are the spec's paths; each request is checked (bearer token, path parameters, JSON body)
by validators compiled once here, may ask for a canned answer with ``Prefer``, and otherwise runs
the operation's act (``pipeline.serve``). Everything, errors included, answers JSON. Plain
requests to the spec's operations take the fast lane in front of Flask (``fast_lane``), through
the same stages.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import secrets
import tempfile
import time
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.exceptions import MethodNotAllowed

from mock_server.act import MockContext
from mock_server.admin import register_admin
from mock_server.compiled import CompiledOperation, compile_spec
from mock_server.errors import json_response, register_error_handlers
from mock_server.fast_lane import FastLane
from mock_server.journal import Journal
from mock_server.request_log import LineWriter, RequestLog, configure_access_log, to_logging
from mock_server.state import Limits, State
from mock_server.pipeline import Incoming, serve

#: Headers a browser may send cross-origin; ``Prefer`` lets frontends pick error answers.
CORS_HEADERS = ["Authorization", "Content-Type", "Prefer"]


def create_app(
    spec_path: str | os.PathLike[str] | None = None,
    *,
    token: str | None = None,
    state_path: str | os.PathLike[str] | None = None,
    balance: int | None = None,
    cors_origins: str | list[str] = "*",
    seed: int | None = None,
    clock: Callable[[], datetime] | None = None,
    initialize: bool = True,
    access_log: bool | LineWriter = True,
    journal: bool = True,
) -> Flask:
    """Build the mock for the spec at ``spec_path`` (default: the kit's ``openapi/meetings.yaml``).

    ``token``: accept only this bearer token (default: any non-empty one). ``state_path``: keep
    meetings in this SQLite file across restarts (default: a fresh temporary file). ``balance``:
    the account's session minutes (default: the spec's ``x-mock``). ``cors_origins``: origins
    allowed to call from a browser. ``seed`` and ``clock``: fix room names, tokens and timestamps
    (fixtures use them). ``initialize``: create tables and seed (workers of a server share a
    state their parent already initialized). ``access_log``: one line per request, as a
    ``mock_server.access`` log record, or to the callable given; ``journal``: keep the recent
    requests for ``/__mock/requests``.
    """
    compiled = compile_spec(spec_path)
    start_seed = compiled.seed if balance is None else dataclasses.replace(compiled.seed, balance=balance)
    # Room names need only be unlikely to repeat (the meeting id makes them unique); the key
    # that signs room tokens comes from the OS unless a seed asks for the same tokens every run.
    rng = random.Random(seed)
    signing_key = rng.getrandbits(256).to_bytes(32, "big") if seed is not None else secrets.token_bytes(32)
    state = _open_state(state_path, compiled.limits)
    if initialize:
        state.initialize(start_seed)
    ctx = MockContext(
        compiled=compiled,
        state=state,
        seed=start_seed,
        clock=time.time if clock is None else _seconds(clock),
        rng=rng,
        signing_key=signing_key,
        journal=Journal(state) if journal else None,
    )

    app = Flask("mock_server")
    app.config["MAX_CONTENT_LENGTH"] = compiled.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["waterrai_mock"] = ctx
    methods_by_path: dict[str, list[str]] = {}
    for op in compiled.operations.values():
        methods_by_path.setdefault(op.spec.path, []).append(op.spec.method.upper())
    # OpenAPI matches concrete paths before templated ones: POST-only /meetings/create-dynamic-meeting
    # is not GET /meetings/{id} with id "create-dynamic-meeting".
    concrete = {path: methods for path, methods in methods_by_path.items() if "{" not in path}
    for operation_id, op in compiled.operations.items():
        app.add_url_rule(
            _flask_rule(op.spec.path),
            endpoint=operation_id,
            view_func=_view(ctx, op, token, concrete if "{" in op.spec.path else {}),
            methods=[op.spec.method.upper()],
            provide_automatic_options=False,
        )
    for path, methods in methods_by_path.items():
        # Flask's automatic OPTIONS would also list the methods of other rules the URL matches
        # (GET /meetings/{id} matches /meetings/create-dynamic-meeting); answer the spec's own.
        allow = ", ".join([*methods, *(["HEAD"] if "GET" in methods else []), "OPTIONS"])
        app.add_url_rule(
            _flask_rule(path),
            endpoint=f"options {path}",
            view_func=lambda allow=allow, **_: Response(status=204, headers={"Allow": allow}),
            methods=["OPTIONS"],
        )
    register_admin(app, ctx)
    register_error_handlers(app)
    CORS(app, origins=cors_origins, allow_headers=CORS_HEADERS, max_age=600)
    write: LineWriter | None = None
    if callable(access_log):
        write = access_log
    elif access_log:
        configure_access_log()
        write = to_logging
    common_headers = _headers_without_origin(app, next(iter(methods_by_path)))
    app.wsgi_app = FastLane(app.wsgi_app, ctx, token, common_headers, compiled.max_body_bytes)  # type: ignore[method-assign]
    app.wsgi_app = RequestLog(app.wsgi_app, ctx.journal, write=write)  # type: ignore[method-assign]
    return app


def _seconds(clock: Callable[[], datetime]) -> Callable[[], float]:
    """A clock of datetimes read as seconds since the epoch; a naive datetime is taken as UTC."""

    def read() -> float:
        now = clock()
        return (now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)).timestamp()

    return read


def _flask_rule(path: str) -> str:
    """``/meetings/{id}`` as Flask writes it; the validate stage, not the router, checks types."""
    return re.sub(r"\{([^}/]+)\}", r"<\1>", path)


def _view(
    ctx: MockContext, op: CompiledOperation, token: str | None, concrete: dict[str, list[str]]
) -> Callable[..., Response]:
    def handle(**path_parameters: str) -> Response:
        if request.path in concrete:
            raise MethodNotAllowed(valid_methods=[*concrete[request.path], "OPTIONS"])
        incoming = Incoming(
            authorization=request.headers.get("Authorization"),
            content_type=request.headers.get("Content-Type"),
            prefer=request.headers.get("Prefer"),
            read_body=lambda: request.get_data(cache=False),
        )
        status, answer = serve(ctx, op, token, incoming, path_parameters)
        return json_response(answer, status)

    handle.__name__ = op.spec.operation_id
    return handle


def _headers_without_origin(app: Flask, path: str) -> list[tuple[str, str]]:
    """The CORS headers flask-cors adds to a request that names no origin (the same for every
    path: one resource rule covers them), for the fast lane to add to its answers too."""
    probe = app.test_client().open(_flask_rule(path), method="OPTIONS")
    return [(name, value) for name, value in probe.headers.items() if name.startswith("Access-Control-") or name == "Vary"]


def _open_state(state_path: str | os.PathLike[str] | None, limits: Limits) -> State:
    """The state in the SQLite file asked for, or in a fresh temporary one removed after use."""
    if state_path is not None:
        path = Path(state_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return State(path, limits, durable=True)
    folder = tempfile.mkdtemp(prefix="waterrai-mock-")
    state = State(Path(folder) / "state.sqlite3", limits)
    weakref.finalize(state, _remove_folder, folder)
    return state


def _remove_folder(folder: str) -> None:
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)


__all__ = ["create_app"]
