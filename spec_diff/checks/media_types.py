"""Media types of a request body or a response: which ones are sent or answered, and their schemas.

Family ``media types`` of the catalogue. A media type of OLD is matched in NEW by itself, else by
its ``type/*``, else by ``*/*``; its schema is then compared (``spec_diff.checks.schemas``), and
its named examples (``spec_diff.checks.examples``).
"""

from __future__ import annotations

from typing import Any

from spec_diff import catalogue as rules
from spec_diff.checks.comparison import Comparison, at, media_schema
from spec_diff.checks.examples import compare_examples
from spec_diff.normal import Located
from spec_diff.place import REQUEST, Place

JSON = "application/json"


def compare_content(c: Comparison, where: str, part: str, direction: str, old: Located, new: Located) -> None:
    """The media types of a request body or a response (``part``), and their schemas."""
    old_content = old.schema.get("content") or {}
    new_content = new.schema.get("content") or {}
    for media, _ in old_content.items():
        here = part if media == JSON else f"{part} ({media})"
        matched = _media_match(media, new_content)
        old_media = old.child("content", media)
        if matched is None:
            if direction == REQUEST:
                rule, message = rules.REQUEST_MEDIA_TYPE_REMOVED, f"{media} no longer accepted: requests sent as {media} are refused"
            else:
                rule, message = (rules.RESPONSE_MEDIA_TYPE_REMOVED,
                                 f"{media} body no longer answered: a client that reads it gets something else")
            c.findings.add(rule, Place(where, here, direction), message, at(new, "content"), old_media.pointer)
            continue
        new_media = new.child("content", matched)
        c.schemas.compare([media_schema(old_media)], [media_schema(new_media)], Place(where, here, direction))
        compare_examples(c, Place(where, here, direction), old_media, new_media)
    for media in new_content:
        if _media_match(media, old_content) is None:
            here = part if media == JSON else f"{part} ({media})"
            if direction == REQUEST:
                rule, message = rules.REQUEST_MEDIA_TYPE_ADDED, f"{media} now accepted"
            else:
                rule, message = rules.RESPONSE_MEDIA_TYPE_ADDED, f"{media} now answered too"
            c.findings.add(rule, Place(where, here, direction), message, new.child("content", media).pointer)


def _media_match(media: str, content: dict[str, Any]) -> str | None:
    """The media type of ``content`` that covers ``media``: itself, else ``type/*``, else ``*/*``."""
    if media in content:
        return media
    wildcard = media.split("/", 1)[0] + "/*"
    for candidate in (wildcard, "*/*"):
        if candidate in content:
            return candidate
    return None
