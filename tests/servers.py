"""Servers for testing the contract suite: the mock, served over a real socket from a thread,
optionally behind a WSGI wrapper that rewrites requests or answers to break (or merely vary)
one rule of the contract."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from mock_server import create_app

TOKEN = "suite-test-token-7f3a9c"
Json = Any
RequestRewrite = Callable[[str, str, Json], Json]  # (method, path, body) -> body
AnswerRewrite = Callable[[str, str, Json, int, Json], tuple[int, Json]]  # (..., status, answer) -> (status, answer)


class Rewriting:
    """WSGI middleware: let ``on_request`` change the JSON body sent in, ``on_answer`` the JSON
    answer (shown the body as the client sent it)."""

    def __init__(
        self,
        app: Any,
        on_request: RequestRewrite | None = None,
        on_answer: AnswerRewrite | None = None,
        on_headers: Callable[[dict[str, str]], dict[str, str]] | None = None,
    ) -> None:
        self.app, self.on_request, self.on_answer, self.on_headers = app, on_request, on_answer, on_headers

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        raw = request.get_data()
        body = sent = _json_or(raw)
        if self.on_request is not None and body is not _NOT_JSON:
            body = self.on_request(request.method, request.path, body)
            raw = json.dumps(body).encode()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-length",)}
        if self.on_headers is not None:
            headers = self.on_headers(headers)
        inner = self.app.test_client().open(
            request.full_path if request.query_string else request.path,
            method=request.method,
            headers=headers,
            data=raw,
        )
        status, answer = inner.status_code, _json_or(inner.get_data())
        if self.on_answer is not None and answer is not _NOT_JSON:
            status, answer = self.on_answer(request.method, request.path, sent, status, answer)
            data = json.dumps(answer).encode()
        else:
            data = inner.get_data()
        response = Response(data, status=status, headers={k: v for k, v in inner.headers.items() if k.lower() != "content-length"})
        return response(environ, start_response)


_NOT_JSON = object()


def _json_or(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else _NOT_JSON
    except ValueError:
        return _NOT_JSON


class _Quiet(WSGIRequestHandler):
    """No access log: a contract run sends hundreds of requests."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def serving(app: Any, ssl_context: Any = None) -> Iterator[str]:
    """Serve a WSGI app on a free loopback port for the duration (over TLS with ``ssl_context``);
    yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet, ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if ssl_context else 'http'}://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


#: Tests build mocks from several threads at once; building one compiles Flask's routes with
#: ``ast.parse``, which CPython 3.11 (3.11.7 here) sometimes fails when two threads run it at
#: once: "SystemError: AST constructor recursion depth mismatch" (see python/cpython#106905).
#: It failed a CI run once. One build at a time, then.
_BUILDING = threading.Lock()


def mock_app(*, journal: bool = False) -> Any:
    """The mock with one token, quiet; with ``journal``, it keeps the requests it answered."""
    with _BUILDING:
        return create_app(token=TOKEN, access_log=False, journal=journal)


# ------------------------------------------------------------------ servers laxer than the spec


def _field_schemas() -> dict[str, dict[str, dict[str, Any]]]:
    """Request fields by path, flattened from the spec (what a framework's model would declare)."""
    from meetings_spec import View, contract_view, load_spec
    from meetings_spec.model import operations

    ops = operations(contract_view(load_spec(), View.LENIENT)).values()
    return {op.path: {name: field.schema for name, field in op.request_fields.items()} for op in ops if op.request_schema}


def _required_fields() -> dict[str, tuple[str, ...]]:
    from meetings_spec import View, contract_view, load_spec
    from meetings_spec.model import operations

    return {op.path: op.required_fields for op in operations(contract_view(load_spec(), View.LENIENT)).values()}


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


_OMIT = object()
Coercion = Callable[[Any, dict[str, Any]], Any]  # (value, field schema) -> value, or _OMIT to drop it

#: How lax frameworks read a value of the wrong type, one class each: each server below accepts
#: what a correct server refuses, and the contract suite must name the field and the form.
COERCIONS: dict[str, Coercion] = {
    "digit strings read as integers": lambda v, s: int(v) if "integer" in _types(s) and isinstance(v, str) and v.lstrip("-").isdigit() else v,
    "fractions truncated to integers": lambda v, s: int(v) if "integer" in _types(s) and isinstance(v, float) else v,
    "words read as booleans": lambda v, s: {"true": True, "yes": True, "1": True, "on": True, "false": False, "no": False, "0": False, "off": False}.get(v.lower(), v)
    if "boolean" in _types(s) and isinstance(v, str)
    else v,
    "0 and 1 read as booleans": lambda v, s: bool(v) if "boolean" in _types(s) and type(v) is int and v in (0, 1) else v,
    "booleans read as numbers or text": lambda v, s: (int(v) if "integer" in _types(s) else str(v).lower() if "string" in _types(s) else v) if isinstance(v, bool) else v,
    "numbers read as text": lambda v, s: str(v) if "string" in _types(s) and type(v) in (int, float) else v,
    "one-item lists unwrapped": lambda v, s: v[0] if isinstance(v, list) and len(v) == 1 and "array" not in _types(s) else v,
    "empty strings read as null": lambda v, s: (None if "null" in _types(s) else _OMIT) if v == "" and "string" not in _types(s) else v,
    "enums matched in any case": lambda v, s: next((e for e in s.get("enum", []) if isinstance(v, str) and e.lower() == v.lower()), v),
    "JSON text read as objects": lambda v, s: json.loads(v) if "object" in _types(s) and isinstance(v, str) and v.startswith("{") else v,
}


def coercing(name: str) -> RequestRewrite:
    """A request rewrite that coerces each body field the way one lax framework would."""
    coerce = COERCIONS[name]
    fields = _field_schemas()

    def on_request(method: str, path: str, body: Json) -> Json:
        schemas = fields.get(path)
        if schemas is None or not isinstance(body, dict):
            return body
        read = {key: coerce(value, schemas[key]) if key in schemas else value for key, value in body.items()}
        return {key: value for key, value in read.items() if value is not _OMIT}

    return on_request


# ------------------------------------------------------------------ null read as "not given"

#: Servers that read a null the way many frameworks do, as the field not given, where the
#: field's type has no null (the spec's own ``meetings_spec.nulls`` is not used here: these are
#: what a server written from the docs alone does). The docs are silent on it: each is correct.
#: "everywhere": on every field, a required one included (then missing: the mock refuses it);
#: "where the docs give no default": there only, and refused where they give one, or a field is
#: required (the mock refuses null), as the third correct server of issue 27 did.
NULL_READINGS = ("everywhere", "where the docs give no default")


def null_as_not_given(where: str) -> RequestRewrite:
    """A request rewrite that leaves out the nulls a server reading them as not given drops."""
    assert where in NULL_READINGS
    fields, required = _field_schemas(), _required_fields()

    def dropped(path: str, name: str, value: Any) -> bool:
        schema = fields.get(path, {}).get(name)
        if value is not None or schema is None or "null" in _types(schema):
            return False
        return where == "everywhere" or ("default" not in schema and name not in required.get(path, ()))

    def on_request(method: str, path: str, body: Json) -> Json:
        if not isinstance(body, dict):
            return body
        return {key: value for key, value in body.items() if not dropped(path, key, value)}

    return on_request


class Recording:
    """WSGI middleware: keep every request (method, path and query, body) and its status, in order."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.exchanges: list[tuple[str, str, bytes, str]] = []
        self.media_types: list[str] = []  # each request's Content-Type ("" without one), beside ``exchanges``

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data()
        statuses: list[str] = []

        def keep_status(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        inner = Request(dict(environ, **{"wsgi.input": __import__("io").BytesIO(body), "CONTENT_LENGTH": str(len(body))}))
        result = self.app(inner.environ, keep_status)
        self.exchanges.append((request.method, request.full_path, body, statuses[-1] if statuses else "?"))
        self.media_types.append(request.headers.get("Content-Type", ""))
        return result
