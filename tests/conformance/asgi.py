"""ASGI helpers for testing the suite: a memo over the mock and fault-planting wrappers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Form:
    """A parsed multipart body: (name, filename, content_type, content) per part, in order."""

    parts: list[tuple[str, str | None, str | None, bytes]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [part[0] for part in self.parts]

    def get(self, name: str) -> tuple[str, str | None, str | None, bytes] | None:
        return next((part for part in self.parts if part[0] == name), None)

    def text(self, name: str) -> str | None:
        part = self.get(name)
        return part[3].decode("utf-8", "replace") if part else None

    def encode(self, boundary: bytes) -> bytes:
        chunks = []
        for name, filename, content_type, content in self.parts:
            head = f'--{boundary.decode()}\r\nContent-Disposition: form-data; name="{name}"'
            if filename is not None:
                head += f'; filename="{filename}"'
            head += "\r\n"
            if content_type:
                head += f"Content-Type: {content_type}\r\n"
            chunks.append(head.encode() + b"\r\n" + content + b"\r\n")
        chunks.append(b"--" + boundary + b"--\r\n")
        return b"".join(chunks)


def _boundary(content_type: str) -> bytes | None:
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "boundary":
            return value.strip('"').encode()
    return None


def parse_form(headers: dict[str, str], body: bytes) -> Form | None:
    boundary = _boundary(headers.get("content-type", ""))
    if not headers.get("content-type", "").startswith("multipart/form-data") or not boundary:
        return None
    form = Form()
    for chunk in body.split(b"--" + boundary)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name = filename = content_type = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "content-disposition":
                for item in value.split(";"):
                    k, _, v = item.strip().partition("=")
                    if k == "name":
                        name = v.strip('"')
                    elif k == "filename":
                        filename = v.strip('"')
            elif key.lower() == "content-type":
                content_type = value.strip()
        if name is not None:
            form.parts.append((name, filename, content_type, content))
    return form


@dataclass
class Call:
    """One request as a fault sees it, and the response it may rewrite."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return "v2" if self.path.startswith("/v2/") else "v1"

    @property
    def form(self) -> Form | None:
        return parse_form(self.headers, self.body)

    def json(self) -> Any:
        return json.loads(self.response_body)

    def set_json(self, value: Any, status: int | None = None) -> None:
        self.response_body = json.dumps(value).encode()
        self.response_headers["content-type"] = "application/json"
        if status is not None:
            self.status = status

    def set_form(self, form: Form) -> None:
        boundary = _boundary(self.headers.get("content-type", "")) or b"fault"
        self.body = form.encode(boundary)


async def _read(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def call_app(app: App, call: Call, scope: Scope) -> None:
    """Send ``call``'s request to ``app`` and store the response on it."""
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in call.headers.items()]
    headers = [(k, v) for k, v in headers if k != b"content-length"]
    headers.append((b"content-length", str(len(call.body)).encode()))
    inner_scope = {**scope, "path": call.path, "raw_path": call.path.encode(), "headers": headers}
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": call.body, "more_body": False}

    chunks: list[bytes] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            call.status = message["status"]
            call.response_headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in message["headers"]
            }
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(inner_scope, receive, send)
    call.response_body = b"".join(chunks)


async def respond(call: Call, send: Send) -> None:
    headers = {k: v for k, v in call.response_headers.items() if k != "content-length"}
    headers["content-length"] = str(len(call.response_body))
    await send(
        {
            "type": "http.response.start",
            "status": call.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        }
    )
    await send({"type": "http.response.body", "body": call.response_body})


def _call_from(scope: Scope, body: bytes) -> Call:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    return Call(method=scope["method"], path=scope["path"], headers=headers, body=body)


class Memo:
    """Answers each distinct request once from ``app`` (the mock is deterministic)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.cache: dict[str, tuple[int, dict[str, str], bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        call = _call_from(scope, await _read(receive))
        key = hashlib.sha256(
            json.dumps(
                [
                    call.method,
                    call.path,
                    call.headers.get("authorization"),
                    call.headers.get("content-type"),
                ]
            ).encode()
            + call.body
        ).hexdigest()
        if key not in self.cache:
            await call_app(self.app, call, scope)
            self.cache[key] = (call.status, dict(call.response_headers), call.response_body)
        call.status, headers, call.response_body = self.cache[key]
        call.response_headers = dict(headers)
        await respond(call, send)


Before = Callable[[Call], None]
After = Callable[[Call], None]


class Fault:
    """Wraps an app: ``before`` may rewrite the request, ``after`` the response."""

    def __init__(self, app: App, before: Before | None = None, after: After | None = None) -> None:
        self.app = app
        self.before = before
        self.after = after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        call = _call_from(scope, await _read(receive))
        if self.before is not None:
            self.before(call)
        await call_app(self.app, call, scope)
        if self.after is not None:
            self.after(call)
        await respond(call, send)
