"""What the mock serves besides the API: the docs page and its files (from installed packages),
the spec in the view it honours or the docs' view, and an index at /."""

from __future__ import annotations

import html
import re
from importlib import resources
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from meetings_spec import View, contract_view
from meetings_spec.assumptions import iter_assumptions
from mock_server.docs import PAGE_FILES, RENDERER_FILES, RENDERER_PACKAGE

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def _served(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "servers"}


@pytest.mark.parametrize(("query", "view"), [("", View.STRICT), ("?view=strict", View.STRICT), ("?view=lenient", View.LENIENT)])
def test_openapi_json_is_the_view_asked_for_naming_this_mock_as_its_server(client: FlaskClient, spec: dict, query: str, view: View) -> None:
    answer = client.get("/openapi.json" + query, base_url="http://127.0.0.1:4321")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    document = answer.get_json()
    assert _served(document) == _served(contract_view(spec, view))
    assert [server["url"] for server in document["servers"]] == ["http://127.0.0.1:4321"]
    validate(document)
    as_yaml = client.get("/openapi.yaml" + query, base_url="http://127.0.0.1:4321")
    assert as_yaml.mimetype == "application/yaml" and yaml.safe_load(as_yaml.get_data()) == document


def test_strict_view_has_the_mocks_500_and_lenient_does_not(client: FlaskClient) -> None:
    strict = client.get("/openapi.json").get_json()["paths"]["/meetings/{id}"]["get"]["responses"]
    lenient = client.get("/openapi.json?view=lenient").get_json()["paths"]["/meetings/{id}"]["get"]["responses"]
    assert "500" in strict and "500" not in lenient and "4XX" in lenient


def test_an_unknown_view_is_a_clear_400(client: FlaskClient) -> None:
    answer = client.get("/openapi.json?view=loose")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["details"][0]["field"] == "query.view"


def test_a_browser_asking_for_the_root_is_sent_to_the_docs(client: FlaskClient) -> None:
    answer = client.get("/", headers={"Accept": BROWSER_ACCEPT})
    assert answer.status_code == 302 and answer.headers["Location"] == "/docs"


def test_the_docs_with_a_trailing_slash_is_sent_to_the_docs(client: FlaskClient) -> None:
    answer = client.get("/docs/")
    assert answer.status_code == 301 and answer.headers["Location"] == "/docs"
    assert client.get("/docs/", follow_redirects=True).status_code == 200


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_other_clients_get_a_json_index_of_what_is_served(client: FlaskClient, accept: str | None) -> None:
    answer = client.get("/", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    index = answer.get_json()
    assert index["docs"] == "/docs" and index["openapi"]["json"] == "/openapi.json"
    for path in [index["docs"], index["openapi"]["json"], index["openapi"]["yaml"]]:
        assert client.get(path).status_code == 200, path
    admin = {(route["method"], route["path"]) for route in index["admin"]}
    assert {("GET", "/__mock/health"), ("POST", "/__mock/reset"), ("GET", "/__mock/settings"), ("POST", "/__mock/settings")} <= admin
    for method, path in admin:
        assert client.open(path, method=method, json={}).status_code in (200, 400), path
    assert [(op["method"], op["path"]) for op in index["operations"]] == [
        ("POST", "/meetings"), ("POST", "/meetings/create-dynamic-meeting"), ("GET", "/meetings/{id}")
    ]


def test_the_page_loads_only_files_of_this_server_and_lists_every_assumption(client: FlaskClient, spec: dict) -> None:
    page = client.get("/docs").get_data(as_text=True)
    loaded = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    for url in loaded:
        assert client.get(url).status_code == 200, url
    shown = html.unescape(re.sub(r"<[^>]+>", "", page))  # the page's text, as a browser shows it
    for _, reason in iter_assumptions(spec):
        assert reason.replace("`", "") in shown  # its Markdown rendered


def test_the_assumptions_markdown_is_rendered_not_shown(client: FlaskClient) -> None:
    """"show only `created` and `ended`": the code spans as code, and no backtick left."""
    page = client.get("/docs").get_data(as_text=True)
    listed = page.split('id="assumptions"', 1)[1].split("</details>", 1)[0]
    assert "The docs show only <code>created</code> and <code>ended</code>" in listed
    assert "`" not in listed


@pytest.mark.parametrize("name", list(RENDERER_FILES))
def test_renderer_files_are_the_installed_packages(client: FlaskClient, name: str) -> None:
    answer = client.get(f"/docs/assets/{name}")
    assert answer.status_code == 200 and answer.mimetype == RENDERER_FILES[name]
    assert answer.get_data() == resources.files(RENDERER_PACKAGE).joinpath("dist", name).read_bytes()


def test_the_renderer_is_swagger_ui_5_and_its_licence_is_served(client: FlaskClient) -> None:
    assert client.get("/docs/assets/VERSION").get_data(as_text=True).strip().startswith("v5.")
    assert "Apache License" in client.get("/docs/assets/LICENSE").get_data(as_text=True)
    assert set(PAGE_FILES) <= {p.name for p in resources.files("mock_server").joinpath("docs_page").iterdir()}


@pytest.mark.parametrize("name", ["../app.py", "index.html", "swagger-ui.js.map", "nope.js"])
def test_no_other_file_is_served(client: FlaskClient, name: str) -> None:
    assert client.get(f"/docs/assets/{name}").status_code == 404
