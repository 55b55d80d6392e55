"""``waterrai-spec diff`` as its users run it: the console script and ``python -m spec_diff``."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from meetings_spec import SPEC_PATH, load_spec
from spec_diff.catalogue import CATALOGUE, Touch
from spec_diff.cli import main
from tests.spec_edits import component, prop

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "waterrai-spec"
SPEC = load_spec()


def run(*args: str, cwd: Path = ROOT, module: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "spec_diff", *args] if module else [str(SCRIPT), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def write_spec(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def edited(**levels: bool) -> dict[str, Any]:
    """The spec with a breaking, a possibly breaking and a compatible edit (each when asked), each in a
    schema both create requests share, so each is reported twice."""
    spec = copy.deepcopy(SPEC)
    if levels.get("breaking"):
        prop(spec, "VoiceSettings", "voice_vendor")["enum"].remove("cartesia")
    if levels.get("possibly"):
        prop(spec, "SessionSettings", "language")["x-strict"]["maxLength"] = 32
    if levels.get("compatible"):
        prop(spec, "MeetingControls", "allow_chat")["description"] = "Offer a chat."
    return spec


@pytest.fixture(scope="module")
def all_levels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_spec(tmp_path_factory.mktemp("specs") / "new.yaml", edited(breaking=True, possibly=True, compatible=True))


def test_console_script_finds_nothing_between_the_spec_and_itself() -> None:
    done = run("diff", "openapi/meetings.yaml", "openapi/meetings.yaml")
    assert done.returncode == 0, done.stderr
    assert "no changes" in done.stdout


def test_the_spec_reformatted_as_json_reports_nothing(tmp_path: Path) -> None:
    as_json = tmp_path / "meetings.json"
    as_json.write_text(json.dumps(SPEC, indent=2, ensure_ascii=False), encoding="utf-8")
    done = run("diff", str(SPEC_PATH), str(as_json), "--format", "json", module=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["changes"] == [] and report["exit_status"] == 0


def test_breaking_change_exits_1_and_names_it(all_levels: Path) -> None:
    done = run("diff", "openapi/meetings.yaml", str(all_levels))
    assert done.returncode == 1
    assert 'voice_vendor: no longer accepts "cartesia"' in done.stdout
    assert "1 breaking" not in done.stdout and "2 breaking, 2 possibly breaking, 2 compatible: fails" in done.stdout


def test_fail_on_raises_the_bar(tmp_path: Path) -> None:
    strict_only = write_spec(tmp_path / "strict.yaml", edited(possibly=True))
    assert run("diff", "openapi/meetings.yaml", str(strict_only)).returncode == 0
    assert run("diff", "openapi/meetings.yaml", str(strict_only), "--fail-on", "possibly-breaking").returncode == 1
    docs_only = write_spec(tmp_path / "docs.yaml", edited(compatible=True))
    assert run("diff", "openapi/meetings.yaml", str(docs_only), "--fail-on", "possibly-breaking").returncode == 0
    assert run("diff", "openapi/meetings.yaml", str(docs_only), "--fail-on", "compatible").returncode == 1


def _unreadable_inputs(tmp: Path) -> dict[str, str]:
    (tmp / "broken.yaml").write_text("openapi: 3.1.0\npaths: {\n  /x: [\n", encoding="utf-8")
    (tmp / "list.yaml").write_text("- openapi\n- 3.1.0\n", encoding="utf-8")
    (tmp / "v30.yaml").write_text(yaml.safe_dump({**SPEC, "openapi": "3.0.3"}), encoding="utf-8")
    dangling = copy.deepcopy(SPEC)
    prop(dangling, "CreateMeetingRequest", "scenario_id")["$ref"] = "#/components/schemas/NoSuchSchema"
    write_spec(tmp / "dangling.yaml", dangling)
    bad_paths = copy.deepcopy(SPEC)
    bad_paths["paths"]["/meetings"] = ["post"]
    write_spec(tmp / "bad-paths.yaml", bad_paths)
    (tmp / "binary.yaml").write_bytes(b"\xff\xfe\x00openapi")
    return {
        "missing file": str(tmp / "nowhere.yaml"),
        "not YAML": str(tmp / "broken.yaml"),
        "not a mapping": str(tmp / "list.yaml"),
        "OpenAPI 3.0": str(tmp / "v30.yaml"),
        "dangling $ref": str(tmp / "dangling.yaml"),
        "paths not a mapping of mappings": str(tmp / "bad-paths.yaml"),
        "not UTF-8": str(tmp / "binary.yaml"),
        "git ref that does not exist": "git:no-such-ref-4b1d:openapi/meetings.yaml",
        "git source without a path": "git:HEAD",
    }


@pytest.mark.parametrize("case", ["missing file", "not YAML", "not a mapping", "OpenAPI 3.0", "dangling $ref",
                                  "paths not a mapping of mappings", "not UTF-8", "git ref that does not exist",
                                  "git source without a path"])
@pytest.mark.parametrize("side", ["old", "new"])
def test_unreadable_input_exits_2_with_a_message(case: str, side: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # git sources are read from the kit's own repository
    bad = _unreadable_inputs(tmp_path)[case]
    args = ["diff", bad, "openapi/meetings.yaml"] if side == "old" else ["diff", "openapi/meetings.yaml", bad]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert err.startswith(f"waterrai-spec: {bad}: ") and err.count("\n") == 1, err
    assert out == ""


def test_console_script_exits_2_on_unreadable_input() -> None:
    done = run("diff", "openapi/meetings.yaml", "openapi/no-such-spec.yaml")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "waterrai-spec: openapi/no-such-spec.yaml: cannot read it: No such file or directory\n"


def test_every_format_parses_and_agrees(all_levels: Path) -> None:
    outputs = {fmt: run("diff", "openapi/meetings.yaml", str(all_levels), "--format", fmt)
               for fmt in ("text", "json", "markdown", "junit", "github")}
    assert {fmt: done.returncode for fmt, done in outputs.items()} == dict.fromkeys(outputs, 1)

    report = json.loads(outputs["json"].stdout)
    levels = [change["level"] for change in report["changes"]]
    assert levels.count("breaking") == 2 and levels.count("possibly breaking") == 2 and levels.count("compatible") == 2
    assert report["summary"] == {"breaking": 2, "possibly breaking": 2, "compatible": 2}
    strict_only = [c for c in report["changes"] if c["level"] == "possibly breaking"]
    assert all(c["view"] == "strict" and "strict view only" in c["text"] for c in strict_only)

    suites = ET.fromstring(outputs["junit"].stdout)
    cases = suites.findall("./testsuite/testcase")
    assert len(cases) == 6
    assert [c.get("classname") for c in cases if c.find("failure") is not None] == ["spec-diff.breaking"] * 2
    assert suites.get("failures") == "2"

    rows = [line for line in outputs["markdown"].stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 6 and rows[0] == "| level | where | change |"

    annotations = outputs["github"].stdout.splitlines()
    pattern = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=(\d+),title=[^:]+::.+$")
    matched = [pattern.match(line) for line in annotations[:-1]]
    assert all(matched), annotations
    assert [m.group(1) for m in matched] == ["error"] * 2 + ["warning"] * 2 + ["notice"] * 2  # type: ignore[union-attr]
    assert annotations[-1].startswith("::notice title=waterrai-spec diff::")


def test_annotations_point_at_the_changed_line_of_new(all_levels: Path) -> None:
    done = run("diff", "openapi/meetings.yaml", str(all_levels), "--format", "github")
    lines = all_levels.read_text(encoding="utf-8").splitlines()
    found = {}
    for annotation in done.stdout.splitlines():
        match = re.match(r"^::\w+ file=([^,]+),line=(\d+),title=[^:]+%3A ([\w-]+)::", annotation)
        if match:
            assert match.group(1) == str(all_levels)
            found[match.group(3)] = lines[int(match.group(2)) - 1].strip()
    assert found["request-value-removed"].startswith("enum:")  # the voice_vendor enum that lost a value
    assert found["request-maxLength-tightened"].startswith("maxLength: 32")  # under x-strict
    assert found["description-changed"].startswith("description: Offer a chat.")


def test_output_file_is_written_whole(all_levels: Path, tmp_path: Path) -> None:
    target = tmp_path / "spec-diff.xml"
    done = run("diff", "openapi/meetings.yaml", str(all_levels), "--format", "junit", "--output", str(target))
    assert done.returncode == 1 and done.stdout == ""
    assert ET.parse(target).getroot().get("failures") == "2"
    assert "2 breaking" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["spec-diff.xml"]  # no temporary file left behind


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_sources(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=tmp_path,
                       check=True, capture_output=True)

    git("init", "-q")
    shutil.copy(SPEC_PATH, tmp_path / "meetings.yaml")
    git("add", "meetings.yaml")
    git("commit", "-q", "-m", "spec")
    changed = copy.deepcopy(SPEC)
    component(changed, "MeetingType")["enum"].remove("end-user")
    write_spec(tmp_path / "meetings.yaml", changed)

    done = run("diff", "git:HEAD:meetings.yaml", "meetings.yaml", "--format", "github", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "file=meetings.yaml," in done.stdout and 'no longer accepts \\"end-user\\"' not in done.stdout
    assert 'meeting_type: no longer accepts "end-user"' in done.stdout
    assert run("diff", "git:HEAD:meetings.yaml", "git:HEAD:./meetings.yaml", cwd=tmp_path).returncode == 0


def test_help_names_the_commands() -> None:
    done = run("--help", module=True)
    assert done.returncode == 0
    assert all(command in done.stdout for command in ("diff", "check", "release", "rules"))


def test_rules_lists_the_catalogue_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["level"], r["family"], r["description"]) for r in listed["rules"]] == [
        (rule.id, rule.level.label, rule.family.label, rule.description) for rule in CATALOGUE]
    touches = {entry["impact"]: entry["touches"] for entry in listed["impacts"]}
    assert {r["id"]: r["impact"] and touches[r["impact"]] for r in listed["rules"]} == {
        rule.id: rule.touch and rule.touch.value for rule in CATALOGUE}
    assert listed["levels"] == ["breaking", "possibly breaking", "compatible"]
    assert [f["family"] for f in listed["families"]] == list(dict.fromkeys(r["family"] for r in listed["rules"]))


def test_rules_lists_the_catalogue_for_people() -> None:
    """The console script prints each rule once, on a line of its own: id, level, which recorded
    exchanges its changes touch (``--traffic``; ``-`` for none), description; and what each of those means."""
    done = run("rules")
    assert done.returncode == 0, done.stderr
    codes = {touch.name.lower().replace("_", "-"): touch for touch in Touch}
    indented = [line for line in done.stdout.splitlines() if line.startswith("  ")]
    legend = [line for line in indented if line.split()[0] in codes]
    assert [line.split()[0] for line in legend] == list(codes)
    lines = [line for line in indented if line not in legend]
    assert sorted(line.split()[0] for line in lines) == sorted(CATALOGUE.ids)
    for line in lines:
        rule = CATALOGUE[line.split()[0]]
        code = "-" if rule.touch is None else rule.touch.name.lower().replace("_", "-")
        assert re.fullmatch(rf"  {re.escape(rule.id)} +{rule.level.label} +{re.escape(code)} +{re.escape(rule.description)}", line), line
    assert re.search(r"^PATHS \(\d+\): paths and operations", done.stdout, re.MULTILINE)
    refused = run("rules", "--format", "xml")
    assert refused.returncode == 2 and "invalid choice: 'xml'" in refused.stderr
