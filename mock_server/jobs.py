"""Bulk jobs started from the playground: the job board, one job's run and its archive.

A job sends the cases of an uploaded ZIP file to the API with the bulk runner, the same
way as ``liveness-kit bulk``, and keeps its progress and, when done, the result archive.

The board's caps are settings (docs/security.md, "Resource limits"): ``max_bulk_jobs``
running at once, ``max_queued_cases`` not sent yet over all running jobs, and
``bulk_job_ttl_seconds`` after which a finished job and its archive are forgotten (at
most MAX_KEPT_JOBS finished ones are kept in any case).

When the ZIP has a labels.csv, the finished job also carries its evaluation (the figures,
the DET drawing and the report page of ``liveness-kit evaluate``).
"""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import httpx
from starlette.requests import Request
from starlette.types import ASGIApp

import bulk
import evaluation
from mock_server.config import MiB, Settings
from mock_server.errors import PlaygroundError

MAX_ARCHIVE_BYTES: Final = 64 * MiB
MAX_KEPT_JOBS: Final = 8
APIS: Final[dict[str, bulk.Api]] = {"v1": "v1", "v2": "v2"}
MAX_CASES: Final = 500
JOB_CONCURRENCY: Final = 2
JOB_REQUEST_TIMEOUT: Final = 120.0
JOB_RETRIES: Final = 3
ARCHIVE_LIMITS: Final = bulk.Limits(
    max_entries=2_000, max_entry_bytes=MAX_ARCHIVE_BYTES, max_total_bytes=4 * MAX_ARCHIVE_BYTES
)

JobState = Literal["running", "done", "failed"]


@dataclass(frozen=True)
class BulkUpload:
    archive: bytes
    api: bulk.Api
    token: str  # verified before the upload was read; the job sends its cases with it


@dataclass(eq=False)
class BulkJob:
    """One bulk run started from the page, with its progress and, when done, its archive."""

    id: str
    api: bulk.Api
    base_url: str
    cases: list[bulk.Case]
    problems: list[bulk.Problem]
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    state: JobState = "running"
    error: str | None = None
    archive: bytes | None = None
    summary: list[dict[str, str]] = field(default_factory=list)
    finished: float | None = None  # the board's clock when the job stopped running
    labels: bulk.LabelSet = field(default_factory=lambda: bulk.LabelSet({}, [], None))
    report: dict[str, Any] | None = None  # the evaluation, when the ZIP has a labels.csv

    @property
    def queued(self) -> int:
        """Cases not sent yet (none once the job has stopped)."""
        return len(self.cases) - self.done if self.state == "running" else 0

    def progress(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "api": self.api,
            "state": self.state,
            "total": len(self.cases),
            "done": self.done,
            "counts": {outcome: self.counts.get(outcome, 0) for outcome in bulk.OUTCOMES},
            "problems": [str(problem) for problem in self.problems],
            "error": self.error,
            "elapsed_seconds": round(time.monotonic() - self.started, 1),
            "progress_url": f"/playground/bulk/{self.id}",
            "archive_url": f"/playground/bulk/{self.id}/archive" if self.archive else None,
            "summary": self.summary,
            "report": self.report,
        }


class JobBoard:
    """The jobs of this process, within the caps of the settings; the last few kept."""

    def __init__(
        self, settings: Settings | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings or Settings()
        self.clock = clock
        self._jobs: OrderedDict[str, BulkJob] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, job_id: str) -> BulkJob:
        self.expire()
        job = self._jobs.get(job_id)
        if job is None:
            raise PlaygroundError(
                404, "unknown_job", f"No bulk job {job_id!r} (it may have expired)"
            )
        return job

    def expire(self) -> None:
        """Forget the jobs finished more than ``bulk_job_ttl_seconds`` ago, archives too."""
        now = self.clock()
        ttl = self.settings.bulk_job_ttl_seconds
        for key, job in list(self._jobs.items()):
            if job.finished is not None and now - job.finished >= ttl:
                del self._jobs[key]

    def check_room(self, cases: int = 0) -> None:
        """429 when another job, or ``cases`` more queued cases, would exceed the caps."""
        self.expire()
        running = [job for job in self._jobs.values() if job.state == "running"]
        if len(running) >= self.settings.max_bulk_jobs:
            raise PlaygroundError(
                429,
                "too_many_jobs",
                f"{len(running)} bulk jobs are running (at most {self.settings.max_bulk_jobs});"
                " wait for one to finish",
            )
        queued = sum(job.queued for job in running)
        if queued + cases > self.settings.max_queued_cases:
            raise PlaygroundError(
                429,
                "too_many_queued_cases",
                f"{queued} cases are queued and this archive adds {cases}; at most "
                f"{self.settings.max_queued_cases} may wait: wait for a job to finish",
            )

    def start(
        self, upload: BulkUpload, case_set: bulk.CaseSet, client: httpx.AsyncClient
    ) -> BulkJob:
        self.check_room(len(case_set.cases))
        base_url = str(client.base_url).rstrip("/")
        job = BulkJob(secrets.token_hex(8), upload.api, base_url, case_set.cases, case_set.problems)
        job.labels = _read_labels(upload.archive, case_set)
        self._jobs[job.id] = job
        finished = [key for key, old in self._jobs.items() if old.state != "running"]
        for key in finished[: max(0, len(self._jobs) - MAX_KEPT_JOBS)]:
            del self._jobs[key]
        task = asyncio.create_task(run_job(job, client))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(lambda _: self._stopped(job))
        return job

    def _stopped(self, job: BulkJob) -> None:
        job.finished = self.clock()


def read_cases(archive: bytes) -> bulk.CaseSet:
    try:
        case_set = bulk.read_cases(archive, limits=ARCHIVE_LIMITS)
    except bulk.BulkInputError as error:
        raise PlaygroundError(
            400, "unusable_archive", f"Cannot use the ZIP file: {error}"
        ) from None
    if not case_set.cases:
        first = f"; {case_set.problems[0]}" if case_set.problems else ""
        raise PlaygroundError(
            400, "no_cases", f"The ZIP file holds no usable case ({bulk.NAMING_RULE}){first}"
        )
    if len(case_set.cases) > MAX_CASES:
        raise PlaygroundError(
            413,
            "too_many_cases",
            f"The ZIP file holds {len(case_set.cases)} cases; at most {MAX_CASES}",
        )
    return case_set


def job_client(request: Request, target_url: str | None, token: str) -> httpx.AsyncClient:
    """A client on ``target_url``, or on this very app in-process (no network round trip)."""
    headers = {"Authorization": f"Bearer {token}"}
    if target_url is not None:
        return httpx.AsyncClient(base_url=target_url, headers=headers)
    app: ASGIApp = request.app
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
    base_url = str(request.base_url)
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers)


async def run_job(job: BulkJob, client: httpx.AsyncClient) -> None:
    """Send the cases, then build the archive with the same layout as ``liveness-kit bulk``."""

    def on_progress(progress: bulk.Progress) -> None:
        job.done = progress.done
        job.counts = dict(progress.counts)

    try:
        async with client:
            results = await bulk.run_bulk(
                job.cases,
                client,
                api=job.api,
                concurrency=JOB_CONCURRENCY,
                retries=JOB_RETRIES,
                timeout=JOB_REQUEST_TIMEOUT,
                on_progress=on_progress,
            )
        options = {
            "api": job.api,
            "base_url": job.base_url,
            "retries": JOB_RETRIES,
            "timeout": JOB_REQUEST_TIMEOUT,
        }
        job.archive = await asyncio.to_thread(
            _archive_bytes, results, job.problems, options, job.labels.data
        )
        job.summary = bulk.summary_rows(results, job.problems)
        if job.labels.data is not None:
            job.report = await asyncio.to_thread(_report, job, results)
        job.state = "done"
    except Exception as error:  # a job never takes the server down; the page shows why
        job.state = "failed"
        job.error = f"{type(error).__name__}: {error}"


def _archive_bytes(
    results: list[bulk.CaseResult],
    problems: list[bulk.Problem],
    options: dict[str, Any],
    labels: bytes | None = None,
) -> bytes:
    buffer = io.BytesIO()
    bulk.write_archive(results, problems, buffer, options=options, labels=labels)
    return buffer.getvalue()


def _read_labels(archive: bytes, case_set: bulk.CaseSet) -> bulk.LabelSet:
    try:
        return bulk.read_labels(archive, case_set, limits=ARCHIVE_LIMITS)
    except bulk.BulkInputError:  # read_cases accepted the archive; report no labels then
        return bulk.LabelSet({}, [], None)


def _report(job: BulkJob, results: list[bulk.CaseResult]) -> dict[str, Any]:
    """The evaluation of a labelled job, as ``liveness-kit evaluate`` reports it."""
    evaluated = evaluation.evaluate_run(
        bulk.recorded(results),
        job.labels.labels,
        target=job.base_url,
        api=job.api,
        problems=job.labels.problems,
    )
    report = evaluation.build_report(evaluated)
    return {
        **evaluation.report_tables(report.document),
        "det_svg": report.files["det.svg"],
        "html": report.files["report.html"],
    }
