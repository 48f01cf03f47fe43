"""A labelled bulk run evaluated: from its recorded cases and labels to the report files."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bulk import Label, Problem, RecordedCase
from evaluation._det import det_svg
from evaluation._document import Evaluation, as_document
from evaluation._render import as_html, as_markdown
from evaluation._trials import trials_of_cases

REPORT_FILES: Final = ("report.json", "report.md", "report.html", "det.svg")


@dataclass(frozen=True, slots=True)
class Report:
    """The four report files of an evaluation, as text, by file name."""

    document: dict[str, Any]
    files: dict[str, str]

    def write(self, directory: str | os.PathLike[str]) -> list[Path]:
        folder = Path(directory)
        written = []
        for name in REPORT_FILES:
            path = folder / name
            path.write_text(self.files[name], encoding="utf-8")
            written.append(path)
        return written


def evaluate_run(
    cases: Sequence[RecordedCase],
    labels: Mapping[str, Label],
    *,
    target: str,
    api: str,
    problems: Sequence[Problem | str] = (),
) -> Evaluation:
    """The evaluation of a bulk run's recorded cases with their labels.

    ``problems`` (the input's and the labels' problems) are shown in the report; a case
    without a usable label, or left out of the run, is in no figure.
    """
    trials = trials_of_cases(cases, labels)
    ran = [case for case in cases if case.outcome != "invalid"]
    unlabelled = sum(1 for case in ran if case.name not in labels)
    return Evaluation.of(trials, target=target, api=api, problems=problems, unlabelled=unlabelled)


def build_report(evaluation: Evaluation, extra: Mapping[str, Any] | None = None) -> Report:
    """The report files of ``evaluation``; ``extra`` (the gate, a baseline) joins report.json."""
    document = as_document(evaluation)
    document.update(extra or {})
    det = det_svg(evaluation.swept, evaluation.operating_xy)
    files = {
        "report.json": json.dumps(document, indent=2, ensure_ascii=False) + "\n",
        "report.md": as_markdown(document),
        "report.html": as_html(document, det),
        "det.svg": det,
    }
    return Report(document, files)
