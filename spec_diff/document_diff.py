"""Compare two OpenAPI 3.1 documents in one view: operations, parameters, bodies, responses, security,
servers, and the mock's settings.

Schemas are compared where operations use them (``spec_diff.schema_diff``), so a change inside a
shared component is reported at each place a client meets it, once per place. Components are
not compared on their own; only a component schema's name appearing or going away is reported
(compatible on the wire, but code generated from OLD names that type).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Iterator
from urllib.parse import urlsplit

from meetings_spec.hosts import origin

from meetings_spec.refs import RefResolver, escape_segment
from meetings_spec.views import HTTP_METHODS
from spec_diff.model import Level
from spec_diff.normal import DOCUMENTATION, CachedRefs, Located, canonical
from spec_diff.place import REQUEST, RESPONSE, Findings, Place
from spec_diff.rules import compare_annotations
from spec_diff.schema_diff import SchemaDiff

JSON = "application/json"
_TEMPLATE = re.compile(r"\{([^}/]+)\}")
#: What an operation, parameter or response holds besides documentation: compared by their own rules.
_OPERATION_PARTS = {"operationId", "parameters", "requestBody", "responses", "security", "servers", "callbacks", "tags"}
_PARAMETER_PARTS = {"name", "in", "required", "schema", "content", "style", "explode", "allowReserved", "allowEmptyValue"}
_RESPONSE_PARTS = {"content", "headers", "links"}


def deref(refs: RefResolver, located: Located) -> Located:
    """``located`` itself, or the object its ``$ref`` chain ends at (with that object's pointer)."""
    node, pointer = located.schema, located.pointer
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return Located(node, pointer)
        ref = node["$ref"]
        node = refs.lookup(ref)
        pointer = ref[1:] if ref.startswith("#") else ref
    raise ValueError(f"$ref chain longer than 32 at {located.pointer}")


def path_key(path: str) -> str:
    """A path with its parameter names blanked: ``/meetings/{id}`` and ``/meetings/{meetingId}`` are one URL."""
    return _TEMPLATE.sub("{}", path)


def server_key(url: str) -> str:
    """A server URL compared as a client resolves it: the origin ``meetings_spec.hosts``
    normalises (case, trailing dot, default port, user info, IDNA), then the path."""
    try:
        where = str(origin(url))
    except ValueError:
        return url.strip()  # not a usable URL (a template, say): compared as written
    return f"{where}{urlsplit(url.strip()).path.rstrip('/')}"


class DocumentDiff:
    """Every change from ``old`` to ``new`` (two documents in the same view)."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.old_refs, self.new_refs = CachedRefs(old), CachedRefs(new)
        self.findings = Findings()
        self.schemas = SchemaDiff(self.old_refs, self.new_refs, self.findings)

    def run(self) -> Findings:
        self._servers()
        self._operations()
        self._component_names()
        self._mock_settings()
        return self.findings

    def add(self, level: Level, rule: str, place: Place, message: str,
            new_pointer: str | None = None, old_pointer: str | None = None) -> None:
        self.findings.add(level, rule, place, message, new_pointer, old_pointer)

    # ------------------------------------------------------------------ operations

    def _index(self, doc: dict[str, Any], refs: RefResolver) -> dict[tuple[str, str], tuple[str, Located, Located]]:
        index: dict[tuple[str, str], tuple[str, Located, Located]] = {}
        for path, item in (doc.get("paths") or {}).items():
            located = deref(refs, Located(item, f"/paths/{escape_segment(path)}"))
            if not isinstance(located.schema, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(located.schema.get(method), dict):
                    index[(path_key(path), method)] = (path, located, located.child(method))
        return index

    def _operations(self) -> None:
        old_ops, new_ops = self._index(self.old, self.old_refs), self._index(self.new, self.new_refs)
        new_paths = {path_key(p): f"/paths/{escape_segment(p)}" for p in (self.new.get("paths") or {})}
        for key, (path, old_item, old_op) in old_ops.items():
            where = f"{key[1].upper()} {path}"
            if key not in new_ops:
                gone = "path" if key[0] not in new_paths else "operation"
                self.add(Level.BREAKING, f"{gone}-removed", Place(where, ""),
                         f"{gone} removed: every call to it now fails", new_paths.get(key[0], "/paths"), old_op.pointer)
                continue
            new_path, new_item, new_op = new_ops[key]
            self._operation(f"{key[1].upper()} {new_path}", (path, new_path), old_item, old_op, new_item, new_op)
        for key, (path, _, new_op) in new_ops.items():
            if key not in old_ops:
                self.add(Level.COMPATIBLE, "operation-added", Place(f"{key[1].upper()} {path}", ""), "new operation",
                         new_op.pointer)

    def _operation(self, where: str, paths: tuple[str, str], old_item: Located, old_op: Located,
                   new_item: Located, new_op: Located) -> None:
        place = Place(where, "")
        o, n = old_op.schema, new_op.schema
        if o.get("operationId") != n.get("operationId"):
            self.add(Level.POSSIBLY_BREAKING, "operationId-changed", place,
                     f"operationId {o.get('operationId')} -> {n.get('operationId')}: generated clients name their "
                     "methods after it, and links point at it", _at(new_op, "operationId"), _at(old_op, "operationId"))
        if sorted(map(str, o.get("tags") or [])) != sorted(map(str, n.get("tags") or [])):
            self.add(Level.COMPATIBLE, "tags-changed", place, "tags changed", _at(new_op, "tags"), _at(old_op, "tags"))
        compare_annotations(_docs(o, _OPERATION_PARTS), _docs(n, _OPERATION_PARTS), place, self.findings,
                            partial(_at, new_op), partial(_at, old_op))
        self._security(where, old_op, new_op)
        self._parameters(where, paths, old_item, old_op, new_item, new_op)
        self._request_body(where, old_op, new_op)
        self._responses(where, old_op, new_op)

    # ------------------------------------------------------------------ security

    def _security(self, where: str, old_op: Located, new_op: Located) -> None:
        place = Place(where, "security")
        old_alts, new_alts = _security(self.old, old_op.schema), _security(self.new, new_op.schema)
        new_at = _at(new_op, "security") if "security" in new_op.schema else "/security"
        old_at = _at(old_op, "security") if "security" in old_op.schema else "/security"
        for alt in old_alts:
            if not any(_satisfies(alt, other) for other in new_alts):
                self.add(Level.BREAKING, "security-requirement-added", place,
                         f"a request authorised with {_show_alt(alt)} is no longer enough", new_at, old_at)
        for alt in new_alts:
            if alt not in old_alts:
                self.add(Level.COMPATIBLE, "security-alternative-added", place,
                         f"a request may now be authorised with {_show_alt(alt)}", new_at, old_at)
        used = {name for alt in old_alts for name, _ in alt} & {name for alt in new_alts for name, _ in alt}
        for name in sorted(used):
            old_scheme = self._scheme(self.old, self.old_refs, name)
            new_scheme = self._scheme(self.new, self.new_refs, name)
            if old_scheme is None or new_scheme is None:
                continue
            scheme_place = Place(where, f"security scheme {name}")
            if canonical(_docs_removed(old_scheme.schema)) != canonical(_docs_removed(new_scheme.schema)):
                self.add(Level.BREAKING, "security-scheme-changed", scheme_place,
                         f"how requests authenticate changed: {_scheme_text(old_scheme.schema)} -> {_scheme_text(new_scheme.schema)}",
                         new_scheme.pointer, old_scheme.pointer)
            compare_annotations(old_scheme.schema, new_scheme.schema, scheme_place, self.findings,
                                partial(_at, new_scheme), partial(_at, old_scheme))

    @staticmethod
    def _scheme(doc: dict[str, Any], refs: RefResolver, name: str) -> Located | None:
        schemes = (doc.get("components") or {}).get("securitySchemes") or {}
        if name not in schemes:
            return None
        return deref(refs, Located(schemes[name], f"/components/securitySchemes/{escape_segment(name)}"))

    # ------------------------------------------------------------------ parameters

    def _parameters(self, where: str, paths: tuple[str, str], old_item: Located, old_op: Located,
                    new_item: Located, new_op: Located) -> None:
        old_params = self._params(self.old_refs, old_item, old_op, path_names=_TEMPLATE.findall(paths[0]))
        new_params = self._params(self.new_refs, new_item, new_op, path_names=_TEMPLATE.findall(paths[1]))
        for key, old_p in old_params.items():
            new_p = new_params.get(key)
            o = old_p.schema
            if new_p is None:
                place = Place(where, f"parameter {o.get('name')} ({o.get('in')})")
                self.add(Level.POSSIBLY_BREAKING, "parameter-removed", place,
                         "parameter no longer described: the server may ignore it now", new_op.pointer, old_p.pointer)
                continue
            n = new_p.schema
            place = Place(where, f"parameter {n.get('name')} ({n.get('in')})")
            if o.get("name") != n.get("name"):
                self.add(Level.COMPATIBLE, "path-parameter-renamed", place,
                         f"path parameter renamed from {o.get('name')} (the URL is the same)", _at(new_p, "name"), _at(old_p, "name"))
            was, now = bool(o.get("required")), bool(n.get("required"))
            if not was and now:
                self.add(Level.BREAKING, "parameter-became-required", place, "now required: requests without it are refused",
                         _at(new_p, "required"), _at(old_p, "required"))
            elif was and not now:
                self.add(Level.COMPATIBLE, "parameter-became-optional", place, "no longer required",
                         _at(new_p, "required"), _at(old_p, "required"))
            for keyword in ("style", "explode", "allowReserved"):
                if canonical(o.get(keyword)) != canonical(n.get(keyword)):
                    self.add(Level.BREAKING, f"parameter-{keyword}-changed", place,
                             f"{keyword} {o.get(keyword)} -> {n.get(keyword)}: the value is written differently in requests",
                             _at(new_p, keyword), _at(old_p, keyword))
            self.schemas.compare([_param_schema(old_p)], [_param_schema(new_p)], Place(where, place.part, REQUEST))
            compare_annotations(_docs(o, _PARAMETER_PARTS), _docs(n, _PARAMETER_PARTS), place, self.findings,
                                partial(_at, new_p), partial(_at, old_p))
        for key, new_p in new_params.items():
            if key in old_params:
                continue
            n = new_p.schema
            place = Place(where, f"parameter {n.get('name')} ({n.get('in')})")
            if n.get("required"):
                self.add(Level.BREAKING, "parameter-added-required", place,
                         "new required parameter: requests without it are refused", new_p.pointer)
            else:
                self.add(Level.COMPATIBLE, "parameter-added", place, "new optional parameter", new_p.pointer)

    @staticmethod
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

    # ------------------------------------------------------------------ request bodies

    def _request_body(self, where: str, old_op: Located, new_op: Located) -> None:
        place = Place(where, "request body")
        old_body = deref(self.old_refs, old_op.child("requestBody")) if "requestBody" in old_op.schema else None
        new_body = deref(self.new_refs, new_op.child("requestBody")) if "requestBody" in new_op.schema else None
        if old_body is None and new_body is None:
            return
        if old_body is None:
            assert new_body is not None
            if new_body.schema.get("required"):
                self.add(Level.BREAKING, "request-body-added-required", place, "a request body is now required",
                         new_body.pointer)
            else:
                self.add(Level.COMPATIBLE, "request-body-added", place, "an optional request body is now described",
                         new_body.pointer)
            return
        if new_body is None:
            self.add(Level.POSSIBLY_BREAKING, "request-body-removed", place,
                     "the request body is no longer described: the server may ignore it now", new_op.pointer, old_body.pointer)
            return
        was, now = bool(old_body.schema.get("required")), bool(new_body.schema.get("required"))
        if now and not was:
            self.add(Level.BREAKING, "request-body-became-required", place, "the request body is now required",
                     _at(new_body, "required"), _at(old_body, "required"))
        elif was and not now:
            self.add(Level.COMPATIBLE, "request-body-became-optional", place, "the request body is now optional",
                     _at(new_body, "required"), _at(old_body, "required"))
        compare_annotations(_docs(old_body.schema, {"content", "required"}), _docs(new_body.schema, {"content", "required"}),
                            place, self.findings, partial(_at, new_body), partial(_at, old_body))
        self._content(where, "request body", REQUEST, old_body, new_body)

    def _content(self, where: str, part: str, direction: str, old: Located, new: Located) -> None:
        """The media types of a request body or response, and their schemas."""
        old_content = old.schema.get("content") or {}
        new_content = new.schema.get("content") or {}
        for media, _ in old_content.items():
            here = part if media == JSON else f"{part} ({media})"
            matched = _media_match(media, new_content)
            old_media = old.child("content", media)
            if matched is None:
                if direction == REQUEST:
                    message = f"{media} no longer accepted: requests sent as {media} are refused"
                else:
                    message = f"{media} body no longer answered: a client that reads it gets something else"
                self.add(Level.BREAKING, f"{direction}-media-type-removed", Place(where, here, direction), message,
                         _at(new, "content"), old_media.pointer)
                continue
            new_media = new.child("content", matched)
            self.schemas.compare([_media_schema(old_media)], [_media_schema(new_media)], Place(where, here, direction))
            self._examples(Place(where, here, direction), old_media, new_media)
        for media in new_content:
            if _media_match(media, old_content) is None:
                here = part if media == JSON else f"{part} ({media})"
                self.add(Level.COMPATIBLE, f"{direction}-media-type-added", Place(where, here, direction),
                         f"{media} now {'accepted' if direction == REQUEST else 'answered too'}", new.child("content", media).pointer)

    def _examples(self, place: Place, old_media: Located, new_media: Located) -> None:
        """Named examples: the mock answers them by name (``Prefer: example=NAME``), so removing one may break."""
        old_examples = old_media.schema.get("examples") or {}
        new_examples = new_media.schema.get("examples") or {}
        for name in old_examples:
            if name not in new_examples:
                self.add(Level.POSSIBLY_BREAKING, "example-removed", place,
                         f"example {name} removed (the mock answers `Prefer: example={name}` with it)",
                         _at(new_media, "examples"), _at(old_media.child("examples"), name))
                continue
            old_value = deref(self.old_refs, old_media.child("examples", name)).schema
            new_value = deref(self.new_refs, new_media.child("examples", name))
            if canonical(_value(old_value)) != canonical(_value(new_value.schema)):
                self.add(Level.COMPATIBLE, "example-changed", place, f"example {name} changed", new_value.pointer)
        for name in new_examples:
            if name not in old_examples:
                self.add(Level.COMPATIBLE, "example-added", place, f"example {name} added", _at(new_media.child("examples"), name))

    # ------------------------------------------------------------------ responses

    def _responses(self, where: str, old_op: Located, new_op: Located) -> None:
        old_keys = _status_keys(old_op.schema.get("responses") or {})
        new_keys = _status_keys(new_op.schema.get("responses") or {})

        def old_response(status: str) -> Located:
            return deref(self.old_refs, old_op.child("responses", old_keys[status]))

        def new_response(status: str) -> Located:
            return deref(self.new_refs, new_op.child("responses", new_keys[status]))

        old_success = [s for s in old_keys if s.startswith("2")]
        removed_at = _at(new_op, "responses")
        for status in old_keys:
            place = Place(where, f"response {status}", RESPONSE)
            if status in new_keys:
                self._response(where, status, old_response(status), new_response(status))
                continue
            old_resp = old_response(status)
            cover = _covering(status, new_keys)
            if cover is not None:
                self.add(Level.POSSIBLY_BREAKING, "response-status-merged", place,
                         f"status {status} no longer listed; it falls under {cover} now", removed_at, old_resp.pointer)
                self._response(where, status, old_resp, new_response(cover), annotations=False)
            elif status.startswith("2") and not any(s in new_keys for s in old_success):
                self.add(Level.BREAKING, "response-success-status-removed", place,
                         f"success status {status} removed, and no other success status of OLD remains",
                         removed_at, old_resp.pointer)
            elif status.startswith("2"):
                self.add(Level.POSSIBLY_BREAKING, "response-success-status-removed", place,
                         f"success status {status} removed (a client written against OLD handles the other ones too, "
                         "but code that only ever saw this one may not)", removed_at, old_resp.pointer)
            else:
                self.add(Level.POSSIBLY_BREAKING, "response-status-removed", place,
                         f"status {status} removed: what it answered may now come as another status",
                         removed_at, old_resp.pointer)
        for status in new_keys:
            if status in old_keys:
                continue
            place = Place(where, f"response {status}", RESPONSE)
            new_resp = new_response(status)
            cover = _covering(status, old_keys)
            if cover is not None:
                self.add(Level.COMPATIBLE, "response-status-split", place,
                         f"status {status} now described on its own (it fell under {cover})", new_resp.pointer)
                self._response(where, status, old_response(cover), new_resp, annotations=False)
            elif status.startswith("2"):
                self.add(Level.POSSIBLY_BREAKING, "response-success-status-added", place,
                         f"new success status {status}: a client that checks for OLD's success status may not expect it",
                         new_resp.pointer)
            else:
                self.add(Level.COMPATIBLE, "response-status-added", place, f"new response {status}", new_resp.pointer)

    def _response(self, where: str, status: str, old: Located, new: Located, *, annotations: bool = True) -> None:
        """One response; ``annotations=False`` when it is compared with the range that covers it (their
        descriptions naturally differ)."""
        place = Place(where, f"response {status}", RESPONSE)
        if annotations:
            compare_annotations(_docs(old.schema, _RESPONSE_PARTS), _docs(new.schema, _RESPONSE_PARTS), place,
                                self.findings, partial(_at, new), partial(_at, old))
        self._content(where, f"response {status} body", RESPONSE, old, new)
        self._headers(where, status, old, new)
        self._links(place, old, new)

    def _headers(self, where: str, status: str, old: Located, new: Located) -> None:
        old_headers = {k.lower(): k for k in (old.schema.get("headers") or {})}
        new_headers = {k.lower(): k for k in (new.schema.get("headers") or {})}
        for key, name in old_headers.items():
            place = Place(where, f"response {status} header {name}", RESPONSE)
            old_h = deref(self.old_refs, old.child("headers", name))
            if key not in new_headers:
                required = bool(old_h.schema.get("required"))
                self.add(Level.BREAKING if required else Level.POSSIBLY_BREAKING, "response-header-removed", place,
                         "header removed" + (" (it was always sent)" if required else ""), _at(new, "headers"), old_h.pointer)
                continue
            new_h = deref(self.new_refs, new.child("headers", new_headers[key]))
            if old_h.schema.get("required") and not new_h.schema.get("required"):
                self.add(Level.BREAKING, "response-header-became-optional", place, "header no longer always sent",
                         _at(new_h, "required"), _at(old_h, "required"))
            self.schemas.compare([_param_schema(old_h)], [_param_schema(new_h)], place)
        for key, name in new_headers.items():
            if key not in old_headers:
                self.add(Level.COMPATIBLE, "response-header-added", Place(where, f"response {status} header {name}", RESPONSE),
                         "new header", _at(new.child("headers"), name))

    def _links(self, place: Place, old: Located, new: Located) -> None:
        old_links = old.schema.get("links") or {}
        new_links = new.schema.get("links") or {}
        for name in old_links:
            old_link = deref(self.old_refs, old.child("links", name))
            if name not in new_links:
                self.add(Level.POSSIBLY_BREAKING, "link-removed", place,
                         f"link {name} removed (clients and the contract suite follow it)", _at(new, "links"), old_link.pointer)
                continue
            new_link = deref(self.new_refs, new.child("links", name))
            if canonical(_docs_removed(old_link.schema)) != canonical(_docs_removed(new_link.schema)):
                self.add(Level.POSSIBLY_BREAKING, "link-changed", place, f"link {name} changed", new_link.pointer, old_link.pointer)
        for name in new_links:
            if name not in old_links:
                self.add(Level.COMPATIBLE, "link-added", place, f"link {name} added", _at(new.child("links"), name))

    # ------------------------------------------------------------------ servers, components, mock

    def _servers(self) -> None:
        old_servers = {server_key(str(s.get("url", ""))): (i, s) for i, s in enumerate(self.old.get("servers") or []) if isinstance(s, dict)}
        new_servers = {server_key(str(s.get("url", ""))): (i, s) for i, s in enumerate(self.new.get("servers") or []) if isinstance(s, dict)}
        new_production = [s.get("url") for _, s in new_servers.values() if s.get("x-production")]
        for key, (i, old) in old_servers.items():
            place = Place("servers", str(old.get("url")))
            if key not in new_servers:
                if old.get("x-production"):
                    self.add(Level.BREAKING, "production-server-changed", place,
                             f"production server removed (now: {', '.join(map(str, new_production)) or 'none'}): "
                             "clients calling it, and the guard that keeps the contract suite off it, lose it",
                             "/servers", f"/servers/{i}")
                else:
                    self.add(Level.POSSIBLY_BREAKING, "server-removed", place, "server removed", "/servers", f"/servers/{i}")
                continue
            j, new = new_servers[key]
            if old.get("x-production") and not new.get("x-production"):
                self.add(Level.BREAKING, "production-mark-removed", place,
                         "no longer marked x-production: the contract suite would now run against it without being told",
                         f"/servers/{j}", f"/servers/{i}/x-production")
            elif new.get("x-production") and not old.get("x-production"):
                self.add(Level.POSSIBLY_BREAKING, "production-mark-added", place,
                         "now marked x-production: the contract suite refuses it unless told otherwise",
                         f"/servers/{j}/x-production", f"/servers/{i}")
            compare_annotations(_docs(old, {"url", "x-production", "variables"}), _docs(new, {"url", "x-production", "variables"}),
                                place, self.findings, partial(_under, f"/servers/{j}"), partial(_under, f"/servers/{i}"))
        for key, (j, new) in new_servers.items():
            if key not in old_servers:
                self.add(Level.COMPATIBLE, "server-added", Place("servers", str(new.get("url"))),
                         "server added" + (" (marked x-production)" if new.get("x-production") else ""), f"/servers/{j}")

    def _component_names(self) -> None:
        old_names = set(((self.old.get("components") or {}).get("schemas") or {}))
        new_names = set(((self.new.get("components") or {}).get("schemas") or {}))
        for name in sorted(old_names - new_names):
            self.add(Level.COMPATIBLE, "component-schema-removed", Place("components", f"schema {name}"),
                     "schema name removed (no traffic changes by this alone; code generated from OLD that names this "
                     "type must be regenerated)", "/components/schemas", f"/components/schemas/{escape_segment(name)}")
        for name in sorted(new_names - old_names):
            self.add(Level.COMPATIBLE, "component-schema-added", Place("components", f"schema {name}"),
                     "schema name added", f"/components/schemas/{escape_segment(name)}")

    def _mock_settings(self) -> None:
        """``x-mock``: the mock's seed and limits. Frontends rely on them (scenario 456, say), the API does not."""
        old, new = self.old.get("x-mock"), self.new.get("x-mock")
        if old is None and new is None:
            return
        for kind, pointer, path, was, now in _deep_diff(old, new, "/x-mock", ()):
            place = Place("x-mock", "the mock's seed and settings", REQUEST, path)
            if path and path[-1] == "x-assumption":
                compare_annotations({"x-assumption": was} if kind != "added" else {},
                                    {"x-assumption": now} if kind != "removed" else {},
                                    Place("x-mock", place.part, REQUEST, path[:-1]), self.findings,
                                    partial(_same, pointer), partial(_same, pointer))
            elif kind == "added":
                self.add(Level.COMPATIBLE, "mock-setting-added", place, f"added: {_short(now)}", pointer)
            else:
                self.add(Level.POSSIBLY_BREAKING, f"mock-setting-{kind}", place,
                         f"{_short(was)} -> {_short(now)}" if kind == "changed" else f"removed (was {_short(was)})"
                         , pointer, pointer)


# ---------------------------------------------------------------------- helpers


def _at(located: Located, key: str) -> str:
    return f"{located.pointer}/{escape_segment(key)}"


def _under(pointer: str, key: str) -> str:
    return f"{pointer}/{escape_segment(key)}"


def _same(pointer: str, _key: str) -> str:
    return pointer


def _docs(node: dict[str, Any], parts: set[str]) -> dict[str, Any]:
    """The annotations of an object: what is neither one of its structural ``parts`` nor a ``$ref``."""
    return {k: v for k, v in node.items() if k not in parts and k != "$ref" and (k in DOCUMENTATION or k.startswith("x-"))}


def _docs_removed(node: Any) -> Any:
    """A node without its documentation, for comparing what it does."""
    if isinstance(node, dict):
        return {k: _docs_removed(v) for k, v in node.items() if k not in DOCUMENTATION and not k.startswith("x-")}
    return node


def _param_schema(param: Located) -> Located:
    if "schema" in param.schema:
        return param.child("schema")
    content = param.schema.get("content") or {}
    for media in content:
        return _media_schema(param.child("content", media))
    return Located({}, param.pointer)


def _media_schema(media: Located) -> Located:
    if isinstance(media.schema, dict) and "schema" in media.schema:
        return media.child("schema")
    return Located({}, media.pointer)


def _value(example: Any) -> Any:
    return example.get("value", example.get("externalValue")) if isinstance(example, dict) else example


def _media_match(media: str, content: dict[str, Any]) -> str | None:
    """The media type of ``content`` that covers ``media``: itself, else ``type/*``, else ``*/*``."""
    if media in content:
        return media
    wildcard = media.split("/", 1)[0] + "/*"
    for candidate in (wildcard, "*/*"):
        if candidate in content:
            return candidate
    return None


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


def _security(doc: dict[str, Any], op: dict[str, Any]) -> list[frozenset[tuple[str, frozenset[str]]]]:
    requirements = op["security"] if "security" in op else doc.get("security")
    if not requirements:
        return [frozenset()]  # no security: anyone may call
    return [frozenset((name, frozenset(map(str, scopes or []))) for name, scopes in alt.items())
            for alt in requirements if isinstance(alt, dict)]


def _satisfies(old_alt: frozenset[tuple[str, frozenset[str]]], new_alt: frozenset[tuple[str, frozenset[str]]]) -> bool:
    """Whether a request carrying what ``old_alt`` asks for also meets ``new_alt``."""
    held = dict(old_alt)
    return all(name in held and scopes <= held[name] for name, scopes in new_alt)


def _show_alt(alt: frozenset[tuple[str, frozenset[str]]]) -> str:
    if not alt:
        return "no credentials"
    return " + ".join(sorted(name + (f" [{', '.join(sorted(scopes))}]" if scopes else "") for name, scopes in alt))


def _scheme_text(scheme: dict[str, Any]) -> str:
    return " ".join(str(scheme[k]) for k in ("type", "scheme", "in", "name", "bearerFormat") if k in scheme)


def _deep_diff(old: Any, new: Any, pointer: str, path: tuple[str, ...]) -> Iterator[tuple[str, str, tuple[str, ...], Any, Any]]:
    """``(added|removed|changed, pointer, path, old, new)`` for every leaf that differs; lists of
    objects with an ``id`` are matched by id, other lists by position."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            here, sub = f"{pointer}/{escape_segment(str(key))}", (*path, str(key))
            if key not in new:
                yield "removed", here, sub, old[key], None
            elif key not in old:
                yield "added", here, sub, None, new[key]
            else:
                yield from _deep_diff(old[key], new[key], here, sub)
        return
    if isinstance(old, list) and isinstance(new, list):
        if all(isinstance(x, dict) and "id" in x for x in [*old, *new]):
            old_by = {canonical(x["id"]): (i, x) for i, x in enumerate(old)}
            new_by = {canonical(x["id"]): (i, x) for i, x in enumerate(new)}
            for key in dict.fromkeys([*old_by, *new_by]):
                if key not in new_by:
                    yield "removed", f"{pointer}/{old_by[key][0]}", (*path, f"id={key}"), old_by[key][1], None
                elif key not in old_by:
                    yield "added", f"{pointer}/{new_by[key][0]}", (*path, f"id={key}"), None, new_by[key][1]
                else:
                    yield from _deep_diff(old_by[key][1], new_by[key][1], f"{pointer}/{new_by[key][0]}", (*path, f"id={key}"))
            return
        if canonical(old) != canonical(new):
            yield "changed", pointer, path, old, new
        return
    if old is None and new is not None and path == ():
        yield "added", pointer, path, None, new
    elif new is None and old is not None and path == ():
        yield "removed", pointer, path, old, None
    elif canonical(old) != canonical(new):
        yield "changed", pointer, path, old, new


def _short(value: Any) -> str:
    text = canonical(value)
    return text if len(text) <= 80 else text[:77] + "..."
