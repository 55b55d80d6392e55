"""Paths and operations: which calls exist, what they are named, and what each one's parts are.

Family ``paths`` of the catalogue. An operation is matched across OLD and NEW by its method and
its path with parameter names blanked (``/meetings/{id}`` and ``/meetings/{meetingId}`` are one
URL). Each operation kept is then compared part by part, each part by the module of its family.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from meetings_spec.refs import RefResolver, escape_segment
from meetings_spec.views import HTTP_METHODS
from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, at, deref, docs
from spec_diff.checks.parameters import compare_parameters
from spec_diff.checks.request_body import compare_request_body
from spec_diff.checks.responses import compare_responses
from spec_diff.checks.security import compare_security
from spec_diff.normal import Located
from spec_diff.place import Place

PATH_TEMPLATE = re.compile(r"\{([^}/]+)\}")
#: What an operation holds besides documentation: compared by their own rules.
_OPERATION_PARTS = {"operationId", "parameters", "requestBody", "responses", "security", "servers", "callbacks", "tags"}

Operations = dict[tuple[str, str], tuple[str, Located, Located]]


def path_key(path: str) -> str:
    """A path with its parameter names blanked: ``/meetings/{id}`` and ``/meetings/{meetingId}`` are one URL."""
    return PATH_TEMPLATE.sub("{}", path)


def compare_operations(c: Comparison) -> None:
    """Operations removed, added, and every part of those kept."""
    old_ops, new_ops = _index(c.old, c.old_refs), _index(c.new, c.new_refs)
    new_paths = {path_key(p): f"/paths/{escape_segment(p)}" for p in (c.new.get("paths") or {})}
    for key, (path, old_item, old_op) in old_ops.items():
        where = f"{key[1].upper()} {path}"
        if key not in new_ops:
            rule, gone = (rules.OPERATION_REMOVED, "operation") if key[0] in new_paths else (rules.PATH_REMOVED, "path")
            c.findings.add(rule, Place(where, ""), f"{gone} removed: every call to it now fails",
                           new_paths.get(key[0], "/paths"), old_op.pointer)
            continue
        new_path, new_item, new_op = new_ops[key]
        _operation(c, f"{key[1].upper()} {new_path}", (path, new_path), old_item, old_op, new_item, new_op)
    for key, (path, _, new_op) in new_ops.items():
        if key not in old_ops:
            c.findings.add(rules.OPERATION_ADDED, Place(f"{key[1].upper()} {path}", ""), "new operation", new_op.pointer)


def _index(doc: dict[str, Any], refs: RefResolver) -> Operations:
    """``(path key, method) -> (path as written, path item, operation)`` of every operation."""
    index: Operations = {}
    for path, item in (doc.get("paths") or {}).items():
        located = deref(refs, Located(item, f"/paths/{escape_segment(path)}"))
        if not isinstance(located.schema, dict):
            continue
        for method in HTTP_METHODS:
            if isinstance(located.schema.get(method), dict):
                index[(path_key(path), method)] = (path, located, located.child(method))
    return index


def _operation(c: Comparison, where: str, paths: tuple[str, str], old_item: Located, old_op: Located,
               new_item: Located, new_op: Located) -> None:
    place = Place(where, "")
    o, n = old_op.schema, new_op.schema
    if o.get("operationId") != n.get("operationId"):
        c.findings.add(rules.OPERATION_ID_CHANGED, place,
                       f"operationId {o.get('operationId')} -> {n.get('operationId')}: generated clients name their "
                       "methods after it, and links point at it", at(new_op, "operationId"), at(old_op, "operationId"))
    if sorted(map(str, o.get("tags") or [])) != sorted(map(str, n.get("tags") or [])):
        c.findings.add(rules.TAGS_CHANGED, place, "tags changed", at(new_op, "tags"), at(old_op, "tags"))
    compare_annotations(docs(o, _OPERATION_PARTS), docs(n, _OPERATION_PARTS), place, c.findings,
                        partial(at, new_op), partial(at, old_op))
    compare_security(c, where, old_op, new_op)
    compare_parameters(c, where, (PATH_TEMPLATE.findall(paths[0]), PATH_TEMPLATE.findall(paths[1])),
                       (old_item, old_op), (new_item, new_op))
    compare_request_body(c, where, old_op, new_op)
    compare_responses(c, where, old_op, new_op)
