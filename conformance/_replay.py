"""A failure's replay: the request as a runnable curl command, and the response received."""

from __future__ import annotations

import shlex
from typing import Any

from conformance._models import EXPIRED_TOKEN_PLACEHOLDER, TOKEN_PLACEHOLDER, Exchange, Part
from conformance._transport import encode_multipart

BODY_LIMIT = 600
RESPONSE_HEADERS = ("content-type", "www-authenticate", "content-length")


def _quote_header(value: str) -> str:
    if TOKEN_PLACEHOLDER in value or EXPIRED_TOKEN_PLACEHOLDER in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'
    return shlex.quote(value)


def _ansi_c(data: bytes) -> str:
    out = []
    for byte in data:
        char = chr(byte)
        if char == "'" or char == "\\":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def _form(part: Part) -> str:
    if part.base64_of is not None:
        return f'-F "{part.name}=$(base64 -w0 {shlex.quote(part.base64_of)})"'
    if part.is_file and part.source is not None:
        spec = f"{part.name}=@{part.source}"
        if part.filename != part.source.rsplit("/", 1)[-1]:
            spec += f";filename={part.filename}"
        if part.content_type:
            spec += f";type={part.content_type}"
        return "-F " + shlex.quote(spec)
    text = part.content.decode("utf-8", "replace")
    if part.is_file:
        spec = f"{part.name}=@-;filename={part.filename}"
        if part.content_type:
            spec += f";type={part.content_type}"
        return f"-F {shlex.quote(spec)} <<< {shlex.quote(text)}"
    return f"--form-string {shlex.quote(f'{part.name}={text}')}"


def curl(exchange: Exchange) -> str:
    request = exchange.request
    pieces = ["curl", "-sS", "-X", request.method, shlex.quote(exchange.url)]
    if request.authorization is not None:
        pieces += ["-H", _quote_header(f"Authorization: {request.authorization}")]
    if request.body is not None:
        if request.content_type:
            pieces += ["-H", shlex.quote(f"Content-Type: {request.content_type}")]
        pieces += ["--data-binary", _ansi_c(request.body)]
    elif not request.parts:
        body, content_type = encode_multipart(())
        pieces += ["-H", shlex.quote(f"Content-Type: {content_type}")]
        pieces += ["--data-binary", _ansi_c(body)]
    else:
        pieces += [_form(part) for part in request.parts]
    return " ".join(pieces)


def response_summary(exchange: Exchange) -> dict[str, Any]:
    response = exchange.response
    body = response.content.decode("utf-8", "replace")
    if len(body) > BODY_LIMIT:
        body = body[:BODY_LIMIT] + f"... ({len(response.content)} bytes)"
    return {
        "status": response.status,
        "headers": {
            key: response.headers[key] for key in RESPONSE_HEADERS if key in response.headers
        },
        "body": body,
    }


def replay(exchange: Exchange | None) -> dict[str, Any] | None:
    if exchange is None:
        return None
    return {"curl": curl(exchange), "response": response_summary(exchange)}
