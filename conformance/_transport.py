"""Sending requests to the implementation under test.

This is the one boundary where httpx exceptions become the suite's own errors.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx

from conformance._errors import Inconclusive, TransportError
from conformance._models import Exchange, Part, Request, Response
from conformance._retry import (
    DEFAULT_CONCURRENCY,
    HINTS,
    RETRY_STATUSES,
    RateLimiter,
    RetryPolicy,
    RetryStats,
    parse_retry_after,
)

# A still is analysed in well under a second by a real model, a video (decoding, sampling
# and a face match per frame) in tens of seconds on a loaded CPU server: each gets a bound
# that a healthy deployment never reaches, so a timeout means a fault, not slowness.
DEFAULT_TIMEOUT = 30.0
DEFAULT_VIDEO_TIMEOUT = 120.0
CONNECT_TIMEOUT = 10.0
ASGI_BASE_URL = "http://conformance.invalid"


class _SyncASGITransport(httpx.BaseTransport):
    """Drive an ASGI app from synchronous code, on a private event loop."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._inner.handle_async_request(inner)
            chunks = [chunk async for chunk in response.aiter_raw()]  # type: ignore[attr-defined]
            await response.aclose()
            return response.status_code, response.headers.raw, b"".join(chunks)

        with self._lock:
            status, headers, content = self._loop.run_until_complete(call())
        return httpx.Response(status, headers=headers, content=content)

    def close(self) -> None:
        self._loop.close()


def encode_multipart(parts: tuple[Part, ...]) -> tuple[bytes, str]:
    """A multipart/form-data body with a boundary derived from its content (deterministic)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.name.encode() + b"\0" + part.content)
    boundary = "conformance-" + digest.hexdigest()[:24]
    chunks: list[bytes] = []
    for part in parts:
        disposition = f'form-data; name="{part.name}"'
        if part.filename is not None:
            disposition += f'; filename="{part.filename}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if part.content_type is not None:
            head += f"Content-Type: {part.content_type}\r\n"
        chunks.append(head.encode("utf-8") + b"\r\n" + part.content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


class Target:
    """The implementation under test: a base URL, or an ASGI app called in-process.

    Every request goes through the retry policy, the rate limiter and a bound of
    ``concurrency`` requests in flight; a request carrying a video gets ``video_timeout``.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        app: Any = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        video_timeout: float | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if (base_url is None) == (app is None) and transport is None:
            raise ValueError("give exactly one of base_url or app")
        if app is not None:
            transport = _SyncASGITransport(app)
            base_url = base_url or ASGI_BASE_URL
        self.base_url = (base_url or ASGI_BASE_URL).rstrip("/")
        self.in_process = app is not None
        self.timeout = timeout
        self.video_timeout = max(timeout, video_timeout or DEFAULT_VIDEO_TIMEOUT)
        self.concurrency = max(1, concurrency)
        self.retry = retry or RetryPolicy()
        self.stats = RetryStats()
        self._limiter = RateLimiter(rate_limit)
        self._in_flight = threading.BoundedSemaphore(self.concurrency)
        self._sleep = sleep
        limits = httpx.Limits(max_connections=self.concurrency * 2)
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            limits=limits,
        )

    def url(self, path: str) -> str:
        return self.base_url + path

    def timeout_for(self, request: Request) -> float:
        return self.video_timeout if any(p.name == "video" for p in request.parts) else self.timeout

    def send(self, request: Request, substitutions: dict[str, str]) -> Exchange:
        headers: dict[str, str] = {}
        if request.authorization is not None:
            value = request.authorization
            for placeholder, secret in substitutions.items():
                value = value.replace(placeholder, secret)
            headers["Authorization"] = value
        if request.body is not None:
            content = request.body
            if request.content_type is not None:
                headers["Content-Type"] = request.content_type
        else:
            content, headers["Content-Type"] = encode_multipart(request.parts)
        key = f"{request.method} {request.path} {hashlib.sha256(content).hexdigest()[:16]}"
        limit = self.timeout_for(request)
        timeout = httpx.Timeout(limit, connect=min(limit, CONNECT_TIMEOUT))
        causes: list[str] = []
        try:
            for attempt in range(self.retry.retries + 1):
                started = time.perf_counter()
                outcome = self._attempt(request, content, headers, timeout)
                if isinstance(outcome, httpx.Response):
                    cause = str(outcome.status_code)
                    if outcome.status_code not in RETRY_STATUSES:
                        break
                    wait_hint = parse_retry_after(outcome.headers.get("retry-after"))
                else:
                    cause, wait_hint = outcome[0], None
                if attempt == self.retry.retries:
                    break
                causes.append(cause)
                self._sleep(self.retry.delay(attempt + 1, key, wait_hint))
        finally:
            self.stats.record(causes)
        if not isinstance(outcome, httpx.Response) or outcome.status_code == 429:
            cause, reason = (
                ("429", "429 Too Many Requests") if isinstance(outcome, httpx.Response) else outcome
            )
            raise Inconclusive(
                f"{request.method} {request.path}: {reason} after {self.retry.retries} retries",
                cause=cause,
                hint=HINTS[cause],
            )
        response = Response(
            status=outcome.status_code,
            headers={key.lower(): value for key, value in outcome.headers.items()},
            content=outcome.content,
            elapsed=time.perf_counter() - started,
        )
        return Exchange(request=request, response=response, url=self.url(request.path))

    def _attempt(
        self, request: Request, content: bytes, headers: dict[str, str], timeout: httpx.Timeout
    ) -> httpx.Response | tuple[str, str]:
        """One attempt: the response, or the transient cause and reason of a transport fault."""
        with self._in_flight:
            self._limiter.acquire()  # spaced starts, not a burst when a slot frees up
            try:
                return self._client.request(
                    request.method, request.path, content=content, headers=headers, timeout=timeout
                )
            except httpx.TimeoutException as exc:
                return "timeout", f"timed out ({_reason(exc)})"
            except httpx.TransportError as exc:
                return "connection", f"connection failed ({_reason(exc)})"
            except httpx.HTTPError as exc:
                raise TransportError(f"{request.method} {request.path}: {_reason(exc)}") from exc

    def close(self) -> None:
        self._client.close()


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


class Session:
    """Sends each distinct request once and remembers every exchange, in order.

    Thread-safe: a request already in flight is awaited, not sent again, so the requests
    sent do not depend on the order in which concurrent checks ask for them. A ``fresh``
    send always goes out and is never cached.
    """

    def __init__(self, target: Target, substitutions: dict[str, str]) -> None:
        self.target = target
        self._substitutions = substitutions
        self._cache: dict[Request, Future[Exchange]] = {}
        self._lock = threading.Lock()
        self.exchanges: list[Exchange] = []
        self.extras: dict[str, object] = {}
        self.extras_lock = threading.Lock()
        self.detached = 0
        self.detached_exchanges: list[Exchange] = []
        self._sent = 0
        self.on_exchange: Callable[[Exchange], None] | None = None

    def send(self, request: Request, *, fresh: bool = False) -> Exchange:
        if fresh:
            return self._send(request)
        with self._lock:
            future = self._cache.get(request)
            owner = future is None
            if future is None:
                future = self._cache[request] = Future()
        if not owner:
            return future.result()
        try:
            exchange = self._send(request)
        except BaseException as exc:
            future.set_exception(exc)
            raise
        future.set_result(exchange)
        return exchange

    def _send(self, request: Request) -> Exchange:
        exchange = self.target.send(request, self._substitutions)
        with self._lock:
            self._sent += 1
            self.exchanges.append(exchange)
        if self.on_exchange is not None:
            self.on_exchange(exchange)
        return exchange

    def send_all(self, requests: Sequence[Request], *, fresh: bool = False) -> list[Exchange]:
        """Send several requests, up to the target's concurrency at once; answers in order."""
        return self._map(lambda request: self.send(request, fresh=fresh), requests)

    def send_detached(self, request: Request) -> Exchange:
        """Send without caching or recording (the fuzz phase keeps its own exchanges)."""
        exchange = self.target.send(request, self._substitutions)
        with self._lock:
            self.detached += 1
            self.detached_exchanges.append(exchange)
        return exchange

    def fuzz_exchanges(self) -> list[Exchange]:
        """The detached (fuzz) exchanges, in the order they completed."""
        return list(self.detached_exchanges)

    def send_all_detached(self, requests: Sequence[Request]) -> list[Exchange]:
        return self._map(self.send_detached, requests)

    def _map(
        self, send: Callable[[Request], Exchange], requests: Sequence[Request]
    ) -> list[Exchange]:
        workers = min(self.target.concurrency, len(requests))
        if workers <= 1:
            return [send(request) for request in requests]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(send, requests))

    @property
    def requests_sent(self) -> int:
        return self._sent + self.detached
