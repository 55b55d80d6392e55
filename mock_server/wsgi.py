"""The WSGI entry point Granian's workers import: the app, configured by the parent process."""

from __future__ import annotations

import json
import os

from flask import Flask

from mock_server.app import create_app
from mock_server.cli import SETTINGS_ENV, TOKEN_ENV


def build_app() -> Flask:
    """Build one worker's app on the state the parent prepared (``waterrai-mock`` sets the env)."""
    settings = json.loads(os.environ.get(SETTINGS_ENV, "{}"))
    return create_app(**settings, token=os.environ.get(TOKEN_ENV) or None, initialize=False)
