"""The RSGI entry point Granian's worker imports (``waterrai-proxy``): the app the parent configured."""

from __future__ import annotations

import gc
import json
import logging
import os
import sys

from meetings_spec import load_spec
from validation_proxy.cli import SETTINGS_ENV
from validation_proxy.inspection import Inspector
from validation_proxy.ledger import ViolationLog
from validation_proxy.server import Options, ProxyApp
from validation_proxy.upstream import Upstream


def build_app() -> ProxyApp:
    settings = json.loads(os.environ[SETTINGS_ENV])
    logger = logging.getLogger("waterrai-proxy")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("waterrai-proxy: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    recorder = None
    if settings["record"]:
        from validation_proxy.recording import Recorder

        recorder = Recorder(settings["record"], upstream=settings["upstream"])
    upstream = Upstream(settings["upstream"], timeout_s=settings["timeout_s"], connect_timeout_s=settings["connect_timeout_s"], ca_file=settings["ca_file"])
    app = ProxyApp(
        Inspector(load_spec(settings["spec_path"])),
        upstream,
        ViolationLog(),
        Options(errors=settings["errors"], access_log=settings["access_log"]),
        on_exchange=recorder.add if recorder is not None else None,
        on_close=recorder.close if recorder is not None else None,
    )
    _settle_heap()
    return app


def _settle_heap() -> None:
    """Keep the garbage collector's pauses out of the answers' times. Everything built so far
    (the spec, its validators, the libraries) lives as long as the process: frozen, the
    collector never scans it again; and it runs less often, since each request makes many
    short-lived objects. Measured under load: without this, full collections put the creates'
    p99 at 20 to 40 ms; with it, under 10."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000)
