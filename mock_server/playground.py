"""The browser playground, the API docs page and the spec endpoints.

``routes(settings)`` returns the routes to add to the mock's app:

- ``GET /playground``: a page to send one request (v1 or v2) and read the verdict,
  and a bulk tab; ``/playground/static/...`` serves its assets.
- ``GET /openapi.yaml``, ``GET /openapi.json``: the canonical contract.
- ``GET /docs``: the contract rendered as a readable page (no external assets).
- ``POST /playground/bulk``, ``GET /playground/bulk/{id}``,
  ``GET /playground/bulk/{id}/archive``: bulk jobs for the page. These are
  playground-only helpers, not part of the contract nor of the conformance surface.
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any, Final, Literal

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive

import bulk
import fixtures
import spec
from mock_server.auth import issue_token
from mock_server.config import MiB, Settings

STATIC_DIR: Final = Path(__file__).with_name("static")
MAX_ARCHIVE_BYTES: Final = 64 * MiB
MAX_RUNNING_JOBS: Final = 2
MAX_KEPT_JOBS: Final = 8
APIS: Final[dict[str, bulk.Api]] = {"v1": "v1", "v2": "v2"}
MAX_CASES: Final = 500
JOB_CONCURRENCY: Final = 2
JOB_REQUEST_TIMEOUT: Final = 120.0
JOB_RETRIES: Final = 3
ARCHIVE_LIMITS: Final = bulk.Limits(
    max_entries=2_000, max_entry_bytes=MAX_ARCHIVE_BYTES, max_total_bytes=4 * MAX_ARCHIVE_BYTES
)
TOKEN_TTL_SECONDS: Final = 8 * 3600
PAGE_POLICY: Final = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

JobState = Literal["running", "done", "failed"]


class PlaygroundError(Exception):
    """A request to a playground endpoint that cannot be served, as a JSON error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> JSONResponse:
        body = {"detail": {"code": self.code}, "message": self.message}
        return JSONResponse(body, status_code=self.status)


def routes(settings: Settings, *, target_url: str | None = None) -> list[BaseRoute]:
    """The playground's routes; bulk jobs call ``target_url``, or this app in-process."""
    board = JobBoard()
    return [
        Route("/playground", _page_endpoint(settings), methods=["GET"]),
        Mount("/playground/static", app=StaticFiles(directory=STATIC_DIR), name="playground"),
        Route("/openapi.yaml", _spec_yaml, methods=["GET"]),
        Route("/openapi.json", _spec_json, methods=["GET"]),
        Route("/docs", _docs_page, methods=["GET"]),
        Route("/playground/bulk", _bulk_start(settings, board, target_url), methods=["POST"]),
        Route("/playground/bulk-example.zip", _bulk_example, methods=["GET"]),
        Route("/playground/bulk/{job_id}", _bulk_progress(board), methods=["GET"]),
        Route("/playground/bulk/{job_id}/archive", _bulk_archive(board), methods=["GET"]),
    ]


# --- pages and the contract -------------------------------------------------------------


def playground_token(settings: Settings) -> str:
    """The token the page is prefilled with: a fresh one this server accepts."""
    if settings.accept_any_token and not settings.secret:
        return "any-token-works"
    return issue_token(settings, ttl_seconds=TOKEN_TTL_SECONDS, subject="playground")


def render_playground(settings: Settings) -> str:
    fields = spec.tuning_fields()
    config = {
        "paths": spec.PATHS,
        "acceptAnyToken": settings.accept_any_token,
        "tuning": {
            name: {
                "default": item.default,
                "pattern": item.pattern,
                "enum": list(item.enum) if item.enum is not None else None,
                "minimum": item.minimum,
                "maximum": item.maximum,
                "maxLength": item.max_length,
                "expected": item.expected if item.pattern else None,
            }
            for name, item in fields.items()
        },
    }
    token_hint = (
        "This server accepts any token."
        if settings.accept_any_token
        else "Minted by this server for its configured secret; valid for 8 hours."
    )
    template = Template((STATIC_DIR / "playground.html").read_text(encoding="utf-8"))
    return template.substitute(
        token=html.escape(playground_token(settings)),
        token_hint=html.escape(token_hint),
        tuning_controls="\n".join(_tuning_control(item) for item in fields.values()),
        config=_script_json(config),
        max_archive_mib=str(MAX_ARCHIVE_BYTES // MiB),
    )


def _tuning_control(item: spec.TuningField) -> str:
    name = html.escape(item.name)
    control_id = f"tuning-{name}"
    described = f"hint-{name} error-{name}"
    if item.enum is not None:
        default_label = f"default ({item.default})" if item.default else "not sent"
        options = [f'<option value="">{html.escape(default_label)}</option>']
        options += [
            f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in item.enum
        ]
        control = (
            f'<select id="{control_id}" name="{name}" data-tuning="{name}" '
            f'aria-describedby="{described}">{"".join(options)}</select>'
        )
    else:
        numeric = item.minimum is not None
        attributes = [
            f'id="{control_id}"',
            f'name="{name}"',
            'type="text"',
            f'data-tuning="{name}"',
            'autocomplete="off"',
            'spellcheck="false"',
            f'aria-describedby="{described}"',
            f'placeholder="{html.escape(item.default or "not sent")}"',
        ]
        if numeric:
            attributes.append('inputmode="decimal"')
        control = f"<input {' '.join(attributes)}>"
    return (
        f'<div class="field tuning-field" data-field="{name}">'
        f'<label for="{control_id}">{name}</label>{control}'
        f'<p class="hint" id="hint-{name}">{_with_code(_rule(item))}</p>'
        f'<p class="field-error" id="error-{name}" aria-live="polite"></p></div>'
    )


def _rule(item: spec.TuningField) -> str:
    if item.minimum is not None and item.maximum is not None:
        return f"{item.minimum:g} to {item.maximum:g}, default {item.default}. {item.description}"
    if item.default is not None:
        return f"Default {item.default}. {item.description}"
    return item.description


def _with_code(text: str) -> str:
    """Escaped text, with `code` spans as <code> elements."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


def _script_json(value: Any) -> str:
    """JSON safe to place inside a ``<script type="application/json">`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _page_endpoint(settings: Settings) -> Callable[[Request], Awaitable[Response]]:
    async def page(request: Request) -> Response:
        return _html(render_playground(settings))

    return page


async def _docs_page(request: Request) -> Response:
    return _html((STATIC_DIR / "docs.html").read_text(encoding="utf-8"))


async def _spec_yaml(request: Request) -> Response:
    return Response(spec.spec_text(), media_type="application/yaml")


async def _spec_json(request: Request) -> Response:
    return Response(spec.spec_json(), media_type="application/json")


def _html(text: str) -> HTMLResponse:
    headers = {
        "Content-Security-Policy": PAGE_POLICY,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return HTMLResponse(text, headers=headers)


# --- bulk jobs ---------------------------------------------------------------------------


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
        }


class JobBoard:
    """The jobs of this process: at most MAX_RUNNING_JOBS at once, the last few kept."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, BulkJob] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, job_id: str) -> BulkJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise PlaygroundError(
                404, "unknown_job", f"No bulk job {job_id!r} (it may have expired)"
            )
        return job

    def start(
        self, upload: BulkUpload, case_set: bulk.CaseSet, client: httpx.AsyncClient
    ) -> BulkJob:
        running = sum(1 for job in self._jobs.values() if job.state == "running")
        if running >= MAX_RUNNING_JOBS:
            raise PlaygroundError(
                429, "too_many_jobs", f"{running} bulk jobs are running; wait for one to finish"
            )
        base_url = str(client.base_url).rstrip("/")
        job = BulkJob(secrets.token_hex(8), upload.api, base_url, case_set.cases, case_set.problems)
        self._jobs[job.id] = job
        finished = [key for key, old in self._jobs.items() if old.state != "running"]
        for key in finished[: max(0, len(self._jobs) - MAX_KEPT_JOBS)]:
            del self._jobs[key]
        task = asyncio.create_task(_run_job(job, client))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job


@dataclass(frozen=True)
class BulkUpload:
    archive: bytes
    api: bulk.Api
    token: str | None


def _bulk_start(
    settings: Settings, board: JobBoard, target_url: str | None
) -> Callable[[Request], Awaitable[Response]]:
    async def start(request: Request) -> Response:
        try:
            upload = await _read_bulk_upload(request)
            case_set = await asyncio.to_thread(_read_cases, upload.archive)
            token = upload.token or playground_token(settings)
            job = board.start(upload, case_set, _job_client(request, target_url, token))
        except PlaygroundError as error:
            return error.response()
        return JSONResponse(job.progress(), status_code=202)

    return start


def _bulk_progress(board: JobBoard) -> Callable[[Request], Awaitable[Response]]:
    async def progress(request: Request) -> Response:
        try:
            job = board.get(request.path_params["job_id"])
        except PlaygroundError as error:
            return error.response()
        return JSONResponse(job.progress(), headers={"Cache-Control": "no-store"})

    return progress


def _bulk_archive(board: JobBoard) -> Callable[[Request], Awaitable[Response]]:
    async def archive(request: Request) -> Response:
        try:
            job = board.get(request.path_params["job_id"])
            if job.archive is None:
                state = "still running" if job.state == "running" else "failed"
                raise PlaygroundError(409, "job_not_done", f"Bulk job {job.id} is {state}")
        except PlaygroundError as error:
            return error.response()
        filename = f"liveness-bulk-{job.api}-{job.id}.zip"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(job.archive, media_type="application/zip", headers=headers)

    return archive


async def _bulk_example(request: Request) -> Response:
    path = fixtures.bulk_example_zip()
    if not path.is_file():
        return PlaygroundError(404, "no_example", "The example archive is not built").response()
    return FileResponse(path, media_type="application/zip", filename="bulk_example.zip")


async def _read_bulk_upload(request: Request) -> BulkUpload:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise PlaygroundError(
            400, "not_multipart", "Send multipart/form-data with a ZIP file in the 'archive' field"
        )
    body = await _read_capped(request, MAX_ARCHIVE_BYTES + 64 * 1024)
    replayed = Request(request.scope, receive=_replay(body))
    try:
        async with replayed.form(max_files=1, max_fields=4, max_part_size=16 * 1024) as form:
            archive = form.get("archive")
            api = form.get("api", "v1")
            token = form.get("token")
            if archive is None or isinstance(archive, str):
                raise PlaygroundError(
                    400, "missing_archive", "Missing the ZIP file: send it in the 'archive' field"
                )
            data = await archive.read()
    except PlaygroundError:
        raise
    except Exception as error:  # python-multipart's parse errors, too many or too large parts
        detail = getattr(error, "detail", None) or str(error) or type(error).__name__
        raise PlaygroundError(400, "malformed_multipart", f"Malformed upload: {detail}") from None
    chosen = APIS.get(api) if isinstance(api, str) else None
    if chosen is None:
        raise PlaygroundError(400, "invalid_api", f"api must be v1 or v2, got {api!r}")
    if len(data) > MAX_ARCHIVE_BYTES:
        raise _too_large()
    if not data:
        raise PlaygroundError(400, "empty_archive", "The uploaded ZIP file is empty")
    clean_token = token.strip() if isinstance(token, str) and token.strip() else None
    return BulkUpload(data, chosen, clean_token)


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _too_large() -> PlaygroundError:
    return PlaygroundError(
        413, "archive_too_large", f"The ZIP file is larger than {MAX_ARCHIVE_BYTES // MiB} MiB"
    )


def _read_cases(archive: bytes) -> bulk.CaseSet:
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


def _job_client(request: Request, target_url: str | None, token: str) -> httpx.AsyncClient:
    """A client on ``target_url``, or on this very app in-process (no network round trip)."""
    headers = {"Authorization": f"Bearer {token}"}
    if target_url is not None:
        return httpx.AsyncClient(base_url=target_url, headers=headers)
    app: ASGIApp = request.app
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
    base_url = str(request.base_url)
    return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers)


async def _run_job(job: BulkJob, client: httpx.AsyncClient) -> None:
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
        job.archive = await asyncio.to_thread(_archive_bytes, results, job.problems, options)
        job.summary = bulk.summary_rows(results, job.problems)
        job.state = "done"
    except Exception as error:  # a job never takes the server down; the page shows why
        job.state = "failed"
        job.error = f"{type(error).__name__}: {error}"


def _archive_bytes(
    results: list[bulk.CaseResult], problems: list[bulk.Problem], options: dict[str, Any]
) -> bytes:
    buffer = io.BytesIO()
    bulk.write_archive(results, problems, buffer, options=options)
    return buffer.getvalue()
