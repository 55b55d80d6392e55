"""Typed clients generated from the spec are complete and exact, in the generators people use.

- openapi-python-client (pinned, in ``.venv-clients``, made by ``make test``) must generate with
  no warning at all, from the file and from both views; its client then drives a real mock
  process: both creates, the read, refused requests, each answer parsed into its typed model.
- openapi-typescript and tsc (pinned, in ``clients/node_modules``, ``npm ci`` by ``make test``):
  the generated types must type-check, under ``tsc --strict``, a hand-written usage file and a
  check file derived here from the spec, which holds every object's keys, its required keys and
  each field's type to what the spec says.
- Spectral's ``oas`` ruleset finds nothing to report in the file.

Node tools are skipped, with the reason, only where node or npm is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest

from meetings_spec import View, contract_view, load_spec
from meetings_spec.loader import default_spec_path
from meetings_spec.refs import JSON, RefResolver
from meetings_spec.model import operations
from meetings_spec.shapes import flatten
from meetings_spec.views import iter_operations
from processes import Server

#: Starts processes (servers, the suite, npm or a browser): left out of `make test-fast`.
pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "clients"
TOOLS_BIN = ROOT / ".venv-clients" / "bin"
NODE_BIN = CLIENTS / "node_modules" / ".bin"
PACKAGE = "water_ai_meetings_api_client"  # openapi-python-client's name for the spec's title
TOKEN = "typed-client-test-token"
README = ROOT / "README.md"
TSC_OPTIONS = ["--strict", "--noEmit", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "--lib", "es2022,dom"]

#: The documents a generator may be pointed at: the file itself, and each view of it (the mock honours the strict one).
SOURCES = ["file", View.LENIENT.value, View.STRICT.value]


def _tool(path: Path, make_target: str) -> Path:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run `make {make_target}` (make test does it)")
    return path


def _node_tool(name: str) -> Path:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the TypeScript and Spectral checks need Node.js and npm")
    return _tool(NODE_BIN / name, "client-tools")


def _run(command: list[Any], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The spec file (``$WATERRAI_SPEC`` names another), and each of its views written out as JSON."""
    folder = tmp_path_factory.mktemp("spec")
    found = {"file": default_spec_path()}
    for view in View:
        path = folder / f"meetings.{view.value}.json"
        path.write_text(json.dumps(contract_view(load_spec(), view), indent=2), encoding="utf-8")
        found[view.value] = path
    return found


# ------------------------------------------------------------------------ openapi-python-client


def generate_python_client(spec: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``openapi-python-client generate`` as the README gives it; its own ruff formats the code."""
    generator = _tool(TOOLS_BIN / "openapi-python-client", "client-tools")
    env = {**os.environ, "PATH": f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = [generator, "generate", "--path", spec, "--output-path", PACKAGE, "--meta", "none", "--fail-on-warning"]
    return _run(command, env=env, cwd=out)


def _assert_clean_generation(result: subprocess.CompletedProcess[str]) -> None:
    said = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0 and said == [f"Generating {PACKAGE}"], "openapi-python-client warned:\n" + "\n".join(said)


@pytest.fixture(scope="module")
def python_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A client generated from the spec file, in a folder to put on PYTHONPATH."""
    out = tmp_path_factory.mktemp("python-client")
    _assert_clean_generation(generate_python_client(default_spec_path(), out))
    return out


@pytest.mark.parametrize("source", SOURCES[1:])
def test_python_client_generates_from_each_view_without_a_warning(source: str, sources: dict[str, Path], tmp_path: Path) -> None:
    _assert_clean_generation(generate_python_client(sources[source], tmp_path))
    models = (tmp_path / PACKAGE / "models" / "__init__.py").read_text(encoding="utf-8")
    for name in _object_schemas(load_spec()):
        assert re.search(rf"\b{name}\b", models), f"no model {name} in the client generated from the {source} view"


def readme_snippet(language: str) -> str:
    """The ``language`` code block of README's section on typed clients: tested as written."""
    section = README.read_text(encoding="utf-8").split("## Typed clients from the spec", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    return block


def _schema_name(refs: RefResolver, response: Any) -> str:
    """The component schema name of a response's JSON body: what the generated model is called."""
    return refs.deref(response)["content"][JSON]["schema"]["$ref"].rsplit("/", 1)[-1]


def test_python_client_drives_a_running_mock(python_client: Path) -> None:
    """Both creates, the read, and refused requests, each parsed into the model the spec names."""
    server = Server("--token", TOKEN, "--workers", "1", "--quiet")
    env = {**os.environ, "PYTHONPATH": str(python_client)}
    snippet = readme_snippet("python").replace("http://127.0.0.1:4010", server.base).replace("any-token", TOKEN)
    try:
        result = _run([TOOLS_BIN / "python", CLIENTS / "python" / "drive_mock.py", server.base, TOKEN], env=env)
        from_readme = _run([TOOLS_BIN / "python", "-c", snippet], env=env)
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout + result.stderr
    assert from_readme.returncode == 0 and from_readme.stdout.count("\n") == 2, from_readme.stdout + from_readme.stderr
    report = json.loads(result.stdout)
    spec = load_spec()
    refs = RefResolver(spec)
    by_id = operations(spec)
    calls = {call["call"]: call for call in report["calls"]}
    for operation_id, operation in by_id.items():  # each operation's success answer, in its model
        call = calls[operation_id]
        assert str(call["status"]) == operation.success_status, call
        assert call["model"] == _schema_name(refs, operation.definition["responses"][operation.success_status]), call
    refused = [call for call in report["calls"] if call["call"] not in by_id]
    assert {call["status"] for call in refused} == {401, 404}
    for call in refused:  # each in the error model the spec gives its status
        responses = by_id[call["call"].split()[0]].definition["responses"]
        assert call["model"] == _schema_name(refs, responses[str(call["status"])]), call
    # the docs' fields, read through typed attributes (the create's data was an untyped dict once)
    fields = report["fields"]
    assert fields["createMeeting.data.id"] == fields["getMeeting.data.id"] == "int"
    assert fields["createMeeting.data.created_at"] == fields["getMeeting.data.updated_at"] == "datetime"
    assert fields["createDynamicMeeting.data.end_user.membership_id"] == "int"
    assert fields["createMeeting.data.meeting_type"] == "MeetingType"
    assert fields["createDynamicMeeting.data.meeting_type"] == "str"  # Literal['end-user']


# ------------------------------------------------------------------------ openapi-typescript + tsc


def _object_schemas(spec: dict[str, Any]) -> list[str]:
    refs = RefResolver(spec)
    return [name for name in spec["components"]["schemas"] if "properties" in flatten({"$ref": f"#/components/schemas/{name}"}, refs)]


class TypeChecks:
    """TypeScript assertions, one a line, that the generated types say what the spec says."""

    PRELUDE = """import type { components, paths } from "./api/meetings";
type Equal<A, B> = (<G>() => G extends A ? 1 : 2) extends (<G>() => G extends B ? 1 : 2) ? true : false;
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
declare function check<T extends true>(): void;
"""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.refs = RefResolver(spec)
        self.lines: list[str] = []

    def source(self) -> str:
        for name in _object_schemas(self.spec):
            self.object(f'components["schemas"]["{name}"]', {"$ref": f"#/components/schemas/{name}"}, name)
        for path, method, operation in iter_operations(self.spec):
            where = f'paths["{path}"]["{method}"]'
            if "requestBody" in operation:
                self.body(f'{where}["requestBody"]', operation["requestBody"], f"{method.upper()} {path} request")
            for status, response in operation.get("responses", {}).items():
                if status.isdigit():
                    self.body(f'{where}["responses"][{status}]', response, f"{method.upper()} {path} {status}")
        return self.PRELUDE + "\n".join(self.lines) + "\n"

    def check(self, actual: str, expected: str, label: str) -> None:
        self.lines.append(f"check<Equal<{actual}, {expected}>>(); // {label}")

    def body(self, expression: str, holder: Any, label: str) -> None:
        media = self.refs.deref(holder).get("content", {}).get(JSON)
        if media is not None:
            self.check(f"Json<{expression}>", self.leaf(media["schema"]) or "unknown", label)

    def object(self, expression: str, schema: Any, label: str) -> None:
        flat = flatten(schema, self.refs)
        names = list(flat.get("properties", {}))
        required = [name for name in names if name in flat.get("required", [])]
        self.check(f"keyof {expression}", _union(names), f"{label}: its fields")
        self.check(f"RequiredKeys<{expression}>", _union(required), f"{label}: its required fields")
        for name, sub in flat.get("properties", {}).items():
            member = f'{expression}["{name}"]' if name in required else f'Exclude<{expression}["{name}"], undefined>'
            self.field(member, sub, f"{label}.{name}")

    def field(self, expression: str, schema: Any, label: str) -> None:
        leaf = self.leaf(schema)
        flat = flatten(schema, self.refs)
        if leaf is not None:
            self.check(expression, leaf, label)
        elif "properties" in flat:
            self.object(expression, schema, label)
        elif flat.get("type") == "array":
            self.field(f"{expression}[number]", flat["items"], f"{label}[]")

    def leaf(self, schema: Any) -> str | None:
        """The TypeScript type a field must have, or None for an inline object or array (checked field by field)."""
        ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
        flat = flatten(schema, self.refs)
        if ref.startswith("#/components/schemas/") and "properties" in flat:
            return f'components["schemas"]["{ref.rsplit("/", 1)[-1]}"]'
        if "const" in flat:
            return json.dumps(flat["const"])
        if "enum" in flat:
            return _union(flat["enum"])
        kinds = flat.get("type")
        kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
        if "properties" in flat or "array" in kinds or not kinds:
            return None
        scalar = {"integer": "number", "number": "number", "string": "string", "boolean": "boolean", "null": "null"}
        return " | ".join(scalar.get(kind, "{ [key: string]: unknown }") for kind in kinds)


def _union(values: list[Any]) -> str:
    return " | ".join(json.dumps(value) for value in values) if values else "never"


def _generate_types(spec: Path, out: Path) -> None:
    generator = _node_tool("openapi-typescript")
    result = _run([generator, spec, "--default-non-nullable", "false", "--output", out / "api" / "meetings.d.ts"])
    said = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 0, result.stdout + result.stderr
    noise = [line for line in said if not line.startswith(("✨ openapi-typescript", "🚀 "))]
    assert not noise, "openapi-typescript warned:\n" + "\n".join(noise)


def _type_check(folder: Path, *files: str) -> None:
    result = _run([_node_tool("tsc"), *TSC_OPTIONS, *files], cwd=folder)
    if result.returncode != 0:
        lines = {name: (folder / name).read_text(encoding="utf-8").splitlines() for name in files}
        explained = []
        for error in result.stdout.splitlines():
            found = re.match(r"([\w.]+)\((\d+),\d+\)", error)
            where = f"\n    at: {lines[found.group(1)][int(found.group(2)) - 1].strip()}" if found and found.group(1) in lines else ""
            explained.append(error + where)
        pytest.fail("tsc --strict refused the generated types:\n" + "\n".join(explained))


@pytest.mark.parametrize("source", ["file", View.STRICT.value])
def test_typescript_types_are_exact_and_serve_frontend_code(source: str, sources: dict[str, Path], tmp_path: Path) -> None:
    """Types from the file, and from the mock's own (strict) spec: one ``tsc --strict`` run checks
    them field by field against the spec (spec_checks.ts), and compiles the usage file and README's
    snippet."""
    _generate_types(sources[source], tmp_path)
    checks = TypeChecks(load_spec(sources[source])).source()
    assert checks.count("check<") > 100  # every object of the spec, not a few
    (tmp_path / "spec_checks.ts").write_text(checks, encoding="utf-8")
    shutil.copy(CLIENTS / "typescript" / "usage.ts", tmp_path / "usage.ts")
    (tmp_path / "readme.ts").write_text(readme_snippet("ts"), encoding="utf-8")
    _type_check(tmp_path, "spec_checks.ts", "usage.ts", "readme.ts")


# ------------------------------------------------------------------------ Spectral


def test_spectral_oas_ruleset_finds_nothing() -> None:
    """The file only: a view keeps the response components of the other view, unused (Spectral warns)."""
    spectral = _node_tool("spectral")
    result = _run([spectral, "lint", "--ruleset", CLIENTS / ".spectral.yaml", "--fail-severity", "hint", default_spec_path()])
    assert result.returncode == 0 and "No results" in result.stdout, result.stdout + result.stderr


def _walk_objects(schema: Any, refs: RefResolver, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    node = refs.deref(schema)
    yield where, node
    for name, sub in node.get("properties", {}).items():
        yield from _walk_objects(sub, refs, f"{where}.{name}")
    if isinstance(node.get("items"), dict):
        yield from _walk_objects(node["items"], refs, f"{where}[]")


def test_every_response_body_is_written_whole() -> None:
    """No response schema a generator reads needs allOf/anyOf/oneOf merged: each object states its
    fields and its required list itself, and each shared part is reached by $ref (no tools needed)."""
    spec = load_spec()
    refs = RefResolver(spec)
    for path, method, operation in iter_operations(spec):
        for status, response in operation["responses"].items():
            media = refs.deref(response).get("content", {}).get(JSON)
            if media is None:
                continue
            for where, node in _walk_objects(media["schema"], refs, f"{method.upper()} {path} {status}"):
                assert not {"allOf", "anyOf", "oneOf"} & set(node), f"{where} is written as a composition"
                if "properties" in node:
                    assert node.get("type") == "object", f"{where} does not say it is an object"


def test_the_answers_share_each_meeting_field_by_ref() -> None:
    """Written whole, the three meetings still state each field once: a field the answers have in
    common is the same ``$ref`` in each (the one exception narrows it to a ``const``)."""
    spec = load_spec()
    refs = RefResolver(spec)
    meetings = {}
    for operation_id, operation in operations(spec).items():
        body = refs.deref(operation.response_schema(operation.success_status))
        meetings[operation_id] = refs.deref(body["properties"]["data"])["properties"]
    shared = set.intersection(*(set(fields) for fields in meetings.values()))
    assert shared, "the answers' meetings have no field in common"
    for name in shared:
        written = {operation_id: fields[name] for operation_id, fields in meetings.items() if "const" not in fields[name]}
        refs_used = {json.dumps(schema, sort_keys=True) for schema in written.values()}
        assert len(refs_used) == 1 and all("$ref" in schema for schema in written.values()), f"{name}: {written}"
