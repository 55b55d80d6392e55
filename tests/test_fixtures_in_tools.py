"""The fixtures work in the tools they are for: fixtures/README.md's snippets, run as written.

Each snippet is read from the README itself (no second copy here) and run where its users run it:
the Playwright ones in Chromium (Debian's, through playwright-core from tests/fixtures_node,
installed by ``make test`` with ``npm ci``), the fetch stub in Node, the Python one with pytest.
They run in a scratch project laid out as the README assumes: ``fixtures/`` (a link to ours) at
its root, the test files in ``tests/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import Phase, example, given, settings, strategies as st

from fixtures_builder.cli import DEFAULT_OUT as FIXTURES
from fixtures_builder.har import BASE_URL, MAIN
from fixtures_builder.js_json import stringify
from servers import serving
from processes import CHROMIUM, chromium_missing

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

NODE_DIR = Path(__file__).resolve().parent / "fixtures_node"
PLAYWRIGHT_VERSION = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["playwright-core"]
NOT_FROM_HAR = 599

#: Each snippet of fixtures/README.md, by the start of its first line; every snippet must have one.
SNIPPETS = {
    "replay": "// Playwright: answer the app's calls",
    "other-base": "// Playwright, the API at another base URL",
    "own-har": "// Playwright, the 401 of a read without a token",
    "fetch-stub": "// Stub fetch with one fixture",
    "python": "import json, pathlib",
}


def readme_blocks() -> list[tuple[str, str]]:
    """Every fenced code block of fixtures/README.md: (language, code)."""
    return re.findall(r"^```(\w+)\n(.*?)^```$", (FIXTURES / "README.md").read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


def snippet(key: str) -> str:
    found = [code for _, code in readme_blocks() if code.startswith(SNIPPETS[key])]
    assert len(found) == 1, f"fixtures/README.md should have one snippet starting {SNIPPETS[key]!r}, has {len(found)}"
    return found[0]


def test_every_readme_snippet_is_run_here() -> None:
    blocks = readme_blocks()
    assert blocks, "no code blocks found in fixtures/README.md"
    untested = [code.splitlines()[0] for _, code in blocks if not any(code.startswith(start) for start in SNIPPETS.values())]
    assert not untested, f"fixtures/README.md has snippets no test runs: {untested}"


def _index() -> list[dict[str, Any]]:
    return json.loads((FIXTURES / "index.json").read_text())["fixtures"]


def _fixture(file: str) -> dict[str, Any]:
    return json.loads((FIXTURES / file).read_text())


# --- Node ---------------------------------------------------------------------------------------


def _node_problem() -> str | None:
    """Why the README's JavaScript cannot run here, or None."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed: the README's JavaScript snippets cannot run"
    major = int(subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.lstrip("v").split(".")[0])
    if major < 20:
        return f"Node {major} is older than Node 20, which playwright-core {PLAYWRIGHT_VERSION} needs"
    return None


NODE_PROBLEM = _node_problem()


def _node_or_skip() -> str:
    if NODE_PROBLEM is not None:
        pytest.skip(NODE_PROBLEM)
    return shutil.which("node") or "node"


def _node(*args: str, cwd: Path, stdin: str | None = None, timeout: float = 60) -> Any:
    done = subprocess.run([_node_or_skip(), *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"node {' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch project as the README's snippets assume: fixtures/ at its root, tests in tests/."""
    root = tmp_path_factory.mktemp("project")
    (root / "fixtures").symlink_to(FIXTURES, target_is_directory=True)
    (root / "tests").mkdir()
    return root


_STRINGIFY_ALL = "const values = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log(JSON.stringify(values.map((v) => JSON.stringify(v))));"
_keys = st.one_of(st.text(max_size=6), st.from_regex(r"(0|[1-9][0-9]{0,10})", fullmatch=True))
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters() | st.characters(categories=["Cs", "Cc", "Zl", "Zp"]) | st.sampled_from('"\\/'), max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)


#: Values where JSON.stringify differs from Python's json.dumps: numbers, unicode, key order.
TRICKY = [
    1.0, 0.1, -0.0, 1e21, 1e-7, 1.5e300, 5e-324, 123.456, 2**53 + 1, 12345678901234567890, -(10**22),
    "\x00\x1f\x7f\u2028\u2029\"\\/\n\t\b\f\ré😀", "\ud800 \udfff", "\ud83d\ude00",
    {"b": 1, "10": 2, "a": 3, "2": 4, "01": 5, "4294967294": 6, "4294967295": 7, "-1": 8, "1.5": 9},
]


@pytest.mark.skipif(NODE_PROBLEM is not None, reason=NODE_PROBLEM or "")
@settings(max_examples=5, deadline=None, database=None, phases=(Phase.explicit, Phase.generate))
@example(TRICKY)
@given(st.lists(_json_values, min_size=50, max_size=50))
def test_stringify_writes_what_json_stringify_writes(values: list[Any]) -> None:
    """Property, checked against Node itself: the same value gives the same text, byte for byte."""
    text = json.dumps(values)  # ASCII, so lone surrogates travel as \\u escapes
    written = _node("-e", _STRINGIFY_ALL, cwd=NODE_DIR, stdin=text)
    ours = [stringify(v) for v in json.loads(text)]
    assert len(ours) == len(written)
    differ = [(ascii(v), ascii(mine), ascii(node)) for v, mine, node in zip(json.loads(text), ours, written) if mine != node]
    assert not differ, f"(value, ours, JSON.stringify's): {differ}"


def test_har_request_bodies_are_what_json_stringify_writes() -> None:
    """For every fixture: the HAR's body is JSON.stringify of the fixture's body as Node reads the file."""
    script = """
      const fs = require('fs');
      const index = JSON.parse(fs.readFileSync('index.json', 'utf8')).fixtures;
      const entries = JSON.parse(fs.readFileSync('meetings.har', 'utf8')).log.entries;
      console.log(JSON.stringify(index.map((entry, i) => {
        const { request } = JSON.parse(fs.readFileSync(entry.file, 'utf8'));
        const sent = 'body' in request ? JSON.stringify(request.body) : request.bodyText;
        return { file: entry.file, sent: sent ?? null, recorded: entries[i].request.postData?.text ?? null };
      })));
    """
    pairs = _node("-e", script, cwd=FIXTURES)
    assert len(pairs) == len(_index())
    assert sum(p["sent"] is not None for p in pairs) > 30
    mismatched = [p["file"] for p in pairs if p["sent"] != p["recorded"]]
    assert not mismatched, f"HAR request bodies differ from what a JavaScript client sends: {mismatched}"


def test_readme_fetch_stub_answers_the_fixture(project: Path) -> None:
    module = project / "tests" / "fetch-stub.mjs"
    module.write_text(snippet("fetch-stub"))
    got = _node(str(NODE_DIR / "run_fetch_stub.mjs"), str(module), cwd=project)
    expected = _fixture("createMeeting/docs-example.json")["response"]
    assert got["status"] == expected["status"]
    assert json.loads(got["text"]) == expected["body"]
    assert {k.lower(): v for k, v in expected["headers"].items()}.items() <= got["headers"].items()


# --- Playwright in Chromium ---------------------------------------------------------------------


def _page_server(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    """The page's origin: serves the page; anything else that reaches it was not answered by a HAR."""
    if environ["PATH_INFO"] == "/":
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [b"<!doctype html><title>fixtures replay</title>"]
    start_response(f"{NOT_FROM_HAR} Not From HAR", [("Content-Type", "text/plain")])
    return [b"reached the server: no HAR entry answered"]


@pytest.fixture(scope="module")
def chromium_report(project: Path) -> dict[str, list[dict[str, Any]]]:
    """Every Playwright run, in one Chromium; each run's results by fixture file."""
    _node_or_skip()
    if not (NODE_DIR / "node_modules" / "playwright-core").is_dir():
        pytest.skip(f"playwright-core is not installed in {NODE_DIR}: `make test` installs it (npm ci)")
    if chromium_missing() is not None:
        pytest.skip(f"{chromium_missing()}; .ci/run installs it")
    preamble = "const page = globalThis.page;\n"
    modules = {}
    for key in ("replay", "other-base", "own-har"):
        modules[key] = project / "tests" / f"{key}.mjs"
        modules[key].write_text(preamble + snippet(key))
    # The own-HAR snippet, applied to each exchange meetings.har answers with another:
    shadowed = [e for e in _index() if e["har"] != MAIN]
    for entry in shadowed:
        modules[entry["file"]] = project / "tests" / f"own-{entry['operationId']}-{entry['case']}.mjs"
        modules[entry["file"]].write_text(preamble + snippet("own-har").replace("har/getMeeting/error-missing-token.har", entry["har"]))
    with serving(_page_server) as origin:
        every = [{"id": e["file"], "fixture": (FIXTURES / e["file"]).read_text()} for e in _index()]
        runs = [
            {"name": "replay", "snippets": [str(modules["replay"])], "requests": [{**r, "base": BASE_URL} for r in every]},
            {"name": "replay, another token", "snippets": [str(modules["replay"])], "requests": [{**r, "base": BASE_URL, "token": "Bearer my-real-token"} for r in every]},
            # the page's own origin, as with the mock on another port; then a dev server's proxy path
            {"name": "other-base", "env": {"API_BASE_URL": origin}, "snippets": [str(modules["other-base"])], "requests": [{**r, "base": origin} for r in every]},
            {"name": "other-base, a path", "env": {"API_BASE_URL": origin + "/api"}, "snippets": [str(modules["other-base"])], "requests": [{**r, "base": origin + "/api"} for r in every]},
            {
                "name": "own-har",
                "snippets": [str(modules["replay"]), str(modules["own-har"])],
                "requests": [{**r, "base": BASE_URL} for r in every if r["id"].startswith("getMeeting/") or r["id"] == "createMeeting/docs-example.json"],
            },
        ] + [
            {"name": f"own:{e['file']}", "snippets": [str(modules["replay"]), str(modules[e["file"]])], "requests": [{"id": e["file"], "fixture": (FIXTURES / e["file"]).read_text(), "base": BASE_URL}]}
            for e in shadowed
        ]
        config = project / "replay.json"
        config.write_text(json.dumps({"chromium": CHROMIUM, "pageUrl": origin + "/", "runs": runs}))
        report = _node(str(NODE_DIR / "replay_in_chromium.mjs"), str(config), cwd=project, timeout=180)
    return {run["name"]: {r["id"]: r for r in run["results"]} for run in report}


def _answer_of(file: str) -> tuple[int, Any]:
    response = _fixture(file)["response"]
    return response["status"], response["body"]


def _got(result: dict[str, Any]) -> tuple[int, Any] | str:
    if "error" in result:
        return f"fetch failed: {result['error']}"
    if result["status"] == NOT_FROM_HAR:
        return f"no HAR entry answered: {result['text']}"
    return result["status"], json.loads(result["text"])


@pytest.mark.parametrize("run", ["replay", "replay, another token", "other-base", "other-base, a path"])
def test_playwright_replays_every_exchange_from_meetings_har(chromium_report: dict[str, Any], run: str) -> None:
    """Each fixture's request, sent by the page's fetch(), gets its recorded answer; the few that
    share their request with another get that one's, as index.json and the README's table say."""
    results = chromium_report[run]
    assert set(results) == {e["file"] for e in _index()}
    wrong = {}
    for entry in _index():
        expected = _answer_of(entry.get("meetingsHarAnswersWith", entry["file"]))
        got = _got(results[entry["file"]])
        if got != expected:
            wrong[entry["file"]] = got if isinstance(got, str) else f"got {got[0]}, expected {expected[0]} (or another body)"
        elif entry["har"] == MAIN:
            assert results[entry["file"]]["contentType"] == _fixture(entry["file"])["response"]["headers"]["Content-Type"]
    assert not wrong, f"{run}: {len(wrong)} of {len(results)} exchanges not replayed: {wrong}"
    posts = [e for e in _index() if e["method"] == "POST" and e["har"] == MAIN]
    assert len(posts) > 30 and {e["operationId"] for e in _index()} == {"createMeeting", "createDynamicMeeting", "getMeeting"}


def test_playwright_own_har_on_top_gives_that_exchange(chromium_report: dict[str, Any]) -> None:
    results = chromium_report["own-har"]
    refused = _answer_of("getMeeting/error-missing-token.json")
    assert refused[0] == 401
    for file in ("getMeeting/docs-example.json", "getMeeting/error-missing-token.json"):
        assert _got(results[file]) == refused, file  # with the token or without
    assert _got(results["createMeeting/docs-example.json"]) == _answer_of("createMeeting/docs-example.json")  # the rest: meetings.har


def test_each_exchange_meetings_har_cannot_give_replays_from_its_own_har(chromium_report: dict[str, Any]) -> None:
    shadowed = [e for e in _index() if e["har"] != MAIN]
    assert {e["case"] for e in shadowed} >= {"error-missing-token"}
    for entry in shadowed:
        assert entry["meetingsHarAnswersWith"] != entry["file"]
        assert _got(chromium_report[f"own:{entry['file']}"][entry["file"]]) == _answer_of(entry["file"]), entry["file"]


# --- Python -------------------------------------------------------------------------------------


def test_readme_python_snippet_passes_under_pytest(project: Path) -> None:
    (project / "tests" / "test_readme_snippet.py").write_text(snippet("python"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_readme_snippet.py"],
        cwd=project, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},  # the snippet needs none of the kit's plugins
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"{1 + len(_index())} passed" in done.stdout, done.stdout[-500:]
