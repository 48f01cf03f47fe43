"""Sending requests to the implementation under test.

This is the one boundary where httpx exceptions become the suite's own errors.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from conformance._errors import TargetUnreachable, TransportError
from conformance._models import Exchange, Part, Request, Response

DEFAULT_TIMEOUT = 120.0
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
    """The implementation under test: a base URL, or an ASGI app called in-process."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        app: Any = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if (base_url is None) == (app is None) and transport is None:
            raise ValueError("give exactly one of base_url or app")
        if app is not None:
            transport = _SyncASGITransport(app)
            base_url = base_url or ASGI_BASE_URL
        self.base_url = (base_url or ASGI_BASE_URL).rstrip("/")
        self.in_process = app is not None
        self._client = httpx.Client(
            base_url=self.base_url, transport=transport, timeout=timeout, follow_redirects=False
        )

    def url(self, path: str) -> str:
        return self.base_url + path

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
        started = time.perf_counter()
        try:
            raw = self._client.request(
                request.method, request.path, content=content, headers=headers
            )
        except httpx.ConnectError as exc:
            raise TargetUnreachable(f"cannot connect to {self.base_url}: {_reason(exc)}") from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"{request.method} {request.path}: {_reason(exc)}") from exc
        response = Response(
            status=raw.status_code,
            headers={key.lower(): value for key, value in raw.headers.items()},
            content=raw.content,
            elapsed=time.perf_counter() - started,
        )
        return Exchange(request=request, response=response, url=self.url(request.path))

    def close(self) -> None:
        self._client.close()


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


class Session:
    """Sends each distinct request once and remembers every exchange, in order."""

    def __init__(self, target: Target, substitutions: dict[str, str]) -> None:
        self.target = target
        self._substitutions = substitutions
        self._cache: dict[Request, Exchange] = {}
        self.exchanges: list[Exchange] = []
        self.extras: dict[str, object] = {}
        self.detached = 0
        self.on_exchange: Callable[[Exchange], None] | None = None

    def send(self, request: Request, *, fresh: bool = False) -> Exchange:
        if not fresh and request in self._cache:
            return self._cache[request]
        exchange = self.target.send(request, self._substitutions)
        self._cache.setdefault(request, exchange)
        self.exchanges.append(exchange)
        if self.on_exchange is not None:
            self.on_exchange(exchange)
        return exchange

    def send_detached(self, request: Request) -> Exchange:
        """Send without caching or recording (the fuzz phase keeps its own exchanges)."""
        self.detached += 1
        return self.target.send(request, self._substitutions)

    @property
    def requests_sent(self) -> int:
        return len(self.exchanges) + self.detached
