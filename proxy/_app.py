"""The proxy as an ASGI app: stream each request upstream while reading it, validate the
exchange, report and record it, and answer the client.

Requests to the contract's endpoints (POST ``spec.PATHS``) are validated; anything else
is forwarded untouched. The request body is never held: it is parsed and hashed as it is
forwarded. The answer is buffered up to ``MAX_CHECKED_RESPONSE_BYTES`` (the contract's
answers are small JSON) so that its verdict can travel in its headers; a longer answer
is streamed on unchecked and reported as such.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import spec
from proxy._errors import UpstreamUnavailable
from proxy._form import Form, FormReader
from proxy._model import CLIENT, RequestView, Violation
from proxy._record import Recorder, masked_headers
from proxy._report import Report
from proxy._request import read_request
from proxy._response import Memory, check_response
from proxy._upstream import Upstream, forwardable

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

REPORT_PATH = "/__proxy/report"
VIOLATIONS_HEADER = "x-contract-violations"
CLIENT_VIOLATIONS_HEADER = "x-contract-client-violations"
MAX_CHECKED_RESPONSE_BYTES = 8 * 1024 * 1024
MODES = ("report", "enforce")
LOG = logging.getLogger("liveness_kit.proxy")


@dataclass(frozen=True)
class ProxyConfig:
    upstream: str
    mode: str = "report"
    record: Path | None = None
    record_media: bool = False
    rotate_bytes: int = 64 * 1024 * 1024
    report_dir: Path | None = None


class ClientGone(Exception):
    """The client disconnected before its body was complete."""


def _error_body(code: str, message: str, violations: list[Violation] | None = None) -> bytes:
    detail: dict[str, Any] = {"code": code}
    if violations is not None:
        detail["violations"] = [{"check": v.check, "message": v.message} for v in violations]
    return json.dumps({"detail": detail, "message": message}).encode()


def _header_value(violations: list[Violation]) -> bytes:
    listed = [{"check": v.check, "message": v.message} for v in violations]
    return json.dumps(listed).encode("ascii")


class ContractProxy:
    """The ASGI app. ``transport`` replaces the network to the upstream (tests)."""

    def __init__(
        self, config: ProxyConfig, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if config.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {config.mode!r}")
        self.config = config
        self.upstream = Upstream(config.upstream, transport=transport)
        self.report = Report(config.upstream, config.mode)
        self.memory = Memory()
        self.recorder = (
            Recorder(
                config.record, record_media=config.record_media, rotate_bytes=config.rotate_bytes
            )
            if config.record is not None
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            if scope["path"] == REPORT_PATH and scope["method"] == "GET":
                await self._report(scope, send)
            else:
                await self._proxy(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        """Close the pool and the recording; write the report (JSON and Markdown)."""
        await self.upstream.close()
        if self.recorder is not None:
            self.recorder.close()
        directory = self.config.report_dir or self.config.record
        if directory is not None:
            self.report.write(directory)

    async def _report(self, scope: Scope, send: Send) -> None:
        markdown = b"format=md" in scope.get("query_string", b"")
        body = (
            self.report.markdown().encode()
            if markdown
            else json.dumps(self.report.as_dict(), indent=2).encode()
        )
        media = b"text/markdown; charset=utf-8" if markdown else b"application/json"
        await _answer(send, 200, [(b"content-type", media)], body)

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        checked = scope["method"] == "POST" and scope["path"].rstrip("/") in spec.PATHS.values()
        reader = FormReader(
            headers.get("content-type", ""),
            keep_media=checked and self.recorder is not None and self.config.record_media,
        )
        body_done: list[float] = []
        views: list[RequestView] = []

        async def body() -> AsyncIterator[bytes]:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise ClientGone()
                chunk = message.get("body", b"")
                if chunk:
                    yield chunk  # forwarded first, read while the upstream receives it
                reader.feed(chunk)
                if not message.get("more_body", False):
                    body_done.append(time.perf_counter())
                    if checked:  # read while the upstream works on the answer
                        views.append(read_request(scope["path"], headers, reader.finish()))
                    return

        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        try:
            async with self.upstream.send(
                scope["method"], target.decode("latin-1"), forwardable(headers), body()
            ) as answer:
                upstream_at = time.perf_counter()
                buffered = bytearray()
                async for chunk in answer.chunks():
                    buffered += chunk
                    if len(buffered) > MAX_CHECKED_RESPONSE_BYTES:
                        reader.finish().close()
                        await self._stream_unchecked(scope, answer, bytes(buffered), send)
                        return
                content = bytes(buffered)
        except ClientGone:
            reader.form.close()
            return
        except UpstreamUnavailable as exc:
            form = reader.finish()
            form.close()
            message = f"the upstream {self.config.upstream} did not answer: {exc}"
            LOG.error(json.dumps({"event": "upstream_unavailable", "message": message}))
            await _answer(
                send,
                502,
                [(b"content-type", b"application/json")],
                _error_body("upstream_unavailable", message),
            )
            return
        form = reader.finish()
        finished = time.perf_counter()
        timings = {
            "request_ms": round(((body_done or [upstream_at])[0] - started) * 1000, 3),
            "upstream_ms": round((upstream_at - (body_done or [started])[0]) * 1000, 3),
            "response_ms": round((finished - upstream_at) * 1000, 3),
        }
        try:
            if not checked:
                await _answer(send, answer.status, _passed_headers(answer.raw_headers), content)
                return
            view = views[0] if views else read_request(scope["path"], headers, form)
            await self._checked(scope, headers, form, view, (answer, content), timings, send)
        finally:
            form.close()

    async def _checked(
        self,
        scope: Scope,
        headers: dict[str, str],
        form: Form,
        view: RequestView,
        answered: tuple[Any, bytes],
        timings: dict[str, float],
        send: Send,
    ) -> None:
        started = time.perf_counter()
        answer, content = answered
        status = answer.status
        path = scope["path"]
        client = [Violation(p.check, p.message, CLIENT) for p in view.problems]
        server = check_response(path, view, status, answer.headers, content, self.memory)
        self.report.add(scope["method"], path, status, client + server)
        out_headers = _passed_headers(answer.raw_headers)
        out_status, out_body = status, content
        if server and self.config.mode == "enforce":
            checks = ", ".join(sorted({v.check for v in server}))
            out_status = 502
            out_body = _error_body(
                "contract_violation", f"the upstream's answer breaks the contract: {checks}", server
            )
            out_headers = [(b"content-type", b"application/json")]
        if server:
            out_headers.append((VIOLATIONS_HEADER.encode(), _header_value(server)))
        if client:
            out_headers.append((CLIENT_VIOLATIONS_HEADER.encode(), _header_value(client)))
        check_ms = round((time.perf_counter() - started) * 1000, 3)
        await _answer(send, out_status, out_headers, out_body)
        entry = {
            "event": "exchange",
            "method": scope["method"],
            "path": path,
            "status": status,
            "answered": out_status,
            "violations": [v.as_dict() for v in client + server],
        }
        level = logging.WARNING if server or client else logging.INFO
        if LOG.isEnabledFor(level):
            LOG.log(level, json.dumps(entry))
        if self.recorder is not None:
            self.recorder.store_media(form)
            self.recorder.write(
                {
                    "time": round(time.time(), 3),
                    "method": scope["method"],
                    "path": path,
                    "request": {
                        "headers": masked_headers(headers),
                        "api": view.api,
                        "branch": view.branch,
                        "parts": _recorded_parts(form),
                        "tuning": view.tuning,
                        "size": form.size,
                        "media_recorded": self.config.record_media,
                    },
                    "response": {
                        "status": status,
                        "headers": answer.headers,
                        "body": content.decode("utf-8", "replace"),
                    },
                    "timings": {**timings, "check_ms": check_ms},
                    "violations": entry["violations"],
                }
            )

    async def _stream_unchecked(self, scope: Scope, answer: Any, head: bytes, send: Send) -> None:
        note = Violation("PROXY", "the answer is too large to check; passed on unchecked")
        self.report.add(scope["method"], scope["path"], answer.status, [note])
        headers = [(k, v) for k, v in answer.raw_headers if k.lower() in _KEEP_STREAMING]
        headers.append((VIOLATIONS_HEADER.encode(), _header_value([note])))
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": head, "more_body": True})
        try:
            async for chunk in answer.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except UpstreamUnavailable as exc:  # the answer has started: it can only end short
            LOG.error(json.dumps({"event": "upstream_broke_off", "message": str(exc)}))
        await send({"type": "http.response.body", "body": b""})


_KEEP_STREAMING = frozenset({b"content-type", b"content-length", b"www-authenticate"})


def _passed_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    dropped = {b"transfer-encoding", b"connection", b"keep-alive"}
    return [(k.lower(), v) for k, v in raw if k.lower() not in dropped]


def _recorded_parts(form: Form) -> list[dict[str, Any]]:
    image_type = form.image_type
    parts = []
    for part in form.parts:
        item = part.summary(image_type)
        if not part.is_file and part.name not in spec.MEDIA_FIELDS:
            item["value"] = part.value()
        parts.append(item)
    return parts


async def _answer(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    length = (b"content-length", str(len(body)).encode())
    if any(name == b"content-length" for name, _ in headers):  # kept in its place
        headers = [length if name == b"content-length" else (name, v) for name, v in headers]
    else:
        headers = [*headers, length]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
