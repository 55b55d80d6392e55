"""One way to write a HAR 1.2 entry and log, for every HAR the kit writes: the fixtures'
(``fixtures_builder.har``) and the validation proxy's recordings (``validation_proxy.recording``).

A body is text when its bytes are UTF-8, else base64 with ``"encoding": "base64"``, as HAR 1.2
says for ``content`` (``postData`` has no such field, so a binary request body is marked with
the custom ``_encoding``; readers of the kit's HAR accept both).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

VERSION = "1.2"


@dataclass(frozen=True)
class Body:
    """A body as HAR holds it: its text (or base64 of bytes that are not UTF-8) and its size in bytes."""

    text: str
    size: int
    base64: bool = False

    @classmethod
    def of(cls, data: bytes) -> Body:
        try:
            return cls(data.decode("utf-8"), len(data))
        except UnicodeDecodeError:
            return cls(base64.b64encode(data).decode("ascii"), len(data), base64=True)

    @classmethod
    def of_text(cls, text: str) -> Body:
        return cls(text, len(text.encode("utf-8")))


def header(headers: Iterable[tuple[str, str]], name: str) -> str:
    """The first value of header ``name`` (any case), or ""."""
    return next((value for key, value in headers if key.lower() == name.lower()), "")


#: RFC 9110's names where Python 3.11's ``HTTPStatus`` still gives the older ones.
_RFC_9110 = {413: "Content Too Large", 422: "Unprocessable Content"}


def reason_phrase(status: int) -> str:
    """The reason phrase of ``status`` as RFC 9110 names it, "" for one HTTP does not name."""
    try:
        return _RFC_9110.get(status) or HTTPStatus(status).phrase
    except ValueError:
        return ""


def _pairs(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in pairs]


def entry(
    *,
    started: str,
    time_ms: float,
    method: str,
    url: str,
    request_headers: Iterable[tuple[str, str]],
    request_body: Body | None,
    status: int,
    response_headers: Iterable[tuple[str, str]],
    content: Body,
    request_size: int | None = None,
    response_size: int | None = None,
    timings: Mapping[str, float] | None = None,
    pageref: str | None = None,
    comment: str | None = None,
    custom: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One HAR entry. Sizes default to the bodies' (-1 for a request without one), the status
    text to HTTP's phrase, the timings to all the time spent waiting; ``custom`` holds fields
    of the writer's own, each name starting with ``_`` as HAR requires."""
    request_headers, response_headers = list(request_headers), list(response_headers)
    har_request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(request_headers),
        "queryString": _pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": request_size if request_size is not None else (-1 if request_body is None else request_body.size),
    }
    if request_body is not None:
        har_request["postData"] = {"mimeType": header(request_headers, "Content-Type"), "text": request_body.text}
        if request_body.base64:
            har_request["postData"]["_encoding"] = "base64"
    har_content: dict[str, Any] = {"size": content.size, "mimeType": header(response_headers, "Content-Type"), "text": content.text}
    if content.base64:
        har_content["encoding"] = "base64"
    har_entry: dict[str, Any] = {} if pageref is None else {"pageref": pageref}
    har_entry.update(
        {
            "startedDateTime": started,
            "time": time_ms,
            "request": har_request,
            "response": {
                "status": status,
                "statusText": reason_phrase(status),
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": _pairs(response_headers),
                "content": har_content,
                "redirectURL": header(response_headers, "Location"),
                "headersSize": -1,
                "bodySize": content.size if response_size is None else response_size,
            },
            "cache": {},
            "timings": dict(timings) if timings is not None else {"send": 0, "wait": time_ms, "receive": 0},
        }
    )
    if comment is not None:
        har_entry["comment"] = comment
    for name, value in (custom or {}).items():
        if not name.startswith("_"):
            raise ValueError(f"a custom HAR field's name starts with '_', not {name!r}")
        har_entry[name] = value
    return har_entry


def log(entries: list[dict[str, Any]], creator: str, version: str, *, pages: list[dict[str, Any]] | None = None, custom: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A whole HAR document: ``{"log": {...}}``; ``pages`` left out when None (HAR makes them optional)."""
    har_log: dict[str, Any] = {"version": VERSION, "creator": {"name": creator, "version": version}}
    if pages is not None:
        har_log["pages"] = pages
    har_log["entries"] = entries
    har_log.update(custom or {})
    return {"log": har_log}
