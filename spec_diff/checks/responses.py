"""Responses: the statuses an operation answers, their headers and links.

Family ``responses`` of the catalogue. A status of OLD that NEW no longer lists may still be
answered under a range (``4XX``) or ``default`` of NEW; it is then compared with that. What a
response's body holds is compared by its media types (``spec_diff.checks.media_types``).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, at, deref, docs, docs_removed, param_schema
from spec_diff.checks.media_types import compare_content
from spec_diff.normal import Located, canonical
from spec_diff.place import RESPONSE, Place

#: What a response holds besides documentation: compared by their own rules.
_RESPONSE_PARTS = {"content", "headers", "links"}


def compare_responses(c: Comparison, where: str, old_op: Located, new_op: Located) -> None:
    old_keys = _status_keys(old_op.schema.get("responses") or {})
    new_keys = _status_keys(new_op.schema.get("responses") or {})

    def old_response(status: str) -> Located:
        return deref(c.old_refs, old_op.child("responses", old_keys[status]))

    def new_response(status: str) -> Located:
        return deref(c.new_refs, new_op.child("responses", new_keys[status]))

    old_success = [s for s in old_keys if s.startswith("2")]
    removed_at = at(new_op, "responses")
    for status in old_keys:
        place = Place(where, f"response {status}", RESPONSE)
        if status in new_keys:
            _response(c, where, status, old_response(status), new_response(status))
            continue
        old_resp = old_response(status)
        cover = _covering(status, new_keys)
        if cover is not None:
            c.findings.add(rules.STATUS_MERGED, place, f"status {status} no longer listed; it falls under {cover} now",
                           removed_at, old_resp.pointer)
            _response(c, where, status, old_resp, new_response(cover), annotations=False)
        elif status.startswith("2") and not any(s in new_keys for s in old_success):
            c.findings.add(rules.SUCCESS_STATUS_REMOVED, place,
                           f"success status {status} removed, and no other success status of OLD remains",
                           removed_at, old_resp.pointer)
        elif status.startswith("2"):
            c.findings.add(rules.SUCCESS_STATUS_REMOVED_OTHERS_REMAIN, place,
                           f"success status {status} removed (a client written against OLD handles the other ones too, "
                           "but code that only ever saw this one may not)", removed_at, old_resp.pointer)
        else:
            c.findings.add(rules.STATUS_REMOVED, place, f"status {status} removed: what it answered may now come as another status",
                           removed_at, old_resp.pointer)
    for status in new_keys:
        if status in old_keys:
            continue
        place = Place(where, f"response {status}", RESPONSE)
        new_resp = new_response(status)
        cover = _covering(status, old_keys)
        if cover is not None:
            c.findings.add(rules.STATUS_SPLIT, place, f"status {status} now described on its own (it fell under {cover})",
                           new_resp.pointer)
            _response(c, where, status, old_response(cover), new_resp, annotations=False)
        elif status.startswith("2"):
            c.findings.add(rules.SUCCESS_STATUS_ADDED, place,
                           f"new success status {status}: a client that checks for OLD's success status may not expect it",
                           new_resp.pointer)
        else:
            c.findings.add(rules.STATUS_ADDED, place, f"new response {status}", new_resp.pointer)


def _response(c: Comparison, where: str, status: str, old: Located, new: Located, *, annotations: bool = True) -> None:
    """One response; ``annotations=False`` when it is compared with the range that covers it (their
    descriptions naturally differ)."""
    place = Place(where, f"response {status}", RESPONSE)
    if annotations:
        compare_annotations(docs(old.schema, _RESPONSE_PARTS), docs(new.schema, _RESPONSE_PARTS), place,
                            c.findings, partial(at, new), partial(at, old))
    compare_content(c, where, f"response {status} body", RESPONSE, old, new)
    _headers(c, where, status, old, new)
    _links(c, place, old, new)


def _headers(c: Comparison, where: str, status: str, old: Located, new: Located) -> None:
    old_headers = {k.lower(): k for k in (old.schema.get("headers") or {})}
    new_headers = {k.lower(): k for k in (new.schema.get("headers") or {})}
    for key, name in old_headers.items():
        place = Place(where, f"response {status} header {name}", RESPONSE)
        old_h = deref(c.old_refs, old.child("headers", name))
        if key not in new_headers:
            if old_h.schema.get("required"):
                c.findings.add(rules.HEADER_REMOVED, place, "header removed (it was always sent)", at(new, "headers"),
                               old_h.pointer)
            else:
                c.findings.add(rules.OPTIONAL_HEADER_REMOVED, place, "header removed", at(new, "headers"), old_h.pointer)
            continue
        new_h = deref(c.new_refs, new.child("headers", new_headers[key]))
        if old_h.schema.get("required") and not new_h.schema.get("required"):
            c.findings.add(rules.HEADER_BECAME_OPTIONAL, place, "header no longer always sent",
                           at(new_h, "required"), at(old_h, "required"))
        c.schemas.compare([param_schema(old_h)], [param_schema(new_h)], place)
    for key, name in new_headers.items():
        if key not in old_headers:
            c.findings.add(rules.HEADER_ADDED, Place(where, f"response {status} header {name}", RESPONSE),
                           "new header", at(new.child("headers"), name))


def _links(c: Comparison, place: Place, old: Located, new: Located) -> None:
    old_links = old.schema.get("links") or {}
    new_links = new.schema.get("links") or {}
    for name in old_links:
        old_link = deref(c.old_refs, old.child("links", name))
        if name not in new_links:
            c.findings.add(rules.LINK_REMOVED, place, f"link {name} removed (clients and the contract suite follow it)",
                           at(new, "links"), old_link.pointer)
            continue
        new_link = deref(c.new_refs, new.child("links", name))
        if canonical(docs_removed(old_link.schema)) != canonical(docs_removed(new_link.schema)):
            c.findings.add(rules.LINK_CHANGED, place, f"link {name} changed", new_link.pointer, old_link.pointer)
    for name in new_links:
        if name not in old_links:
            c.findings.add(rules.LINK_ADDED, place, f"link {name} added", at(new.child("links"), name))


def _status_keys(responses: dict[Any, Any]) -> dict[str, Any]:
    """Response keys as text, ranges in capitals (``4xx`` is ``4XX``; YAML reads an unquoted 200 as a
    number), each to the key as written."""
    return {str(key).upper() if re.fullmatch(r"[1-5][xX][xX]", str(key)) else str(key): key for key in responses}


def _covering(status: str, statuses: dict[str, Any]) -> str | None:
    """The range (``4XX``) or ``default`` among ``statuses`` that answers ``status`` when it is not listed."""
    if len(status) == 3 and status.isdigit() and f"{status[0]}XX" in statuses:
        return f"{status[0]}XX"
    if status != "default" and "default" in statuses:
        return "default"
    return None
