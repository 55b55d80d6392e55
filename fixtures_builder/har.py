"""The exchanges as HAR 1.2 logs that Playwright's ``routeFromHAR`` replays.

Playwright (``harBackend.ts``, ``_harFindResponse``) answers a request with an entry of the same
URL (the whole string) and method; for a POST, when both sides have a body, only an entry whose
body has the same bytes. Among several, it takes the entry whose recorded headers the request
repeats most (name without case, value exact), and the first in the file on a tie. So request
bodies are written as ``JSON.stringify`` writes them, and where exchanges share a request, only
one of them can answer from ``meetings.har``: each of the others gets a HAR of its own.
"""

from __future__ import annotations

from typing import Any

from fixtures_builder.js_json import stringify
from fixtures_builder.record import FROZEN_AT
from meetings_spec import har

#: Where the recorded requests pretend to have gone: the mock's address.
BASE_URL = "http://127.0.0.1:4010"
MAIN = "meetings.har"
_STARTED = FROZEN_AT.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def request_text(request: dict[str, Any]) -> str | None:
    """The body bytes a JavaScript client sends: ``bodyText`` verbatim (not JSON on purpose), else ``JSON.stringify(body)``."""
    if "bodyText" in request:
        return request["bodyText"]
    if "body" in request:
        return stringify(request["body"])
    return None


def own_file(exchange: dict[str, Any]) -> str:
    """The HAR of an exchange that ``meetings.har`` answers with another one."""
    return f"har/{exchange['operationId']}/{exchange['case']}.har"


def replayed_by(exchanges: list[dict[str, Any]]) -> list[int]:
    """For each exchange, the index of the entry of ``meetings.har`` that Playwright answers its request with."""
    return [_playwright_choice(exchanges, exchange["request"]) for exchange in exchanges]


def _playwright_choice(exchanges: list[dict[str, Any]], request: dict[str, Any]) -> int:
    body = request_text(request)
    candidates = [
        i for i, e in enumerate(exchanges)
        if e["request"]["path"] == request["path"] and e["request"]["method"] == request["method"]
        and not (request["method"] == "POST" and body is not None and request_text(e["request"]) is not None and request_text(e["request"]) != body)
    ]
    sent = {(name.lower(), value) for name, value in request["headers"].items()}
    repeated = lambda i: sum((n.lower(), v) in sent for n, v in exchanges[i]["request"]["headers"].items())  # noqa: E731
    return max(candidates, key=lambda i: (repeated(i), -i))  # most headers repeated, then the first


def har_files(exchanges: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``meetings.har`` with every exchange, and a HAR of its own for each one it cannot replay."""
    files = {MAIN: _log(exchanges)}
    for i, chosen in enumerate(replayed_by(exchanges)):
        if chosen != i:
            files[own_file(exchanges[i])] = _log([exchanges[i]])
    return files


def _log(exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    pages = list(dict.fromkeys(e["operationId"] for e in exchanges))
    return har.log(
        [_entry(e) for e in exchanges],
        "waterrai-fixtures",
        "1",
        pages=[{"startedDateTime": _STARTED, "id": p, "title": p, "pageTimings": {}} for p in pages],
    )


def _entry(exchange: dict[str, Any]) -> dict[str, Any]:
    request, response = exchange["request"], exchange["response"]
    text = request_text(request)
    return har.entry(
        pageref=exchange["operationId"],
        started=_STARTED,
        time_ms=0,
        method=request["method"],
        url=BASE_URL + request["path"],
        request_headers=request["headers"].items(),
        request_body=None if text is None else har.Body.of_text(text),
        status=response["status"],
        response_headers=response["headers"].items(),
        content=har.Body.of_text(stringify(response["body"])),
        comment=f"{exchange['case']}: {exchange['description']}",
    )
