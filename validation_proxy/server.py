"""The proxy as Granian serves it (``waterrai-proxy``): an RSGI app, one event loop.

Each request is read whole, checked, forwarded unchanged, and its answer checked and sent back
unchanged but for one added header, ``X-Contract-Violations: N`` when N > 0 (and, with
``expose_violations``, that header named in ``Access-Control-Expose-Headers``). With ``errors``,
a request that breaks the spec is refused here (it spends nothing upstream) and an answer that
breaks it is replaced by a 502; both list the violations. One process and one loop, because the
rules that span exchanges need one memory of them all (``meetings_spec.judge.Judge``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import parse_qs

import orjson

from meetings_spec.bodies import DRAIN_LIMIT, declared_length, read_rsgi_body
from validation_proxy.exchanges import Recorded
from validation_proxy.inspection import Inspector, Seen, Violation
from validation_proxy.ledger import ExchangeNote, ViolationLog
from validation_proxy.redaction import credentials_of, redactor_for
from validation_proxy.upstream import UpstreamAnswer, Upstream, UpstreamFailure

log = logging.getLogger("waterrai-proxy")

ADMIN_PREFIX = "/__proxy/"
VIOLATIONS_PATH = "/__proxy/violations"
HEADER = "X-Contract-Violations"
#: A request body past this is refused with a 413 here (a proxy that buffers must bound it).
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
_JSON = [("content-type", "application/json")]


@dataclass(frozen=True)
class Options:
    """How the proxy treats what it finds."""

    errors: bool = False  # refuse bad requests, replace bad answers
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    access_log: bool = True
    expose_violations: bool = False  # let a browser app read HEADER cross-origin (a development overlay)


class ProxyApp:
    """RSGI app: ``/__proxy/`` answered here, everything else forwarded to ``upstream``."""

    def __init__(
        self,
        inspector: Inspector,
        upstream: Upstream,
        violations: ViolationLog,
        options: Options = Options(),
        on_exchange: Callable[[Recorded], None] | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.inspector, self.upstream, self.violations, self.options = inspector, upstream, violations, options
        self.on_exchange, self.on_close = on_exchange, on_close
        self._next_id = 0

    def __rsgi_del__(self, loop: Any) -> None:
        """At shutdown: close the upstream's connections and finish the recording."""
        try:
            loop.run_until_complete(self.upstream.close())
        except Exception:  # noqa: BLE001 - the loop may be closing already
            pass
        if self.on_close is not None:
            self.on_close()

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        if scope.path.startswith(ADMIN_PREFIX):
            self._admin(scope, protocol)
            return
        self._next_id += 1
        exchange_id, started, clock = self._next_id, time.time(), time.perf_counter()  # the id is this request's, whatever comes in meanwhile
        headers = list(scope.headers.items())  # a repeated header comes as often as it was sent
        body = await read_rsgi_body(protocol, declared_length(scope.headers.get("content-length")), self.options.max_body_bytes, drain=DRAIN_LIMIT)
        if body is None:
            protocol.response_bytes(413, [*_JSON, ("connection", "close")], _error("body_too_large", f"the proxy reads request bodies up to {self.options.max_body_bytes} bytes"))
            return
        lowered = {name.lower(): value for name, value in headers}
        seen = self._checked(lambda: self.inspector.request(scope.method, scope.path, lowered, body), Seen(scope.method, scope.path, None, unchecked="the proxy's check of the request failed"))
        answer, replaced = await self._answer(scope, seen, headers, body)
        found = seen.violations if answer is None else [*seen.violations, *answer[1]]
        status, out_headers, out_body = replaced if replaced is not None else (answer[0].status, answer[0].headers, answer[0].body)  # type: ignore[index]
        if found and replaced is None:
            out_headers = [*out_headers, (HEADER, str(len(found)))]
        if self.options.expose_violations and replaced is None:
            out_headers = exposing_violations(out_headers)
        if scope.method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            protocol.response_empty(status, out_headers)
        else:
            protocol.response_bytes(status, out_headers, out_body)
        duration_ms = (time.perf_counter() - clock) * 1000
        self._note(exchange_id, scope, seen, found, status, started, duration_ms, lowered)
        if self.on_exchange is not None:
            self.on_exchange(
                Recorded(exchange_id, _iso(started), duration_ms, scope.method,
                         self.upstream.url(scope.path, scope.query_string), headers, body, status, out_headers, out_body,
                         seen.operation.operation_id if seen.operation is not None else "", found, _answered_by_proxy(seen, answer, replaced))
            )

    async def _answer(
        self, scope: Any, seen: Seen, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[tuple[UpstreamAnswer, list[Violation]] | None, tuple[int, list[tuple[str, str]], bytes] | None]:
        """The upstream's answer with its violations, and what replaces it (None: nothing)."""
        if self.options.errors and seen.violations:
            return None, (400, _JSON, _error("contract_violation", "the request breaks the API description; it was not forwarded", seen.violations))
        try:
            answer = await self.upstream.send(scope.method, scope.path, scope.query_string, headers, body)
        except UpstreamFailure as failure:
            return None, (failure.status, _JSON, _error(failure.code, failure.message))
        lowered = {name.lower(): value for name, value in answer.headers}
        found = self._checked(lambda: self.inspector.response(seen, answer.status, lowered, answer.body), [])
        if self.options.errors and found:
            return (answer, found), (502, _JSON, _error("contract_violation", f"the upstream's answer ({answer.status}) breaks the API description", found))
        return (answer, found), None

    @staticmethod
    def _checked(check: Callable[[], Any], otherwise: Any) -> Any:
        """What a check found; if the check itself fails (a bug of the kit), the exchange still
        goes through, unchecked, and the log says so: a proxy never breaks the app behind it."""
        try:
            return check()
        except Exception as error:  # noqa: BLE001 - whatever went wrong, the traffic must flow
            log.error("the check of an exchange failed, so it is not checked (a bug of the kit: please report it): %s", type(error).__name__)
            return otherwise

    def _note(self, exchange_id: int, scope: Any, seen: Seen, found: list[Violation], status: int, started: float, duration_ms: float, headers: dict[str, str]) -> None:
        note = ExchangeNote(exchange_id, scope.method, scope.path, status, _iso(started) if found else "")
        if found:
            redact = redactor_for(credentials_of(headers))
            found[:] = [redact(violation) for violation in found]
            for violation in found:
                log.warning("#%d %s %s -> %d: %s", note.id, note.method, note.path, status, violation.line())
        self.violations.add(note, found, checked=not seen.unchecked)
        if self.options.access_log:
            log.info("#%d %s %s -> %d in %.1f ms%s", note.id, note.method, note.path, status, duration_ms,
                     f", {len(found)} violation{'s' if len(found) != 1 else ''}" if found else (f" (not checked: {seen.unchecked})" if seen.unchecked else ""))

    def _admin(self, scope: Any, protocol: Any) -> None:
        cors = [("access-control-allow-origin", "*")]
        if scope.path != VIOLATIONS_PATH:
            protocol.response_bytes(404, [*_JSON, *cors], _error("not_found", f"the proxy's own paths: GET or DELETE {VIOLATIONS_PATH}"))
        elif scope.method in ("GET", "HEAD"):
            limit = _limit(scope.query_string)
            if limit is None:
                protocol.response_bytes(400, [*_JSON, *cors], _error("bad_request", "limit must be a whole number of at least 1"))
            else:
                protocol.response_bytes(200, [*_JSON, *cors], orjson.dumps(self.violations.as_json(limit or None)))
        elif scope.method == "DELETE":
            self.violations.clear()
            protocol.response_empty(204, cors)
        else:
            protocol.response_bytes(405, [*_JSON, *cors, ("allow", "GET, HEAD, DELETE")], _error("method_not_allowed", f"{VIOLATIONS_PATH} answers GET and DELETE"))


def exposing_violations(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` with ``HEADER`` added to ``Access-Control-Expose-Headers``, merged with what
    the upstream exposes (one header, each name once), so that a page on another origin can read
    it: CORS hides every header but a few from scripts unless the answer names it there."""
    exposed: list[str] = []
    kept = []
    for name, value in headers:
        if name.lower() == "access-control-expose-headers":
            exposed += [item.strip() for item in value.split(",") if item.strip()]
        else:
            kept.append((name, value))
    if HEADER.lower() not in {item.lower() for item in exposed}:
        exposed.append(HEADER)
    return [*kept, ("Access-Control-Expose-Headers", ", ".join(dict.fromkeys(exposed)))]


def _iso(timestamp: float) -> str:
    """ISO 8601 in UTC, to the millisecond (computed only where it is shown)."""
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _answered_by_proxy(seen: Seen, answer: object, replaced: object) -> str:
    """Why the client's answer came from the proxy, not the upstream ("" when it did not)."""
    if replaced is None:
        return ""
    if answer is not None:
        return "the upstream's answer broke the spec and was replaced (--errors)"
    return "the request broke the spec and was refused (--errors)" if seen.violations else "the upstream gave no usable answer"


def _limit(query: str) -> int | None:
    """``?limit=N``: 0 when absent (no limit), None when unusable."""
    values = parse_qs(query).get("limit")
    if not values:
        return 0
    return int(values[0]) if values[0].isdigit() and int(values[0]) >= 1 else None


def _error(code: str, message: str, violations: list[Violation] | None = None) -> bytes:
    error: dict[str, Any] = {"code": code, "message": message}
    if violations is not None:
        error["violations"] = [violation.as_json() for violation in violations]
    return orjson.dumps({"error": error})
