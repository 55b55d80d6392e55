"""Request bodies: whether an operation takes one, and whether it must.

Family ``request body`` of the catalogue. What the body holds is compared by its media types
(``spec_diff.checks.media_types``) and their schemas.
"""

from __future__ import annotations

from functools import partial

from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, at, deref, docs
from spec_diff.checks.media_types import compare_content
from spec_diff.normal import Located
from spec_diff.place import REQUEST, Place

_BODY_PARTS = {"content", "required"}


def compare_request_body(c: Comparison, where: str, old_op: Located, new_op: Located) -> None:
    place = Place(where, "request body")
    old_body = deref(c.old_refs, old_op.child("requestBody")) if "requestBody" in old_op.schema else None
    new_body = deref(c.new_refs, new_op.child("requestBody")) if "requestBody" in new_op.schema else None
    if old_body is None and new_body is None:
        return
    if old_body is None:
        assert new_body is not None
        if new_body.schema.get("required"):
            c.findings.add(rules.REQUEST_BODY_ADDED_REQUIRED, place, "a request body is now required", new_body.pointer)
        else:
            c.findings.add(rules.REQUEST_BODY_ADDED, place, "an optional request body is now described", new_body.pointer)
        return
    if new_body is None:
        c.findings.add(rules.REQUEST_BODY_REMOVED, place,
                       "the request body is no longer described: the server may ignore it now",
                       new_op.pointer, old_body.pointer)
        return
    was, now = bool(old_body.schema.get("required")), bool(new_body.schema.get("required"))
    if now and not was:
        c.findings.add(rules.REQUEST_BODY_BECAME_REQUIRED, place, "the request body is now required",
                       at(new_body, "required"), at(old_body, "required"))
    elif was and not now:
        c.findings.add(rules.REQUEST_BODY_BECAME_OPTIONAL, place, "the request body is now optional",
                       at(new_body, "required"), at(old_body, "required"))
    compare_annotations(docs(old_body.schema, _BODY_PARTS), docs(new_body.schema, _BODY_PARTS),
                        place, c.findings, partial(at, new_body), partial(at, old_body))
    compare_content(c, where, "request body", REQUEST, old_body, new_body)
