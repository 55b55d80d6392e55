"""Recorded traffic built in the tests, exchange by exchange, as a browser would save it: the
tests of coverage and of a spec change's impact count what they expect from these lists, never
from what the kit reports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

API = "https://staging.example.com"
CREATE, DYNAMIC = "/meetings", "/meetings/create-dynamic-meeting"
#: Not sent: a body the HAR did not keep (Playwright's content "omit").
UNKEPT = object()


@dataclass
class Call:
    """One exchange: what was sent, what came back (status 0: no answer)."""

    method: str
    path: str
    body: Any  # a JSON value, None for no body, UNKEPT for one the HAR lacks
    status: int
    answer: Any = None  # a JSON value, or None

    @property
    def sends(self) -> dict[str, Any]:
        """The body's fields, when it is a JSON object the HAR kept (else none)."""
        return self.body if isinstance(self.body, dict) else {}


def meeting(body: dict[str, Any], number: int, **changes: Any) -> dict[str, Any]:
    """The answer a server keeping the docs gives a create of ``body``: its name and scenario
    echoed, ``meeting_type`` its default when omitted; ``changes`` replace fields of ``data``."""
    data = {
        "id": 1000 + number,
        "room_url": f"https://rooms.example.com/r{number}",
        "room_token": f"token-{number}",
        "person_name": body.get("person_name", "Anonymous"),
        "scenario_id": body.get("scenario_id", 456),
        "status": "created",
        "meeting_type": body.get("meeting_type", "regular"),
        "created_at": "2026-01-05T10:00:00Z",
    }
    data.update(changes)
    for name, value in changes.items():
        if value is UNKEPT:
            del data[name]
    return {"success": True, "data": data, "session_minutes_info": {"estimatedMinutes": 30, "remainingMinutes": 600}}


def read_answer(meeting_id: int) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {
            "id": meeting_id, "room_url": f"https://rooms.example.com/r{meeting_id}", "person_name": "Ann Lee", "scenario_id": 456,
            "status": "created", "meeting_type": "regular", "created_at": "2026-01-05T10:00:00Z", "updated_at": "2026-01-05T10:00:00Z",
        },
    }  # fmt: skip


def entry(call: Call, place: int) -> dict[str, Any]:
    headers = [{"name": "Authorization", "value": "Bearer a-recorded-token"}]
    request: dict[str, Any] = {"method": call.method, "url": API + call.path, "httpVersion": "HTTP/1.1", "headers": headers,
                               "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0}  # fmt: skip
    if call.body is UNKEPT:
        headers.append({"name": "Content-Type", "value": "application/json"})
        request.update(bodySize=120, postData={"mimeType": "application/json", "text": ""})
    elif call.body is not None:
        text = json.dumps(call.body)
        headers.append({"name": "Content-Type", "value": "application/json"})
        request.update(bodySize=len(text.encode()), postData={"mimeType": "application/json", "text": text})
    answer = "" if call.answer is None else json.dumps(call.answer)
    response = {
        "status": call.status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [], "redirectURL": "", "headersSize": -1,
        "headers": [{"name": "Content-Type", "value": "application/json"}] if call.answer is not None else [],
        "content": {"size": len(answer), "mimeType": "application/json", "text": answer}, "bodySize": len(answer),
    }  # fmt: skip
    if call.status == 0:
        response["_error"] = "net::ERR_CONNECTION_RESET"
    return {"startedDateTime": f"2026-01-05T10:{place // 60:02d}:{place % 60:02d}.000Z", "time": 20, "request": request,
            "response": response, "cache": {}, "timings": {"send": 0, "wait": 20, "receive": 0}}  # fmt: skip


def write_har(path: Path, calls: list[Call], *, page_assets: int = 0) -> Path:
    """``calls`` as a HAR file, after ``page_assets`` entries that are not of the API."""
    assets = [
        {"startedDateTime": "2026-01-05T09:59:59.000Z", "time": 3, "request": {"method": "GET", "url": f"https://app.example.com/asset{n}.js", "httpVersion": "HTTP/1.1",
         "headers": [], "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
         "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [], "redirectURL": "",
                      "headersSize": -1, "bodySize": 2, "content": {"size": 2, "mimeType": "text/javascript", "text": "//"}},
         "cache": {}, "timings": {"send": 0, "wait": 3, "receive": 0}}
        for n in range(page_assets)
    ]  # fmt: skip
    document = {"log": {"version": "1.2", "creator": {"name": "a test", "version": "1"}, "entries": assets + [entry(call, n) for n, call in enumerate(calls)]}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path
