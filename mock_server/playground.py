"""The browser playground's routes: its pages, the contract, and bulk jobs.

``routes(settings)`` returns the routes to add to the mock's app: the pages and the
contract's endpoints (:mod:`mock_server.pages`), and the bulk endpoints below, served
by the job board (:mod:`mock_server.jobs`):

- ``POST /playground/bulk``, ``GET /playground/bulk/{id}``,
  ``GET /playground/bulk/{id}/archive``: bulk jobs for the page. These are
  playground-only helpers, not part of the contract nor of the conformance surface.

``POST /playground/bulk`` authenticates its ``Authorization`` header exactly like the
contract's operations (:func:`mock_server.auth.authenticate`) before reading a byte of
the upload; without a valid token it answers the contract's 401 and starts nothing. The
job then sends its cases with that same token. The upload is read by the server's own
form parser (:mod:`mock_server.form`), and every other error is a
:class:`~mock_server.errors.PlaygroundError`.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Final

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import fixtures
from mock_server import jobs
from mock_server.auth import authenticate, bearer_token
from mock_server.config import MiB, Settings
from mock_server.errors import NOT_MULTIPART, ApiError, BadRequest, PayloadTooLarge, PlaygroundError
from mock_server.form import Part, read_form
from mock_server.jobs import BulkUpload, JobBoard
from mock_server.pages import (
    STATIC_DIR,
    docs_page,
    page_endpoint,
    spec_json,
    spec_yaml,
)
from mock_server.responses import error_response

UPLOAD_OVERHEAD_BYTES: Final = 64 * 1024  # the form's framing and small fields
UPLOAD_FIELDS: Final = 4
UPLOAD_FIELD_BYTES: Final = 16 * 1024
NOT_MULTIPART_MESSAGE: Final = "Send multipart/form-data with a ZIP file in the 'archive' field"


def routes(settings: Settings, *, target_url: str | None = None) -> list[BaseRoute]:
    """The playground's routes; bulk jobs call ``target_url``, or this app in-process."""
    board = JobBoard(settings)
    return [
        Route("/playground", page_endpoint(settings), methods=["GET"]),
        Mount("/playground/static", app=StaticFiles(directory=STATIC_DIR), name="playground"),
        Route("/openapi.yaml", spec_yaml, methods=["GET"]),
        Route("/openapi.json", spec_json, methods=["GET"]),
        Route("/docs", docs_page, methods=["GET"]),
        Route("/playground/bulk", _bulk_start(settings, board, target_url), methods=["POST"]),
        Route("/playground/bulk-example.zip", _bulk_example, methods=["GET"]),
        Route("/playground/bulk/{job_id}", _bulk_progress(board), methods=["GET"]),
        Route("/playground/bulk/{job_id}/archive", _bulk_archive(board), methods=["GET"]),
    ]


def _bulk_start(
    settings: Settings, board: JobBoard, target_url: str | None
) -> Callable[[Request], Awaitable[Response]]:
    async def start(request: Request) -> Response:
        try:
            authorization = request.headers.get("authorization")
            authenticate(authorization, settings)  # before any work, as the contract does
            board.check_room()
            upload = await _read_bulk_upload(request, settings, bearer_token(authorization))
            case_set = await asyncio.to_thread(jobs.read_cases, upload.archive)
            client = jobs.job_client(request, target_url, upload.token)
            job = board.start(upload, case_set, client)
        except ApiError as error:
            return error_response(error)
        return JSONResponse(job.progress(), status_code=202)

    return start


def _bulk_progress(board: JobBoard) -> Callable[[Request], Awaitable[Response]]:
    async def progress(request: Request) -> Response:
        try:
            job = board.get(request.path_params["job_id"])
        except PlaygroundError as error:
            return error_response(error)
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
            return error_response(error)
        filename = f"liveness-bulk-{job.api}-{job.id}.zip"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(job.archive, media_type="application/zip", headers=headers)

    return archive


async def _bulk_example(request: Request) -> Response:
    path = fixtures.bulk_example_zip()
    if not path.is_file():
        return error_response(
            PlaygroundError(404, "no_example", "The example archive is not built")
        )
    return FileResponse(path, media_type="application/zip", filename="bulk_example.zip")


async def _read_bulk_upload(request: Request, settings: Settings, token: str) -> BulkUpload:
    """The archive and api fields of the upload form (PlaygroundError otherwise)."""
    limits = dataclasses.replace(
        settings,
        max_body_bytes=jobs.MAX_ARCHIVE_BYTES + UPLOAD_OVERHEAD_BYTES,
        max_fields=UPLOAD_FIELDS,
        max_field_bytes=UPLOAD_FIELD_BYTES,
    )
    try:
        form = await read_form(
            request.stream(),
            request.headers.get("content-type"),
            request.headers.get("content-length"),
            limits,
            files={"archive": jobs.MAX_ARCHIVE_BYTES},
        )
    except PayloadTooLarge as error:
        if error.limit in (limits.max_body_bytes, jobs.MAX_ARCHIVE_BYTES):
            raise _too_large() from None
        raise PlaygroundError(
            400, "malformed_multipart", f"Malformed upload: {error.message}"
        ) from None
    except BadRequest as error:
        if error.code == NOT_MULTIPART:
            raise PlaygroundError(400, "not_multipart", NOT_MULTIPART_MESSAGE) from None
        raise PlaygroundError(
            400, "malformed_multipart", f"Malformed upload: {error.message}"
        ) from None
    try:
        archive = form.parts.get("archive")
        if archive is None or archive.filename is None:
            raise PlaygroundError(
                400, "missing_archive", "Missing the ZIP file: send it in the 'archive' field"
            )
        data = archive.read()
        api = _text(form.parts.get("api"), "v1")
    finally:
        form.close()
    chosen = jobs.APIS.get(api) if api is not None else None
    if chosen is None:
        raise PlaygroundError(400, "invalid_api", f"api must be v1 or v2, got {api!r}")
    if not data:
        raise PlaygroundError(400, "empty_archive", "The uploaded ZIP file is empty")
    return BulkUpload(data, chosen, token)


def _text(part: Part | None, default: str | None) -> str | None:
    """A text field's value (None when it is a file or not UTF-8)."""
    if part is None:
        return default
    if part.filename is not None:
        return None
    try:
        return part.read().decode("utf-8")
    except UnicodeDecodeError:
        return None


def _too_large() -> PlaygroundError:
    return PlaygroundError(
        413,
        "archive_too_large",
        f"The ZIP file is larger than {jobs.MAX_ARCHIVE_BYTES // MiB} MiB",
    )
