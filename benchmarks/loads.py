"""The two requests the bench repeats, built from the spec so they change when the docs do."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TOKEN = "bench-token"
_EXAMPLES_REF = "#/components/examples/"


@dataclass(frozen=True)
class Load:
    """One request, repeated by wrk for the whole run."""

    method: str
    path: str
    body: str | None = None

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def raw_request(self, port: int) -> bytes:
        """The request as bytes on the wire: cheap enough to send every few milliseconds while a server starts."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        body = (self.body or "").encode()
        if self.body is not None:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


READ = Load("GET", "/meetings/789")
# A create with none of its required fields: any proxy that validates requests flags it.
BROKEN_CREATE = Load("POST", "/meetings", "{}")


def documented_create(spec: dict[str, Any]) -> Load:
    """``POST /meetings`` with the first documented request example (one ``$ref`` level resolved)."""
    examples = spec["paths"]["/meetings"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    example = next(iter(examples.values()))
    ref = example.get("$ref")
    if ref is not None:
        if not ref.startswith(_EXAMPLES_REF):
            raise ValueError(f"cannot resolve the example reference {ref!r}")
        example = spec["components"]["examples"][ref.removeprefix(_EXAMPLES_REF)]
    return Load("POST", "/meetings", json.dumps(example["value"], separators=(",", ":")))
