"""Bulk mode: run every case of a ZIP archive against the liveness API, collect an archive.

``read_cases`` checks an untrusted input archive and groups its entries into cases,
``run_bulk`` sends them (bounded concurrency, retries, an optional resume journal),
``write_archive`` writes the results as a deterministic ZIP. ``read_labels`` reads the
archive's labels.csv beside its cases, ``read_results`` reads a result archive back.
See docs/bulk.md.

A client of the contract, like ``conformance``: it imports ``spec`` and never the mock.
"""

from bulk._archive import SUMMARY_COLUMNS, archive_files, summary_rows, write_archive
from bulk._cases import NAMING_RULE, Case, CaseSet, Media, Problem, read_cases
from bulk._client import make_client, preflight
from bulk._errors import BulkError, BulkInputError, JournalError, TargetUnreachable
from bulk._journal import Journal
from bulk._labels import (
    ATTACK_PREFIX,
    BONA_FIDE,
    LABELS_FILE,
    PAIRS,
    Label,
    LabelSet,
    parse_labels,
    read_labels,
)
from bulk._reading import DEFAULT_LIMITS, Limits
from bulk._recorded import RecordedCase, RecordedRun, read_results, recorded
from bulk._results import OUTCOMES, CaseResult, Outcome
from bulk._running import Api, Progress, run_bulk

__all__ = [
    "ATTACK_PREFIX",
    "BONA_FIDE",
    "DEFAULT_LIMITS",
    "LABELS_FILE",
    "NAMING_RULE",
    "OUTCOMES",
    "PAIRS",
    "SUMMARY_COLUMNS",
    "Api",
    "BulkError",
    "BulkInputError",
    "Case",
    "CaseResult",
    "CaseSet",
    "Journal",
    "JournalError",
    "Label",
    "LabelSet",
    "Limits",
    "Media",
    "Outcome",
    "Problem",
    "Progress",
    "RecordedCase",
    "RecordedRun",
    "TargetUnreachable",
    "archive_files",
    "make_client",
    "parse_labels",
    "preflight",
    "read_cases",
    "read_labels",
    "read_results",
    "recorded",
    "run_bulk",
    "summary_rows",
    "write_archive",
]
