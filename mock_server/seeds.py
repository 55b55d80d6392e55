"""Seeds: the data a user brings, checked against the spec before it reaches a world.

A seed document (a file given to ``--seed``, or the body of ``POST /__mock/seed``) holds any of
``balance``, ``scenarios``, ``meetings`` (as ``GET /meetings/{id}`` returns them) and the
reused objects (``end_users``, named after the spec's ``x-reuses`` object). Each part is held
to the spec's own schemas (``SeedRules`` builds one JSON Schema of ``$ref``s into the strict
view and compiles it with the contract library), and to what a schema cannot say: no field the
spec does not declare, no id twice, a meeting's scenario that exists, an id its read can read
back, integers within 64 bits. Each problem names the entry and the field
(``meetings[0].id: "seven" is not of type "integer"``), and for a file its line.
"""

from __future__ import annotations

import json
import math
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from meetings_spec import SpecError
from meetings_spec.contract import schema_problems
from meetings_spec.places import line_of, lines_of, pointer_of
from meetings_spec.problems import Problem, clip, shown
from meetings_spec.refs import JSON, SPEC_URI, RefResolver, canonical_pointer, escape_segment
from meetings_spec.shapes import properties
from mock_server.compiled import CompiledOperation, CompiledSpec, relative
from mock_server.store import Seed, SeedLayer

#: At most this many problems are named for one seed: the first ones say what to fix.
MAX_PROBLEMS = 10
#: Deepest a seed may nest (one is four levels deep; the checks below walk it recursively).
MAX_DEPTH = 64
_INT64 = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class SeedProblem:
    """One thing wrong with a seed: where (``meetings[0].id``), the rule, and in words."""

    where: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message

    def as_problem(self) -> Problem:
        """As the mock's 400 answers list problems (``body.meetings[0].id``)."""
        return Problem(f"body.{self.where}" if self.where else "body", self.rule, str(self))


class SeedError(Exception):
    """A seed the mock refuses: the file (if any), its line, and each problem."""

    def __init__(self, problems: list[SeedProblem], file: str | Path | None = None, line: int | None = None) -> None:
        super().__init__(str(problems[0]))
        self.problems, self.file, self.line = problems, None if file is None else str(file), line

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.file, None if self.line is None else f"line {self.line}") if part)
        more = f" (and {len(self.problems) - 1} more problem{'s' if len(self.problems) > 2 else ''})" if len(self.problems) > 1 else ""
        return f"{where + ': ' if where else ''}{self.problems[0]}{more}"


class _SeedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML as JSON reads it: a date-time written without quotes stays the text it is (YAML 1.1
    would make it a Python datetime, which no JSON schema can read)."""


_SeedLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_seed_file(path: Path) -> tuple[Any, dict[str, int]]:
    """A seed file's document (JSON for ``.json``, else YAML) and the line of each of its places."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SeedError([SeedProblem("", "file", f"cannot read the seed file: {error.strerror or error}")], path) from None
    except UnicodeError:
        raise SeedError([SeedProblem("", "file", "the seed file is not UTF-8 text")], path) from None
    try:
        if path.suffix.lower() == ".json":
            document = json.loads(text) if text.strip() else None
        else:
            document = yaml.load(text, Loader=_SeedLoader)  # noqa: S506 - a safe loader
    except json.JSONDecodeError as error:
        raise SeedError([SeedProblem("", "json", f"not valid JSON: {error.msg}")], path, error.lineno) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = " ".join(str(getattr(error, "problem", None) or error).split())
        raise SeedError([SeedProblem("", "yaml", f"not valid YAML: {problem}")], path, None if mark is None else mark.line + 1) from None
    except RecursionError:
        raise SeedError([SeedProblem("", "nesting", "the seed file is nested too deeply")], path) from None
    return ({} if document is None else document), lines_of(text)


class SeedRules:
    """How a seed is checked against one compiled spec, and turned into a ``SeedLayer``."""

    def __init__(self, compiled: CompiledSpec) -> None:
        self.compiled = compiled
        answers = compiled.answers
        refs = RefResolver(compiled.document)
        meeting_pointer = answers["meeting"]
        self.read, self.read_parameter, self.id_field = _read_back(compiled, meeting_pointer)
        self.updated_key = relative(answers["updated_at"], meeting_pointer)
        creates = [op for op in compiled.operations.values() if op.spec.scenario_field]
        self.scenario_field = None
        if creates and creates[0].spec.scenario_field in dict(creates[0].echoed):
            self.scenario_field = relative(dict(creates[0].echoed)[creates[0].spec.scenario_field], meeting_pointer)
        reusing = next((op for op in compiled.operations.values() if op.reuses), None)
        self.reused_label = compiled.reused_label
        self.key_field, self.identity = (reusing.reuses[0], reusing.reuses[2]) if reusing and reusing.reuses else (None, ())
        # where each part's schema is written in the strict view, and the names it declares
        parts: dict[str, dict[str, Any]] = {}
        self.known: dict[str, list[str]] = {}
        meeting_schema = _body_pointer(refs, self.read, meeting_pointer)
        parts["meetings"] = _entries({"allOf": [_ref(meeting_schema)]})
        self.known["meetings"] = list(properties(refs.lookup(f"#{meeting_schema}"), refs))
        scenario_op = next((op for op in compiled.operations.values() if answers.get("scenario") in op.objects), None)
        attributes = _scenario_attributes(compiled, refs)
        scenario_schema: dict[str, Any] = {"properties": attributes, "required": ["id", *_url_names(compiled)]}
        scenario_names = ["id", *attributes]
        if scenario_op is not None:
            summary = _body_pointer(refs, scenario_op, answers["scenario"])
            scenario_schema["allOf"] = [_ref(summary)]
            scenario_names = list(dict.fromkeys([*properties(refs.lookup(f"#{summary}"), refs), *attributes]))
        elif creates:  # no answer shows a scenario: its id is what the requests name it by
            body = canonical_pointer(refs, "paths", creates[0].spec.path, creates[0].spec.method, "requestBody", "content", JSON, "schema")
            declared = _declaring(refs, body, str(creates[0].spec.scenario_field))
            scenario_schema["properties"] = {"id": _ref(declared) if declared else {}, **attributes}
        parts["scenarios"] = _entries(scenario_schema)
        self.known["scenarios"] = scenario_names
        if reusing is not None and reusing.reuses is not None:
            user = _body_pointer(refs, reusing, reusing.reuses[1])
            parts[self.reused_label] = _entries({"allOf": [_ref(user)]})
            self.known[self.reused_label] = list(properties(refs.lookup(f"#{user}"), refs))
        balance = next((op.balance_pointers[0] for op in compiled.operations.values() if op.balance_pointers), None)
        balance_op = next((op for op in compiled.operations.values() if op.balance_pointers), None)
        parts["balance"] = {"type": "integer", "minimum": 0}  # what the state keeps, if no answer shows a balance
        if balance is not None and balance_op is not None:
            parts["balance"] = {"allOf": [_ref(_body_pointer(refs, balance_op, balance))], "minimum": 0}
        order = ["balance", "scenarios", "meetings", self.reused_label]
        parts = {name: parts[name] for name in order if name in parts}
        self.parts = list(parts)
        self.validator = compiled.contract.validator({"type": "object", "properties": parts, "additionalProperties": False})

    # ------------------------------------------------------------------ checking

    def check(self, document: Any, scenarios: Iterable[int] = ()) -> list[SeedProblem]:
        """Every problem of ``document`` (up to ``MAX_PROBLEMS``); ``scenarios``: the ids known
        besides the document's own (those of the seeds below it, or of the world it goes to)."""
        if _depth(document) > MAX_DEPTH:
            return [SeedProblem("", "nesting", f"a seed nests at most {MAX_DEPTH} levels deep; this one nests deeper")]
        problems = list(_not_json(document, ""))
        if problems:
            return problems[:MAX_PROBLEMS]
        document = _whole_numbers(document)
        if not isinstance(document, dict):
            return [SeedProblem("", "type", f"a seed is a mapping of {', '.join(self.parts)}, not {shown(document)}")]
        problems = self._schema_problems(document)
        if not problems:
            problems = [*self._duplicates(document), *self._references(document, set(scenarios)), *_past_64_bits(document, "")]
        return problems[:MAX_PROBLEMS]

    def _schema_problems(self, document: dict[str, Any]) -> list[SeedProblem]:
        found: list[SeedProblem] = []
        for error in self.validator.iter_errors(document):
            path = list(error.instance_path)
            where = _where(path)
            if error.kind.name in ("additionalProperties", "unevaluatedProperties"):
                kind = "seed" if not path else str(path[0])
                known = self.parts if not path else self.known.get(kind, [])
                what = "a seed" if not path else f"an entry of {kind}"
                for name in error.kind.as_dict().get("unexpected", []):
                    if name not in known:
                        found.append(SeedProblem(_where([*path, name]), "unknown", f"not a field of {what} (it has {', '.join(known)})"))
                continue
            if error.kind.name == "required":
                name = str(error.kind.as_dict().get("property", ""))
                found.append(SeedProblem(_where([*path, name]), "required", "missing, and the spec requires it"))
                continue
            found.append(SeedProblem(where, error.kind.name, clip(error.message, 200)))
            if len(found) >= MAX_PROBLEMS:
                break
        return list(dict.fromkeys(found))

    def _duplicates(self, document: dict[str, Any]) -> Iterator[SeedProblem]:
        keyed = [("scenarios", ["id"]), ("meetings", [self.id_field])]
        if self.reused_label in self.parts:
            keyed.append((self.reused_label, [name for name in (self.key_field, *self.identity) if name]))
        for part, names in keyed:
            for name in names:
                seen: dict[Any, int] = {}
                for index, entry in enumerate(document.get(part, [])):
                    value = entry.get(name)
                    if value is None:
                        continue
                    if value in seen:
                        yield SeedProblem(f"{part}[{index}].{name}", "unique", f"{shown(value)} is already the {name} of {part}[{seen[value]}]")
                    else:
                        seen[value] = index

    def _references(self, document: dict[str, Any], known: set[int]) -> Iterator[SeedProblem]:
        scenarios = known | {entry["id"] for entry in document.get("scenarios", [])}
        for index, meeting in enumerate(document.get("meetings", [])):
            if self.scenario_field is not None and meeting.get(self.scenario_field) not in scenarios:
                listed = ", ".join(str(s) for s in sorted(scenarios)) or "none"
                yield SeedProblem(
                    f"meetings[{index}].{self.scenario_field}", "exists",
                    f"no scenario has the id {shown(meeting.get(self.scenario_field))} (the scenarios: {listed})",
                )
            validator = self.read.contract.parameter_validator
            if validator is not None and self.read_parameter is not None:
                value = {self.read_parameter: meeting.get(self.id_field)}
                if not validator.is_valid(value):
                    problem = schema_problems(validator, value, "", limit=1)[0]
                    route = f"{self.read.spec.method.upper()} {self.read.spec.path}"
                    yield SeedProblem(f"meetings[{index}].{self.id_field}", problem.rule, f"{route} could not read it back: {problem.message}")

    # ------------------------------------------------------------------ conversions

    def layer(self, document: dict[str, Any]) -> SeedLayer:
        """A checked document as a layer of seed (meetings apart from their ``updated_at``)."""
        document = _whole_numbers(document)
        meetings = []
        for meeting in document.get("meetings", []):
            data = dict(meeting)
            meetings.append((data, data.pop(self.updated_key)))
        users = [(user.get(self.key_field) if self.key_field else None, dict(user)) for user in document.get(self.reused_label, [])]
        return SeedLayer(document.get("balance"), list(document.get("scenarios", [])), meetings, users)

    def document(self, seed: Seed) -> dict[str, Any]:
        """A seed as a document of the shape a seed file has (``GET /__mock/seed``)."""
        shown_seed: dict[str, Any] = {
            "balance": seed.balance,
            "scenarios": seed.scenarios,
            "meetings": [{**meeting, self.updated_key: updated_at} for meeting, updated_at in seed.meetings],
        }
        if self.reused_label in self.parts:
            shown_seed[self.reused_label] = [user for _, user in seed.reused]
        return shown_seed

    def checked_file(self, path: Path, scenarios: Iterable[int]) -> SeedLayer:
        """A seed file read and checked: ``SeedError`` naming the file, the line, entry and field."""
        document, lines = read_seed_file(path)
        problems = self.check(document, scenarios)
        if problems:
            raise SeedError(problems, path, line_of(lines, _pointer(problems[0].where)))
        return self.layer(document)

    def check_spec_scenarios(self) -> None:
        """The spec's own ``x-mock`` scenarios are held to the same rules: ``SpecError`` where one breaks them."""
        problems = self.check({"scenarios": self.compiled.seed.scenarios})
        if problems:
            where = problems[0].where
            pointer = "/x-mock" + _pointer(where)
            raise SpecError(f"x-mock.{problems[0]}", pointer=pointer)


# ---------------------------------------------------------------------- where things are


def _read_back(compiled: CompiledSpec, meeting_pointer: str) -> tuple[CompiledOperation, str | None, str]:
    """The operation a created meeting is read back by (the creates' links name it), its path
    parameter, and the meeting's field that parameter takes."""
    for op in compiled.operations.values():
        for link in op.spec.links.values():
            target = compiled.operations.get(str(link.get("operationId")))
            for parameter, expression in link.get("parameters", {}).items():
                if target is not None and isinstance(expression, str) and "#" in expression:
                    return target, parameter, relative(expression.split("#", 1)[1], meeting_pointer)
    raise SpecError("the mock's seeds need a link from a create to the operation that reads a meeting back (links with operationId and parameters)", pointer="/paths")


def _body_pointer(refs: RefResolver, op: CompiledOperation, pointer: str) -> str:
    """Where the schema of ``pointer`` inside ``op``'s success body is written in the strict view."""
    segments = ["paths", op.spec.path, op.spec.method, "responses", op.spec.success_status, "content", JSON, "schema"]
    for name in pointer.split("/")[1:]:
        segments += ["properties", name.replace("~1", "/").replace("~0", "~")]
    try:
        return canonical_pointer(refs, *segments)
    except (LookupError, TypeError) as error:
        raise SpecError(f"the mock's seeds read the schema of {pointer} in the answer of {op.spec.operation_id}, which does not declare it as a property", pointer=pointer_of(*segments[:8])) from error


def _scenario_attributes(compiled: CompiledSpec, refs: RefResolver) -> dict[str, Any]:
    """The scenario attributes the spec reads (``x-default-from-scenario``), each with the schema
    of the request field it stands in for, or null."""
    attributes: dict[str, Any] = {}
    for op in compiled.operations.values():
        if op.spec.request_schema is None:
            continue
        body = canonical_pointer(refs, "paths", op.spec.path, op.spec.method, "requestBody", "content", JSON, "schema")
        for plan in op.fields:
            if plan.scenario_default is None:
                continue
            declared = _declaring(refs, body, plan.name)
            field_schema = _ref(declared) if declared else {}
            attributes.setdefault(plan.scenario_default[1], {"anyOf": [{"type": "null"}, field_schema]})
    return attributes


def _declaring(refs: RefResolver, pointer: str, name: str) -> str | None:
    """The pointer of property ``name`` of the schema at ``pointer``, through ``$ref`` and ``allOf``."""
    node = refs.lookup(f"#{pointer}")
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        pointer = node["$ref"][1:]
        node = refs.lookup(node["$ref"])
    if not isinstance(node, dict):
        return None
    if name in node.get("properties", {}):
        return f"{pointer}/properties/{escape_segment(name)}"
    for index, _ in enumerate(node.get("allOf", [])):
        found = _declaring(refs, f"{pointer}/allOf/{index}", name)
        if found:
            return found
    return None


def _url_names(compiled: CompiledSpec) -> list[str]:
    """The scenario attributes the mock's URLs are made of (``x-mock.urls``: ``{scenario_link}``)."""
    names = [name for template in compiled.urls.values() for _, name, _, _ in string.Formatter().parse(template) if name]
    return list(dict.fromkeys(name for name in names if name != "room"))


def _ref(pointer: str) -> dict[str, str]:
    return {"$ref": f"{SPEC_URI}#{pointer}"}


def _entries(schema: dict[str, Any]) -> dict[str, Any]:
    """A list of entries, each held to ``schema`` and to no field it does not declare."""
    return {"type": "array", "items": {**schema, "unevaluatedProperties": False}}


def _where(path: list[Any]) -> str:
    """``meetings[0].id`` from the path ``["meetings", 0, "id"]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pointer(where: str) -> str:
    """The JSON pointer of ``meetings[0].id``: ``/meetings/0/id``."""
    parts = [part for chunk in where.replace("]", "").split(".") for part in chunk.split("[")]
    return "".join(f"/{escape_segment(part)}" for part in parts if part)


def _not_json(value: Any, where: str) -> Iterator[SeedProblem]:
    """What JSON cannot hold (YAML can): keys that are not text, dates, binary, sets."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield SeedProblem(f"{where}.{key}" if where else str(key), "type", f"a key must be text, not {type(key).__name__} {key!r}")
            else:
                yield from _not_json(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _not_json(item, f"{where}[{index}]")
    elif isinstance(value, float) and not math.isfinite(value):
        yield SeedProblem(where, "type", f"{value} is no JSON number")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        yield SeedProblem(where, "type", f"a {type(value).__name__} is no JSON value")


def _depth(value: Any) -> int:
    """How deep ``value`` nests, counted without recursion (a hostile document may nest deeply)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _whole_numbers(value: Any) -> Any:
    """``5.0`` as ``5``: the same number to JSON, and an integer where the spec wants one."""
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**64:
        return int(value)
    return value


def _past_64_bits(value: Any, where: str) -> Iterator[SeedProblem]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _past_64_bits(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _past_64_bits(item, f"{where}[{index}]")
    elif isinstance(value, int) and not isinstance(value, bool) and not _INT64[0] <= value <= _INT64[1]:
        yield SeedProblem(where, "int64", f"{clip(str(value), 40)} is past the 64-bit integers the mock stores")


def known_scenarios(seed: Seed) -> set[int]:
    """The ids of a seed's scenarios (what a seed put on top of it may name)."""
    return {int(scenario["id"]) for scenario in seed.scenarios}
