"""Shared fixtures: a fresh in-process mock per test, through either lane, and helpers to call it."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
from flask import Flask

from meetings_spec import View, contract_view, load_spec
from reference_validators import SpecValidators
from lanes import RsgiClient
from mock_server import create_app

AUTH = {"Authorization": "Bearer test-token"}
CREATE = "/meetings"
DYNAMIC = "/meetings/create-dynamic-meeting"


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def strict_validators(spec: dict[str, Any]) -> SpecValidators:
    """The reference (python-jsonschema) validators of the strict view: what the mock promises."""
    return SpecValidators(contract_view(spec, View.STRICT))


@pytest.fixture()
def app() -> Iterator[Flask]:
    yield create_app(access_log=False)


@pytest.fixture(params=["wsgi", "rsgi"])
def client(app: Flask, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The mock in process, through either lane: Flask's test client (embedded use) or the
    RSGI lane ``waterrai-mock`` serves; both answer through one core, and must answer alike."""
    if request.param == "wsgi":
        yield app.test_client()
        return
    rsgi = RsgiClient(app)
    yield rsgi
    rsgi.close()


def docs_example(spec: dict[str, Any], name: str) -> Any:
    return spec["components"]["examples"][name]["value"]


@pytest.fixture(params=["wsgi", "rsgi"])
def client_for(request: pytest.FixtureRequest) -> Iterator[Callable[[Flask], Any]]:
    """Clients of apps a test builds itself (``create_app(...)`` with seeds, sandboxes...),
    through either lane, as ``client`` gives one of the default app."""
    opened: list[RsgiClient] = []

    def client(app: Flask) -> Any:
        if request.param == "wsgi":
            return app.test_client()
        rsgi = RsgiClient(app)
        opened.append(rsgi)
        return rsgi

    yield client
    for rsgi in opened:
        rsgi.close()
