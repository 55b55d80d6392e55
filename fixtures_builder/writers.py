"""Turn recorded exchanges into files: one JSON per exchange, an index, HAR logs and a README.

Everything is rendered in memory first. The index (``index.json``) names the generator and lists
every file the kit wrote; it is how a later run knows which files in the folder are the kit's.
A run writes only into an empty or missing folder, or one whose index says the kit wrote it, and
there it replaces or removes only the files that index lists: whatever else is in the folder
(a user's notes, a whole working directory given by mistake) is never touched.
"""


from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from fixtures_builder.har import MAIN, har_files, own_file, replayed_by, request_text
from meetings_spec.files import dump


#: The line of the README template that the table of shared requests replaces.
SHARED_REQUESTS = "<!-- shared requests -->"


def fixture_path(exchange: dict[str, Any]) -> str:
    return f"{exchange['operationId']}/{exchange['case']}.json"


#: The index's mark that the folder is the kit's, and the name of the list of what it wrote there.
GENERATOR = "waterrai-fixtures"
INDEX = "index.json"
#: How the index of a folder written before the index named its generator begins: that kit
#: replaced the whole folder, so its fixtures, index, HAR and README were all it held.
_LEGACY_ABOUT = "Request/response pairs recorded from the Meetings API mock; see README.md."
_LEGACY_FILES = ("index.json", "meetings.har", "README.md")


def render(exchanges: list[dict[str, Any]]) -> dict[str, str]:
    """Every file of the fixture folder, relative path to text."""
    files = {fixture_path(e): dump(e) for e in exchanges}
    chosen = replayed_by(exchanges)
    files.update({path: dump(log) for path, log in har_files(exchanges).items()})
    template = resources.files("fixtures_builder").joinpath("fixtures_readme.md").read_text(encoding="utf-8")
    if SHARED_REQUESTS not in template:
        raise ValueError(f"fixtures_readme.md has lost its {SHARED_REQUESTS} line, where the table of shared requests goes")
    files["README.md"] = template.replace(SHARED_REQUESTS, shared_requests_table(exchanges, chosen))
    files[INDEX] = dump(
        {
            "about": "Request/response pairs recorded from the Meetings API mock; see README.md.",
            "generator": GENERATOR,
            "fixtures": [
                {
                    "file": fixture_path(e),
                    "operationId": e["operationId"],
                    "case": e["case"],
                    "method": e["request"]["method"],
                    "path": e["request"]["path"],
                    "status": e["response"]["status"],
                    "description": e["description"],
                    "har": MAIN if chosen[i] == i else own_file(e),
                    **({} if chosen[i] == i else {"meetingsHarAnswersWith": fixture_path(exchanges[chosen[i]])}),
                }
                for i, e in enumerate(exchanges)
            ],
            # every file the kit writes here, this index included: a later run replaces or
            # removes these, and nothing else
            "files": sorted([*files, INDEX]),
        }
    )
    return files


def shared_requests_table(exchanges: list[dict[str, Any]], chosen: list[int]) -> str:
    """Markdown: each exchange that ``meetings.har`` answers with another, and the HAR that gives it."""
    rows = ["| exchange | its request | `meetings.har` answers with | replay it with |", "|---|---|---|---|"]
    for i, e in enumerate(exchanges):
        if chosen[i] == i:
            continue
        other = exchanges[chosen[i]]
        same = ", the same answer" if other["response"] == e["response"] else ""
        request = f"{e['request']['method']} {e['request']['path']}"
        body = request_text(e["request"])
        if body is not None:
            request += " " + (body if len(body) <= 60 else body[:57] + "...")
        rows.append(
            f"| {e['operationId']}/{e['case']} ({e['response']['status']}) | `{request}` "
            f"| {other['operationId']}/{other['case']} ({other['response']['status']}{same}) | `fixtures/{own_file(e)}` |"
        )
    return "\n".join(rows) if len(rows) > 2 else "None: every exchange has a request of its own."


class FolderRefused(Exception):
    """The folder holds something the kit did not write, which a run would replace or lose."""


@dataclass(frozen=True)
class Plan:
    """What writing a fixture set into a folder changes: nothing outside these lists."""

    target: Path
    write: dict[str, str]  # new or changed files, relative path to text
    remove: list[str]  # files the kit wrote before and no longer writes

    @property
    def changes(self) -> list[str]:
        return sorted([*self.write, *self.remove])


def _relative(name: Any) -> str | None:
    """``name`` if it is a plain relative path inside the folder (no ``..``, not absolute)."""
    if not isinstance(name, str) or not name or "\\" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return str(path)


def files_written_before(target: Path) -> set[str]:
    """The files the kit wrote in ``target`` last time, as its index lists them.

    An empty or missing folder has none. Raises ``FolderRefused`` for anything else: a file, or
    a folder that holds something but no index of the kit's (``--out .`` in a project).
    """
    if not target.exists() and not target.is_symlink():
        return set()
    if not target.is_dir():
        raise FolderRefused(f"{target} is not a folder")
    index = target / INDEX
    if not index.is_file():
        if any(target.iterdir()):
            raise FolderRefused(f"{target} is not empty and has no {INDEX} written by {GENERATOR}, so it is not a fixtures folder of the kit")
        return set()
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("generator") == GENERATOR and isinstance(data.get("files"), list):
        listed = data["files"]
    elif isinstance(data, dict) and data.get("about") == _LEGACY_ABOUT and isinstance(data.get("fixtures"), list):
        listed = [entry.get("file") for entry in data["fixtures"] if isinstance(entry, dict)] + list(_LEGACY_FILES)
    else:
        raise FolderRefused(f"{index} was not written by {GENERATOR}, so {target} is not a fixtures folder of the kit")
    return {name for name in map(_relative, listed) if name is not None}


def _inside(target: Path, relative: str) -> bool:
    """Whether ``relative`` stays inside ``target`` once symlinked folders are followed."""
    return (target / relative).parent.resolve() == target.resolve().joinpath(relative).parent


def _holds(path: Path, text: str) -> bool:
    try:
        return path.is_file() and path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeError):
        return False


def plan(files: dict[str, str], target: Path) -> Plan:
    """What writing ``files`` into ``target`` would change; ``FolderRefused`` if it would touch a
    file the kit did not write (a file the index does not list is left alone, unless it is in
    the way of one the kit writes and holds something else)."""
    ours = files_written_before(target)
    for relative in files:
        path = target / relative
        if not _inside(target, relative):
            raise FolderRefused(f"{path} is reached through a symbolic link out of {target}")
        if path.is_dir():
            raise FolderRefused(f"{path} is a folder where the kit writes a file")
        if relative not in ours and (path.exists() or path.is_symlink()) and not _holds(path, files[relative]):
            raise FolderRefused(f"{path} is in the way: the kit did not write it ({INDEX} does not list it)")
    write = {relative: text for relative, text in files.items() if not _holds(target / relative, text)}
    remove = sorted(
        relative
        for relative in ours - set(files)
        if _inside(target, relative) and ((target / relative).is_file() or (target / relative).is_symlink())
    )
    return Plan(target, write, remove)


def write_fixtures(files: dict[str, str], target: Path) -> Plan:
    """Write ``files`` into ``target`` as ``plan`` says, each file atomically.

    Every new text is first written to a temporary file beside its place; only once all are
    written do they replace the old ones (the index last), and the files the kit no longer writes
    go. An error before that leaves the old set as it was, and no temporary file behind.
    """
    changes = plan(files, target)
    staged: list[tuple[Path, Path]] = []
    made: list[Path] = []
    try:
        for relative in sorted(changes.write, key=lambda name: name == INDEX):
            final = target / relative
            made += _make_folders(final.parent)
            temporary = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
            staged.append((temporary, final))
            _write_new(temporary, changes.write[relative])
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        for folder in reversed(made):
            _remove_if_empty(folder)
        raise
    for temporary, final in staged:
        os.replace(temporary, final)
    for relative in changes.remove:
        path = target / relative
        path.unlink(missing_ok=True)
        for folder in _parents_inside(target, path):
            _remove_if_empty(folder)
    return changes


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` (never over an existing file) with ``text``; its mode follows the umask,
    as any file the user writes."""
    with open(path, "x", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, outermost first."""
    missing = [folder, *folder.parents]
    missing = [path for path in missing if not path.exists()][::-1]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _parents_inside(target: Path, path: Path) -> Iterator[Path]:
    """The folders between ``path`` and ``target``, innermost first (``target`` excluded)."""
    for parent in path.parents:
        if parent == target:
            return
        yield parent


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (a user's file, say): it stays


