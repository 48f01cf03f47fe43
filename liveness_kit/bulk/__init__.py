"""Bulk mode: run every case of a ZIP archive against the liveness API, collect an archive.

``read_cases`` checks an untrusted input archive and groups its entries into cases,
``run_bulk`` sends them (bounded concurrency, retries, an optional resume journal),
``write_archive`` writes the results as a deterministic ZIP. See docs/bulk.md.
"""

from liveness_kit.bulk._archive import SUMMARY_COLUMNS, archive_files, summary_rows, write_archive
from liveness_kit.bulk._cases import NAMING_RULE, Case, CaseSet, Media, Problem, read_cases
from liveness_kit.bulk._journal import Journal, JournalError
from liveness_kit.bulk._reading import DEFAULT_LIMITS, BulkInputError, Limits
from liveness_kit.bulk._results import OUTCOMES, CaseResult, Outcome
from liveness_kit.bulk._running import Api, Progress, run_bulk

__all__ = [
    "DEFAULT_LIMITS",
    "NAMING_RULE",
    "OUTCOMES",
    "SUMMARY_COLUMNS",
    "Api",
    "BulkInputError",
    "Case",
    "CaseResult",
    "CaseSet",
    "Journal",
    "JournalError",
    "Limits",
    "Media",
    "Outcome",
    "Problem",
    "Progress",
    "archive_files",
    "read_cases",
    "run_bulk",
    "summary_rows",
    "write_archive",
]
