"""The cases of a run as recorded: from the results in memory, or read back from an archive.

An evaluation works on these, so that a run just made and a result archive written
earlier (``liveness-kit bulk``, the playground) give the same figures.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from bulk._archive import FORMAT
from bulk._cases import LABELS_ENTRY
from bulk._errors import BulkInputError
from bulk._reading import DEFAULT_LIMITS, Archive, EntryError, Limits, Source, check_entry
from bulk._results import OUTCOMES, CaseResult

MODES: Final = ("image", "video", "image_video")


@dataclass(frozen=True, slots=True)
class RecordedCase:
    """One case of a run: its mode, outcome, the last response (if any) or the reason."""

    name: str
    mode: str
    outcome: str
    status: int | None = None
    body: bytes | None = field(default=None, repr=False)
    error: str | None = None

    def json_body(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None


class RecordedRun(NamedTuple):
    """A result archive read back: its cases, its labels.csv (None if absent), its options."""

    cases: list[RecordedCase]
    labels: bytes | None
    options: dict[str, Any]


def recorded(results: Sequence[CaseResult]) -> list[RecordedCase]:
    """The results of ``run_bulk`` as recorded cases."""
    return [
        RecordedCase(r.name, r.case.mode, r.outcome, r.status, r.body, r.error) for r in results
    ]


def read_results(source: Source, *, limits: Limits = DEFAULT_LIMITS) -> RecordedRun:
    """A result archive written by :func:`write_archive`, read within ``limits``.

    Raises :class:`BulkInputError`, with one line, when it is not such an archive.
    """
    archive = Archive(source, limits)
    try:
        entries = {info.filename: info for info in archive.infos}

        def read(name: str, cap: int) -> bytes | None:
            info = entries.get(name)
            if info is None:
                return None
            rejected = check_entry(info, limits)
            if rejected is not None:
                raise BulkInputError(f"{name}: {rejected.message}")
            try:
                return archive.read(info, cap=cap)
            except EntryError as error:
                raise BulkInputError(f"{name}: {error.message}") from None

        manifest = _manifest(read("manifest.json", limits.max_labels_bytes))
        summary = read("summary.csv", limits.max_labels_bytes)
        if summary is None:
            raise BulkInputError("not a bulk result archive: no summary.csv")
        cases = []
        for row in _rows(summary):
            name = row["case"]
            status_text = row["http_status"]
            status = int(status_text) if status_text.isdigit() else None
            folder = f"cases/{name}/"
            body = read(folder + "response.json", limits.max_entry_bytes)
            if body is None:
                body = read(folder + "response.txt", limits.max_entry_bytes)
            error = row["error"] or None
            if row["outcome"] == "failed" and error is None:
                error = "failed"
            cases.append(RecordedCase(name, row["mode"], row["outcome"], status, body, error))
        labels = read(LABELS_ENTRY, limits.max_labels_bytes)
    finally:
        archive.close()
    options = manifest.get("options")
    return RecordedRun(cases, labels, options if isinstance(options, dict) else {})


def _manifest(data: bytes | None) -> dict[str, Any]:
    if data is None:
        raise BulkInputError("not a bulk result archive: no manifest.json")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        document = None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BulkInputError(f"not a bulk result archive: manifest.json is not {FORMAT}")
    return document


def _rows(data: bytes) -> list[dict[str, str]]:
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise BulkInputError(f"summary.csv cannot be read ({error})") from None
    needed = ("case", "outcome", "mode", "http_status", "error")
    missing = [column for column in needed if column not in (reader.fieldnames or [])]
    if missing:
        raise BulkInputError(f"summary.csv has no {missing[0]!r} column")
    for row in rows:
        if row["outcome"] not in OUTCOMES or (row["outcome"] != "invalid" and not row["case"]):
            raise BulkInputError(f"summary.csv: a row with outcome {row['outcome']!r}")
        if row["outcome"] != "invalid" and row["mode"] not in MODES:
            raise BulkInputError(f"summary.csv: case {row['case']!r} has mode {row['mode']!r}")
    return rows
