"""The bulk job board's caps (jobs running, cases queued) and the time-to-live of
finished jobs and their archives, as settings."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import anyio.from_thread
import httpx
import pytest

from mock_server import Settings, SettingsError, create_app, issue_token, jobs
from mock_server.errors import PlaygroundError
from tests.mock_server.conftest import Client
from tests.mock_server.helpers import SECRET, jpeg


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _cases(count: int) -> jobs.bulk.CaseSet:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            archive.writestr(f"case{number:03d}_image.jpg", jpeg())
    return jobs.read_cases(buffer.getvalue())


def _upload() -> jobs.BulkUpload:
    return jobs.BulkUpload(b"unused", "v1", "token")


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Jobs that run until the event is set, then finish as done."""
    release = threading.Event()

    async def run_job(job: jobs.BulkJob, client: httpx.AsyncClient) -> None:
        while not release.is_set():
            await asyncio.sleep(0.005)
        job.state = "done"
        job.archive = b"archive"

    monkeypatch.setattr(jobs, "run_job", run_job)
    yield release
    release.set()


def _run(body: Callable[[], Any]) -> Any:
    async def main() -> Any:
        return await body()

    return asyncio.run(main())


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url="http://mock")


def test_jobs_beyond_max_bulk_jobs_are_refused(held: threading.Event) -> None:
    async def body() -> None:
        board = jobs.JobBoard(Settings(max_bulk_jobs=2))
        board.start(_upload(), _cases(1), _client())
        board.start(_upload(), _cases(1), _client())
        with pytest.raises(PlaygroundError) as caught:
            board.start(_upload(), _cases(1), _client())
        assert (caught.value.status, caught.value.code) == (429, "too_many_jobs")
        assert "at most 2" in caught.value.message
        held.set()
        while any(job.state == "running" for job in board._jobs.values()):
            await asyncio.sleep(0.005)
        await asyncio.sleep(0)  # the done callbacks
        board.start(_upload(), _cases(1), _client())  # room again once they finished

    _run(body)


def test_cases_beyond_max_queued_cases_are_refused(held: threading.Event) -> None:
    async def body() -> None:
        board = jobs.JobBoard(Settings(max_bulk_jobs=5, max_queued_cases=5))
        first = board.start(_upload(), _cases(3), _client())
        board.check_room(2)  # exactly at the cap
        with pytest.raises(PlaygroundError) as caught:
            board.start(_upload(), _cases(3), _client())
        assert (caught.value.status, caught.value.code) == (429, "too_many_queued_cases")
        assert "3 cases are queued" in caught.value.message
        first.done = 2  # sent cases no longer wait
        board.start(_upload(), _cases(3), _client())
        held.set()

    _run(body)


def test_finished_jobs_and_their_archives_expire_after_the_ttl(held: threading.Event) -> None:
    clock = Clock()

    async def body() -> None:
        board = jobs.JobBoard(Settings(bulk_job_ttl_seconds=60), clock=clock)
        job = board.start(_upload(), _cases(1), _client())
        clock.now += 1000  # a running job never expires
        assert board.get(job.id) is job
        held.set()
        while job.state == "running":
            await asyncio.sleep(0.005)
        await asyncio.sleep(0)
        assert job.finished == clock.now
        clock.now += 59
        assert board.get(job.id).archive == b"archive"
        clock.now += 1
        with pytest.raises(PlaygroundError) as caught:
            board.get(job.id)
        assert (caught.value.status, caught.value.code) == (404, "unknown_job")
        assert job.id not in board._jobs  # the archive is gone with it

    _run(body)


@pytest.mark.parametrize("name", ["max_bulk_jobs", "max_queued_cases", "bulk_job_ttl_seconds"])
def test_the_caps_are_settings_of_at_least_one(name: str) -> None:
    assert getattr(Settings.from_env({f"LIVENESS_KIT_{name.upper()}": "7"}), name) == 7
    with pytest.raises(SettingsError, match=name):
        Settings(**{name: 0})


def test_a_full_board_refuses_over_http_before_reading_the_upload(
    portal: anyio.from_thread.BlockingPortal,
    held: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = Client(create_app(Settings(secret=SECRET, max_bulk_jobs=1)), portal)
    auth = {"Authorization": f"Bearer {issue_token(Settings(secret=SECRET))}"}
    files = {"archive": ("cases.zip", _zip_bytes(), "application/zip")}
    first = client.post("/playground/bulk", files=files, headers=auth)
    assert first.status_code == 202, first.text
    read: list[bytes] = []
    monkeypatch.setattr(jobs, "read_cases", lambda archive: read.append(archive))
    second = client.post("/playground/bulk", files=files, headers=auth)
    assert second.status_code == 429
    assert second.json()["detail"]["code"] == "too_many_jobs"
    assert read == []
    held.set()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a_image.jpg", jpeg())
    return buffer.getvalue()
