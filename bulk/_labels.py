"""The labels of a bulk input archive: ``labels.csv`` at its root, read beside its cases.

``case,label[,subject][,pair]``: a label is ``bona_fide`` or ``attack:<species>`` (any
species name); ``pair`` is ``genuine`` or ``impostor`` for a facematch trial (a case
with an image and a video), and such a case may leave ``label`` empty. Every problem
names its case (or its line) and none of them stops anything: a case with a bad or
missing label still runs, it is only left out of the figures.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, NamedTuple

from bulk._cases import LABELS_ENTRY, CaseSet, Problem
from bulk._reading import DEFAULT_LIMITS, Archive, EntryError, Limits, Source, check_entry

LABELS_FILE: Final = LABELS_ENTRY
BONA_FIDE: Final = "bona_fide"
ATTACK_PREFIX: Final = "attack:"
PAIRS: Final = ("genuine", "impostor")
REQUIRED_COLUMNS: Final = ("case", "label")
OPTIONAL_COLUMNS: Final = ("subject", "pair")
LABEL_RULE: Final = f"expected {BONA_FIDE} or {ATTACK_PREFIX}<species>"

_SPECIES: Final = re.compile(r"[^\x00-\x1f\x7f,]{1,64}")


@dataclass(frozen=True, slots=True)
class Label:
    """What a case is: a bona fide or attack presentation, and/or a facematch trial."""

    case: str
    label: str | None  # "bona_fide" or "attack:<species>"; None for a facematch trial only
    subject: str | None = None
    pair: str | None = None  # "genuine" or "impostor"

    @property
    def species(self) -> str | None:
        """The attack species, or None for a bona fide presentation (or no label)."""
        if self.label is None or not self.label.startswith(ATTACK_PREFIX):
            return None
        return self.label[len(ATTACK_PREFIX) :]


class LabelSet(NamedTuple):
    """The labels by case name, the problems of labels.csv, and its bytes (None if absent)."""

    labels: dict[str, Label]
    problems: list[Problem]
    data: bytes | None


def read_labels(source: Source, case_set: CaseSet, *, limits: Limits = DEFAULT_LIMITS) -> LabelSet:
    """The labels.csv of the archive ``source`` for the cases of ``case_set``.

    An archive without labels.csv gives no labels and no problem. Raises
    :class:`BulkInputError` only when the archive as a whole cannot be used.
    """
    archive = Archive(source, limits)
    try:
        infos = [info for info in archive.infos if info.filename == LABELS_FILE]
        if not infos:
            return LabelSet({}, [], None)
        if len(infos) > 1:
            message = "appears twice in the archive"
            return LabelSet({}, [Problem(LABELS_FILE, "duplicate_entry", message)], None)
        rejected = check_entry(infos[0], limits)
        if rejected is not None:
            return LabelSet({}, [Problem(LABELS_FILE, rejected.code, rejected.message)], None)
        try:
            data = archive.read(infos[0], cap=limits.max_labels_bytes)
        except EntryError as error:
            return LabelSet({}, [Problem(LABELS_FILE, error.code, error.message)], None)
    finally:
        archive.close()
    modes = {case.name: case.mode for case in case_set.cases}
    left_out = {problem.case for problem in case_set.problems if problem.case is not None}
    labels, problems = parse_labels(data, modes, left_out=left_out)
    return LabelSet(labels, problems, data)


def parse_labels(
    data: bytes, modes: Mapping[str, str], *, left_out: Iterable[str | None] = ()
) -> tuple[dict[str, Label], list[Problem]]:
    """The labels of a labels.csv for the cases ``modes`` (name -> mode), and its problems.

    ``left_out`` are cases the archive holds but that were left out for input problems:
    their labels are kept quietly, and they are not reported as unlabelled.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, [Problem(LABELS_FILE, "bad_labels", "not UTF-8 text")]
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        return {}, [Problem(LABELS_FILE, "bad_labels", f"not a valid CSV file ({error})")]
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        return {}, [Problem(LABELS_FILE, "bad_labels", "empty: expected a header case,label")]
    header = [cell.strip().lower() for cell in rows[0]]
    problem = _header_problem(header)
    if problem is not None:
        return {}, [Problem(LABELS_FILE, "bad_labels", problem)]
    known = set(modes) | {name for name in left_out if name is not None}
    labels: dict[str, Label] = {}
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        entry = f"{LABELS_FILE} line {number}"
        if len(row) != len(header):
            message = f"has {len(row)} fields, the header has {len(header)}"
            problems.append(Problem(entry, "bad_label", message))
            continue
        cells = {column: cell.strip() for column, cell in zip(header, row, strict=True)}
        name = cells["case"]
        if not name:
            problems.append(Problem(entry, "bad_label", "no case name"))
            continue
        if name not in known:
            message = f"case {name!r} is not in the archive"
            problems.append(Problem(entry, "unknown_case", message, name))
            continue
        if name in lines:
            message = f"case {name!r} is labelled again (first on line {lines[name]})"
            problems.append(Problem(entry, "duplicate_label", message, name))
            labels.pop(name, None)
            continue
        lines[name] = number
        label, messages = _label(name, cells, modes.get(name))
        problems.extend(Problem(entry, "bad_label", message, name) for message in messages)
        if label is not None and not messages:
            labels[name] = label
    reported = {problem.case for problem in problems}
    for name in sorted(set(modes) - set(lines) - reported):
        message = f"case {name!r} has no label"
        problems.append(Problem(LABELS_FILE, "missing_label", message, name))
    labels = {name: label for name, label in labels.items() if name in modes}
    problems.sort(key=lambda item: (item.case or "", item.entry, item.code, item.message))
    return labels, problems


def _header_problem(header: list[str]) -> str | None:
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for column in header:
        if column not in allowed:
            return f"unknown column {column!r} (columns: case,label[,subject][,pair])"
    for column in REQUIRED_COLUMNS:
        if column not in header:
            return f"no {column!r} column (the header must name case,label[,subject][,pair])"
    duplicates = sorted({column for column in header if header.count(column) > 1})
    if duplicates:
        return f"the column {duplicates[0]!r} appears twice in the header"
    return None


def _label(name: str, cells: Mapping[str, str], mode: str | None) -> tuple[Label | None, list[str]]:
    text = cells["label"]
    pair = cells.get("pair") or None
    subject = cells.get("subject") or None
    messages: list[str] = []
    label: str | None = None
    lowered = text.lower()
    if not text:
        if pair is None:
            messages.append(f"case {name!r} has no label ({LABEL_RULE})")
    elif lowered == BONA_FIDE:
        label = BONA_FIDE
    elif lowered.startswith(ATTACK_PREFIX):
        species = text[len(ATTACK_PREFIX) :].strip()
        if not _SPECIES.fullmatch(species):
            messages.append(f"case {name!r}: {text!r} names no species ({LABEL_RULE})")
        else:
            label = ATTACK_PREFIX + species
    else:
        messages.append(f"case {name!r}: unknown label {_shown(text)} ({LABEL_RULE})")
    if pair is not None:
        if pair.lower() not in PAIRS:
            messages.append(f"case {name!r}: unknown pair {_shown(pair)} (genuine or impostor)")
        elif mode is not None and mode != "image_video":
            messages.append(
                f"case {name!r}: a pair needs an image and a video, the case has only a {mode}"
            )
        pair = pair.lower()
    return Label(name, label, subject, pair), messages


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
