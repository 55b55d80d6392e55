"""Turn recorded exchanges into files: one JSON per exchange, an index, a HAR log and a README.

Everything is rendered in memory first and then written to a temporary folder beside the
target, which replaces the target only once complete: a failed run never leaves half a set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from fixtures_builder.record import FROZEN_AT

#: Where the recorded requests pretend to have gone: the mock's address.
BASE_URL = "http://127.0.0.1:4010"
STATUS_TEXT = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 402: "Payment Required",
               404: "Not Found", 405: "Method Not Allowed", 413: "Content Too Large", 415: "Unsupported Media Type"}


def dump(value: Any) -> str:
    """Stable JSON text: two-space indent, keys in recorded order, UTF-8, final newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def fixture_path(exchange: dict[str, Any]) -> str:
    return f"{exchange['operationId']}/{exchange['case']}.json"


def render(exchanges: list[dict[str, Any]]) -> dict[str, str]:
    """Every file of the fixture folder, relative path to text."""
    files = {fixture_path(e): dump(e) for e in exchanges}
    files["index.json"] = dump(
        {
            "about": "Request/response pairs recorded from the Meetings API mock; see README.md.",
            "fixtures": [
                {
                    "file": fixture_path(e),
                    "operationId": e["operationId"],
                    "case": e["case"],
                    "method": e["request"]["method"],
                    "path": e["request"]["path"],
                    "status": e["response"]["status"],
                    "description": e["description"],
                }
                for e in exchanges
            ],
        }
    )
    files["meetings.har"] = dump(har(exchanges))
    files["README.md"] = resources.files("fixtures_builder").joinpath("fixtures_readme.md").read_text(encoding="utf-8")
    return files


def _request_text(request: dict[str, Any]) -> str | None:
    if "bodyText" in request:
        return request["bodyText"]
    if "body" in request:
        return json.dumps(request["body"], ensure_ascii=False)
    return None


def har(exchanges: list[dict[str, Any]]) -> dict[str, Any]:
    """A HAR 1.2 log of the same exchanges (for Playwright's routeFromHAR, devtools, Postman)."""
    started = FROZEN_AT.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    entries = []
    for exchange in exchanges:
        request, response = exchange["request"], exchange["response"]
        text = _request_text(request)
        har_request: dict[str, Any] = {
            "method": request["method"],
            "url": BASE_URL + request["path"],
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [{"name": k, "value": v} for k, v in request["headers"].items()],
            "queryString": [],
            "headersSize": -1,
            "bodySize": -1 if text is None else len(text.encode()),
        }
        if text is not None:
            har_request["postData"] = {"mimeType": request["headers"].get("Content-Type", ""), "text": text}
        body = json.dumps(response["body"], ensure_ascii=False)
        entries.append(
            {
                "pageref": exchange["operationId"],
                "startedDateTime": started,
                "time": 0,
                "request": har_request,
                "response": {
                    "status": response["status"],
                    "statusText": STATUS_TEXT.get(response["status"], ""),
                    "httpVersion": "HTTP/1.1",
                    "cookies": [],
                    "headers": [{"name": k, "value": v} for k, v in response["headers"].items()],
                    "content": {"size": len(body.encode()), "mimeType": response["headers"].get("Content-Type", ""), "text": body},
                    "redirectURL": "",
                    "headersSize": -1,
                    "bodySize": len(body.encode()),
                },
                "cache": {},
                "timings": {"send": 0, "wait": 0, "receive": 0},
                "comment": f"{exchange['case']}: {exchange['description']}",
            }
        )
    pages = sorted({e["operationId"] for e in exchanges}, key=[e["operationId"] for e in exchanges].index)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "waterrai-fixtures", "version": "1"},
            "pages": [{"startedDateTime": started, "id": p, "title": p, "pageTimings": {}} for p in pages],
            "entries": entries,
        }
    }


def write_atomically(files: dict[str, str], target: Path) -> None:
    """Replace ``target`` with exactly ``files``: built aside, swapped in with renames."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        for relative, text in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
        old = None
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(old)
        staging.rename(target)
        if old is not None:
            shutil.rmtree(old)
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def differences(files: dict[str, str], target: Path) -> list[str]:
    """Paths under ``target`` that differ from ``files`` (missing, changed or extra)."""
    present = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()} if target.exists() else set()
    changed = [r for r, text in files.items() if r not in present or (target / r).read_text(encoding="utf-8") != text]
    return sorted(changed + sorted(present - set(files)))
