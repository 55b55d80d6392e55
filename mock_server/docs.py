"""What a person or a tool can open on the running mock: the docs page, the spec, an index.

- ``GET /docs``: the API in Swagger UI 5, with "Try it out" aimed at this mock and the
  assumptions the spec marks listed above it. Every file the page loads comes from this
  server: Swagger UI's own files as the ``flask-swagger-ui`` package installs them, and the
  page's from this package (both found with ``importlib.resources``, so an installed kit finds
  them too). Nothing is fetched from anywhere else (no CDN, fonts, validator badge).
- ``GET /openapi.json`` and ``/openapi.yaml``: the spec as this mock honours it (the strict
  view), with ``servers`` naming this mock; ``?view=lenient`` gives what the docs promise, the
  view a real server is held to.
- ``GET /``: a browser is sent to ``/docs``; any other client gets a small JSON index.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup
from flask import Blueprint, Flask, Response, current_app, redirect, render_template_string, request

from meetings_spec import View, contract_view
from meetings_spec.assumptions import iter_assumptions, label
from mock_server.act import MockContext
from meetings_spec.problems import Problem
from mock_server.errors import ApiError
from mock_server.flask_app import json_response
from mock_server.request_log import ADMIN_PREFIX

#: Swagger UI's files the page loads, as the ``flask-swagger-ui`` package ships them.
RENDERER_PACKAGE = "flask_swagger_ui"
RENDERER_FILES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
    "LICENSE": "text/plain",
    "VERSION": "text/plain",
}
#: The page's own files, in this package.
PAGE_FILES = {"docs.js": "text/javascript", "docs.css": "text/css"}
VIEWS = {view.value: view for view in View}
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


#: The spec's prose is Markdown (as Swagger UI renders its descriptions): code spans only, the
#: rest escaped, raw HTML included.
_INLINE = MarkdownIt("zero").enable("backticks")


def inline_markdown(text: str) -> Markup:
    """One line of the spec's prose as HTML: ```created``` becomes ``<code>created</code>``."""
    return Markup(_INLINE.renderInline(text))


def renderer_file(name: str) -> bytes:
    return resources.files(RENDERER_PACKAGE).joinpath("dist", name).read_bytes()


def page_file(name: str) -> bytes:
    return resources.files("mock_server").joinpath("docs_page", name).read_bytes()


def renderer_version() -> str:
    return renderer_file("VERSION").decode().strip()


def register_docs(app: Flask, ctx: MockContext) -> None:
    docs = Blueprint("mock_docs", __name__)

    def rendered(view: str, base_url: str, yaml_form: bool) -> bytes:
        """A view of the spec served now, with ``servers`` naming this mock; kept with that spec
        (a reload brings another)."""
        served = ctx.served
        key = (view, base_url, yaml_form)
        data = served.views.get(key)
        if data is None:
            document = contract_view(served.compiled.raw, VIEWS[view])
            document["servers"] = [{"url": base_url, "description": "This mock (the server this document came from)"}]
            if yaml_form:
                data = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True).encode()
            else:
                data = orjson.dumps(document)
            if len(served.views) < 64:
                served.views[key] = data
        return data

    def spec_answer(yaml_form: bool) -> Response:
        view = request.args.get("view", View.STRICT.value)
        if view not in VIEWS:
            message = f"view must be one of {', '.join(VIEWS)}, not {view!r}."
            raise ApiError(400, "validation_failed", message, [Problem("query.view", "enum", message)])
        data = rendered(view, request.host_url.rstrip("/"), yaml_form)
        mimetype = "application/yaml" if yaml_form else "application/json"
        return Response(data, mimetype=mimetype)

    @docs.get("/openapi.json")
    def openapi_json() -> Response:
        return spec_answer(yaml_form=False)

    @docs.get("/openapi.yaml")
    def openapi_yaml() -> Response:
        return spec_answer(yaml_form=True)

    @docs.get("/docs")
    def page() -> str:
        template = page_file("index.html").decode()
        raw = ctx.served.compiled.raw
        info = raw.get("info", {})
        return render_template_string(
            template,
            title=info.get("title", "API"),
            version=info.get("version", ""),
            renderer_version=renderer_version(),
            assumptions=[(label(pointer, raw), inline_markdown(reason)) for pointer, reason in iter_assumptions(raw)],
            views=[(name, f"/openapi.json?view={name}") for name in (View.STRICT.value, View.LENIENT.value)],
            spec_error=ctx.spec_error,
        )

    @docs.get("/docs/")
    def page_with_slash() -> Any:
        return redirect("/docs", code=301)  # the page's asset links are absolute: one address serves it

    @docs.get("/docs/assets/<name>")
    def asset(name: str) -> Response:
        if name in RENDERER_FILES:
            data, mimetype = renderer_file(name), RENDERER_FILES[name]
        elif name in PAGE_FILES:
            data, mimetype = page_file(name), PAGE_FILES[name]
        else:
            raise ApiError(404, "not_found", f"The docs page has no file {name!r}.")
        response = Response(data, mimetype=mimetype)
        response.cache_control.max_age = 3600
        return response

    @docs.get("/")
    def index() -> Any:
        if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
            return redirect("/docs", code=302)
        return json_response(_index(ctx, ctx.served.compiled.document.get("info", {})), 200)

    app.register_blueprint(docs)


def _index(ctx: MockContext, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "api": {"title": info.get("title"), "version": info.get("version")},
        "docs": "/docs",
        "openapi": {
            "json": "/openapi.json",
            "yaml": "/openapi.yaml",
            "views": {
                "strict": "the spec as this mock honours it, every assumption included (the default)",
                "lenient": "what the API's docs promise, the view a real server is held to (?view=lenient)",
            },
        },
        "operations": [
            {"method": op.spec.method.upper(), "path": op.spec.path, "operationId": op.spec.operation_id}
            for op in ctx.compiled.operations.values()
        ],
        "admin": [
            {"method": method, "path": rule.rule}
            for rule in current_app.url_map.iter_rules()
            if rule.rule.startswith(ADMIN_PREFIX)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})  # type: ignore[operator]
        ],
    }
