"""Files the kit writes (reports, summaries, fixtures, recordings, releases, benchmark results)
appear whole or not at all, and its JSON files all read alike."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any


def dump(value: Any) -> str:
    """Stable JSON text: two-space indent, keys in recorded order, UTF-8, final newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def write_atomically(path: str | os.PathLike[str], data: str | bytes, *, replace: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, so that a reader (or a
    crash) never sees half a file. With ``replace=False`` an existing file is never overwritten
    (``FileExistsError``). The file's mode follows the umask, as any file the user writes."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)  # fails if the target exists
    finally:
        temporary.unlink(missing_ok=True)
