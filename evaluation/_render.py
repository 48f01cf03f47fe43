"""report.md and report.html, rendered from the report's document (report.json).

The HTML page is self-contained: its style is inline and the DET drawing is embedded
as inline SVG, so it opens anywhere and fetches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

Row = tuple[str, ...]

_HEAD = ("figure", "presentations", "decisions", "errors", "rate", "95% interval", "no decision")


def _pc(value: Any) -> str:
    return "n/a" if not isinstance(value, int | float) else f"{value * 100:.2f}%"


def _interval(value: Any) -> str:
    if not isinstance(value, list):
        return "n/a"
    return f"[{_pc(value[0])}, {_pc(value[1])}]"


def _figure_rows(document: Mapping[str, Any]) -> tuple[list[Row], list[str]]:
    """The operating-point table, and the lines saying what was not computed."""
    point = document["operating_point"]
    rows: list[Row] = []
    notes: list[str] = []

    def add(name: str, item: Mapping[str, Any]) -> None:
        rate = _pc(item["rate"])
        rows.append(
            (
                name,
                str(item.get("presentations", "")),
                str(item["decisions"]),
                str(item["errors"]),
                rate,
                _interval(item["interval_95"]),
                str(item.get("non_responses", "")),
            )
        )
        if "reason" in item:
            notes.append(f"{name}: {item['reason']}")

    for species, item in point["apcer"].items():
        add(f"APCER {species}", item)
    worst = point["apcer_worst"]
    if worst is None:
        notes.append("APCER worst: not computed: no attack presentation got a decision")
    else:
        rows.append(
            (
                f"APCER worst ({worst['species']})",
                "",
                str(worst["decisions"]),
                str(worst["errors"]),
                _pc(worst["rate"]),
                _interval(worst["interval_95"]),
                "",
            )
        )
    add("BPCER", point["bpcer"])
    add("false match", point["facematch"]["false_match"])
    add("false non-match", point["facematch"]["false_non_match"])
    return rows, notes


def _swept_rows(document: Mapping[str, Any]) -> list[Row]:
    swept = document["sweep"]
    rows: list[Row] = []
    items = [("EER", swept["eer"])]
    for name, item in swept["bpcer_at_apcer"].items():
        items.append((f"{name} (BPCER at APCER {_pc(item['apcer'])})", item))
    for name, item in items:
        if item["value"] is None:
            rows.append((name, item.get("reason", "not computed"), ""))
        else:
            rows.append((name, _pc(item["value"]), f"threshold {item['threshold']}"))
    return rows


def _non_response_rows(document: Mapping[str, Any]) -> list[Row]:
    point = document["operating_point"]
    return [
        (label, cause, str(count))
        for label, causes in point["non_responses"].items()
        for cause, count in causes.items()
    ]


def _reason_rows(document: Mapping[str, Any]) -> list[Row]:
    point = document["operating_point"]
    return [
        (code, label, str(count))
        for code, labels in point["reasons"].items()
        for label, count in labels.items()
    ]


def _intro(document: Mapping[str, Any]) -> str:
    counts = document["counts"]
    text = f"{counts['trials']} labelled trials"
    if counts["unlabelled"]:
        text += f"; {counts['unlabelled']} cases without a usable label are in no figure"
    if counts["bona_fide_subjects"]:
        text += f"; {counts['bona_fide_subjects']} bona fide subjects"
    return text + "."


def gate_summary(document: Mapping[str, Any]) -> list[str]:
    """The gate's verdict and breaches and the baseline deltas, when the report has them."""
    lines = []
    gate = document.get("gate")
    if gate:
        verdict = "passed" if gate["passed"] else "FAILED"
        limits = ", ".join(
            f"{key} {_pc(gate[key])}" for key in ("max_apcer", "max_bpcer") if gate[key] is not None
        )
        lines.append(f"Quality gate ({limits}): {verdict}")
        lines += [f"- {breach}" for breach in gate["breaches"]]
    baseline = document.get("baseline")
    if baseline:
        lines.append(f"Against the baseline {baseline['path']}:")
        lines += [f"- {line}" for line in baseline["deltas"]]
    return lines


def _md_table(head: Row, rows: list[Row]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def as_markdown(document: Mapping[str, Any], det_name: str = "det.svg") -> str:
    rows, notes = _figure_rows(document)
    lines = [f"# Evaluation of {document['target']} ({document['api']})", "", _intro(document)]
    lines += ["", "## At the service's operating point", ""]
    lines += _md_table(_HEAD, rows)
    lines += ["", *(f"- {note}" for note in notes)] if notes else []
    lines += ["", "## Non-responses (counted apart, in no rate)", ""]
    non_responses = _non_response_rows(document)
    lines += _md_table(("class", "cause", "count"), non_responses) if non_responses else ["None."]
    lines += ["", "## Reason codes of the decisions", ""]
    reasons = _reason_rows(document)
    lines += _md_table(("reason", "class", "count"), reasons) if reasons else ["None returned."]
    lines += ["", "## Swept over the returned confidence (worst-case species)", ""]
    lines += _md_table(("figure", "value", "at"), _swept_rows(document))
    lines += ["", f"![DET curve]({det_name})"]
    gate = gate_summary(document)
    if gate:
        lines += ["", "## Gate", "", *gate]
    if document["problems"]:
        lines += ["", "## Problems", "", *(f"- {problem}" for problem in document["problems"])]
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
table{border-collapse:collapse;margin:0.5rem 0 1rem}
th,td{border:1px solid #ccc;padding:0.25rem 0.5rem}
td.n{text-align:right}th{background:#f3f3f3;text-align:left}.failed{color:#b00020}
details{margin:1rem 0}figure{margin:0}
"""


def _html_table(head: Row, rows: Sequence[Row], numeric_from: int = 1) -> str:
    cells = "".join(f"<th scope='col'>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i >= numeric_from else ''}>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def as_html(document: Mapping[str, Any], det: str) -> str:
    """The report page with ``det`` (the DET drawing's SVG text) embedded inline."""
    rows, notes = _figure_rows(document)
    title = f"Evaluation of {document['target']} ({document['api']})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1><p>{escape(_intro(document))}</p>",
        "<h2>At the service's operating point</h2>",
        _html_table(_HEAD, rows),
    ]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    parts.append("<h2>Non-responses (counted apart, in no rate)</h2>")
    non_responses = _non_response_rows(document)
    parts.append(
        _html_table(("class", "cause", "count"), non_responses, 2)
        if non_responses
        else "<p>None.</p>"
    )
    parts.append("<h2>Reason codes of the decisions</h2>")
    reasons = _reason_rows(document)
    parts.append(
        _html_table(("reason", "class", "count"), reasons, 2)
        if reasons
        else "<p>None returned.</p>"
    )
    parts.append("<h2>Swept over the returned confidence (worst-case species)</h2>")
    parts.append(_html_table(("figure", "value", "at"), _swept_rows(document), 3))
    svg = det[det.index("<svg") :] if "<svg" in det else det
    parts.append(f"<figure>{svg}<figcaption>DET curve (probit axes)</figcaption></figure>")
    gate = gate_summary(document)
    if gate:
        parts.append("<h2>Gate</h2>")
        parts += [f"<p class='{'failed' if 'FAILED' in g else ''}'>{escape(g)}</p>" for g in gate]
    if document["problems"]:
        items = "".join(f"<li>{escape(p)}</li>" for p in document["problems"])
        parts.append(f"<h2>Problems</h2><ul>{items}</ul>")
    trial_rows = [
        (
            t["case"],
            t["label"] or "",
            t["pair"] or "",
            "" if t["status"] is None else str(t["status"]),
            t["verdict"] or "",
            "" if t["bona_fide_score"] is None else f"{t['bona_fide_score']:.4f}",
            "" if t["matched"] is None else str(t["matched"]),
            ", ".join(t["reasons"]) or (t["no_decision"] or ""),
        )
        for t in document["trials"]
    ]
    head = ("case", "label", "pair", "status", "verdict", "score", "matched", "reasons")
    parts.append(
        f"<details><summary>{len(trial_rows)} trials</summary>"
        f"{_html_table(head, trial_rows, 99)}</details>"
    )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def report_tables(document: Mapping[str, Any]) -> dict[str, Any]:
    """The report's tables as rows of text (for a page that shows them, like the playground)."""
    rows, notes = _figure_rows(document)
    return {
        "title": f"Evaluation of {document['target']} ({document['api']})",
        "intro": _intro(document),
        "operating_point": {"head": list(_HEAD), "rows": [list(row) for row in rows]},
        "notes": notes,
        "non_responses": [list(row) for row in _non_response_rows(document)],
        "swept": [list(row) for row in _swept_rows(document)],
        "problems": list(document["problems"]),
    }
