"""Parameters: path, query, header and cookie parameters of an operation (its path item's too).

Family ``parameters`` of the catalogue. Parameters are matched by where they go and their name
(header names without case); path parameters by their position in the path, so renaming one
changes no URL. A parameter's schema is compared as a request's (``spec_diff.checks.schemas``).
"""

from __future__ import annotations

from functools import partial

from meetings_spec.refs import RefResolver
from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, at, deref, docs, param_schema
from spec_diff.normal import Located, canonical
from spec_diff.place import REQUEST, Place

#: What a parameter holds besides documentation: compared by their own rules.
_PARAMETER_PARTS = {"name", "in", "required", "schema", "content", "style", "explode", "allowReserved", "allowEmptyValue"}


def compare_parameters(c: Comparison, where: str, path_names: tuple[list[str], list[str]],
                       old: tuple[Located, Located], new: tuple[Located, Located]) -> None:
    """The parameters of one operation: ``old``/``new`` are (path item, operation); ``path_names``
    the parameter names in OLD's and NEW's path, in order."""
    old_params = _params(c.old_refs, *old, path_names=path_names[0])
    new_params = _params(c.new_refs, *new, path_names=path_names[1])
    new_op = new[1]
    for key, old_p in old_params.items():
        new_p = new_params.get(key)
        o = old_p.schema
        if new_p is None:
            c.findings.add(rules.PARAMETER_REMOVED, Place(where, f"parameter {o.get('name')} ({o.get('in')})"),
                           "parameter no longer described: the server may ignore it now", new_op.pointer, old_p.pointer)
            continue
        n = new_p.schema
        place = Place(where, f"parameter {n.get('name')} ({n.get('in')})")
        if o.get("name") != n.get("name"):
            c.findings.add(rules.PATH_PARAMETER_RENAMED, place, f"path parameter renamed from {o.get('name')} (the URL is the same)",
                           at(new_p, "name"), at(old_p, "name"))
        was, now = bool(o.get("required")), bool(n.get("required"))
        if not was and now:
            c.findings.add(rules.PARAMETER_BECAME_REQUIRED, place, "now required: requests without it are refused",
                           at(new_p, "required"), at(old_p, "required"))
        elif was and not now:
            c.findings.add(rules.PARAMETER_BECAME_OPTIONAL, place, "no longer required",
                           at(new_p, "required"), at(old_p, "required"))
        for keyword, rule in rules.PARAMETER_SERIALIZATION_CHANGED.items():
            if canonical(o.get(keyword)) != canonical(n.get(keyword)):
                c.findings.add(rule, place,
                               f"{keyword} {o.get(keyword)} -> {n.get(keyword)}: the value is written differently in requests",
                               at(new_p, keyword), at(old_p, keyword))
        c.schemas.compare([param_schema(old_p)], [param_schema(new_p)], Place(where, place.part, REQUEST))
        compare_annotations(docs(o, _PARAMETER_PARTS), docs(n, _PARAMETER_PARTS), place, c.findings,
                            partial(at, new_p), partial(at, old_p))
    for key, new_p in new_params.items():
        if key in old_params:
            continue
        n = new_p.schema
        place = Place(where, f"parameter {n.get('name')} ({n.get('in')})")
        if n.get("required"):
            c.findings.add(rules.PARAMETER_ADDED_REQUIRED, place, "new required parameter: requests without it are refused",
                           new_p.pointer)
        else:
            c.findings.add(rules.PARAMETER_ADDED, place, "new optional parameter", new_p.pointer)


def _params(refs: RefResolver, item: Located, op: Located, path_names: list[str]) -> dict[tuple[str, str], Located]:
    """Parameters of the operation (its path item's too), keyed by ``(in, name)``; path ones by position."""
    found: dict[tuple[str, str], Located] = {}
    for holder in (item, op):
        for index, _ in enumerate(holder.schema.get("parameters") or []):
            param = deref(refs, holder.child("parameters", index))
            if not isinstance(param.schema, dict):
                continue
            where, name = str(param.schema.get("in")), str(param.schema.get("name"))
            if where == "path" and name in path_names:
                name = f"#{path_names.index(name)}"
            elif where == "header":
                name = name.lower()
            found[(where, name)] = param
    return found
