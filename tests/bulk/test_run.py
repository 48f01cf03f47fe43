from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bulk import (
    CaseResult,
    Journal,
    JournalError,
    Progress,
    archive_files,
    read_cases,
    run_bulk,
    summary_rows,
)
from bulk._running import _Sender
from tests.bulk.support import (
    JPEG,
    FakeApi,
    make_zip,
    params,
    sample_zip,
    without_durations,
)

FAST = {"backoff": 0.0, "timeout": 5.0}
IDENTITY = {"api": "v2", "base_url": "http://fake.test"}


def run(fake: FakeApi, data: bytes | None = None, **options: Any) -> list[CaseResult]:
    cases = read_cases(data or sample_zip()).cases

    async def main() -> list[CaseResult]:
        async with fake.client() as client:
            return await run_bulk(cases, client, **{**FAST, **options})

    return asyncio.run(main())


def outcomes(results: list[CaseResult]) -> dict[str, tuple[str, int | None]]:
    return {result.name: (result.outcome, result.status) for result in results}


def test_every_case_is_recorded_with_its_response() -> None:
    api = FakeApi()
    results = run(api, concurrency=2)

    assert outcomes(results) == {
        "bad_dave": ("client_error", 400),
        "batch1/fake_bob": ("ok", 200),
        "batch1/real_carol": ("ok", 200),
        "real_alice": ("ok", 200),
        "real_erin": ("ok", 200),
    }
    rows = {row["case"]: row for row in summary_rows(results, [], timings=False)}
    assert rows["batch1/real_carol"] == {
        "case": "batch1/real_carol",
        "outcome": "ok",
        "mode": "image_video",
        "http_status": "200",
        "result": "real",
        "confidence": "0.93",
        "overall_result": "True",
        "overall_confidence": "0.93",
        "facematch_result": "True",
        "duration_ms": "",
        "error": "",
    }
    assert rows["batch1/fake_bob"]["overall_result"] == "False"
    assert rows["bad_dave"]["error"] == "image: corrupt"
    assert json.loads(results[0].body or b"")["detail"]["code"] == "corrupt_image"
    assert api.forms["real_carol"] == {
        "frame_sampling_rate": "5",
        "unique_id": "c-1",
        "image": "file real_carol_image.png image/png",
        "video": "file real_carol_video.mp4 video/mp4",
    }


def test_the_v1_api_is_posted_to_its_path() -> None:
    api = FakeApi()
    results = run(api, api="v1")
    rows = {row["case"]: row for row in summary_rows(results, [])}
    assert rows["real_alice"]["result"] == "real"
    assert rows["real_alice"]["facematch_result"] == "False"
    assert "overall" not in json.loads(results[-1].body or b"")


def test_a_base64_image_is_sent_as_a_text_field() -> None:
    api = FakeApi()
    data = make_zip(
        [("b64_image.jpg", JPEG), ("b64_params.json", params(image_type="base64", unique_id="b"))]
    )
    results = run(api, data)
    assert results[0].outcome == "ok"
    form = api.forms["b"]
    assert form["image_type"] == "base64"
    assert form["image"].startswith("/9j/")  # base64 of a JPEG


def test_transient_failures_are_retried_until_answered() -> None:
    api = FakeApi(
        plan={
            "real_alice": [503, "drop", 429],
            "fake_bob": ["slow"],
            "real_erin": [500, 502],
        },
        slow_seconds=30.0,
    )
    results = run(api, timeout=1.0, retries=3)

    assert {r.name: r.outcome for r in results} == {
        "bad_dave": "client_error",
        "batch1/fake_bob": "ok",
        "batch1/real_carol": "ok",
        "real_alice": "ok",
        "real_erin": "ok",
    }
    assert {r.name: r.attempts for r in results} == {
        "bad_dave": 1,
        "batch1/fake_bob": 2,
        "batch1/real_carol": 1,
        "real_alice": 4,
        "real_erin": 3,
    }


@pytest.mark.parametrize(
    ("step", "status", "error"),
    [
        pytest.param(503, 503, "HTTP 503 (3 attempts)", id="503"),
        pytest.param(
            "drop",
            None,
            "RemoteProtocolError: Server disconnected without sending a response. (3 attempts)",
            id="dropped",
        ),
        pytest.param("slow", None, "no response within 1 s (3 attempts)", id="timeout"),
    ],
)
def test_a_case_that_keeps_failing_is_recorded_as_failed(
    step: int | str, status: int | None, error: str
) -> None:
    api = FakeApi(plan={"real_alice": [step] * 3}, slow_seconds=30.0)
    results = run(api, timeout=1.0, retries=2)

    failed = [r for r in results if r.outcome == "failed"]
    assert [(r.name, r.status, r.error, r.attempts) for r in failed] == [
        ("real_alice", status, error, 3)
    ]
    assert sum(r.outcome == "ok" for r in results) == 3
    files = archive_files(results, [])
    assert files["cases/real_alice/status"] == (b"503\n" if status else b"failed\n")
    assert json.loads(files["errors.json"])["failed"] == [
        {
            "case": "real_alice",
            "mode": "image",
            "http_status": status,
            "attempts": 3,
            "error": error,
        }
    ]


def test_the_backoff_doubles_up_to_its_cap_and_respects_retry_after() -> None:
    sender = _Sender(httpx.AsyncClient(), "/v2/liveness", 5, 1.0, 0.5, 3.0)
    assert [sender._delay(attempt, None) for attempt in (1, 2, 3, 4, 5)] == [
        0.5,
        1.0,
        2.0,
        3.0,
        3.0,
    ]
    assert sender._delay(1, 2.5) == 2.5
    assert sender._delay(1, 60.0) == 3.0


def test_concurrency_is_bounded() -> None:
    data = make_zip([(f"real_{n:02}_image.jpg", JPEG) for n in range(12)])
    api = FakeApi()
    run(api, data, concurrency=3)
    assert 2 <= api.max_in_flight <= 3


def test_progress_is_reported_once_at_the_start_and_once_per_case() -> None:
    seen: list[Progress] = []
    run(FakeApi(), on_progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(n, 5) for n in range(6)]
    assert seen[0].result is None
    assert seen[-1].counts == {"ok": 4, "client_error": 1}


async def _serve_dropping_first_attempts(answer: bytes) -> tuple[asyncio.Server, int, set[bytes]]:
    """A raw HTTP/1.1 server that resets the connection at the first request of each case."""
    seen: set[bytes] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                match = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
                body = await reader.readexactly(int(match.group(1)) if match else 0)
                name = re.search(rb'filename="([^"]+)"', body)
                key = name.group(1) if name else b""
                if key not in seen:
                    seen.add(key)
                    writer.transport.abort()  # a reset, no response
                    return
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: %d\r\n\r\n%s" % (len(answer), answer)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, port, seen


def test_reset_connections_of_a_real_server_are_retried() -> None:
    answer = json.dumps({"result": "real", "overall_result": "True"}).encode()
    cases = read_cases(sample_zip()).cases

    async def main() -> list[CaseResult]:
        server, port, seen = await _serve_dropping_first_attempts(answer)
        async with server, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            results = await run_bulk(cases, client, concurrency=2, retries=3, **FAST)
        assert len(seen) == 5
        return results

    results = asyncio.run(main())
    assert [(r.outcome, r.attempts) for r in results] == [("ok", 2)] * 5


def test_a_refused_connection_is_recorded_as_failed() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cases = read_cases(sample_zip()).cases

    async def main() -> list[CaseResult]:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            return await run_bulk(cases, client, retries=1, **FAST)

    results = asyncio.run(main())
    assert {r.outcome for r in results} == {"failed"}
    assert all(r.error and r.error.startswith("ConnectError") for r in results)
    assert all(r.error and r.error.endswith("(2 attempts)") for r in results)


# --- interruption and resume ---------------------------------------------------------------


class Interrupt(Exception):
    pass


def _interrupted_run(journal_path: Path, after: int, how: str) -> int:
    """Run until ``after`` cases are finished, then stop the way ``how`` says.

    Returns how many cases the journal holds.
    """
    cases = read_cases(sample_zip()).cases
    api = FakeApi()

    async def main() -> None:
        task: asyncio.Task[list[CaseResult]]

        def on_progress(progress: Progress) -> None:
            if progress.done >= after:
                if how == "cancel":
                    task.cancel()
                else:
                    raise KeyboardInterrupt

        with Journal(journal_path, identity=IDENTITY) as journal:
            async with api.client() as client:
                running = run_bulk(
                    cases, client, concurrency=1, journal=journal, on_progress=on_progress, **FAST
                )
                task = asyncio.ensure_future(running)
                await task

    stopped: type[BaseException] = asyncio.CancelledError if how == "cancel" else KeyboardInterrupt
    with pytest.raises(stopped):
        asyncio.run(main())
    return len(journal_path.read_bytes().splitlines()) - 1


def _resumed_run(journal_path: Path, **options: Any) -> tuple[list[CaseResult], FakeApi]:
    cases = read_cases(sample_zip()).cases
    api = FakeApi()

    async def main() -> list[CaseResult]:
        with Journal(journal_path, identity=IDENTITY, resume=True) as journal:
            async with api.client() as client:
                return await run_bulk(cases, client, journal=journal, **{**FAST, **options})

    return asyncio.run(main()), api


@pytest.mark.parametrize("how", ["cancel", "keyboard_interrupt"])
@pytest.mark.parametrize("after", [1, 3])
def test_an_interrupted_then_resumed_run_equals_an_uninterrupted_one(
    tmp_path: Path, how: str, after: int
) -> None:
    uninterrupted = run(FakeApi())
    journal_path = tmp_path / "out.zip.journal.jsonl"

    journaled = _interrupted_run(journal_path, after, how)
    results, api = _resumed_run(journal_path)

    assert journaled == after
    assert sum(api.attempts.values()) == 5 - after  # finished cases are not sent again
    expected = archive_files(uninterrupted, [], options=IDENTITY, timings=False)
    assert archive_files(results, [], options=IDENTITY, timings=False) == expected
    with_timings = archive_files(results, [], options=IDENTITY)
    assert without_durations(with_timings) == expected


def test_a_line_cut_short_by_a_crash_is_dropped(tmp_path: Path) -> None:
    journal_path = tmp_path / "j.jsonl"
    _interrupted_run(journal_path, 2, "cancel")
    with open(journal_path, "ab") as file:
        file.write(b'{"case": "real_al')

    results, api = _resumed_run(journal_path)
    assert sum(api.attempts.values()) == 3
    assert len(results) == 5
    assert journal_path.read_bytes().endswith(b"}\n")


def test_a_case_whose_input_changed_is_sent_again(tmp_path: Path) -> None:
    journal_path = tmp_path / "j.jsonl"
    data = make_zip([("real_a_image.jpg", JPEG), ("real_b_image.jpg", JPEG)])
    changed = make_zip([("real_a_image.jpg", JPEG + b"!"), ("real_b_image.jpg", JPEG)])

    async def main(archive: bytes, api: FakeApi, resume: bool) -> None:
        with Journal(journal_path, identity=IDENTITY, resume=resume) as journal:
            async with api.client() as client:
                await run_bulk(read_cases(archive).cases, client, journal=journal, **FAST)

    asyncio.run(main(data, FakeApi(), False))
    api = FakeApi()
    asyncio.run(main(changed, api, True))
    assert dict(api.attempts) == {"real_a": 1}


def test_failed_cases_are_sent_again_only_when_asked(tmp_path: Path) -> None:
    journal_path = tmp_path / "j.jsonl"
    cases = read_cases(sample_zip()).cases

    async def main(api: FakeApi, resume: bool, redo_failed: bool) -> list[CaseResult]:
        with Journal(journal_path, identity=IDENTITY, resume=resume) as journal:
            async with api.client() as client:
                return await run_bulk(
                    cases, client, journal=journal, retries=0, redo_failed=redo_failed, **FAST
                )

    first = asyncio.run(main(FakeApi(plan={"real_alice": [503]}), False, False))
    assert [r.name for r in first if r.outcome == "failed"] == ["real_alice"]
    again = FakeApi()
    assert [r.outcome for r in asyncio.run(main(again, True, False))].count("failed") == 1
    assert sum(again.attempts.values()) == 0
    retried = FakeApi()
    assert "failed" not in [r.outcome for r in asyncio.run(main(retried, True, True))]
    assert dict(retried.attempts) == {"real_alice": 1}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "empty or truncated", id="empty"),
        pytest.param(b"[1, 2]\n", "not a bulk journal", id="not_a_journal"),
        pytest.param(
            b'{"format": "liveness-kit-bulk-journal/1", "identity": {"api": "v1"}}\n',
            "belongs to a run with api v1, not api v2, base_url http://fake.test",
            id="other_options",
        ),
        pytest.param(
            b'{"format": "liveness-kit-bulk-journal/1", "identity": '
            + json.dumps(IDENTITY).encode()
            + b'}\n{"case": 1}\n{}\n',
            "line 2 is not a journal record",
            id="bad_record",
        ),
    ],
)
def test_a_journal_that_cannot_be_resumed_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "j.jsonl"
    path.write_bytes(content)
    with pytest.raises(JournalError, match=re.escape(message)):
        Journal(path, identity=IDENTITY, resume=True)


# --- argument validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"api": "v3"}, ValueError, "api must be one of v1, v2, got 'v3'"),
        ({"concurrency": 0}, ValueError, "concurrency must be a whole number from 1 to 256"),
        ({"concurrency": True}, ValueError, "concurrency must be a whole number"),
        ({"retries": -1}, ValueError, "retries must be a whole number from 0 to 20, got -1"),
        ({"timeout": 0}, ValueError, "timeout must be greater than 0"),
        ({"timeout": float("nan")}, ValueError, "timeout must be a finite number"),
        ({"backoff": -1}, ValueError, "backoff must be a finite number >= 0, got -1"),
        ({"on_progress": 3}, TypeError, "on_progress must be callable or None"),
        ({"journal": "j.jsonl"}, TypeError, "journal must be a Journal or None, got str"),
    ],
)
def test_arguments_are_checked_before_anything_is_sent(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    api = FakeApi()
    with pytest.raises(error, match=re.escape(message)):
        run(api, **options)
    assert not api.attempts


@pytest.mark.parametrize(
    ("make_cases", "client", "message"),
    [
        (lambda: ["a"], lambda: httpx.AsyncClient(base_url="http://x"), "cases must hold Case"),
        (
            lambda: read_cases(sample_zip()).cases * 2,
            lambda: httpx.AsyncClient(base_url="http://x"),
            "two cases are named 'bad_dave'",
        ),
        (lambda: [], lambda: httpx.AsyncClient(), "client needs an absolute base_url"),
        (lambda: [], lambda: "http://x", "client must be an httpx.AsyncClient, got str"),
    ],
)
def test_cases_and_client_are_checked(
    make_cases: Callable[[], list[Any]], client: Callable[[], Any], message: str
) -> None:
    async def main() -> None:
        await run_bulk(make_cases(), client())

    with pytest.raises((TypeError, ValueError), match=re.escape(message)):
        asyncio.run(main())
