"""JSON text exactly as JavaScript's ``JSON.stringify`` writes the same value.

A HAR replayer (Playwright's ``routeFromHAR``) answers a POST only when the body it sees is
byte-for-byte the recorded one, and a browser app sends ``JSON.stringify(body)``: compact,
non-ASCII kept as is, lone surrogates escaped, numbers in ECMAScript's notation, and object keys
in JavaScript's property order (array-index keys first, ascending, then the rest as written).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SAFE_INTEGER = 2**53
_MAX_ARRAY_INDEX = 2**32 - 2


def stringify(value: Any) -> str:
    """``JSON.stringify(value)`` for a value read from JSON (dict, list, str, int, float, bool, None)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value) if abs(value) <= _MAX_SAFE_INTEGER else _number(float(value))
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_string(key)}:{stringify(value[key])}" for key in _property_order(value)) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _string(text: str) -> str:
    # Pair surrogates the way a UTF-16 string holds them; those left alone are escaped, as JSON.stringify does.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    quoted = json.dumps(text, ensure_ascii=False)  # escapes " \\ and C0 controls exactly as JSON.stringify does
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def _property_order(obj: dict[str, Any]) -> list[str]:
    """OrdinaryOwnPropertyKeys: canonical array indices ascending, then string keys in insertion order."""
    indices = sorted((k for k in obj if _is_array_index(k)), key=int)
    return indices + [k for k in obj if not _is_array_index(k)]


def _is_array_index(key: str) -> bool:
    return key.isdigit() and key.isascii() and str(int(key)) == key and int(key) <= _MAX_ARRAY_INDEX


def _number(x: float) -> str:
    """Number::toString: the shortest digits that round-trip (as ``repr``), in ECMAScript's layout."""
    if not math.isfinite(x):
        return "null"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr holds the shortest digits that round-trip, as ECMAScript asks; value = digits * 10**exponent
    _, digit_tuple, exponent = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    n = len(digits) + int(exponent)  # value = 0.digits * 10**n
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        body = (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + body
