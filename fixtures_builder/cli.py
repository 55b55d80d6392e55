"""``waterrai-fixtures`` / ``make fixtures``: record the fixtures from the mock and write them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from meetings_spec import SpecError
from meetings_spec.about import VersionAction
from meetings_spec.loader import CHECKOUT_ROOT
from fixtures_builder.record import FixtureError, record_all
from fixtures_builder.writers import FolderRefused, files_written_before, plan, render, write_fixtures

#: A clone's committed fixtures/. An installed kit has no folder of its own to write (never into
#: site-packages), so there --out is required.
DEFAULT_OUT = CHECKOUT_ROOT / "fixtures" if CHECKOUT_ROOT else None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="waterrai-fixtures", description="Record validated request/response fixtures from the mock.")
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder to (re)write: empty, new, or one this command wrote; other files in it are kept "
        "(default in a clone of the kit: its fixtures/; required when the kit is installed)",
    )
    parser.add_argument("--spec", type=Path, default=None, help="OpenAPI file (default: the kit's openapi/meetings.yaml)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the folder differs from what would be written")
    parser.add_argument("--version", action=VersionAction)
    args = parser.parse_args(argv)
    if args.out is None:
        parser.error("--out DIR is required: the installed kit has no fixtures folder of its own (e.g. --out fixtures)")
    try:
        files_written_before(args.out)  # refuse a folder that is not ours before recording anything
        files = render(record_all(args.spec))
        changes = plan(files, args.out)
        if args.check:
            if changes.changes:
                print(
                    f"waterrai-fixtures: {len(changes.changes)} file(s) in {args.out} are stale, e.g. {changes.changes[:5]}; run `make fixtures`.",
                    file=sys.stderr,
                )
                return 1
            print(f"waterrai-fixtures: {args.out} is up to date ({len(files)} files).")
            return 0
        write_fixtures(files, args.out)
    except FolderRefused as error:
        print(
            f"waterrai-fixtures: will not write into {args.out}: {error}.\n"
            "Give --out a new or empty folder, or one waterrai-fixtures wrote. Nothing was written.",
            file=sys.stderr,
        )
        return 2
    except (FixtureError, SpecError) as error:
        print(f"waterrai-fixtures: {error}\nNothing was written.", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"waterrai-fixtures: could not write into {args.out}: {error}", file=sys.stderr)
        return 2
    print(f"waterrai-fixtures: wrote {len(changes.write)} changed file(s) of {len(files)}, removed {len(changes.remove)}, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
