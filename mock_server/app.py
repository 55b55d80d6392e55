"""The mock's Flask app factory: one core, one routing table, two lanes.

``create_app`` builds the ``Core`` (``core``: one routing table holding the spec's operations
and this app's own routes, CORS, delays and faults, and route -> validate -> negotiate -> act ->
answer for each operation), and a Flask app whose ``wsgi_app`` is the WSGI lane in front of that
core (``wsgi_lane``): embedded use and Flask's test client go through it, and ``waterrai-mock``
serves the same core over RSGI (``rsgi_lane``). Flask's own routes are the docs page and the
spec (``docs``) and the admin routes under ``/__mock/`` (``admin``); the core hands them to
Flask already routed. Everything, errors included, answers JSON except the docs page.
"""

from __future__ import annotations

import dataclasses
import os
import random
import secrets
import tempfile
import time
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

from flask import Flask
from flask_cors import CORS
from flask_cors.core import get_cors_options

from mock_server.act import MockContext
from mock_server.admin import register_admin
from mock_server.chaos import Settings, SharedSettings
from mock_server.core import CORS_HEADERS, Core
from mock_server.docs import register_docs
from mock_server.flask_app import MockFlask, register_error_handlers
from mock_server.journal import Journal
from mock_server.request_log import AccessLog, LineWriter, configure_access_log, to_logging
from mock_server.served import Watcher, load_served
from mock_server.state import State
from mock_server.store import DEFAULT_MAX_SANDBOXES, Limits
from mock_server.wsgi_lane import WsgiLane


def create_app(
    spec_path: str | os.PathLike[str] | None = None,
    *,
    token: str | None = None,
    state_path: str | os.PathLike[str] | None = None,
    balance: int | None = None,
    seeds: Sequence[str | os.PathLike[str]] = (),
    sandboxes: bool = False,
    max_sandboxes: int = DEFAULT_MAX_SANDBOXES,
    watch: bool = False,
    cors_origins: str | list[str] = "*",
    seed: int | None = None,
    clock: Callable[[], datetime] | None = None,
    initialize: bool = True,
    access_log: bool | LineWriter = True,
    journal: bool = True,
    settings: Settings | None = None,
    settings_path: str | os.PathLike[str] | None = None,
) -> Flask:
    """Build the mock for the spec at ``spec_path`` (default: the kit's ``openapi/meetings.yaml``).

    ``token``: accept only this bearer token (default: any non-empty one). ``state_path``: keep
    meetings in this SQLite file across restarts (default: a fresh temporary file). ``balance``:
    the account's session minutes (default: the spec's ``x-mock``, or the seeds'). ``seeds``:
    seed files (YAML or JSON) on top of the spec's seed, each checked against the spec
    (``mock_server.seeds.SeedError`` names what is wrong). ``sandboxes``: a world of its own for
    each bearer token, at most ``max_sandboxes`` of them (the least recently used goes).
    ``watch``: serve edits of the spec and seed files, polling them in a thread (the app's
    ``extensions["waterrai_watcher"].check()`` looks once, without one). ``cors_origins``:
    origins allowed to call from a browser. ``seed`` and ``clock``: fix room names, tokens and
    timestamps (fixtures use them). ``initialize``: create tables and plant the seeds (workers
    of a server share a state their parent already initialized). ``access_log``: one line per
    request, as a ``mock_server.access`` log record, or to the callable given; ``journal``: keep
    the recent requests for ``/__mock/requests``. ``settings``: delays and faults to start with;
    ``settings_path``: the file worker processes share them through (``waterrai-mock`` makes
    one; default: memory of this process and the ones it forks).
    """
    served = load_served(spec_path, seeds, balance)
    compiled = served.compiled
    # Room names need only be unlikely to repeat (the meeting id makes them unique); the key
    # that signs room tokens comes from the OS unless a seed asks for the same tokens every run.
    rng = random.Random(seed)
    signing_key = rng.getrandbits(256).to_bytes(32, "big") if seed is not None else secrets.token_bytes(32)
    limits = dataclasses.replace(compiled.limits, max_sandboxes=max_sandboxes)
    state = _open_state(state_path, limits)
    if initialize:
        state.prepare(served.seed, served.fingerprint, shared=not sandboxes)
    elif watch:  # a worker that reads other files than its parent did (edited in between) plants them
        state.adopt(served.fingerprint, served.seed_for, served.keeps, balances=True)
    ctx = MockContext(
        served=served,
        state=state,
        clock=time.time if clock is None else _seconds(clock),
        rng=rng,
        signing_key=signing_key,
        journal=Journal(state) if journal else None,
        sandboxes=sandboxes,
    )
    watcher = Watcher(ctx, spec_path, seeds, balance)
    if watch:
        watcher.start()

    app = MockFlask("mock_server", static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = compiled.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["waterrai_mock"] = ctx
    app.extensions["waterrai_watcher"] = watcher
    shared = SharedSettings(settings_path)
    if settings is not None or settings_path is None:  # workers read what their parent stored
        shared.store(settings or Settings())
    cors = {"origins": cors_origins, "allow_headers": CORS_HEADERS, "max_age": 600}
    register_docs(app, ctx)
    register_admin(app, ctx, shared, watching=watch)
    register_error_handlers(app)
    CORS(app, **cors)
    write: LineWriter | None = None
    if callable(access_log):
        write = access_log
    elif access_log:
        configure_access_log()
        write = to_logging
    core = Core(
        ctx,
        token,
        flask=app.wsgi_app,
        flask_rules=list(app.url_map.iter_rules()),
        cors_options=get_cors_options(app, cors),
        settings=shared,
        log=AccessLog(ctx.journal, write=write),
    )
    app.extensions["waterrai_core"] = core
    app.wsgi_app = WsgiLane(core)  # type: ignore[method-assign]
    return app


def _seconds(clock: Callable[[], datetime]) -> Callable[[], float]:
    """A clock of datetimes read as seconds since the epoch; a naive datetime is taken as UTC."""

    def read() -> float:
        now = clock()
        return (now if now.tzinfo is not None else now.replace(tzinfo=timezone.utc)).timestamp()

    return read


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
