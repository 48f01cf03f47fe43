"""The output archive: per-case responses, a summary CSV, the errors and a manifest."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import IO, Any, Final

from bulk._cases import LABELS_ENTRY, Problem
from bulk._durable import replace_atomically
from bulk._results import OUTCOMES, CaseResult

FORMAT: Final = "liveness-kit-bulk/1"
GENERATOR: Final = f"liveness-kit {metadata.version('liveness-kit')}"
FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
SUMMARY_COLUMNS: Final = (
    "case",
    "outcome",
    "mode",
    "http_status",
    "result",
    "confidence",
    "overall_result",
    "overall_confidence",
    "facematch_result",
    "duration_ms",
    "error",
)
VERDICT_COLUMNS: Final = (
    "result",
    "confidence",
    "overall_result",
    "overall_confidence",
    "facematch_result",
)

Destination = str | os.PathLike[str] | IO[bytes]


def write_archive(
    results: Sequence[CaseResult],
    problems: Sequence[Problem],
    destination: Destination,
    *,
    options: Mapping[str, Any] | None = None,
    timings: bool = True,
    labels: bytes | None = None,
) -> None:
    """Write the output archive to a path (atomically) or to a binary file object.

    Every byte depends only on the results, the problems and ``options``, except the
    ``duration_ms`` column of summary.csv; ``timings=False`` leaves that column empty.
    ``labels``, the input's labels.csv, is kept as it came, so that the archive can be
    evaluated later on its own.
    """
    files = archive_files(results, problems, options=options, timings=timings, labels=labels)
    if isinstance(destination, str | os.PathLike):
        replace_atomically(Path(destination), lambda stream: _write_zip(files, stream))
    elif hasattr(destination, "write"):
        _write_zip(files, destination)
    else:
        raise TypeError(f"destination must be a path or a binary file, got {destination!r}")


def archive_files(
    results: Sequence[CaseResult],
    problems: Sequence[Problem],
    *,
    options: Mapping[str, Any] | None = None,
    timings: bool = True,
    labels: bytes | None = None,
) -> dict[str, bytes]:
    """The archive's entries by name."""
    names = [result.name for result in results]
    if len(set(names)) != len(names):
        raise ValueError("results must hold each case once")
    try:
        options_json = json.loads(json.dumps(dict(options or {}), sort_keys=True))
    except (TypeError, ValueError):
        raise ValueError("options must hold JSON values only") from None
    files: dict[str, bytes] = {}
    for result in results:
        folder = f"cases/{result.name}/"
        files[folder + "status"] = f"{result.status or 'failed'}\n".encode("ascii")
        if result.body:
            body = result.json_body()
            if body is not None:
                files[folder + "response.json"] = _json_bytes(body)
            else:
                files[folder + "response.txt"] = result.body
    rows = summary_rows(results, problems, timings=timings)
    files["summary.csv"] = _csv_bytes(rows)
    files["errors.json"] = _json_bytes(_errors(results, problems))
    files["manifest.json"] = _json_bytes(_manifest(results, problems, rows, options_json))
    if labels is not None:
        files[LABELS_ENTRY] = bytes(labels)
    return files


def summary_rows(
    results: Sequence[CaseResult], problems: Sequence[Problem], *, timings: bool = True
) -> list[dict[str, str]]:
    """One row per case (sent or left out), in case-name order, with SUMMARY_COLUMNS."""
    rows = [_row(result, timings) for result in results]
    known = {result.name for result in results}
    left_out: defaultdict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        if problem.case is not None and problem.case not in known:
            left_out[problem.case].append(problem)
    for case, case_problems in left_out.items():
        row = dict.fromkeys(SUMMARY_COLUMNS, "")
        row.update(case=case, outcome="invalid", error="; ".join(map(str, case_problems)))
        rows.append(row)
    rows.sort(key=lambda row: row["case"])
    return rows


def verdict(body: Any) -> dict[str, str]:
    """The verdict columns of a v1 or v2 response body (empty strings when absent)."""
    columns = dict.fromkeys(VERDICT_COLUMNS, "")
    if not isinstance(body, dict):
        return columns
    overall = body.get("overall")
    if isinstance(overall, dict):  # v2
        facematch = body.get("image_video_facematch")
        columns["result"] = _text(overall.get("result"))
        columns["confidence"] = _text(overall.get("confidence"))
        columns["overall_result"] = _text(overall.get("passed"))
        columns["overall_confidence"] = _text(overall.get("overall_confidence"))
        passed = isinstance(facematch, dict) and facematch.get("passed") is True
        columns["facematch_result"] = _text(passed)
    else:
        for column in VERDICT_COLUMNS:
            columns[column] = _text(body.get(column))
    return columns


def _row(result: CaseResult, timings: bool) -> dict[str, str]:
    row = dict.fromkeys(SUMMARY_COLUMNS, "")
    row.update(
        case=result.name,
        outcome=result.outcome,
        mode=result.case.mode,
        http_status="" if result.status is None else str(result.status),
        duration_ms=str(result.duration_ms) if timings else "",
    )
    body = result.json_body()
    if result.outcome == "ok":
        row.update(verdict(body))
    elif result.outcome == "client_error":
        row["error"] = _server_message(result.status, body)
    else:
        row["error"] = result.error or ""
    return row


def _server_message(status: int | None, body: Any) -> str:
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
        detail = body.get("detail")
        if isinstance(detail, dict) and isinstance(detail.get("code"), str):
            return str(detail["code"])
    return f"HTTP {status}"


def _errors(results: Sequence[CaseResult], problems: Sequence[Problem]) -> dict[str, Any]:
    ordered = sorted(problems, key=lambda problem: (problem.entry, problem.code, problem.message))
    return {
        "problems": [
            {"entry": p.entry, "case": p.case, "code": p.code, "message": p.message}
            for p in ordered
        ],
        "failed": [
            {
                "case": result.name,
                "mode": result.case.mode,
                "http_status": result.status,
                "attempts": result.attempts,
                "error": result.error,
            }
            for result in sorted(results, key=lambda result: result.name)
            if result.outcome == "failed"
        ],
    }


def _manifest(
    results: Sequence[CaseResult],
    problems: Sequence[Problem],
    rows: list[dict[str, str]],
    options: dict[str, Any],
) -> dict[str, Any]:
    counts = Counter(row["outcome"] for row in rows)
    inputs = [{"case": result.name, **item} for result in results for item in result.case.inputs()]
    inputs.sort(key=lambda item: item["entry"])
    return {
        "format": FORMAT,
        "generator": GENERATOR,
        "options": options,
        "counts": {"cases": len(rows), **{o: counts[o] for o in OUTCOMES}},
        "problems": len(problems),
        "inputs": inputs,
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _write_zip(files: Mapping[str, bytes], stream: IO[bytes]) -> None:
    with zipfile.ZipFile(stream, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[name], zipfile.ZIP_DEFLATED, 6)
