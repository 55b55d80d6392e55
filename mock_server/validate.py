"""Validate stage: the bearer token, path parameters and the JSON body, against the spec.

Validators are compiled once at start (``mock_server.compiled``) with jsonschema-rs, which
implements the same Draft 2020-12 semantics as python-jsonschema much faster; a test holds the
two to the same verdicts.
"""

from __future__ import annotations

import hmac
import json
import math
import re
from typing import Any, Mapping

import jsonschema_rs
import orjson

from mock_server.compiled import CompiledOperation
from mock_server.errors import ABSENT, ApiError, Problem, Received

_BEARER = re.compile(r"Bearer[ \t]+(\S.*)", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")  # ASCII digits only: int() also reads "１２"


def check_bearer(op: CompiledOperation, authorization: str | None, token: str | None) -> None:
    """401 unless the request carries ``Bearer <token>`` (any token, or exactly ``token`` if set)."""
    if not op.needs_bearer:
        return
    if not authorization:
        problem = Problem("header.Authorization", "required", "The Authorization header is missing.", ABSENT)
    else:
        match = _BEARER.fullmatch(authorization.strip())
        if match is None:
            problem = Problem("header.Authorization", "format", 'The Authorization header is not "Bearer <token>".', Received(authorization))
        elif token is not None and not hmac.compare_digest(match.group(1).strip().encode(), token.encode()):
            problem = Problem("header.Authorization", "token", "The bearer token is not the one this mock accepts.")
        else:
            return
    raise ApiError(
        401,
        "unauthorized",
        'Send an Authorization header of the form "Bearer <token>".',
        [problem],
        headers={"WWW-Authenticate": 'Bearer realm="waterrai-mock"'},
    )


def check_parameters(op: CompiledOperation, raw: Mapping[str, str]) -> dict[str, Any]:
    """Path parameters converted to the types their schemas give, or 400 naming each bad one."""
    if op.parameter_validator is None:
        return {}
    values: dict[str, Any] = {}
    for name, text in raw.items():
        wanted = op.parameter_types.get(name)
        values[name] = int(text) if wanted == "integer" and _INTEGER.fullmatch(text) else text
    _raise_on_errors(op.parameter_validator, values, "path")
    return values


def parse_json_body(content_type: str | None, data: bytes) -> Any:
    """The request's JSON document: 415 for another media type, 400 for anything but JSON text."""
    if not data.strip():
        raise _malformed("The body is empty; send a JSON object.")
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not (media_type.startswith("application/") and media_type.endswith("+json")):
        raise ApiError(
            415,
            "unsupported_media_type",
            'Send the body as JSON with "Content-Type: application/json".',
            [Problem("header.Content-Type", "media_type", f"{media_type or 'no media type'} is not application/json.", Received(content_type) if content_type else ABSENT)],
        )
    if orjson_reads_exactly(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # refused: the stdlib says why, in words
    try:
        document = json.loads(data.decode("utf-8"), parse_constant=_refuse_constant)
        json.dumps(document, ensure_ascii=False).encode("utf-8")  # lone surrogates cannot be stored
        return document
    except RecursionError:
        raise _malformed("The body is nested too deeply.") from None
    except UnicodeError:
        raise _malformed("The body is not valid UTF-8 (or holds an unpaired surrogate).") from None
    except ValueError as exc:
        raise _malformed(f"The body is not valid JSON: {exc}.") from None


#: A run of digits as long as the longest 64-bit integer: orjson reads a longer integer as a float,
#: losing digits (30 digits come back as 1.2345678901234568e+29), so such a text goes to the stdlib.
_LONG_NUMBER = re.compile(rb"[0-9]{19}")


def orjson_reads_exactly(data: bytes) -> bool:
    """Whether orjson's reading of ``data`` keeps every integer exact (else use the stdlib)."""
    return _LONG_NUMBER.search(data) is None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _malformed(message: str) -> ApiError:
    return ApiError(400, "malformed_json", message, [Problem("body", "json", message)])


def check_body(op: CompiledOperation, document: Any) -> None:
    """400 naming every field and rule the document breaks."""
    if op.body_validator is not None:
        _raise_on_errors(op.body_validator, document, "body")


def _raise_on_errors(validator: jsonschema_rs.Validator, instance: Any, where: str) -> None:
    if validator.is_valid(instance):
        return
    raise ApiError(400, "validation_failed", "The request does not match the API description; see details.", problems(validator, instance, where))


def problems(validator: jsonschema_rs.Validator, instance: Any, where: str, limit: int | None = None) -> list[Problem]:
    """Each field and rule ``instance`` breaks, once (``allOf`` repeats a rule), at most ``limit``
    of them; a missing property is named as the field. The mock's 400s and the validation proxy's
    findings in answers say the same thing the same way."""
    found: dict[tuple[str, str], Problem] = {}
    for error in validator.iter_errors(instance):
        rule = error.kind.name
        path = [str(part) for part in error.instance_path]
        if rule == "required":
            path.append(str(error.kind.as_dict().get("property", "")))
        field = ".".join([where, *path])
        received = ABSENT if rule == "required" else _received(instance, error.instance_path)
        found.setdefault((field, rule), Problem(field, rule, _said(error.message, instance, error.instance_path), received))
        if limit is not None and len(found) >= limit:
            break
    return list(found.values())


def _received(instance: Any, instance_path: Any) -> Received | None:
    """The value at ``instance_path`` (None if it cannot be reached)."""
    value = instance
    for part in instance_path:
        try:
            value = value[part]
        except (LookupError, TypeError):
            return None
    return Received(value)


def _said(message: str, instance: Any, instance_path: Any) -> str:
    """jsonschema-rs's message, except that a number past what a double holds (``1e999``, which
    Python reads as infinity) is named as such, where jsonschema-rs says ``null``."""
    value = instance
    for part in instance_path:
        try:
            value = value[part]
        except (LookupError, TypeError):
            return message
    if isinstance(value, float) and math.isinf(value) and message.startswith("null "):
        return f"{'-' if value < 0 else ''}Infinity (a number past 1.8e308){message[4:]}"
    return message
