"""Bodies as they come off the wire: read within a bound, uncompressed, and parsed as JSON.

Written once for every server and judge of the kit: the mock and the proxy read request bodies
with ``read_rsgi_body``; the mock, the proxy, the check of a recording and the contract suite
parse JSON with ``parse_json``, which keeps every integer exact (orjson reads an integer past
64 bits as a float, losing digits) and says in words why a text is not JSON.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

import orjson

from meetings_spec.refs import JSON

#: How much of an over-long request body is read and thrown away before a 413 is sent, so that a
#: client that sends its whole body before reading (Python's urllib) reads the 413, not a broken
#: pipe. Past it the connection is closed on the sender.
DRAIN_LIMIT = 16 * 1024 * 1024

#: A run of digits as long as the longest 64-bit integer: such a text goes to the stdlib.
_LONG_NUMBER = re.compile(rb"[0-9]{19}")


class NotJson(ValueError):
    """The body is not a JSON document; the message says why, in words."""


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` value, lower-cased, without parameters."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` names JSON (``application/json`` or ``application/*+json``)."""
    kind = media_type(content_type)
    return kind == JSON or (kind.startswith("application/") and kind.endswith("+json"))


def parse_json(data: bytes) -> Any:
    """The JSON document ``data`` holds; ``NotJson`` saying why when it holds none."""
    if not data.strip():
        raise NotJson("The body is empty; send a JSON object.")
    if _few_digits(data) or _LONG_NUMBER.search(data) is None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # refused: the stdlib says why, in words
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
        json.dumps(document, ensure_ascii=False).encode("utf-8")  # lone surrogates cannot be stored
        return document
    except RecursionError:
        raise NotJson("The body is nested too deeply.") from None
    except UnicodeError:
        raise NotJson("The body is not valid UTF-8 (or holds an unpaired surrogate).") from None
    except ValueError as error:
        raise NotJson(f"The body is not valid JSON: {error}.") from None


def _few_digits(data: bytes) -> bool:
    """Whether ``data`` holds too few digits for an integer past 64 bits: one pass of
    ``translate`` costs a twentieth of the regular expression's scan, which the usual body
    never needs."""
    return len(data) - len(data.translate(None, b"0123456789")) < 19


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def decoded(encoding: str, body: bytes) -> bytes:
    """The body without its content coding (gzip, deflate; br when ``brotli`` is installed);
    ``ValueError`` saying why when it cannot be undone."""
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding in ("identity", ""):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli  # type: ignore[import-not-found]

                body = brotli.decompress(body)
            else:
                raise ValueError(f"the content coding {coding!r} is not one the kit reads")
        except ImportError:
            raise ValueError("the body is brotli-compressed and the brotli package is not installed") from None
        except zlib.error as error:
            raise ValueError(f"the {coding} body does not decompress ({error})") from None
    return body


def declared_length(raw: str | None) -> int | None:
    """A ``Content-Length`` as a number, or None when there is none (or it is not one)."""
    return int(raw) if raw and raw.isdigit() else None


async def read_rsgi_body(protocol: Any, declared: int | None, limit: int, *, drain: int = 0) -> bytes | None:
    """The whole body of an RSGI request, or None when it is longer than ``limit``. A body
    declared within the limit comes in one piece (Granian's fast path). Past the limit, up to
    ``drain`` bytes are read and dropped first, so that a client still sending reads the answer."""
    if declared is not None and declared <= limit:
        return await protocol()
    if declared is not None and declared > drain:
        return None
    parts: list[bytes] = []
    size = 0
    async for chunk in protocol:
        size += len(chunk)
        if size <= limit:
            parts.append(chunk)
        elif size > drain:
            break
    return b"".join(parts) if size <= limit else None
