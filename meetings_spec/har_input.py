"""Read a HAR as whoever wrote it, into exchanges the kit can judge, count or weigh.

Every reader of recorded traffic uses it: the offline check of a recording and its coverage
(``waterrai-proxy check``), and the impact of a spec change (``waterrai-spec diff --traffic``).

Three writers are expected: the proxy's own recordings (``--record``), a browser's "Save all as
HAR" (Chrome: HTTP/2 pseudo headers, base64 or missing bodies, ``_error`` for a failed request)
and Playwright's ``recordHar`` (bodies embedded, in ``_file``s beside the HAR or in its
``.zip``, or omitted). A body the HAR does not hold is None, never taken as empty: the checks
that need it are skipped and say so. Entries stay in file order, the order they were sent in,
which the rules that span exchanges need.
"""

from __future__ import annotations

import base64
import binascii
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable
from urllib.parse import urlsplit

#: The validation proxy's recordings (``waterrai-proxy --record DIR``): who writes them, and the
#: two files of a recording's folder that name it one.
GENERATOR = "waterrai-proxy"
INDEX = "index.json"
HAR = "meetings.har"


class HarUnreadable(Exception):
    """The input is not a HAR this command can read (missing, not JSON, not a HAR): exit 2."""


@dataclass
class Entry:
    """One HAR entry, read: what was sent, what came back; a body None when the HAR lacks it."""

    number: int  # the proxy's exchange id in its recordings, else the entry's place (from 1)
    started: str
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: bytes | None
    status: int
    response_headers: list[tuple[str, str]]
    response_body: bytes | None
    #: Why the entry cannot be judged at all (no answer, a malformed entry); else "".
    unusable: str = ""
    #: Why the proxy answered itself (its own recordings): then the request alone is judged.
    answered_by_proxy: str = ""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


@dataclass
class HarLog:
    """A HAR's entries, who wrote it, and the base path its API was served under (if it says)."""

    source: str
    creator: str
    entries: list[Entry]
    base_path: str = ""


def earlier_recording(folder: Path) -> dict[str, Any] | None:
    """The index of a recording of the proxy in ``folder``, or None."""
    try:
        data = json.loads((folder / INDEX).read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == GENERATOR else None


def api_path(path: str, base_path: str) -> str | None:
    """``path`` as the spec names it, once the ``base_path`` the API is served under is taken
    off; None for a path outside it (a page, an asset)."""
    if not base_path:
        return path
    if path == base_path or path.startswith(base_path + "/"):
        return path[len(base_path):] or "/"
    return None


def base_path_of(har: HarLog, option: str | None) -> str:
    """The base path of the API in ``har``: ``--base-path`` when given (``/v1/`` and ``v1`` as
    ``/v1``), else what a recording of the proxy says its upstream had."""
    if option is None:
        return har.base_path
    return "/" + option.strip("/") if option.strip("/") else ""


def read_har(location: str | Path) -> HarLog:
    """The HAR at ``location``: a ``.har`` file, Playwright's ``.zip``, or a recording's folder."""
    path = Path(location)
    if path.is_dir():
        if earlier_recording(path) is None:
            raise HarUnreadable(f"{path} is a folder but not a recording of {GENERATOR} (no index.json of its own); give the .har file")
        path = path / HAR
    try:
        if zipfile.is_zipfile(path):
            return _from_zip(path)
        raw = path.read_bytes()
    except OSError as error:
        raise HarUnreadable(f"cannot read {path}: {error.strerror or error}") from None
    folder = path.parent.resolve()
    return _parse(str(path), raw, lambda name: _beside(folder, name))


def _from_zip(path: Path) -> HarLog:
    """Playwright's ``recordHar`` to a ``.zip``: one HAR, its ``_file``s beside it in the archive (read when named)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = set(archive.namelist())
            hars = [name for name in members if name.endswith(".har")]
            if len(hars) != 1:
                raise HarUnreadable(f"{path} is a zip archive with {len(hars)} .har files in it; Playwright's holds one")
            return _parse(str(path), archive.read(hars[0]), lambda name: archive.read(name) if name in members and name != hars[0] else None)
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise HarUnreadable(f"cannot read the zip archive {path}: {error}") from None


def _beside(folder: Path, name: str) -> bytes | None:
    """A ``_file`` of Playwright's, read from the HAR's folder; never a path out of it."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or "\\" in name:
        return None
    target = (folder / relative).resolve()
    if folder not in target.parents:
        return None
    try:
        return target.read_bytes()
    except OSError:
        return None


def _parse(source: str, raw: bytes, attached: Callable[[str], bytes | None]) -> HarLog:
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise HarUnreadable(f"{source} is not a HAR: it is not UTF-8 text") from None
    except (ValueError, RecursionError) as error:
        raise HarUnreadable(f"{source} is not a HAR: it is not JSON ({str(error)[:120]})") from None
    log = document.get("log") if isinstance(document, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise HarUnreadable(f"{source} is not a HAR: it has no log.entries list")
    creator = log.get("creator", {}).get("name", "") if isinstance(log.get("creator"), dict) else ""
    base_path = urlsplit(log["_upstream"]).path.rstrip("/") if creator == GENERATOR and isinstance(log.get("_upstream"), str) else ""
    entries = [_entry(place, item, attached) for place, item in enumerate(log["entries"], start=1)]
    return HarLog(source, str(creator), entries, base_path)


def _entry(place: int, item: Any, attached: Callable[[str], bytes | None]) -> Entry:
    try:
        request, response = item["request"], item.get("response") or {}
        method, url = str(request["method"]).upper(), str(request["url"])
        number = item["_id"] if isinstance(item.get("_id"), int) else place
        entry = Entry(
            number, str(item.get("startedDateTime", "")), method, url,
            _headers(request.get("headers")), None, _status(response.get("status")), _headers(response.get("headers")), None,
            answered_by_proxy=str(item.get("_answeredByProxy") or ""),
        )  # fmt: skip
    except (KeyError, TypeError, AttributeError):
        return Entry(place, "", "?", "", [], None, 0, [], None, unusable="a malformed entry (no request method or URL)")
    entry.request_body = _request_body(request, attached)  # sent, answered or not: coverage counts what went out
    if entry.status <= 0:
        error = response.get("_error") or response.get("_failureText") or item.get("_error")
        entry.unusable = f"no answer ({error})" if error else f"no answer (status {entry.status}: aborted, blocked or failed)"
        return entry
    entry.response_body = _content(response.get("content"), attached)
    return entry


def _headers(raw: Any) -> list[tuple[str, str]]:
    """Name and value of each header, HTTP/2's pseudo headers (``:authority``...) left out."""
    if not isinstance(raw, list):
        return []
    pairs = [(str(h.get("name", "")), str(h.get("value", ""))) for h in raw if isinstance(h, dict)]
    return [(name, value) for name, value in pairs if name and not name.startswith(":")]


def _status(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


def _size(raw: Any) -> int:
    return raw if isinstance(raw, int) else -1


def _decode(text: Any, encoding: Any) -> bytes | None:
    if not isinstance(text, str):
        return None
    if encoding == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return None
    return text.encode("utf-8", errors="surrogatepass")


def _request_body(request: dict[str, Any], attached: Callable[[str], bytes | None]) -> bytes | None:
    """The request's body; b"" when none was sent; None when one was sent and the HAR lacks it
    (Playwright's content "omit" leaves ``text`` empty with the real ``bodySize``)."""
    post = request.get("postData")
    size = _size(request.get("bodySize"))
    if not isinstance(post, dict):
        return None if size > 0 else b""
    if isinstance(post.get("_file"), str):
        return attached(post["_file"])
    body = _decode(post.get("text"), post.get("encoding") or post.get("_encoding"))
    if body == b"" and size > 0:
        return None
    return body


def _content(content: Any, attached: Callable[[str], bytes | None]) -> bytes | None:
    """The answer's body as the HAR holds it (decoded, as browsers save it); None when it is not there."""
    if not isinstance(content, dict):
        return None
    if isinstance(content.get("_file"), str):
        return attached(content["_file"])
    if "text" in content:
        return _decode(content["text"], content.get("encoding"))
    return b"" if content.get("size") == 0 else None
