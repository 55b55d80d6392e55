"""What a check found wrong in a request or an answer: where, which rule, in words, what came.

Checks return problems; they never raise and never decide what happens next. Each consumer
renders them its own way: the mock as a 4xx answer, the proxy and the check of a recording as
violations, the contract suite as failed checks. ``kind`` says which part of the contract broke,
which is all a consumer needs to choose its rendering (the mock answers 401 for ``SECURITY``,
415 for ``MEDIA_TYPE``, 400 for the rest).
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass
from typing import Any

#: Longest text a problem quotes: a huge value must not flood an answer, a log or a report.
CLIP = 300
#: Longest value a problem's ``got`` quotes.
GOT_CLIP = 120
#: What ``got`` says where a value was expected and nothing came.
NOTHING = "absent"
#: What stands for a credential wherever the kit shows where one was.
HIDDEN = "REDACTED"


class Part(enum.Enum):
    """The part of an exchange a problem is about."""

    SECURITY = "security"  # the credentials (Authorization)
    MEDIA_TYPE = "media type"  # the body's declared media type
    MALFORMED = "body"  # a body that is not JSON at all
    SCHEMA = "schema"  # a value the schema refuses (path parameters, bodies)
    STATUS = "status"  # an answer's status the operation does not declare


@dataclass(frozen=True)
class Problem:
    """One broken rule. ``field`` is dotted from where it sits (``body.person_name``,
    ``path.id``, ``header.Authorization``); ``rule`` is the schema keyword or check name;
    ``got`` is what came there, clipped (never a credential: checks of credentials say only
    how they were malformed)."""

    field: str
    rule: str
    message: str
    part: Part = Part.SCHEMA
    got: str = ""

    def as_json(self) -> dict[str, str]:
        """The problem as the mock's error bodies list it."""
        return {"field": self.field, "rule": self.rule, "message": clip(self.message)}


def clip(text: str, limit: int = CLIP) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: Any) -> str:
    """A value as JSON spells it, clipped; numbers past a double are named as such."""
    if isinstance(value, float) and math.isinf(value):
        return f"{'-' if value < 0 else ''}Infinity (a number past 1.8e308)"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return clip(text, GOT_CLIP)


def text_of(body: bytes) -> str:
    """A body that is not JSON, as ``got`` quotes it: its text, clipped; "absent" when empty."""
    return clip(body[: GOT_CLIP * 4].decode("utf-8", "replace"), GOT_CLIP) if body.strip() else NOTHING


def hidden_credential(value: str) -> str:
    """An Authorization value as ``got`` quotes it: its scheme, the credential hidden."""
    scheme, _, rest = value.strip().partition(" ")
    return f"{scheme} {HIDDEN}" if rest.strip() and scheme.isascii() and scheme.isalpha() else HIDDEN
