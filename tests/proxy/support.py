"""Helpers for the proxy's tests: the proxy in process in front of any ASGI app."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

import fixtures
from bench.load import free_port, running
from proxy import ContractProxy, ProxyConfig

UPSTREAM = "http://upstream.invalid"


def proxy_for(app: Any, **options: Any) -> ContractProxy:
    """A proxy whose upstream is ``app``, reached in process."""
    config = ProxyConfig(upstream=UPSTREAM, **options)
    return ContractProxy(config, transport=httpx.ASGITransport(app=app))


def files(**named: str) -> list[tuple[str, tuple[str, bytes, str]]]:
    """Multipart file parts from fixtures: ``files(image="genuine_still")``."""
    parts = []
    for field, name in named.items():
        fixture = fixtures.get(name)
        parts.append((field, (fixture.filename, fixture.read_bytes(), fixture.media_type)))
    return parts


def post_all(app: Any, requests: list[dict[str, Any]]) -> list[httpx.Response]:
    """Send each request (``httpx.AsyncClient.post`` keyword arguments) to ``app`` in turn."""

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://proxy.test") as http:
            return [await http.post(**request) for request in requests]

    return asyncio.run(run())


def violations(response: httpx.Response, header: str = "x-contract-violations") -> list[Any]:
    value = response.headers.get(header)
    return json.loads(value) if value else []


def checks(response: httpx.Response, header: str = "x-contract-violations") -> set[str]:
    return {item["check"] for item in violations(response, header)}


def lines(directory: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(directory.glob("exchanges-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)


@contextlib.contextmanager
def serve_proxy(upstream: str, *extra: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``liveness-kit proxy`` in front of ``upstream`` on a free loopback port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "liveness_kit",
        "proxy",
        "--upstream",
        upstream,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *extra,
    ]
    with running(command, port) as served:
        yield served
