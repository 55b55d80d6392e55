"""Servers: the ones listed, and which one is production (``x-production``).

Family ``servers`` of the catalogue. A server URL is compared as a client resolves it, so
``https://API.example.com:443/`` and ``https://api.example.com`` are one server. The contract
suite refuses a server marked ``x-production`` unless told otherwise, so losing the mark breaks
that guard.
"""

from __future__ import annotations

from functools import partial
from urllib.parse import urlsplit

from meetings_spec.hosts import origin
from spec_diff import catalogue as rules
from spec_diff.checks.annotations import compare_annotations
from spec_diff.checks.comparison import Comparison, docs, under
from spec_diff.place import Place

_SERVER_PARTS = {"url", "x-production", "variables"}


def server_key(url: str) -> str:
    """A server URL compared as a client resolves it: the origin ``meetings_spec.hosts``
    normalises (case, trailing dot, default port, user info, IDNA), then the path."""
    try:
        where = str(origin(url))
    except ValueError:
        return url.strip()  # not a usable URL (a template, say): compared as written
    return f"{where}{urlsplit(url.strip()).path.rstrip('/')}"


def compare_servers(c: Comparison) -> None:
    old_servers = {server_key(str(s.get("url", ""))): (i, s) for i, s in enumerate(c.old.get("servers") or []) if isinstance(s, dict)}
    new_servers = {server_key(str(s.get("url", ""))): (i, s) for i, s in enumerate(c.new.get("servers") or []) if isinstance(s, dict)}
    new_production = [s.get("url") for _, s in new_servers.values() if s.get("x-production")]
    for key, (i, old) in old_servers.items():
        place = Place("servers", str(old.get("url")))
        if key not in new_servers:
            if old.get("x-production"):
                c.findings.add(rules.PRODUCTION_SERVER_REMOVED, place,
                               f"production server removed (now: {', '.join(map(str, new_production)) or 'none'}): "
                               "clients calling it, and the guard that keeps the contract suite off it, lose it",
                               "/servers", f"/servers/{i}")
            else:
                c.findings.add(rules.SERVER_REMOVED, place, "server removed", "/servers", f"/servers/{i}")
            continue
        j, new = new_servers[key]
        if old.get("x-production") and not new.get("x-production"):
            c.findings.add(rules.PRODUCTION_MARK_REMOVED, place,
                           "no longer marked x-production: the contract suite would now run against it without being told",
                           f"/servers/{j}", f"/servers/{i}/x-production")
        elif new.get("x-production") and not old.get("x-production"):
            c.findings.add(rules.PRODUCTION_MARK_ADDED, place,
                           "now marked x-production: the contract suite refuses it unless told otherwise",
                           f"/servers/{j}/x-production", f"/servers/{i}")
        compare_annotations(docs(old, _SERVER_PARTS), docs(new, _SERVER_PARTS), place, c.findings,
                            partial(under, f"/servers/{j}"), partial(under, f"/servers/{i}"))
    for key, (j, new) in new_servers.items():
        if key not in old_servers:
            c.findings.add(rules.SERVER_ADDED, Place("servers", str(new.get("url"))),
                           "server added" + (" (marked x-production)" if new.get("x-production") else ""), f"/servers/{j}")
