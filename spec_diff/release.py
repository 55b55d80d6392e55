"""Released specs: ``openapi/released/<info.version>.yaml``, one file per release, never rewritten.

``check`` holds the working spec to the latest release: a breaking change needs a new major
``info.version`` (for 0.x versions, a new minor one, as semantic versioning has it).
``release`` copies the working spec there once it passes that check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from meetings_spec.files import write_atomically
from spec_diff.engine import diff_specs
from spec_diff.model import Level
from spec_diff.report import Report
from spec_diff.source import InputError, SpecSource, read_source

SUFFIX = ".yaml"


@dataclass(frozen=True)
class Release:
    version: Version
    path: Path


def released(directory: Path) -> list[Release]:
    """The releases kept in ``directory``, oldest first (files named ``<version>.yaml``)."""
    found = []
    for path in directory.glob(f"*{SUFFIX}") if directory.is_dir() else []:
        try:
            found.append(Release(Version(path.name[: -len(SUFFIX)]), path))
        except InvalidVersion:
            continue
    return sorted(found, key=lambda release: release.version)


def spec_version(source: SpecSource) -> Version:
    raw = (source.document.get("info") or {}).get("version")
    try:
        return Version(str(raw))
    except InvalidVersion as exc:
        raise InputError(f"{source.label}: info.version {raw!r} is not a version number such as 1.2.0") from exc


def is_new_major(new: Version, old: Version) -> bool:
    """Whether ``new`` may break ``old``: a higher major, or for 0.x a higher minor."""
    if new.major != old.major:
        return new.major > old.major
    return new.major == 0 and new.minor > old.minor


def next_version(version: Version, breaking: bool) -> Version:
    """The version a spec that changed since ``version`` should say: a new major one when the
    changes break a client (a new minor one for 0.x), else a new minor one."""
    if breaking and version.major > 0:
        return Version(f"{version.major + 1}.0.0")
    return Version(f"{version.major}.{version.minor + 1}.0")


def check(spec: str, directory: Path, fail_on: Level = Level.BREAKING, **traffic: Any) -> Report:
    """Compare ``spec`` with the latest release in ``directory``; the report's status is the verdict.

    A spec that says the version of a release but differs from it fails whatever changed: a
    release is never rewritten, and two different specs would go by one version. ``traffic``
    (``hars``, ``fail_on_impact``, ``base_path``) weighs each change against recorded traffic,
    as ``Report`` does.
    """
    new = read_source(spec)
    new_version = spec_version(new)
    releases = released(directory)
    if not releases:
        report = Report(new, new, [], fail_on, **traffic)
        report.verdict = f"no release in {directory} yet: nothing to hold {spec} to"
        return report
    same = next((one for one in releases if one.version == new_version), None)
    if same is not None and same.path.read_bytes() != Path(spec).read_bytes():
        return _rewrites_a_release(spec, new, same, fail_on, **traffic)
    latest = releases[-1]
    old = _release_source(latest)
    report = Report(old, new, diff_specs(old.document, new.document, (old.label, new.label)), fail_on, **traffic)
    if new_version < latest.version:
        report.exit_status = 1
        report.verdict = f"info.version {new_version} is older than the latest release, {latest.version}"
    elif report.failing and is_new_major(new_version, latest.version):
        report.exit_status = 0
        report.verdict = (f"allowed: info.version {new_version} is a new major version over the latest release, "
                          f"{latest.version}")
    elif report.failing:
        report.verdict = (f"{len(report.failing)} change(s) at or above {fail_on.label} since release {latest.version}: "
                          f"undo them, or raise info.version to a new major version ({latest.version.major + 1}.0.0)")
    else:
        report.verdict = f"keeps release {latest.version}"
    return report


def _release_source(one: Release) -> SpecSource:
    source = read_source(str(one.path))
    if spec_version(source) != one.version:
        raise InputError(f"{one.path}: its info.version is {spec_version(source)}, not the {one.version} its name says")
    return source


def _rewrites_a_release(spec: str, new: SpecSource, same: Release, fail_on: Level, **traffic: Any) -> Report:
    """The report of a spec that differs from the release of its own version: it fails, and says
    which version to give it (its changes since that release decide) and how to release it."""
    old = _release_source(same)
    report = Report(old, new, diff_specs(old.document, new.document, (old.label, new.label)), fail_on, **traffic)
    breaking = any(change.level is Level.BREAKING for change in report.changes)
    report.exit_status = 1
    report.verdict = (
        f"{spec} differs from {same.path}, the release of its info.version {same.version}, and a release is never rewritten: "
        f"bump info.version (to {next_version(same.version, breaking)}, for what changed since {same.version}), "
        "then run `make release-spec` (waterrai-spec release)"
    )
    return report


def release(spec: str, directory: Path) -> tuple[int, str]:
    """Copy ``spec`` to ``directory/<info.version>.yaml`` if it passes ``check``. Returns (status, message)."""
    source = read_source(spec)
    version = spec_version(source)
    target = directory / f"{version}{SUFFIX}"
    text = Path(spec).read_bytes()
    if target.exists():
        if target.read_bytes() == text:
            return 0, f"{target} already holds this spec: nothing to do"
        return 1, (f"{target} already holds another spec released as {version}; a release is never rewritten: "
                   "raise info.version")
    verdict = check(spec, directory)
    if verdict.status != 0:
        return 1, f"not released: {verdict.verdict}"
    directory.mkdir(parents=True, exist_ok=True)
    try:
        write_atomically(target, text, replace=False)
    except FileExistsError:
        return 1, f"{target} appeared while releasing; a release is never rewritten: look at it, then try again"
    return 0, f"released {spec} as {target}"


