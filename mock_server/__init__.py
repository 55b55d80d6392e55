"""A mock of the Water AI Meetings API, built at start-up from ``openapi/meetings.yaml``."""

from mock_server.app import create_app

__all__ = ["create_app"]
