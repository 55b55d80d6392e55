"""``waterrai-proxy --record DIR``: every exchange written down as the kit's fixtures are.

The folder gets one JSON per exchange (``<operationId>/<id>.json``, the fixtures' shape plus the
exchange's id, times, URL and violations), an ``index.json`` listing them and every file the
proxy wrote, and ``meetings.har`` with every exchange in the order the proxy judged them (which
``waterrai-proxy check`` reads back). Credentials are hidden before anything is written: each
credential header's value (``redaction.hidden_header``), and each secret they carry, or a
credential-named query parameter carries, wherever else it shows (URL, bodies, violations).

The proxy's event loop only puts each exchange on a queue; one writer thread redacts, renders
and writes them in order, each file atomically (``meetings_spec.files``): the exchange files
first, then the HAR, then the index. A crash at any moment leaves every file whole, and an index
that lists only files that are there (the last few exchanges may not be listed yet): the HAR and
index, which copy the whole recording each time, are rewritten when the traffic pauses, spaced
by what a rewrite costs (at most a second apart), and at close, each from texts serialised once
per exchange.

A folder is recorded into once: a new or empty one. One recording is one session, judged in
order with one memory, as ``waterrai-proxy check`` judges it again; so a folder holding an
earlier recording is refused rather than continued, and so is one holding anything else.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import os
import queue
import re
import textwrap
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from meetings_spec import har
from meetings_spec.files import dump  # the fixtures' JSON text, so a recording reads as they do
from meetings_spec.bodies import decoded
from meetings_spec.about import kit_version
from meetings_spec.files import write_atomically
from meetings_spec.har_input import GENERATOR, HAR, INDEX, earlier_recording
from validation_proxy.exchanges import Recorded
from meetings_spec.problems import HIDDEN
from meetings_spec.secrets import is_credential
from validation_proxy.redaction import credentials_of, hidden_header, redactor_for, text_redactor

log = logging.getLogger("waterrai-proxy")

#: The HAR and index are rewritten once the queue is empty, but no sooner after the last rewrite
#: than this many times what that one took, and at least once a second while exchanges keep
#: coming: each rewrite copies the whole recording, in a thread that shares the interpreter with
#: the proxy's event loop, which so gets at least nine tenths of it.
REWRITE_SPACING = 10
REWRITE_EVERY_S = 1.0
#: Where an exchange on a path the spec lacks is written (operation ids name the others).
NOT_IN_SPEC = "not-in-spec"


class RecordingRefused(Exception):
    """The folder cannot take a recording: it holds something the proxy would overwrite or mix with."""


def dumped_item(value: Any, depth: int) -> str:
    """``value`` as ``dump`` writes it as an item of a list nested ``depth`` levels deep."""
    return textwrap.indent(json.dumps(value, indent=2, ensure_ascii=False), "  " * (depth + 1))


def spliced(document: dict[str, Any], key: str, items: list[str], depth: int) -> str:
    """``dump(document)`` with its list ``key`` (empty in ``document``, ``depth`` levels deep)
    holding ``items`` (each from ``dumped_item``): the same text as dumping it all, without
    serialising every exchange again each time one more is written (the writer thread holds the
    interpreter while it serialises, and the proxy's event loop waits)."""
    text = dump(document)
    marker = f'"{key}": []'
    if text.count(marker) != 1:
        raise ValueError(f"{key} is not one empty list of the document")
    return text.replace(marker, f'"{key}": [\n' + ",\n".join(items) + "\n" + "  " * depth + "]") if items else text


# ------------------------------------------------------------------ one exchange, redacted


@dataclass(frozen=True)
class Rendered:
    """One exchange, credentials hidden, in each of the shapes the folder holds it."""

    file: str
    exchange: dict[str, Any]
    entry: dict[str, Any]
    row: dict[str, Any]


def secrets_of(url: str, request_headers: Iterable[tuple[str, str]], response_headers: Iterable[tuple[str, str]]) -> list[str]:
    """The secrets an exchange carries: in credential headers either way, and in credential-named query parameters."""
    named = [value for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True) if is_credential(name) and value.strip()]
    return [*credentials_of(list(request_headers)), *credentials_of(list(response_headers)), *named]


def _hidden_query(url: str) -> str:
    """``url`` with the value of each credential-named query parameter replaced."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pieces = []
    for piece in parts.query.split("&"):
        name, equals, _ = piece.partition("=")
        pieces.append(f"{name}={HIDDEN}" if equals and is_credential(unquote_plus(name)) else piece)
    return urlunsplit(parts._replace(query="&".join(pieces)))


def _redacted_bytes(data: bytes, redact: Callable[[str], str]) -> bytes:
    """``data`` with the secrets hidden: as UTF-8 text, else byte for byte (Latin-1), where an ASCII secret still shows."""
    try:
        return redact(data.decode("utf-8")).encode("utf-8")
    except UnicodeDecodeError:
        return redact(data.decode("latin-1")).encode("latin-1", errors="replace")


def _header_map(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Headers as the fixtures hold them (name to value); a repeated name keeps every value, in a list."""
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            found[name] = [*found[name], value] if isinstance(found[name], list) else [found[name], value]
        else:
            found[name] = value
    return found


def _json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _body_fields(data: bytes, media_type: str) -> dict[str, Any]:
    """A body as the fixtures hold it: ``body`` (JSON), ``bodyText`` (other text) or ``bodyBase64``."""
    if not data:
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return {"bodyBase64": base64.b64encode(data).decode("ascii")}
    kind = media_type.split(";", 1)[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return {"body": json.loads(text, parse_constant=_json_constant)}
        except (ValueError, RecursionError):
            pass
    return {"bodyText": text}


def _file_of(recorded: Recorded) -> str:
    folder = re.sub(r"[^A-Za-z0-9_.-]", "_", recorded.operation) if recorded.operation else NOT_IN_SPEC
    return f"{folder}/{recorded.id:06d}.json"


def render(recorded: Recorded, base_path: str = "", secrets: Iterable[str] | None = None) -> Rendered:
    """``recorded`` with every credential hidden, as its exchange file, HAR entry and index row;
    ``secrets``: those to hide (default: the exchange's own)."""
    secrets = list(secrets_of(recorded.url, recorded.request_headers, recorded.response_headers) if secrets is None else secrets)
    redact, redact_violation = text_redactor(secrets), redactor_for(secrets)
    url = redact(_hidden_query(recorded.url))
    parts = urlsplit(url)
    path = parts.path[len(base_path):] or "/" if base_path and (parts.path + "/").startswith(base_path + "/") else parts.path
    request_headers = [(name, redact(hidden_header(name, value))) for name, value in recorded.request_headers]
    response_headers = [(name, redact(hidden_header(name, value))) for name, value in recorded.response_headers]
    request_body = _redacted_bytes(recorded.request_body, redact)
    try:  # a HAR holds the body decoded, as browsers write it; Content-Encoding says how it travelled
        answer = decoded(har.header(response_headers, "Content-Encoding"), recorded.response_body)
    except ValueError:
        answer = recorded.response_body
    answer = _redacted_bytes(answer, redact)
    violations = [redact_violation(violation).as_json() for violation in recorded.violations]
    operation = recorded.operation or None
    count = f"{len(violations)} violation{'s' if len(violations) != 1 else ''}" if violations else "no violation"
    description = f"{recorded.method} {path} -> {recorded.status}, {count}" + (f" (answered by the proxy: {recorded.answered_by_proxy})" if recorded.answered_by_proxy else "")
    file = _file_of(recorded)
    exchange = {
        "id": recorded.id,
        "operationId": operation,
        "description": description,
        "started": recorded.started,
        "durationMs": round(recorded.duration_ms, 3),
        "request": {
            "method": recorded.method,
            "path": path,
            **({"query": parts.query} if parts.query else {}),
            "url": url,
            "headers": _header_map(request_headers),
            **_body_fields(request_body, har.header(request_headers, "Content-Type")),
        },
        "response": {
            "status": recorded.status,
            "headers": _header_map(response_headers),
            **_body_fields(answer, har.header(response_headers, "Content-Type")),
        },
        "violations": violations,
        **({"answeredByProxy": recorded.answered_by_proxy} if recorded.answered_by_proxy else {}),
    }
    summary = "; ".join(f"{v['side']}: {v['rule']}" for v in violations)
    entry = har.entry(
        started=recorded.started,
        time_ms=round(recorded.duration_ms, 3),
        method=recorded.method,
        url=url,
        request_headers=request_headers,
        request_body=har.Body.of(request_body) if request_body else None,
        request_size=len(recorded.request_body),
        status=recorded.status,
        response_headers=response_headers,
        content=har.Body.of(answer),
        response_size=len(recorded.response_body),
        comment=f"#{recorded.id} {operation or 'not in the spec'}: {count}" + (f": {summary}" if summary else ""),
        custom={
            "_id": recorded.id,
            "_operationId": operation,
            "_violations": violations,
            "_exchangeFile": file,
            **({"_answeredByProxy": recorded.answered_by_proxy} if recorded.answered_by_proxy else {}),
        },
    )
    row = {
        "file": file,
        "id": recorded.id,
        "operationId": operation,
        "method": recorded.method,
        "path": path,
        "status": recorded.status,
        "started": recorded.started,
        "violations": len(violations),
        "har": HAR,
    }
    return Rendered(file, exchange, entry, row)


# ------------------------------------------------------------------ the folder and its writer


class Recorder:
    """Writes the exchanges the proxy hands it (``add``) into one folder, off the event loop."""

    def __init__(self, folder: str | os.PathLike[str], *, upstream: str = "") -> None:
        self.folder = Path(folder)
        self.check_folder(self.folder)
        self.upstream = upstream
        self._base_path = urlsplit(upstream).path.rstrip("/")
        self._started = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        self._entries: list[str] = []  # each as dumped_item wrote it: serialised once
        self._rows: list[dict[str, Any]] = []
        self._row_texts: list[str] = []
        self._files: set[str] = set()
        #: Every secret the session has shown: a later exchange may echo one it does not carry.
        self._secrets: list[str] = []
        try:  # claim the folder: its HAR and index are created only where there are none (another proxy's, say)
            self._write_har(replace=False)
            write_atomically(self.folder / INDEX, self._index(), replace=False)
        except FileExistsError:
            raise RecordingRefused(f"{self.folder} was just claimed by another recording") from None
        except OSError as error:
            raise RecordingRefused(f"cannot record into {self.folder}: {error.strerror or error}") from None
        self._queue: queue.SimpleQueue[Recorded | None] = queue.SimpleQueue()
        self._closing = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="waterrai-proxy-recorder", daemon=True)
        self._thread.start()
        atexit.register(self.close)  # in case the server never calls it

    @staticmethod
    def check_folder(folder: str | os.PathLike[str]) -> None:
        """Refuse (``RecordingRefused``) a folder a recording would mix with or overwrite: one
        that exists and is not empty, an earlier recording included; or one that cannot be made."""
        folder = Path(folder)
        try:
            if not folder.exists() and not folder.is_symlink():
                parent = next(p for p in folder.absolute().parents if p.exists())
                if not (parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)):
                    raise RecordingRefused(f"cannot create {folder}: {parent} is not a folder this user can write into")
                return
            if not folder.is_dir():
                raise RecordingRefused(f"--record {folder}: that is a file, not a folder")
            earlier = earlier_recording(folder)
            if earlier is not None:
                count = len(earlier.get("exchanges", [])) if isinstance(earlier.get("exchanges"), list) else "some"
                raise RecordingRefused(
                    f"--record {folder} holds an earlier recording of {GENERATOR} ({count} exchanges, started {earlier.get('started', '?')}): "
                    "record into a new folder (a recording is one session, which `waterrai-proxy check` judges in order, as the proxy did)"
                )
            if any(folder.iterdir()):
                raise RecordingRefused(f"--record {folder} is not empty and is not a recording of {GENERATOR}; nothing in it was touched: record into a new or empty folder")
        except OSError as error:
            raise RecordingRefused(f"cannot use {folder} for a recording: {error.strerror or error}") from None

    def add(self, exchange: Recorded) -> None:
        """Queue one exchange; never waits for the disk."""
        if not self._closed:
            self._queue.put(exchange)

    def close(self) -> None:
        """Write everything queued, then stop the writer; a second call does nothing."""
        with self._closing:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join()
        log.info("recorded %d exchange%s into %s", len(self._rows), "" if len(self._rows) == 1 else "s", self.folder)

    def _run(self) -> None:
        pending, last, spacing = False, 0.0, 0.0  # exchanges not listed yet; when the listing was last written; the wait after it
        while True:
            wait = None if not pending else max(0.0, last + spacing - time.monotonic())
            try:
                batch = [self._queue.get(timeout=wait)]
            except queue.Empty:
                batch = []
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            exchanges = [item for item in batch if item is not None]
            if exchanges:
                self._write_exchanges(exchanges)
                pending = True
            stop = None in batch
            if pending and (stop or time.monotonic() - last >= spacing):
                began = time.monotonic()
                self._write_listing()
                pending, last = False, time.monotonic()
                spacing = min(REWRITE_EVERY_S, REWRITE_SPACING * (last - began))
            if stop:
                return

    def _write_exchanges(self, exchanges: list[Recorded]) -> None:
        """Each exchange's file, whole; the HAR and index list it once rewritten."""
        for recorded in exchanges:
            try:
                found = secrets_of(recorded.url, recorded.request_headers, recorded.response_headers)
                self._secrets += [secret for secret in dict.fromkeys(found) if secret not in self._secrets]
                rendered = render(recorded, self._base_path, self._secrets)
                write_atomically(self.folder / rendered.file, dump(rendered.exchange))
            except Exception as error:  # noqa: BLE001 - one exchange lost must not stop the recording
                log.error("#%d not recorded: %s", recorded.id, error)
                continue
            self._files.add(rendered.file)
            self._entries.append(dumped_item(rendered.entry, 2))
            self._rows.append(rendered.row)
            self._row_texts.append(dumped_item(rendered.row, 1))

    def _write_listing(self) -> None:
        """The HAR, then the index: after the exchange files they list, so the index never lists a file that is not there."""
        try:
            self._write_har()
            write_atomically(self.folder / INDEX, self._index())
        except OSError as error:
            log.error("the recording's %s and %s could not be rewritten: %s", HAR, INDEX, error)

    def _write_har(self, *, replace: bool = True) -> None:
        custom = {"_upstream": self.upstream} if self.upstream else {}
        text = spliced(har.log([], GENERATOR, kit_version(), custom=custom), "entries", self._entries, 2)
        write_atomically(self.folder / HAR, text, replace=replace)

    def _index(self) -> str:
        return spliced(
            {
                "about": f"Exchanges recorded by {GENERATOR} (credentials hidden); {HAR} holds them all, in the order they were judged.",
                "generator": GENERATOR,
                "upstream": self.upstream,
                "started": self._started,
                "har": HAR,
                "violations": sum(row["violations"] for row in self._rows),
                "exchanges": [],
                # every file the proxy wrote here, this index included
                "files": sorted([*self._files, HAR, INDEX]),
            },
            "exchanges",
            self._row_texts,
            1,
        )
