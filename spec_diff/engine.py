"""Diff two specs in both of the kit's views and merge what each view finds.

The spec is read in two views (``meetings_spec.views``): lenient (the docs' facts, what any real
server is held to) and strict (those plus the mock's assumptions: ``x-strict`` keywords and
``x-only-in: strict`` responses). A change found in the lenient view keeps its level. A change
found only in the strict view touches only assumptions: it can break the mock's strict view,
never a client of a server that keeps the docs, so a breaking one is reported as possibly
breaking, and says so.
"""

from __future__ import annotations

from typing import Any, Iterator

from referencing.exceptions import Unresolvable

from meetings_spec.refs import RefResolver, escape_segment, keyed
from meetings_spec.views import HTTP_METHODS, View, contract_view
from spec_diff.catalogue import CATALOGUE
from spec_diff.checks import compare_documents
from spec_diff.model import Change, Level, ShownIn
from spec_diff.place import Findings
from spec_diff.source import InputError


def diff_specs(old: dict[str, Any], new: dict[str, Any], labels: tuple[str, str] = ("OLD", "NEW")) -> list[Change]:
    """Every change from ``old`` to ``new``, most severe first, in document order within a level.

    ``labels`` name the two documents in the ``InputError`` raised when one cannot be walked.
    """
    check_document(old, labels[0])
    check_document(new, labels[1])
    lenient = compare_documents(contract_view(old, View.LENIENT), contract_view(new, View.LENIENT))
    strict = compare_documents(contract_view(old, View.STRICT), contract_view(new, View.STRICT))
    return sorted(merge_views(lenient, strict), key=lambda change: -change.level)


def merge_views(lenient: Findings, strict: Findings) -> list[Change]:
    """Lenient findings at their level; strict-only findings lowered to at most possibly breaking.

    A finding is the same in both views when its change and place are (once per place, whatever
    the wording; a rule and its variants name one change, ``spec_diff.catalogue.Rule.change``).
    One seen in a single view says which, when the other view has that part too (a response that
    exists only in the lenient view, such as a tolerated 201, goes unremarked).
    """
    in_strict = {same_change(change) for change in strict.changes}

    def lenient_only(change: Change) -> bool:
        return (change.view is ShownIn.BOTH and same_change(change) not in in_strict
                and (change.where, change.part) in strict.compared)

    merged = [change.in_view(ShownIn.LENIENT) if lenient_only(change) else change for change in lenient.changes]
    seen = {same_change(change) for change in lenient.changes}
    for change in strict.changes:
        if same_change(change) in seen:
            continue
        seen.add(same_change(change))
        merged.append(change.in_view(ShownIn.STRICT, min(change.level, Level.POSSIBLY_BREAKING)))
    return merged


def same_change(change: Change) -> tuple[str, str, str, str]:
    """What makes two views' findings one: the change their rules name, and its place."""
    return (CATALOGUE[change.rule].change, change.where, change.part, change.field)


def check_document(document: dict[str, Any], label: str) -> None:
    """Refuse a document whose shape the diff cannot walk: say what is wrong, and where."""
    paths = document.get("paths", {})
    _expect(paths, dict, label, "/paths")
    for path, item in paths.items():
        here = f"/paths/{escape_segment(path)}"
        _expect(item, dict, label, here)
        for method in HTTP_METHODS:
            if method in item:
                operation = item[method]
                _expect(operation, dict, label, f"{here}/{method}")
                _expect(operation.get("responses", {}), dict, label, f"{here}/{method}/responses")
                _expect(operation.get("parameters", []), list, label, f"{here}/{method}/parameters")
    for key in ("components", "x-mock"):
        if key in document:
            _expect(document[key], dict, label, f"/{key}")
    _expect(document.get("servers", []), list, label, "/servers")
    _expect(document.get("security", []), list, label, "/security")
    refs = RefResolver(document)
    checked: set[str] = set()
    for pointer, ref in _refs(document, ""):
        if ref in checked:
            continue
        try:
            refs.lookup(ref)
        except Unresolvable as exc:
            raise InputError(f"{label}: the $ref {ref!r} at {pointer} points at nothing") from exc
        checked.add(ref)


def _expect(value: Any, kind: type, label: str, pointer: str) -> None:
    if not isinstance(value, kind):
        raise InputError(f"{label}: {pointer} should be {'a mapping' if kind is dict else 'a list'}, "
                         f"not {type(value).__name__}")


def _refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    return ((where, ref) for where, ref in keyed(node, "$ref", pointer) if isinstance(ref, str))
