"""The mock's core: one request in, one outcome out, with no I/O of its own.

Both lanes (``rsgi_lane`` under ``waterrai-mock``, ``wsgi_lane`` for embedded use and Flask's
test client) read a request their way and ask the core twice: ``route`` (one table holds the
API's operations and the Flask app's routes: docs, spec views, admin), then, with the body read
if the route wants one, ``respond``. The outcome is one of:

- ``Answer``: send it (``AfterCommit`` wraps one that must wait for the state's commit);
- ``Delayed``: wait that long, then call ``then()`` for the next outcome;
- ``Broken``: break the connection as the fault names (a WSGI app cannot: it raises).

Then the lane reports what it sent with ``finished`` (the access log and the journal). A request
to an operation goes route -> validate (the contract library's ``check_request``) -> negotiate
(``Prefer``) -> act -> answer; a request to one of Flask's routes is handed to Flask with its
route, so Flask never routes it again.
"""

from __future__ import annotations

import random
from http import HTTPStatus
from typing import Any, Callable, Iterable, NamedTuple, Union

import orjson
from flask_cors.core import get_cors_headers
from werkzeug.routing import Rule
from werkzeug.test import run_wsgi_app

from meetings_spec.contract import Contract
from meetings_spec.problems import Problem
from meetings_spec.routing import Kind, Match, RouteTable
from mock_server.act import ACTS, MockContext, documented_example
from mock_server.chaos import CONNECTION_FAULTS, NO_PLAN, Plan, SettingError, SharedSettings, plan
from mock_server.compiled import CompiledOperation, CompiledSpec
from mock_server.errors import ApiError, refusal, unexpected_error
from mock_server.negotiate import negotiate, preferences
from mock_server.request_log import AccessLog
from mock_server.store import WorldGone

#: Headers a browser may send cross-origin; ``Prefer`` lets frontends pick error answers, delays and faults.
CORS_HEADERS = ["Authorization", "Content-Type", "Prefer"]
#: Where the route of a request handed to Flask travels in its WSGI environ (``app.MockFlask``).
ROUTE_KEY = "waterrai.route"
REASONS = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
_JSON = ("Content-Type", "application/json")

#: The answer to a request whose writes were lost (the state's log says why).
_UNWRITTEN = ApiError(500, "state_not_written", "The mock could not store this request's changes; see its log.")

Headers = list[tuple[str, str]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class Request:
    """What a lane read of a request: ``header`` gives a header by lower-case name (repeated
    ones joined with ", ", as RFC 9110 allows), ``environ`` the WSGI environ Flask needs.
    ``world``: the world the core acted in (for the journal), once it knows."""

    __slots__ = ("method", "path", "header", "environ", "world")

    def __init__(self, method: str, path: str, header: Callable[[str], str | None], environ: Callable[[bytes], dict[str, Any]]) -> None:
        self.method, self.path, self.header, self.environ = method, path, header, environ
        self.world: int | None = None


class Answer(NamedTuple):
    """An HTTP answer ready to send: status, headers (without Content-Length) and body."""

    status: int
    headers: Headers
    body: bytes
    head: bool = False  # an answer to HEAD: send the headers only
    sized: bool = False  # the headers give the length already (Flask's, a HEAD's that of GET)
    note: str = ""  # what the access line adds (the fault that made this answer)

    def wire_headers(self) -> Headers:
        """Headers to send, with the body's length (a HEAD answer gives the length GET would)."""
        if self.status == 204 or self.sized:
            return self.headers
        return [*self.headers, ("Content-Length", str(len(self.body)))]


class AfterCommit(NamedTuple):
    """``answer`` may show writes of the state's open transaction: send it once they are
    committed, or ``unwritten`` if they were lost. The lane asks ``wait`` to be called back."""

    answer: Answer
    #: The answer instead, if the writes were lost (made only then).
    unwritten: Callable[[], Answer]
    #: ``wait(callback)``: call back with None once committed, or the error that lost the writes.
    wait: Callable[[Callable[[BaseException | None], None]], bool]
    #: Commit now (a lane that cannot wait for the end of a turn calls it after ``wait``).
    commit: Callable[[], None]


class Delayed(NamedTuple):
    """Wait ``seconds`` (without holding a thread where the lane can), then ``then()``."""

    seconds: float
    then: Callable[[], "Outcome"]


class Broken(NamedTuple):
    """Break the connection: ``connection_reset``, ``empty_response``, or ``timeout`` (hold it
    silent until the client gives up, or the bound)."""

    fault: str
    head: bool = False


Outcome = Union[Answer, AfterCommit, Delayed, Broken]
Target = Union[CompiledOperation, Rule]


class Core:
    """Routes, CORS, delays and faults, the operations' pipeline and Flask's routes."""

    def __init__(
        self,
        ctx: MockContext,
        token: str | None,
        *,
        flask: WsgiApp,
        flask_rules: Iterable[Rule],
        cors_options: Any,
        settings: SharedSettings,
        log: AccessLog,
    ) -> None:
        self.ctx = ctx
        self.token = token
        self.flask = flask
        self.settings = settings
        self.log = log
        self.rng = random.Random()
        self.cors_options = cors_options  # flask-cors's, as for Flask's own routes
        self._flask_rules = list(flask_rules)
        # The same for every request that names no origin (all but browsers): computed once.
        self._plain_cors = self._cors(lambda name: None, "GET")

    def _table_of(self, compiled: CompiledSpec) -> RouteTable[Target]:
        """One table: the operations of ``compiled``, and Flask's routes."""
        routes: RouteTable[Target] = RouteTable()
        for op in compiled.operations.values():
            routes.add(op.spec.path, [op.spec.method], op)
        for rule in self._flask_rules:
            routes.add(rule.rule, sorted(rule.methods or ()), rule, first_wins=True)
        return routes

    @property
    def routes(self) -> RouteTable[Target]:
        """The table of the spec served now (made once for each spec a reload brings)."""
        served = self.ctx.served
        routes = served.routes
        if routes is None:
            routes = served.routes = self._table_of(served.compiled)
        return routes  # type: ignore[no-any-return]

    def route(self, method: str, path: str) -> Match[Target] | None:
        """What the table of the spec served now says of ``method path``: a request routed is
        answered by that spec to its end, whatever a reload swaps in meanwhile."""
        routes = self.ctx.served.routes
        if routes is None:
            routes = self.routes
        return routes.match(method, path)  # type: ignore[no-any-return]

    @property
    def contract(self) -> Contract:
        return self.ctx.served.compiled.contract

    @property
    def max_body_bytes(self) -> int:
        return self.ctx.served.compiled.max_body_bytes

    # ------------------------------------------------------------------ asked by the lanes

    @staticmethod
    def wants_body(match: Match[Target] | None, header: Callable[[str], str | None]) -> bool:
        """Whether the lane should read the body before ``respond``."""
        if match is None or match.kind is not Kind.ROUTE:
            return False
        if isinstance(match.target, CompiledOperation):
            return match.target.reads_body
        return header("content-length") is not None or header("transfer-encoding") is not None

    def respond(self, match: Match[Target] | None, request: Request, body: bytes | None) -> Outcome:
        """The outcome of one request; ``body`` None when it was longer than the mock takes."""
        cors = self.cors(request)
        if match is None:
            return self.error(ApiError(404, "not_found", "No operation of the API has this path."), cors)
        if match.kind is Kind.OPTIONS:
            return Answer(204, [("Allow", match.allow), *cors], b"")
        if match.kind is Kind.NOT_ALLOWED:
            message = f"This path does not take this method; it takes {match.allow}."
            return self.error(ApiError(405, "method_not_allowed", message, headers={"Allow": match.allow}), cors)
        if body is None:
            too_large = self.error(ApiError(413, "payload_too_large", f"The body is larger than {self.max_body_bytes} bytes."), cors)
            return too_large._replace(headers=[*too_large.headers, ("Connection", "close")])
        target = match.target
        if not isinstance(target, CompiledOperation):
            return self._flask(match, request, body)
        prefer = request.header("prefer")
        try:
            chosen = self.plan(prefer)
        except ApiError as error:
            return self.error(error, cors, match.head)
        if chosen.delay_s:
            return Delayed(chosen.delay_s, lambda: self._operation(target, match, request, body, prefer, chosen.fault, cors))
        return self._operation(target, match, request, body, prefer, chosen.fault, cors)

    def finished(self, method: str, path: str, remote: str, status: int, seconds: float, note: str = "", world: int | None = None) -> None:
        """Log and journal a request once its outcome was carried out (status 0: none sent);
        ``world``: the one it acted in (``Request.world``), whose journal lists it."""
        self.log.record(method, path, remote, status, seconds, note, world)

    # ------------------------------------------------------------------ operations

    def plan(self, prefer: str | None) -> Plan:
        """Delay and fault for a request to an operation; ``ApiError`` 400 for a bad ``Prefer``."""
        settings = self.settings.current()
        if prefer is None and settings.delay is None and not settings.fault_rate:
            return NO_PLAN
        wanted = preferences(prefer) if prefer else {}
        try:
            return plan(settings, wanted, self.rng)
        except SettingError as error:
            message = f"Prefer asks for a {error.field} the mock cannot give: {error}."
            raise ApiError(400, "unknown_preference", message, [Problem("header.Prefer", error.field, message)]) from None

    def _operation(
        self, op: CompiledOperation, match: Match[Target], request: Request, body: bytes, prefer: str | None, fault: str | None, cors: Headers
    ) -> Outcome:
        if fault in CONNECTION_FAULTS:
            return Broken(fault, match.head)  # type: ignore[arg-type]
        if fault is not None:
            return self._fault_answer(fault, op, cors, match.head)
        try:
            authorization = request.header("authorization")
            checked = op.owner.contract.check_request(
                op.contract,
                authorization=authorization,
                path_parameters=match.params,
                content_type=request.header("content-type") if op.reads_body else None,
                body=body if op.reads_body else None,
                token=self.token,
            )
            if checked.problems:
                raise refusal(checked.problems)
            worlds = self.ctx.worlds
            world = worlds.of(authorization) if worlds.sandboxes else worlds.shared()
            if world is None:  # an operation the spec asks no token of, with sandboxes: the shared world
                world = worlds.shared()
            request.world = world
            canned = negotiate(op, prefer)
            if canned is not None:
                status, text = canned.status, orjson.dumps(canned.body)
            else:
                act = ACTS.get(op.spec.operation_id, documented_example)
                try:
                    status, text = act(self.ctx, op, world, checked.document, checked.parameters)
                except WorldGone:  # its sandbox made room for another meanwhile: made afresh
                    worlds.forget(world)
                    world = request.world = worlds.of(authorization) or worlds.shared()
                    status, text = act(self.ctx, op, world, checked.document, checked.parameters)
        except ApiError as error:
            return self.error(error, cors, match.head)
        except Exception:  # noqa: BLE001 - a bug must still answer JSON, as Flask's handler does
            return self.error(unexpected_error(), cors, match.head)
        answer = Answer(status, [_JSON, *cors], text, match.head)
        if not self.ctx.state.in_shared_transaction():
            return answer
        state = self.ctx.state
        return AfterCommit(answer, lambda: self.error(_UNWRITTEN, cors, match.head), state.after_commit, state.commit)

    def _fault_answer(self, fault: str, op: CompiledOperation, cors: Headers, head: bool) -> Answer:
        """The faults that are HTTP answers: a 500, or a 200 whose JSON stops halfway."""
        if fault == "server_error":
            message = "The mock failed this request on purpose (fault server_error), as a real server may."
            return self.error(ApiError(500, "server_error", message), cors, head)._replace(note=f" fault {fault}")
        examples = op.spec.examples(op.spec.success_status)
        whole = orjson.dumps(next(iter(examples.values()), {}))
        return Answer(200, [_JSON, *cors], whole[: max(1, len(whole) // 2)], head, note=f" fault {fault}")

    # ------------------------------------------------------------------ Flask's routes

    def _flask(self, match: Match[Target], request: Request, body: bytes) -> Answer:
        """Hand a request to Flask with its route (Flask does not route it again), once the
        turn's creates are committed: the admin routes see and write the state as every worker does."""
        self.ctx.state.commit()
        environ = request.environ(body)
        environ[ROUTE_KEY] = (match.target, match.params)
        response, status, headers = run_wsgi_app(self.flask, environ, buffered=True)
        try:
            data = b"".join(response)
        finally:
            getattr(response, "close", lambda: None)()
        return Answer(int(status.split(" ", 1)[0]), list(headers.items()), data, request.method == "HEAD", sized="Content-Length" in headers)

    # ------------------------------------------------------------------ rendering

    def cors(self, request: Request) -> Headers:
        """The CORS headers flask-cors gives this request (Flask's own routes get them from it too)."""
        if request.header("origin") is None and request.method != "OPTIONS":
            return self._plain_cors
        return self._cors(request.header, request.method)

    def _cors(self, header: Callable[[str], str | None], method: str) -> Headers:
        return [(name, str(value)) for name, value in get_cors_headers(self.cors_options, _CorsHeaders(header), method).items(multi=True)]

    @staticmethod
    def error(error: ApiError, cors: Headers, head: bool = False) -> Answer:
        return Answer(error.status, [_JSON, *error.headers.items(), *cors], orjson.dumps(error.body()), head)


class _CorsHeaders:
    """The request headers as flask-cors reads them (``get`` and ``in``), from a lane's getter."""

    __slots__ = ("_get",)

    def __init__(self, get: Callable[[str], str | None]) -> None:
        self._get = get

    def get(self, name: str, default: Any = None) -> Any:
        value = self._get(name.lower())
        return default if value is None else value

    def __contains__(self, name: str) -> bool:
        return self._get(name.lower()) is not None

