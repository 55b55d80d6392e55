"""The RSGI entry point Granian's worker imports (``waterrai-proxy``): the app the parent configured."""

from __future__ import annotations

import json
import logging
import os

from meetings_spec import load_spec
from meetings_spec.heap import settle_heap
from meetings_spec.logs import log_to_stderr
from validation_proxy.cli import SETTINGS_ENV
from validation_proxy.inspection import Inspector
from validation_proxy.ledger import ViolationLog
from validation_proxy.server import Options, ProxyApp
from validation_proxy.upstream import Upstream


def build_app() -> ProxyApp:
    settings = json.loads(os.environ[SETTINGS_ENV])
    log_to_stderr(logging.getLogger("waterrai-proxy"), "waterrai-proxy: ")
    recorder = None
    if settings["record"]:
        from validation_proxy.recording import Recorder

        recorder = Recorder(settings["record"], upstream=settings["upstream"])
    upstream = Upstream(settings["upstream"], timeout_s=settings["timeout_s"], connect_timeout_s=settings["connect_timeout_s"], ca_file=settings["ca_file"])
    app = ProxyApp(
        Inspector(load_spec(settings["spec_path"]), scenarios={int(k): v for k, v in settings["scenarios"].items()}),
        upstream,
        ViolationLog(),
        Options(errors=settings["errors"], access_log=settings["access_log"], expose_violations=settings["expose_violations"]),
        on_exchange=recorder.add if recorder is not None else None,
        on_close=recorder.close if recorder is not None else None,
    )
    settle_heap()  # last: what was built so far lives as long as the worker
    return app
