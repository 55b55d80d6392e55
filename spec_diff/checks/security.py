"""Security: which credentials authorise a call, and how each scheme in use authenticates.

Family ``security`` of the catalogue. A request authorised under OLD must stay authorised: each
of OLD's alternatives must still satisfy one of NEW's.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from meetings_spec.refs import RefResolver, escape_segment
from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, at, deref, docs_removed
from spec_diff.normal import Located, canonical
from spec_diff.place import Place

#: One way to authorise: the schemes it names, each with its scopes.
Alternative = frozenset[tuple[str, frozenset[str]]]


def compare_security(c: Comparison, where: str, old_op: Located, new_op: Located) -> None:
    place = Place(where, "security")
    old_alts, new_alts = _alternatives(c.old, old_op.schema), _alternatives(c.new, new_op.schema)
    new_at = at(new_op, "security") if "security" in new_op.schema else "/security"
    old_at = at(old_op, "security") if "security" in old_op.schema else "/security"
    for alt in old_alts:
        if not any(_satisfies(alt, other) for other in new_alts):
            c.findings.add(rules.SECURITY_REQUIREMENT_ADDED, place,
                           f"a request authorised with {_show(alt)} is no longer enough", new_at, old_at)
    for alt in new_alts:
        if alt not in old_alts:
            c.findings.add(rules.SECURITY_ALTERNATIVE_ADDED, place,
                           f"a request may now be authorised with {_show(alt)}", new_at, old_at)
    used = {name for alt in old_alts for name, _ in alt} & {name for alt in new_alts for name, _ in alt}
    for name in sorted(used):
        old_scheme = _scheme(c.old, c.old_refs, name)
        new_scheme = _scheme(c.new, c.new_refs, name)
        if old_scheme is None or new_scheme is None:
            continue
        scheme_place = Place(where, f"security scheme {name}")
        if canonical(docs_removed(old_scheme.schema)) != canonical(docs_removed(new_scheme.schema)):
            c.findings.add(rules.SECURITY_SCHEME_CHANGED, scheme_place,
                           f"how requests authenticate changed: {_scheme_text(old_scheme.schema)} -> "
                           f"{_scheme_text(new_scheme.schema)}", new_scheme.pointer, old_scheme.pointer)
        compare_annotations(old_scheme.schema, new_scheme.schema, scheme_place, c.findings,
                            partial(at, new_scheme), partial(at, old_scheme))


def _scheme(doc: dict[str, Any], refs: RefResolver, name: str) -> Located | None:
    schemes = (doc.get("components") or {}).get("securitySchemes") or {}
    if name not in schemes:
        return None
    return deref(refs, Located(schemes[name], f"/components/securitySchemes/{escape_segment(name)}"))


def _alternatives(doc: dict[str, Any], op: dict[str, Any]) -> list[Alternative]:
    requirements = op["security"] if "security" in op else doc.get("security")
    if not requirements:
        return [frozenset()]  # no security: anyone may call
    return [frozenset((name, frozenset(map(str, scopes or []))) for name, scopes in alt.items())
            for alt in requirements if isinstance(alt, dict)]


def _satisfies(old_alt: Alternative, new_alt: Alternative) -> bool:
    """Whether a request carrying what ``old_alt`` asks for also meets ``new_alt``."""
    held = dict(old_alt)
    return all(name in held and scopes <= held[name] for name, scopes in new_alt)


def _show(alt: Alternative) -> str:
    if not alt:
        return "no credentials"
    return " + ".join(sorted(name + (f" [{', '.join(sorted(scopes))}]" if scopes else "") for name, scopes in alt))


def _scheme_text(scheme: dict[str, Any]) -> str:
    return " ".join(str(scheme[k]) for k in ("type", "scheme", "in", "name", "bearerFormat") if k in scheme)
