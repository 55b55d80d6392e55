"""Shared fixtures: a fresh in-process mock per test, and helpers to call it."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from meetings_spec import View, contract_view, load_spec
from meetings_spec.schemas import SpecValidators
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


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def docs_example(spec: dict[str, Any], name: str) -> Any:
    return spec["components"]["examples"][name]["value"]
