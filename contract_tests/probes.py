"""The fixed values the suite's probes send, and the fields that get them (read from the spec).

Random generation rarely draws a name in Arabic, an id of 2^63 or a scenario no server has, and
these are where real servers break: text folded to ASCII, normalised or cut short; integers
that overflow a column and come back as a 500; an error sent as a 200. So each probe sends a
fixed, documented set of values, the same in every run whatever ``--seed`` and
``--max-examples`` say, one request per value and field.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from meetings_spec.model import Operation, RequestField


def _long(length: int) -> str:
    """``length`` characters with no blank and no ASCII at the end; two bytes each in UTF-8, so a
    limit counted in bytes cuts it where one counted in characters does not."""
    pattern = "Ünïcødé-Ñámé·"
    return (pattern * (length // len(pattern) + 1))[:length]


#: One name per way text gets changed on its way through a server, and a few lengths. A server
#: may refuse any of them with a 4xx where the docs leave it open (lenient mode): what it
#: accepts must come back exactly as sent, code point for code point.
TEXT_PROBES: dict[str, str] = {
    "accents, precomposed": "Zoë Ångström-Núñez",
    "accents as combining marks": unicodedata.normalize("NFD", "Zoë Ångström-Núñez"),
    "a non-Latin script": "Дмитрий Шостакович 山田太郎",
    "characters outside the Basic Multilingual Plane": "𠮷野 𝔊𝔬𝔱𝔥 😀",
    "right-to-left text": "ليلى عبد الله ודנה",
    "1 character": "Ø",
    "255 characters": _long(255),
    "1,000 characters": _long(1000),
    "10,000 characters": _long(10000),
}

#: Integers where fixed-width arithmetic breaks: a server may refuse any of them (4xx) or take
#: it, but never fail on it (5xx) nor answer a success whose body breaks the schema.
INTEGER_EDGES: dict[str, int] = {
    "2^31": 2**31,  # one past a signed 32-bit integer
    "2^53 + 1": 2**53 + 1,  # the first integer a double cannot hold
    "2^63": 2**63,  # one past a signed 64-bit integer
    "2^64": 2**64,  # past 64 bits altogether
    "-1": -1,
    "0": 0,
}

#: Most meetings the edge values may create in one run: a server without limits takes them all
#: (6 edges in each integer field), and each is a meeting on a staging server.
EDGE_CREATES = 14

#: A path id is text: the same edges, and the documented id with leading zeros.
def path_id_edges(documented_id: int) -> dict[str, str]:
    edges = {name: str(value) for name, value in INTEGER_EDGES.items()}
    edges[f"{documented_id} with leading zeros"] = f"000{documented_id}"
    return edges


#: The id a probe names as absent: the largest 32-bit integer, a valid id that no server hands
#: out in practice (the next smaller one if that is the target's own scenario).
ABSENT_ID = 2**31 - 1


def absent_id(taken: int) -> int:
    return ABSENT_ID if taken != ABSENT_ID else ABSENT_ID - 1


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def is_free_text(field: RequestField) -> bool:
    """A string field any text may fill: no enum, const or format narrows it."""
    return _types(field.schema) - {"null"} == {"string"} and not {"enum", "const", "format"} & set(field.schema)


def echoed_text_fields(op: Operation) -> list[str]:
    """The request's free-text fields that the spec says come back as sent (``x-echo``)."""
    return [name for name, field in op.request_fields.items() if field.echo and is_free_text(field)]


def integer_fields(op: Operation) -> list[str]:
    """The request's fields that take an integer."""
    return [name for name, field in op.request_fields.items() if "integer" in _types(field.schema)]


def integer_path_parameters(op: Operation) -> list[str]:
    return [p["name"] for p in op.parameters if p.get("in") == "path" and "integer" in _types(p.get("schema", {}))]


def shown(text: Any, limit: int = 48) -> str:
    """A value as JSON with every non-ASCII character escaped (a combining mark or a
    right-to-left run reads unambiguously), long text cut in the middle."""
    if not isinstance(text, str):
        return json.dumps(text)
    if len(text) > limit:
        return f"{json.dumps(text[: limit // 2], ensure_ascii=True)[:-1]}...{json.dumps(text[-limit // 4 :], ensure_ascii=True)[1:]} ({len(text)} characters)"
    return json.dumps(text, ensure_ascii=True)


def how_text_changed(sent: str, got: Any) -> str:
    """In words, what a server did to ``sent`` to answer ``got``."""
    if not isinstance(got, str):
        return f"it came back as {json.dumps(got)[:80]}, not as text"
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        if unicodedata.normalize(form, sent) == got:
            return f"it came back normalised to {form}"
    if sent.startswith(got):
        return f"it came back cut short: {len(got)} of its {len(sent)} characters"
    if got.isascii() and not sent.isascii():
        return "it came back folded to ASCII"
    at = next((i for i, (a, b) in enumerate(zip(sent, got)) if a != b), min(len(sent), len(got)))
    sent_char = f"U+{ord(sent[at]):04X}" if at < len(sent) else "its end"
    got_char = f"U+{ord(got[at]):04X}" if at < len(got) else "its end"
    return f"it came back changed from character {at} on ({sent_char} sent, {got_char} back; {len(sent)} characters sent, {len(got)} back)"
