"""The RSGI entry point Granian's workers import (``waterrai-mock``): the app the parent configured."""

from __future__ import annotations

from meetings_spec.heap import settle_heap
from mock_server.rsgi_lane import RsgiLane
from mock_server.wsgi import build_app as build_flask_app


def build_app() -> RsgiLane:
    """One worker's RSGI app: every request through the core the worker's Flask app was built on."""
    lane = RsgiLane(build_flask_app().extensions["waterrai_core"])
    settle_heap()  # last: what was built so far lives as long as the worker
    return lane
