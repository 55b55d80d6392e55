"""The mock's Flask app factory: one request path, route -> validate -> negotiate -> act -> answer.

Routes are the spec's paths; each request is checked (bearer token, path parameters, JSON body)
by validators compiled once here, may ask for a canned answer with ``Prefer``, and otherwise runs
the operation's act. Everything, errors included, answers JSON.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import tempfile
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.exceptions import MethodNotAllowed

from mock_server.act import ACTS, MockContext, documented_example
from mock_server.admin import register_admin
from mock_server.compiled import CompiledOperation, compile_spec
from mock_server.errors import json_response, register_error_handlers
from mock_server.negotiate import negotiate
from mock_server.request_log import RequestLog, configure_access_log
from mock_server.state import Limits, State
from mock_server.validate import check_body, check_bearer, check_parameters, parse_json_body

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
    access_log: bool = True,
    journal: bool = True,
) -> Flask:
    """Build the mock for the spec at ``spec_path`` (default: the kit's ``openapi/meetings.yaml``).

    ``token``: accept only this bearer token (default: any non-empty one). ``state_path``: keep
    meetings in this SQLite file across restarts (default: a fresh temporary file). ``balance``:
    the account's session minutes (default: the spec's ``x-mock``). ``cors_origins``: origins
    allowed to call from a browser. ``seed`` and ``clock``: fix room names, tokens and timestamps
    (fixtures use them). ``initialize``: create tables and seed (workers of a server share a
    state their parent already initialized).
    """
    compiled = compile_spec(spec_path)
    start_seed = compiled.seed if balance is None else dataclasses.replace(compiled.seed, balance=balance)
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    state = _open_state(state_path, compiled.limits)
    if initialize:
        state.initialize(start_seed)
    ctx = MockContext(
        compiled=compiled,
        state=state,
        seed=start_seed,
        clock=clock or (lambda: datetime.now(timezone.utc)),
        rng=rng,
        signing_key=rng.getrandbits(256).to_bytes(32, "big"),
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
    if access_log:
        configure_access_log()
    app.wsgi_app = RequestLog(app.wsgi_app, state, journal=journal, log=access_log)  # type: ignore[method-assign]
    return app


def _flask_rule(path: str) -> str:
    """``/meetings/{id}`` as Flask writes it; the validate stage, not the router, checks types."""
    return re.sub(r"\{([^}/]+)\}", r"<\1>", path)


def _view(
    ctx: MockContext, op: CompiledOperation, token: str | None, concrete: dict[str, list[str]]
) -> Callable[..., Response]:
    act = ACTS.get(op.spec.operation_id, documented_example)

    def handle(**path_parameters: str) -> Response:
        if request.path in concrete:
            raise MethodNotAllowed(valid_methods=[*concrete[request.path], "OPTIONS"])
        check_bearer(op, request.headers.get("Authorization"), token)
        params = check_parameters(op, path_parameters)
        body: Any = None
        if op.body_validator is not None:
            body = parse_json_body(request.headers.get("Content-Type"), request.get_data(cache=False))
            check_body(op, body)
        canned = negotiate(op, request.headers.get("Prefer"))
        if canned is not None:
            return json_response(canned.body, canned.status)
        status, answer = act(ctx, op, body, params)
        return json_response(answer, status)

    handle.__name__ = op.spec.operation_id
    return handle


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


__all__: Iterable[str] = ["create_app"]
