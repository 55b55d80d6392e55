"""Compare two JSON Schemas as a client sees them: a request may accept more, a response promise more.

Family ``schemas`` of the catalogue. Both schemas are read in normal form (``spec_diff.normal``),
so a restructured schema that says the same thing compares equal. Each difference is judged by
the side it is on: fewer accepted values break a sender (request), more possible values break a
receiver (response); the catalogue's pairs of rules (``request-…``/``response-…``) say which.
A schema's annotations are judged too: documented defaults (``spec_diff.checks.defaults``), the
kit's promises (``spec_diff.checks.promises``) and documentation (``spec_diff.checks.annotations``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from typing import Any, Callable

from meetings_spec.refs import RefResolver
from spec_diff import catalogue as rules
from spec_diff.catalogue import Directed, Rule
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import ABSENT, canonical_or_absent
from spec_diff.checks.defaults import DEFAULTING, compare_defaults
from spec_diff.checks.promises import PROMISES, Reporter
from spec_diff.normal import Fingerprints, Flat, Located, canonical, flatten, flatten_all, meet, numeric_bound, show_types
from spec_diff.place import Findings, Place

LENGTH_BOUNDS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
LOWER_LENGTHS = frozenset({"minLength", "minItems", "minProperties"})


def show(value: Any) -> str:
    return canonical(value)


class SchemaDiff:
    """Compares schemas of OLD and NEW, reporting into one ``Findings``."""

    def __init__(self, old_refs: RefResolver, new_refs: RefResolver, findings: Findings) -> None:
        self.old_refs = old_refs
        self.new_refs = new_refs
        self.findings = findings
        self.old_prints = Fingerprints(old_refs)
        self.new_prints = Fingerprints(new_refs)

    def same(self, old: list[Located], new: list[Located]) -> bool:
        """Whether ``old`` and ``new`` are the same schemas (then nothing can differ below them)."""
        old_prints = [self.old_prints.of(o.schema) for o in old]
        return None not in old_prints and old_prints == [self.new_prints.of(n.schema) for n in new]

    def compare(self, old: list[Located], new: list[Located], place: Place,
                _seen: frozenset[tuple[tuple[str, ...], tuple[str, ...]]] = frozenset()) -> None:
        """Every difference between the schemas ``old`` and ``new`` (each the ``allOf`` of its list) at ``place``.

        A schema that is a choice (``anyOf``/``oneOf`` left after normal form) is read as its
        alternatives, each with the keywords around it: alternatives are paired across OLD and
        NEW, each pair compared in full, and an alternative without a partner is one removed
        (narrower) or added (wider).
        """
        if not place.path:
            self.findings.compared.add((place.where, place.part))
        if self.same(old, new):
            return
        o, n = flatten_all(old, self.old_refs), flatten_all(new, self.new_refs)
        old_branches, new_branches = self._branches(o, self.old_refs), self._branches(n, self.new_refs)
        if old_branches is None or new_branches is None:
            self._adder(place, o, n)(rules.ALTERNATIVES_UNMATCHED, "anyOf",
                                     "several anyOf/oneOf combined; this tool cannot match their alternatives")
            return
        if len(old_branches) == len(new_branches) == 1:
            self._compare_flats(o, n, place, _seen)
            return
        old_keyword = next((b.keyword for b in old_branches if b.keyword), None)
        new_keyword = next((b.keyword for b in new_branches if b.keyword), None)
        if old_keyword and new_keyword and old_keyword != new_keyword:
            self._adder(place, o, n)(rules.ALTERNATIVES_KEYWORD_CHANGED, new_keyword, f"{old_keyword} became {new_keyword}")
        pairs, lost, gained = _match(old_branches, new_branches)
        for a, b in pairs:
            label = b.label or a.label
            self._compare_flats(a.flat, b.flat, place.down(label) if label else place, _seen)
        add = self._adder(place, o, n)
        for a in lost:
            add(rules.ALTERNATIVE_REMOVED, "anyOf",
                f"alternative {a.name} removed: " + place.no_longer("what only it allowed"))
        for b in gained:
            add(rules.ALTERNATIVE_ADDED, "anyOf",
                f"alternative {b.name} added: " + place.now("what it allows"))

    def _compare_flats(self, o: Flat, n: Flat, place: Place, _seen: frozenset[Any]) -> None:
        pair = (tuple(o.origins), tuple(n.origins))
        if pair in _seen:  # a recursive schema: this pair is being compared further up
            return
        seen = _seen | {pair}
        add = self._adder(place, o, n)
        self._types_and_values(o, n, place, add)
        self._bounds(o, n, place, add)
        self._strings(o, n, place, add)
        if o.may_be("object") and n.may_be("object"):
            self._objects(o, n, place, add, seen)
        if o.may_be("array") and n.may_be("array"):
            self._arrays(o, n, place, add, seen)
        for keyword in sorted(set(o.other) | set(n.other)):
            if o.other.get(keyword) != n.other.get(keyword):
                add(rules.KEYWORD_CHANGED, keyword,
                    f"`{keyword}` changed; this tool cannot judge it from the spec alone")
        compare_notes(o, n, place, self.findings)

    @staticmethod
    def _branches(flat: Flat, refs: RefResolver) -> list[Branch] | None:
        """The alternatives of a schema, each met with the keywords around it; None when there are
        several ``anyOf``/``oneOf`` to combine (not judged)."""
        if not flat.alternatives:
            return [Branch(flat, flat, "", "", None)]
        if len(flat.alternatives) > 1:
            return None
        keyword, located = flat.alternatives[0]
        around = copy.copy(flat)
        around.alternatives = []
        branches = []
        for index, branch in enumerate(located):
            own = flatten(branch, refs)
            branches.append(Branch(meet(around, own), own, _branch_name(branch), f"{keyword}[{index}]", keyword))
        return branches

    # ------------------------------------------------------------------ helpers

    def _adder(self, place: Place, o: Flat, n: Flat) -> Callable[..., None]:
        """``add(rule, keyword, message, at=place)``: a finding written at ``keyword`` of each side."""
        def add(rule: Rule | Directed, keyword: str | None, message: str, at: Place | None = None) -> None:
            self.findings.add(rule, at or place, message, n.where(keyword), o.where(keyword))
        return add

    # ------------------------------------------------------------------ values

    def _types_and_values(self, o: Flat, n: Flat, place: Place, add: Callable[..., None]) -> None:
        if o.values is not None and n.values is not None:
            keyword = "const" if "const" in n.written_at else "enum"
            for key, value in o.values.items():
                if key not in n.values:
                    add(rules.VALUE_REMOVED, keyword, place.no_longer(show(value)))
            for key, value in n.values.items():
                if key not in o.values:
                    add(rules.VALUE_ADDED, keyword, place.now(show(value)))
            return
        old_types, new_types = o.effective_types(), n.effective_types()
        if old_types != new_types:
            if old_types is None or new_types is None:
                if new_types is None:
                    add(rules.TYPE_WIDENED, "type",
                        f"type no longer limited to {show_types(old_types)}")
                else:
                    add(rules.TYPE_NARROWED, "type",
                        f"type now limited to {show_types(new_types)} (was any type)")
            else:
                lost, gained = old_types - new_types, new_types - old_types
                if lost and gained:
                    add(rules.TYPE_CHANGED, "type",
                        f"type changed from {show_types(old_types)} to {show_types(new_types)}")
                elif lost == {"null"}:
                    add(rules.NULLABLE_REMOVED, "type", place.no_longer("null"))
                elif lost:
                    add(rules.TYPE_NARROWED, "type",
                        place.no_longer(show_types(frozenset(lost))))
                elif gained == {"null"}:
                    add(rules.NULLABLE_ADDED, "type", place.now("null"))
                else:
                    add(rules.TYPE_WIDENED, "type",
                        place.now(f"{show_types(frozenset(gained))} too"))
        if o.values is not None and n.values is None:
            add(rules.VALUES_UNLIMITED, "enum",
                f"no longer limited to {', '.join(show(v) for v in o.values.values())}")
        elif o.values is None and n.values is not None:
            add(rules.VALUES_LIMITED, "enum" if "enum" in n.written_at else "const",
                f"now limited to {', '.join(show(v) for v in n.values.values())}")

    def _bounds(self, o: Flat, n: Flat, place: Place, add: Callable[..., None]) -> None:
        for side, word in (("min", "minimum"), ("max", "maximum")):
            old_b, new_b = numeric_bound(o, side), numeric_bound(n, side)
            if old_b == new_b:
                continue
            tighter = _tighter(old_b, new_b, lower=side == "min")
            keyword = word if new_b is None or not new_b[1] else "exclusive" + word.capitalize()
            add((rules.BOUND_TIGHTENED if tighter else rules.BOUND_RELAXED)[word],
                keyword, f"{word} {_show_bound(old_b)} -> {_show_bound(new_b)}")
        for keyword in LENGTH_BOUNDS:
            old_v, new_v = o.bounds.get(keyword), n.bounds.get(keyword)
            if old_v == new_v:
                continue
            tighter = _tighter(None if old_v is None else (old_v, False),
                               None if new_v is None else (new_v, False), lower=keyword in LOWER_LENGTHS)
            add((rules.BOUND_TIGHTENED if tighter else rules.BOUND_RELAXED)[keyword], keyword,
                f"{keyword} {_or_none(old_v)} -> {_or_none(new_v)}")
        old_m, new_m = _multiple(o), _multiple(n)
        if old_m != new_m:
            if new_m is None or (old_m is not None and old_m % new_m == 0):
                add(rules.MULTIPLE_OF_RELAXED, "multipleOf", f"multipleOf {old_m} -> {new_m}")
            elif old_m is None or new_m % old_m == 0:
                add(rules.MULTIPLE_OF_TIGHTENED, "multipleOf", f"multipleOf {old_m} -> {new_m}")
            else:
                add(rules.MULTIPLE_OF_CHANGED, "multipleOf", f"multipleOf {old_m} -> {new_m}")
        if o.unique_items != n.unique_items:
            tighter = n.unique_items
            add(rules.UNIQUE_ITEMS_ADDED if tighter else rules.UNIQUE_ITEMS_REMOVED, "uniqueItems", f"items {'must now be' if tighter else 'need no longer be'} unique")

    def _strings(self, o: Flat, n: Flat, place: Place, add: Callable[..., None]) -> None:
        lost, gained = o.patterns - n.patterns, n.patterns - o.patterns
        if lost and gained:
            add(rules.PATTERN_CHANGED, "pattern",
                f"pattern changed from {_listed(lost)} to {_listed(gained)}; whether one includes the other "
                "cannot be decided from the spec")
        elif gained:
            add(rules.PATTERN_ADDED, "pattern", f"values must now match {_listed(gained)}")
        elif lost:
            add(rules.PATTERN_REMOVED, "pattern", f"values need no longer match {_listed(lost)}")
        lost, gained = o.formats - n.formats, n.formats - o.formats
        if lost and gained:
            add(rules.FORMAT_CHANGED, "format", f"format changed from {_listed(lost)} to {_listed(gained)}")
        elif gained:
            add(rules.FORMAT_ADDED, "format", f"format {_listed(gained)} added")
        elif lost:
            add(rules.FORMAT_REMOVED, "format", f"format {_listed(lost)} removed")

    # ------------------------------------------------------------------ objects and arrays

    def _objects(self, o: Flat, n: Flat, place: Place, add: Callable[..., None], seen: frozenset[Any]) -> None:
        names = list(dict.fromkeys([*o.properties, *n.properties]))
        for name in names:
            child = place.down(name)
            if name in o.properties and name in n.properties:
                self._required(name, o, n, child, add)
                self.compare(o.properties[name], n.properties[name], child, seen)
            elif name in o.properties:
                if place.is_request:
                    if n.closed:
                        add(rules.REQUEST_PROPERTY_REMOVED_CLOSED, "additionalProperties",
                            "field removed, and unknown fields are refused: requests that send it now fail", child)
                    else:
                        add(rules.REQUEST_PROPERTY_REMOVED, "properties",
                            "field removed from the request: the server may ignore it now", child)
                elif name in o.required:
                    add(rules.RESPONSE_PROPERTY_REMOVED, "properties",
                        "field removed from the response (it was always present)", child)
                else:
                    add(rules.RESPONSE_OPTIONAL_PROPERTY_REMOVED, "properties",
                        "optional field removed from the response", child)
            else:
                if place.is_request:
                    if name in n.required:
                        add(rules.REQUEST_PROPERTY_ADDED_REQUIRED, "required",
                            "new required field: requests without it are refused", child)
                    else:
                        add(rules.REQUEST_PROPERTY_ADDED, "properties", "new optional field", child)
                elif o.closed:
                    add(rules.RESPONSE_PROPERTY_ADDED_CLOSED, "properties",
                        "new field where OLD promised no others (additionalProperties: false)", child)
                else:
                    add(rules.RESPONSE_PROPERTY_ADDED, "properties", "new field", child)
        for name in sorted((o.required ^ n.required) - set(names)):
            self._required(name, o, n, place.down(name), add)
        self._additional(o, n, place, add, seen)

    def _required(self, name: str, o: Flat, n: Flat, child: Place, add: Callable[..., None]) -> None:
        was, now = name in o.required, name in n.required
        if was == now:
            return
        if child.is_request:
            if now:
                add(rules.REQUEST_PROPERTY_BECAME_REQUIRED, "required",
                    "now required: requests without it are refused", child)
            else:
                add(rules.REQUEST_PROPERTY_BECAME_OPTIONAL, "required", "no longer required", child)
        elif was:
            add(rules.RESPONSE_PROPERTY_BECAME_OPTIONAL, "required",
                "no longer always present in the response", child)
        else:
            add(rules.RESPONSE_PROPERTY_BECAME_REQUIRED, "required", "now always present", child)

    def _additional(self, o: Flat, n: Flat, place: Place, add: Callable[..., None], seen: frozenset[Any]) -> None:
        def state(f: Flat) -> str:
            return "closed" if f.closed else "schema" if f.additional else "open"

        old_s, new_s = state(o), state(n)
        if old_s == new_s == "schema":
            self.compare(o.additional, n.additional, place.down("{*}"), seen)
            return
        if old_s == new_s:
            return
        order = {"closed": 0, "schema": 1, "open": 2}
        tighter = order[new_s] < order[old_s]
        words = {"closed": "no other fields allowed", "schema": "other fields constrained", "open": "any other fields"}
        add(rules.ADDITIONAL_PROPERTIES_TIGHTENED if tighter else rules.ADDITIONAL_PROPERTIES_RELAXED, "additionalProperties",
            f"additionalProperties: {words[old_s]} -> {words[new_s]}")

    def _arrays(self, o: Flat, n: Flat, place: Place, add: Callable[..., None], seen: frozenset[Any]) -> None:
        if o.items and n.items:
            self.compare(o.items, n.items, place.down("[]"), seen)
        elif o.items:
            add(rules.ITEMS_RELAXED, "items", "items no longer constrained")
        elif n.items:
            add(rules.ITEMS_CONSTRAINED, "items", "items now constrained")


def compare_notes(o: Flat, n: Flat, place: Place, findings: Findings) -> None:
    """Every annotation of a schema: documented defaults, the kit's promises, readOnly/writeOnly, documentation."""
    compare_defaults(o.notes, n.notes, place, findings, n.where, o.where)
    for key, judge in PROMISES.items():
        old, new = o.notes.get(key, ABSENT), n.notes.get(key, ABSENT)
        if canonical_or_absent(old) != canonical_or_absent(new):
            judge(old, new, Reporter(findings, place, key, n.where, o.where))
    for key, rule in (("readOnly", rules.READ_ONLY_CHANGED), ("writeOnly", rules.WRITE_ONLY_CHANGED)):
        if bool(o.notes.get(key)) != bool(n.notes.get(key)):
            findings.add(rule, place, f"{key} {'added' if n.notes.get(key) else 'removed'}", n.where(key), o.where(key))
    compare_annotations(o.notes, n.notes, place, findings, n.where, o.where,
                        skip={*PROMISES, *DEFAULTING, "readOnly", "writeOnly"})


@dataclass(frozen=True)
class Branch:
    """One alternative of a schema: ``flat`` with the keywords around it, ``own`` as written."""

    flat: Flat
    own: Flat
    name: str
    label: str  # the field path segment, ``oneOf[1]``; empty for a schema that is no choice
    keyword: str | None


def _match(old: list[Branch], new: list[Branch]) -> tuple[list[tuple[Branch, Branch]], list[Branch], list[Branch]]:
    """Pair alternatives: first those built from the same component, then those of the same types."""
    left, right = list(old), list(new)
    pairs: list[tuple[Branch, Branch]] = []

    def components(branch: Branch) -> set[str]:
        return {o for o in branch.own.origins if o.startswith("/components/")}

    for same in (
        lambda a, b: bool(components(a) & components(b)),
        lambda a, b: a.own.effective_types() == b.own.effective_types(),
    ):
        for a in list(left):
            match = next((b for b in right if same(a, b)), None)
            if match is not None:
                pairs.append((a, match))
                left.remove(a)
                right.remove(match)
    return pairs, left, right


def _tighter(old: tuple[float, bool] | None, new: tuple[float, bool] | None, *, lower: bool) -> bool:
    """Whether ``new`` bounds more tightly than ``old`` (bounds as ``(value, exclusive)``)."""
    if new is None:
        return False
    if old is None:
        return True
    if lower:
        return new[0] > old[0] or (new[0] == old[0] and new[1] and not old[1])
    return new[0] < old[0] or (new[0] == old[0] and new[1] and not old[1])


def _show_bound(bound: tuple[float, bool] | None) -> str:
    if bound is None:
        return "none"
    return f"{bound[0]} (exclusive)" if bound[1] else f"{bound[0]}"


def _or_none(value: Any) -> str:
    return "none" if value is None else str(value)


def _multiple(flat: Flat) -> Fraction | None:
    """The effective ``multipleOf`` (several combine to their least common multiple)."""
    result: Fraction | None = None
    for text in flat.multiple_of:
        value = Fraction(text)
        if value <= 0:
            continue
        if result is None:
            result = value
        else:
            a, b = result, value
            # lcm of two fractions: lcm(numerators) / gcd(denominators)
            result = Fraction(lcm(a.numerator, b.numerator), gcd(a.denominator, b.denominator))
    return result


def _listed(values: set[str]) -> str:
    return ", ".join(f"`{v}`" for v in sorted(values))


def _branch_name(branch: Located) -> str:
    if isinstance(branch.schema, dict) and isinstance(branch.schema.get("$ref"), str):
        return branch.schema["$ref"].rsplit("/", 1)[-1]
    return canonical(branch.schema)[:60]
