"""Sending the cases, a bounded number at a time, with retries for transient failures."""

from __future__ import annotations

import asyncio
import base64
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import httpx

from bulk._cases import Case
from bulk._journal import Journal
from bulk._reading import EntryError, MiB
from bulk._results import CaseResult
from spec import PATHS

Api = Literal["v1", "v2"]

MAX_CONCURRENCY: Final = 256
MAX_RETRIES: Final = 20
MAX_RESPONSE_BYTES: Final = 16 * MiB

FilePart = tuple[str | None, bytes | str] | tuple[str | None, bytes | str, str]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands; ``result`` is the case that just finished (None at the start)."""

    done: int
    total: int
    counts: Mapping[str, int]
    elapsed: float
    result: CaseResult | None = None


class ResponseTooLarge(Exception):
    pass


async def run_bulk(
    cases: Sequence[Case],
    client: httpx.AsyncClient,
    *,
    api: Api = "v2",
    concurrency: int = 4,
    retries: int = 3,
    timeout: float = 60.0,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    on_progress: Callable[[Progress], None] | None = None,
    journal: Journal | None = None,
    redo_failed: bool = False,
) -> list[CaseResult]:
    """Send every case through ``client`` and return their results in case-name order.

    ``client`` carries the base URL and the Authorization header. A timeout, a
    connection error, a 5xx or a 429 is retried ``retries`` times, waiting
    ``backoff * 2**(n-1)`` seconds (at most ``max_backoff``, at least a Retry-After)
    before retry n, then recorded as failed; any other response is a result. Cases the
    ``journal`` already holds are not sent again (failed ones are when ``redo_failed``).
    """
    _check_arguments(cases, client, api, concurrency, retries, timeout, backoff, max_backoff)
    if on_progress is not None and not callable(on_progress):
        raise TypeError("on_progress must be callable or None")
    if journal is not None and not isinstance(journal, Journal):
        raise TypeError(f"journal must be a Journal or None, got {type(journal).__name__}")

    ordered = sorted(cases, key=lambda case: case.name)
    results: dict[str, CaseResult] = {}
    pending: list[Case] = []
    for case in ordered:
        restored = journal.restore(case) if journal is not None else None
        if restored is None or (redo_failed and restored.outcome == "failed"):
            pending.append(case)
        else:
            results[case.name] = restored
    counts: Counter[str] = Counter(result.outcome for result in results.values())
    started = time.perf_counter()

    def report(result: CaseResult | None) -> None:
        if on_progress is not None:
            elapsed = time.perf_counter() - started
            on_progress(Progress(len(results), len(ordered), dict(counts), elapsed, result))

    sender = _Sender(client, PATHS[api], retries, timeout, backoff, max_backoff)
    queue = iter(pending)

    async def work() -> None:
        for case in queue:
            result = await sender.send(case)
            if journal is not None:
                journal.record(result)
            results[case.name] = result
            counts[result.outcome] += 1
            report(result)

    report(None)
    workers = [asyncio.create_task(work()) for _ in range(min(concurrency, len(pending)))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return [results[case.name] for case in ordered]


@dataclass(frozen=True, slots=True)
class _Sender:
    client: httpx.AsyncClient
    path: str
    retries: int
    timeout: float
    backoff: float
    max_backoff: float

    async def send(self, case: Case) -> CaseResult:
        started = time.perf_counter()

        def finished(
            status: int | None, body: bytes | None, error: str | None, attempts: int
        ) -> CaseResult:
            duration_ms = round((time.perf_counter() - started) * 1000)
            return CaseResult(case, status, body, error, attempts, duration_ms)

        try:
            data, files = form(case)
        except EntryError as error:
            return finished(None, None, f"cannot read the input: {error.message}", 0)

        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            status: int | None = None
            body: bytes | None = None
            retry_after: float | None = None
            try:
                async with asyncio.timeout(self.timeout):
                    status, body, headers = await self._post(data, files)
            except (TimeoutError, httpx.TimeoutException):
                reason = f"no response within {self.timeout:g} s"
            except Exception as exc:  # a transport error, a broken server, a reset connection
                reason = _describe(exc)
            else:
                if _is_result(status):
                    return finished(status, body, None, attempt)
                if not _is_transient(status):
                    return finished(status, body, f"unexpected HTTP {status}", attempt)
                reason = f"HTTP {status}"
                retry_after = _retry_after(headers)
            if attempt < attempts:
                await asyncio.sleep(self._delay(attempt, retry_after))
        plural = "s" if attempts > 1 else ""
        return finished(status, body, f"{reason} ({attempts} attempt{plural})", attempts)

    async def _post(
        self, data: dict[str, str], files: list[tuple[str, FilePart]]
    ) -> tuple[int, bytes, httpx.Headers]:
        request = self.client.stream(
            "POST", self.path, data=data, files=files, timeout=self.timeout
        )
        async with request as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_RESPONSE_BYTES:
                    raise ResponseTooLarge(f"response body larger than {MAX_RESPONSE_BYTES} bytes")
            return response.status_code, bytes(body), response.headers

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = self.backoff * float(2 ** (attempt - 1))
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.max_backoff)


def form(case: Case) -> tuple[dict[str, str], list[tuple[str, FilePart]]]:
    """The multipart form of a case: its tuning strings and its media parts."""
    data = dict(case.params)
    files: list[tuple[str, FilePart]] = []
    if case.image is not None:
        image = case.image.read()
        if data.get("image_type") == "base64":
            files.append(("image", (None, base64.b64encode(image).decode("ascii"))))
        else:
            files.append(("image", (case.image.filename, image, case.image.content_type)))
    if case.video is not None:
        video = case.video.read()
        files.append(("video", (case.video.filename, video, case.video.content_type)))
    return data, files


def _is_result(status: int) -> bool:
    return 200 <= status < 300 or (400 <= status < 500 and status != 429)


def _is_transient(status: int) -> bool:
    return status >= 500 or status == 429


def _retry_after(headers: httpx.Headers) -> float | None:
    try:
        seconds = float(headers.get("retry-after", ""))
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _describe(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_arguments(
    cases: Sequence[Case],
    client: httpx.AsyncClient,
    api: str,
    concurrency: int,
    retries: int,
    timeout: float,
    backoff: float,
    max_backoff: float,
) -> None:
    if api not in PATHS:
        raise ValueError(f"api must be one of {', '.join(sorted(PATHS))}, got {api!r}")
    if not isinstance(client, httpx.AsyncClient):
        raise TypeError(f"client must be an httpx.AsyncClient, got {type(client).__name__}")
    if not client.base_url.is_absolute_url:
        raise ValueError("client needs an absolute base_url, for example http://127.0.0.1:8080")
    _check_int("concurrency", concurrency, 1, MAX_CONCURRENCY)
    _check_int("retries", retries, 0, MAX_RETRIES)
    for name, value, low in (("timeout", timeout, 0.0), ("backoff", backoff, 0.0)):
        if not _is_number(value) or not math.isfinite(value) or value < low:
            raise ValueError(f"{name} must be a finite number >= {low:g}, got {value!r}")
    if timeout == 0:
        raise ValueError("timeout must be greater than 0")
    if not _is_number(max_backoff) or not max_backoff >= 0:
        raise ValueError(f"max_backoff must be a number >= 0, got {max_backoff!r}")
    names: set[str] = set()
    for case in cases:
        if not isinstance(case, Case):
            raise TypeError(f"cases must hold Case objects, got {type(case).__name__}")
        if case.name in names:
            raise ValueError(f"two cases are named {case.name!r}")
        names.add(case.name)


def _check_int(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
