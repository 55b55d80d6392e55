"""The coverage of a run or of recorded traffic, written as the files a user opens.

``coverage.json`` (for scripts: ``Coverage.as_json()``, a documented shape under ``version``),
``coverage.md`` (a CI job summary) and ``coverage.html`` (one page to read at a glance: an
operation a row, a cell per status, field, enum value and rule, coloured by how much of it was
reached; its style is inside the page, and it loads nothing from anywhere). The Markdown and the
HTML are both rendered from the JSON document, so all three say the same. Each file is written
whole or not at all.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Callable

from meetings_spec.files import dump, write_atomically

FILES = ("coverage.json", "coverage.md", "coverage.html")


def write_coverage(folder: str | Path, data: dict[str, Any], redact: Callable[[str], str] = lambda text: text) -> list[Path]:
    """The three files in ``folder`` (made if missing); ``OSError`` when it cannot be written."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} is a file, not a folder")
    written = []
    for name, text in zip(FILES, (dump(data), markdown(data), page(data)), strict=True):
        write_atomically(target / name, redact(text))
        written.append(target / name)
    return written


def source_line(data: dict[str, Any]) -> str:
    """What was covered, in a few words: "contract run of http://... (lenient view)"."""
    source = data.get("source", {})
    what = source.get("kind", "run")
    of = source.get("target") or ", ".join(source.get("files", [])) or ""
    return f"{what}{f' of {of}' if of else ''} ({data['view']} view)"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(data: dict[str, Any]) -> str:
    s = data["summary"]
    rules = s["rules"]
    parts = [
        f"{_plural(s['requests'], 'request')}",
        f"operations called {s['operations']['called']} of {s['operations']['declared']}",
        f"statuses seen {s['statuses']['seen']} of {s['statuses']['declared']} declared"
        + (f" (+{s['statuses']['undeclared_seen']} undeclared)" if s["statuses"]["undeclared_seen"] else ""),
        f"fields sent {s['fields']['sent']} of {s['fields']['declared']} ({s['fields']['sent_invalid']} also sent invalid)",
        f"enum values sent {s['values']['sent']} of {s['values']['declared']}",
    ]
    if rules["declared"]:
        parts.append(f"rules {rules['passed']} kept, {rules['failed']} broken, {rules['skipped']} not judged, of {rules['declared']}")
    return "; ".join(parts)


# ------------------------------------------------------------------ Markdown


def _some(counts: dict[str, int], shown: int = 10) -> str:
    """The most sent names of ``counts`` (as JSON spells them: a fuzzer's are any text), and how many more."""
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    listed = ", ".join(f"{json.dumps(name, ensure_ascii=False)} ×{n}" for name, n in ranked[:shown])
    return listed + (f" and {len(ranked) - shown} more" if len(ranked) > shown else "")


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def markdown(data: dict[str, Any]) -> str:
    lines = [f"# Coverage: {_cell(source_line(data))}", "", summary_line(data) + ".", ""]
    lines += [f"> {_cell(note)}" for note in data.get("notes", [])]
    for op_id, op in data["operations"].items():
        lines += ["", f"## {op_id} (`{op['method']} {op['path']}`): {_plural(op['requests'], 'request')}", ""]
        lines += ["| status | declared | seen | why not seen |", "|---|---|---|---|"]
        for key, status in op["statuses"].items():
            declared = ", ".join(status["views"]) if status["declared"] else "**no**"
            codes = f" ({', '.join(f'{c} ×{n}' for c, n in status['codes'].items())})" if status.get("codes") else ""
            lines.append(f"| {key} | {declared} | {status['seen']}{codes} | {_cell(status.get('reason', ''))} |")
        if op["fields"]:
            lines += ["", "| field | sent | omitted | sent invalid | values sent |", "|---|---|---|---|---|"]
            for name, item in op["fields"].items():
                values = ", ".join(f"`{v}` ×{n}" if n else f"`{v}` never" for v, n in item.get("values", {}).items())
                omitted = "-" if item["in"] == "path" else item["omitted"]
                lines.append(f"| {name}{' (path)' if item['in'] == 'path' else ''}{' *' if item['required'] else ''} | {item['sent']} | {omitted} | {item['invalid']} | {_cell(values)} |")
        extra = []
        if op.get("bodies_unread"):
            extra.append(f"{_plural(op['bodies_unread'], 'request')} whose body was not a JSON object (or not recorded): fields not counted")
        if op.get("undeclared_fields"):
            extra.append("fields the spec does not declare, sent: " + _some(op["undeclared_fields"]))
        if extra:
            lines += [""] + [f"- {_cell(text)}" for text in extra]
    if data.get("other_requests"):
        lines += ["", "## Requests to no operation of the spec", "", "| request | times |", "|---|---|"]
        lines += [f"| {_cell(label)} | {n} |" for label, n in data["other_requests"].items()]
    if data.get("rules"):
        lines += ["", "## Rules the spec declares", "", "| rule | outcome | why |", "|---|---|---|"]
        lines += [f"| {_cell(rule['rule'])} | {rule['outcome']} | {_cell(rule['reason'])} |" for rule in data["rules"]]
    lines += ["", "`*` a required field. Statuses, fields and values the run never reached are listed all the same."]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ HTML

_STYLE = """
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.summary { margin: 0 0 12px; color: #444; }
.legend span { margin-right: 6px; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 1px solid #d0d7de; padding: 8px; vertical-align: top; text-align: left; }
th.op { width: 11%; overflow-wrap: anywhere; }
th.statuses { width: 17%; }
th.fields { width: 42%; }
th.rules { width: 30%; }
.cells.rules { display: grid; grid-template-columns: repeat(auto-fill, minmax(12em, 1fr)); }
.rules .cell { max-width: none; overflow-wrap: anywhere; }
th.op small, td small { color: #57606a; font-weight: normal; overflow-wrap: anywhere; }
.cells { display: flex; flex-wrap: wrap; gap: 4px; }
.cell { border-radius: 4px; padding: 2px 6px; border: 1px solid rgba(0,0,0,.15); white-space: nowrap; }
.field { white-space: normal; max-width: 16em; }
.field b { display: block; }
.values { display: flex; flex-wrap: wrap; gap: 2px; margin-top: 2px; }
.values .cell { font-size: 11px; padding: 0 4px; }
.full { background: #c8e6c9; }
.part { background: #ffe0a3; }
.none { background: #ffcdd2; }
.bad { background: #c62828; color: #fff; }
.bad small { color: #ffebee; }
.odd { background: #e1bee7; }
.skip { background: #eceff1; color: #455a64; }
ul.why { margin: 6px 0 0; padding-left: 18px; font-size: 12px; color: #57606a; }
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _status_cells(op: dict[str, Any]) -> str:
    cells, why = [], []
    for key, status in op["statuses"].items():
        if not status["declared"]:
            kind, label = "odd", f"{key} ×{status['seen']} undeclared"
        elif status["seen"]:
            kind, label = "full", f"{key} ×{status['seen']}"
        else:
            kind, label = "none", f"{key} never"
            why.append(f"<li><b>{_e(key)}</b>: {_e(status.get('reason', ''))}</li>")
        detail = status.get("reason") or (", ".join(f"{c} ×{n}" for c, n in status.get("codes", {}).items()) or f"declared in the {' and '.join(status.get('views', []))} view" if status["declared"] else "no view of the spec declares it")
        cells.append(f'<span class="cell {kind}" title="{_e(detail)}">{_e(label)}</span>')
    return f'<div class="cells">{"".join(cells)}</div>' + (f'<ul class="why">{"".join(why)}</ul>' if why else "")


def _field_cell(name: str, item: dict[str, Any]) -> str:
    ways = [item["sent"], item["invalid"]] + ([item["omitted"]] if item["in"] == "body" else [])
    ways += list(item.get("values", {}).values())
    reached = sum(1 for n in ways if n)
    kind = "full" if reached == len(ways) else "part" if reached else "none"
    counts = f"sent {item['sent']} · invalid {item['invalid']}" + ("" if item["in"] == "path" else f" · omitted {item['omitted']}")
    values = "".join(
        f'<span class="cell {"full" if n else "none"}" title="{_e(v)} sent {n} time(s)">{_e(v)} {"×" + str(n) if n else "never"}</span>'
        for v, n in item.get("values", {}).items()
    )
    label = f"{name}{' (path)' if item['in'] == 'path' else ''}{' *' if item['required'] else ''}"
    return (
        f'<span class="cell field {kind}" title="{_e(label)}: {_e(counts)}"><b>{_e(label)}</b><small>{_e(counts)}</small>'
        + (f'<span class="values">{values}</span>' if values else "")
        + "</span>"
    )


def _rule_cells(rules: list[dict[str, Any]]) -> str:
    kinds = {"passed": "full", "failed": "bad", "skipped": "skip"}
    cells = []
    for rule in rules:
        label = rule["rule"].split(": ", 1)[-1]
        mark = {"passed": "kept", "failed": "broken", "skipped": "not judged"}[rule["outcome"]]
        cells.append(f'<span class="cell field {kinds[rule["outcome"]]}" title="{_e(rule["reason"])}"><b>{_e(mark)}</b>{_e(label)}<br><small>{_e(rule["reason"])}</small></span>')
    return f'<div class="cells rules">{"".join(cells)}</div>' if cells else "<small>none declared</small>"


def page(data: dict[str, Any]) -> str:
    rows = []
    for op_id, op in data["operations"].items():
        rules = [rule for rule in data.get("rules", []) if rule["operation"] == op_id]
        fields = "".join(_field_cell(name, item) for name, item in op["fields"].items())
        notes = []
        if op.get("bodies_unread"):
            notes.append(f"{op['bodies_unread']} {'body' if op['bodies_unread'] == 1 else 'bodies'} not read as a JSON object (or not recorded): fields not counted")
        if op.get("undeclared_fields"):
            notes.append("fields the spec does not declare, sent: " + _some(op["undeclared_fields"]))
        rows.append(
            f'<tr class="{"full" if op["requests"] else "none"}-row"><th class="op">{_e(op_id)}<br><small>{_e(op["method"])} {_e(op["path"])}<br>{_e(_plural(op["requests"], "request"))}</small></th>'
            f"<td>{_status_cells(op)}</td>"
            f'<td><div class="cells">{fields or "<small>no request fields</small>"}</div>'
            + "".join(f"<p><small>{_e(note)}</small></p>" for note in notes)
            + f"</td><td>{_rule_cells(rules)}</td></tr>"
        )
    others = ""
    if data.get("other_requests"):
        items = "".join(f'<span class="cell odd">{_e(label)} ×{n}</span>' for label, n in data["other_requests"].items())
        others = f'<h2>Requests to no operation of the spec</h2><div class="cells">{items}</div>'
    notes = "".join(f"<p><small>{_e(note)}</small></p>" for note in data.get("notes", []))
    legend = (
        '<p class="legend"><span class="cell full">reached</span><span class="cell part">reached in part</span>'
        '<span class="cell none">never reached</span><span class="cell odd">undeclared</span>'
        '<span class="cell bad">rule broken</span><span class="cell skip">rule not judged</span> '
        "<small>* a required field; hover a cell for its details</small></p>"
    )
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>Coverage: {_e(source_line(data))}</title>'
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>Coverage: {_e(source_line(data))}</h1>"
        f'<p class="summary">{_e(summary_line(data))}</p>{notes}{legend}'
        '<table><thead><tr><th class="op">operation</th><th class="statuses">statuses</th><th class="fields">fields and values sent</th><th class="rules">rules of the spec</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{others}"
        "</body></html>\n"
    )
