"""The RSGI entry point Granian's workers import (``waterrai-mock``): the app the parent configured."""

from __future__ import annotations

from mock_server.rsgi_lane import RsgiLane
from mock_server.wsgi import build_app as build_flask_app


def build_app() -> RsgiLane:
    """One worker's RSGI app: the API's paths answered by the front, the rest by Flask."""
    app = build_flask_app()
    return RsgiLane(app.extensions["waterrai_front"], app.wsgi_app, app.extensions["waterrai_log"])
