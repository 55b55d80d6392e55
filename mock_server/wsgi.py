"""One worker's Flask app, configured by the parent process (``waterrai-mock``).

Granian serves it through ``mock_server.rsgi``; any WSGI server can serve it as it is
(``mock_server.wsgi:build_app``, a factory), without the faults that break a connection.
"""

from __future__ import annotations

import json
import logging
import os

from flask import Flask

from mock_server.app import create_app
from mock_server.cli import SETTINGS_ENV, TOKEN_ENV
from meetings_spec.logs import log_to_stderr
from mock_server.request_log import to_stderr


def build_app() -> Flask:
    """Build one worker's app on the state the parent prepared (``waterrai-mock`` sets the env)."""
    settings = json.loads(os.environ.get(SETTINGS_ENV, "{}"))
    if settings.get("access_log", True):
        settings["access_log"] = to_stderr
    log_to_stderr(logging.getLogger("mock_server"), prefix="waterrai-mock: ")  # reloads, sandboxes removed, errors
    return create_app(**settings, token=os.environ.get(TOKEN_ENV) or None, initialize=False)
