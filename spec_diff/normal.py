"""One normal form for a JSON Schema 2020-12 node, so that two spellings of one fact compare equal.

A schema written as ``allOf: [$ref Meeting, {required: [created_at]}]`` and the same object
written out plainly, ``type: [string, "null"]`` and ``anyOf: [{type: string}, {type: "null"}]``,
``const: x`` with or without ``type``: each pair means the same to a client, so each pair gets the
same ``Flat``. ``$ref`` is followed (siblings kept) through ``meetings_spec.refs``; ``allOf`` is
merged as the intersection it is. Sub-schemas (properties, items...) stay unflattened until the
comparison reaches them, which keeps recursive schemas finite.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from meetings_spec.refs import RefResolver, escape_segment

JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})

#: Keywords whose bounds tighten when they grow (lower bounds) or shrink (upper bounds).
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
#: Keywords that describe without constraining: a change to them is compatible documentation.
DOCUMENTATION = frozenset(
    {"description", "title", "summary", "examples", "example", "$comment", "externalDocs", "xml",
     "$id", "$schema", "$anchor", "$dynamicAnchor", "$defs", "definitions", "$vocabulary", "deprecated"}
)
#: Keywords read into the normal form's own fields.
STRUCTURAL = frozenset(
    {"$ref", "allOf", "anyOf", "oneOf", "type", "enum", "const", "nullable", "properties", "required",
     "additionalProperties", "items", "pattern", "format", "multipleOf", "uniqueItems",
     *LOWER_BOUNDS, *UPPER_BOUNDS}
)
#: Annotations with a meaning for clients, judged one by one (``default``, the kit's ``x-`` rules).
MEANINGFUL_NOTES = frozenset({"default", "readOnly", "writeOnly"})


def canonical(value: Any) -> str:
    """One spelling of a JSON value: keys sorted, ``1.0`` as ``1`` (JSON Schema treats them as equal)."""
    return json.dumps(_integral(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _integral(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def json_type(value: Any) -> str:
    """The JSON Schema type of a value (``integer`` for whole numbers, as 2020-12 says)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def expand_types(types: set[str] | frozenset[str]) -> frozenset[str]:
    """``number`` includes ``integer``: spell that out, so that set operations are right."""
    return frozenset(types | {"integer"}) if "number" in types else frozenset(types)


def show_types(types: frozenset[str] | None) -> str:
    if types is None:
        return "any type"
    shown = sorted(types - {"integer"} if "number" in types else types)
    return " or ".join(shown) if shown else "no type at all"


class CachedRefs(RefResolver):
    """``meetings_spec.refs.RefResolver`` with each reference looked up once (a diff looks many up again)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__(spec)
        self._found: dict[str, Any] = {}

    def lookup(self, ref: str) -> Any:
        if ref not in self._found:
            self._found[ref] = super().lookup(ref)
        return self._found[ref]


@dataclass(frozen=True)
class Located:
    """A schema as written, and the JSON pointer it is written at."""

    schema: Any
    pointer: str

    def child(self, *segments: str | int) -> Located:
        node = self.schema
        for segment in segments:
            node = node[segment]
        return Located(node, self.pointer + "".join(f"/{escape_segment(str(s))}" for s in segments))


@dataclass
class Flat:
    """A schema in normal form. ``None`` means "not constrained" wherever it is allowed."""

    types: frozenset[str] | None = None  # expanded: "number" brings "integer"
    values: dict[str, Any] | None = None  # enum / const, canonical text -> value
    properties: dict[str, list[Located]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: bool = False  # additionalProperties: false
    additional: list[Located] = field(default_factory=list)  # additionalProperties schemas
    items: list[Located] = field(default_factory=list)
    bounds: dict[str, Any] = field(default_factory=dict)
    multiple_of: set[str] = field(default_factory=set)
    unique_items: bool = False
    patterns: set[str] = field(default_factory=set)
    formats: set[str] = field(default_factory=set)
    alternatives: list[tuple[str, list[Located]]] = field(default_factory=list)  # anyOf / oneOf left as such
    other: dict[str, list[str]] = field(default_factory=dict)  # other assertions, canonical text
    notes: dict[str, Any] = field(default_factory=dict)  # annotations and x- extensions, last written wins
    origins: list[str] = field(default_factory=list)  # pointers merged in, in merge order
    written_at: dict[str, str] = field(default_factory=dict)  # keyword -> pointer of the node that wrote it

    def where(self, keyword: str | None = None) -> str | None:
        """Pointer of ``keyword`` as written (or of the node, when it is not written anywhere)."""
        if keyword is not None and keyword in self.written_at:
            return f"{self.written_at[keyword]}/{escape_segment(keyword)}"
        return self.origins[-1] if self.origins else None

    def may_be(self, json_kind: str) -> bool:
        """Whether an instance of this JSON type can be valid here."""
        return self.effective_types() is None or json_kind in self.effective_types()  # type: ignore[operator]

    def effective_types(self) -> frozenset[str] | None:
        """The types an instance may have: from ``type``, narrowed by ``enum``/``const`` when given."""
        if self.values is None:
            return self.types
        return expand_types({json_type(v) for v in self.values.values()})

    def is_plain(self) -> bool:
        """Nothing but a type and/or a set of values (and annotations): a candidate for folding."""
        return not (self.properties or self.required or self.closed or self.additional or self.items
                    or self.bounds or self.multiple_of or self.unique_items or self.patterns
                    or self.formats or self.alternatives or self.other)

    def is_null_only(self) -> bool:
        return self.is_plain() and self.effective_types() == frozenset({"null"})


def flatten(located: Located, refs: RefResolver, _chain: tuple[str, ...] = ()) -> Flat:
    """The normal form of one schema: ``$ref`` followed, ``allOf`` merged, simple ``anyOf``/``oneOf`` folded."""
    schema = located.schema
    flat = Flat(origins=[located.pointer])
    if schema is False:
        flat.types = frozenset()
        return flat
    if not isinstance(schema, dict):
        return flat  # true, or something that is no schema: accepts anything
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = ref[1:] if ref.startswith("#") else ref
        if target not in _chain:  # a schema that contains itself through allOf is read once
            flat = meet(flat, flatten(Located(refs.lookup(ref), target), refs, (*_chain, target)))
    for index, _ in enumerate(_list(schema.get("allOf"))):
        flat = meet(flat, flatten(located.child("allOf", index), refs, _chain))
    for keyword in ("anyOf", "oneOf"):
        branches = [located.child(keyword, i) for i, _ in enumerate(_list(schema.get(keyword)))]
        if branches:
            flat = meet(flat, _alternatives(keyword, branches, refs, _chain))
    return meet(flat, _own(located))


def flatten_all(located: list[Located], refs: RefResolver) -> Flat:
    """The normal form of several schemas that all apply (a property declared in several ``allOf`` branches)."""
    flat = Flat()
    for one in located:
        flat = meet(flat, flatten(one, refs))
    return flat


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _alternatives(keyword: str, branches: list[Located], refs: RefResolver, chain: tuple[str, ...]) -> Flat:
    """``anyOf``/``oneOf``: folded into one normal form when it is only a union of types or values."""
    flats = [flatten(branch, refs, chain) for branch in branches]
    if len(flats) == 1:
        return flats[0]
    others = [f for f in flats if not f.is_null_only()]
    if len(others) == 1 and len(others) < len(flats):  # X or null: X made nullable
        folded = _copy(others[0])
        if folded.types is not None:
            folded.types = folded.types | {"null"}
        if folded.values is not None:
            folded.values = {**folded.values, canonical(None): None}
        return folded
    if all(f.is_plain() and f.values is None for f in flats):
        types: frozenset[str] | None = frozenset()
        for f in flats:
            types = None if types is None or f.types is None else types | f.types
        folded = Flat(types=types, origins=[o for f in flats for o in f.origins])
        return folded
    if all(f.is_plain() and f.values is not None for f in flats):
        values = {k: v for f in flats for k, v in (f.values or {}).items()}
        return Flat(values=values, origins=[o for f in flats for o in f.origins])
    return Flat(alternatives=[(keyword, branches)])


def _copy(flat: Flat) -> Flat:
    return meet(Flat(), flat)


def _own(located: Located) -> Flat:
    """The keywords written on this one node, not following anything."""
    schema: dict[str, Any] = located.schema
    here = located.pointer
    flat = Flat(origins=[here])
    written = {key: here for key in schema}
    if "type" in schema:
        declared = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        flat.types = expand_types({t for t in declared if isinstance(t, str)})
    if schema.get("nullable") is True and flat.types is not None:  # an OpenAPI 3.0 spelling some tools keep
        flat.types = flat.types | {"null"}
    if "enum" in schema and isinstance(schema["enum"], list):
        flat.values = {canonical(v): v for v in schema["enum"]}
    if "const" in schema:
        const = {canonical(schema["const"]): schema["const"]}
        flat.values = const if flat.values is None else {k: v for k, v in flat.values.items() if k in const}
    properties = schema.get("properties")
    if isinstance(properties, dict):
        flat.properties = {name: [located.child("properties", name)] for name in properties}
    flat.required = {name for name in _list(schema.get("required")) if isinstance(name, str)}
    additional = schema.get("additionalProperties")
    if additional is False:
        flat.closed = True
    elif isinstance(additional, dict) and additional:
        flat.additional = [located.child("additionalProperties")]
    items = schema.get("items")
    if isinstance(items, dict) or items is False:
        flat.items = [located.child("items")]
    for keyword in (*LOWER_BOUNDS, *UPPER_BOUNDS):
        value = schema.get(keyword)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            flat.bounds[keyword] = value
        elif value is True and keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            flat.bounds[keyword + "Flag"] = True  # OpenAPI 3.0's boolean form, read with its minimum/maximum
    if isinstance(schema.get("multipleOf"), (int, float)):
        flat.multiple_of = {canonical(schema["multipleOf"])}
    flat.unique_items = schema.get("uniqueItems") is True
    if isinstance(schema.get("pattern"), str):
        flat.patterns = {schema["pattern"]}
    if isinstance(schema.get("format"), str):
        flat.formats = {schema["format"]}
    for key, value in schema.items():
        if key in STRUCTURAL:
            continue
        if key in DOCUMENTATION or key in MEANINGFUL_NOTES or key.startswith("x-"):
            flat.notes[key] = value
        else:
            flat.other[key] = [canonical(value)]
    flat.written_at = written
    return flat


def meet(a: Flat, b: Flat) -> Flat:
    """Both schemas at once (``allOf``): the values valid against ``a`` and against ``b``."""
    out = Flat()
    out.types = a.types if b.types is None else b.types if a.types is None else a.types & b.types
    if a.values is None or b.values is None:
        out.values = a.values if b.values is None else b.values
    else:
        out.values = {k: v for k, v in a.values.items() if k in b.values}
    if out.values is not None and out.types is not None:
        out.values = {k: v for k, v in out.values.items() if json_type(v) in out.types}
    out.properties = {name: list(where) for name, where in a.properties.items()}
    for name, where in b.properties.items():
        out.properties.setdefault(name, []).extend(where)
    out.required = a.required | b.required
    out.closed = a.closed or b.closed
    out.additional = a.additional + b.additional
    out.items = a.items + b.items
    out.bounds = dict(a.bounds)
    for keyword, value in b.bounds.items():
        if keyword not in out.bounds:
            out.bounds[keyword] = value
        elif keyword in LOWER_BOUNDS:
            out.bounds[keyword] = max(out.bounds[keyword], value)
        elif keyword in UPPER_BOUNDS:
            out.bounds[keyword] = min(out.bounds[keyword], value)
        else:
            out.bounds[keyword] = value
    out.multiple_of = a.multiple_of | b.multiple_of
    out.unique_items = a.unique_items or b.unique_items
    out.patterns = a.patterns | b.patterns
    out.formats = a.formats | b.formats
    out.alternatives = a.alternatives + b.alternatives
    out.other = {k: list(v) for k, v in a.other.items()}
    for keyword, texts in b.other.items():
        out.other[keyword] = sorted(set(out.other.get(keyword, [])) | set(texts))
    out.notes = {**a.notes, **b.notes}
    out.origins = a.origins + b.origins
    out.written_at = {**a.written_at, **b.written_at}
    return out


def numeric_bound(flat: Flat, side: str) -> tuple[float, bool] | None:
    """The lower (``side="min"``) or upper bound of a number, and whether it is exclusive."""
    plain, exclusive = ("minimum", "exclusiveMinimum") if side == "min" else ("maximum", "exclusiveMaximum")
    candidates: list[tuple[float, bool]] = []
    if plain in flat.bounds:
        candidates.append((flat.bounds[plain], bool(flat.bounds.get(exclusive + "Flag"))))
    if exclusive in flat.bounds:
        candidates.append((flat.bounds[exclusive], True))
    if not candidates:
        return None
    if side == "min":  # the tighter bound: the larger value, exclusive before inclusive at a tie
        return max(candidates, key=lambda c: (c[0], c[1]))
    return min(candidates, key=lambda c: (c[0], not c[1]))


class Fingerprints:
    """A digest of a schema with every ``$ref`` replaced by what it points at, memoised per node.

    Two schemas with the same fingerprint are the same schema, whatever their file order, so a
    comparison can skip them: on an unchanged spec, almost every comparison ends here. A schema
    that reaches itself through ``$ref`` has no fingerprint (``None``): it is always compared.
    """

    def __init__(self, refs: RefResolver) -> None:
        self.refs = refs
        self._nodes: dict[int, str] = {}
        self._refs: dict[str, str] = {}
        self._open: set[str] = set()  # references being expanded right now

    def of(self, node: Any) -> str | None:
        if not isinstance(node, (dict, list)):
            return canonical(node)
        known = self._nodes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, dict):
            items = sorted(node.items(), key=lambda item: str(item[0]))
            parts = [(key, self._ref(value) if key == "$ref" and isinstance(value, str) else self.of(value))
                     for key, value in items]
            if any(part is None for _, part in parts):
                return None
        else:
            parts = [self.of(value) for value in node]  # type: ignore[misc]
            if any(part is None for part in parts):
                return None
        digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
        self._nodes[id(node)] = digest
        return digest

    def _ref(self, ref: str) -> str | None:
        if ref in self._refs:
            return self._refs[ref]
        if ref in self._open:  # a cycle: no finite digest
            return None
        self._open.add(ref)
        try:
            digest = self.of(self.refs.lookup(ref))
        finally:
            self._open.discard(ref)
        if digest is not None:
            self._refs[ref] = digest
        return digest
