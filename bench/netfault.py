"""A network-fault proxy on 127.0.0.1: the mock as a remote, rate-limited, flaky service.

A plain asyncio HTTP/1.1 server that forwards each request to an upstream (the mock) and
can add latency, answer a transient 503 or 429 with ``Retry-After``, drop the connection
without an answer, or enforce a rate limit. Which requests meet a transient fault is
decided by a hash of the request (method, path, body), and only its first attempt meets
it: the faults, hence the retries, are the same whatever order the requests arrive in.

It lives in bench/ because both bench/bench_gate.py and the tests
(tests/conformance/test_resilience.py) use it, and imports point one way: tests to bench.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate

import httpx

HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


@dataclass
class Faults:
    latency: float = 0.0
    transient_503: float = 0.0  # share of requests whose first attempt gets a 503
    transient_429: float = 0.0  # ... a 429 whose Retry-After is an HTTP-date
    dropped: float = 0.0  # ... a connection closed without an answer
    retry_after: str = "1"
    always: int | None = None  # answer every request with this status (a fault that persists)
    always_from: int = 0  # ... from this request on (the first ones get through)
    rate_limit: int | None = None  # requests per second before a 429 with Retry-After: 1


@dataclass
class Proxy:
    upstream: str
    faults: Faults
    counts: Counter[str] = field(default_factory=Counter)
    _attempts: Counter[str] = field(default_factory=Counter)
    _window: deque[float] = field(default_factory=deque)

    def _picked(self, key: str, salt: str, share: float) -> bool:
        digest = hashlib.sha256(f"{salt}:{key}".encode()).digest()
        return int.from_bytes(digest[:4], "big") < share * 2**32

    def decide(self, key: str) -> tuple[int, dict[str, str]] | str | None:
        """A fault for this attempt: (status, headers), ``"drop"``, or None to forward."""
        faults = self.faults
        first = self._attempts[key] == 0
        self._attempts[key] += 1
        self.counts["attempts"] += 1
        if faults.always is not None and self.counts["attempts"] > faults.always_from:
            return faults.always, {"retry-after": faults.retry_after}
        if faults.rate_limit is not None:
            now = time.monotonic()
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= faults.rate_limit:
                return 429, {"retry-after": "1"}
            self._window.append(now)
        if first and self._picked(key, "drop", faults.dropped):
            return "drop"
        if first and self._picked(key, "503", faults.transient_503):
            return 503, {"retry-after": faults.retry_after}
        if first and self._picked(key, "429", faults.transient_429):
            return 429, {"retry-after": formatdate(time.time() + 1, usegmt=True)}
        return None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with httpx.AsyncClient(base_url=self.upstream, timeout=300) as client:
            try:
                while await self._one(reader, writer, client):
                    pass
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    async def _one(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: httpx.AsyncClient
    ) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = [tuple(line.split(":", 1)) for line in lines[1:] if ":" in line]
        length = next((int(v) for k, v in headers if k.strip().lower() == "content-length"), 0)
        body = await reader.readexactly(length)
        key = hashlib.sha256(method.encode() + target.encode() + b"\0" + body).hexdigest()
        await asyncio.sleep(self.faults.latency)
        fault = self.decide(key)
        if fault == "drop":
            self.counts["dropped"] += 1
            return False
        if isinstance(fault, tuple):
            status, extra = fault
            self.counts[str(status)] += 1
            content = b'{"detail": "injected by the fault proxy"}'
            answer_headers = [("content-type", "application/json"), *extra.items()]
        else:
            self.counts["forwarded"] += 1
            forwarded = {
                k.strip(): v.strip() for k, v in headers if k.strip().lower() not in HOP_HEADERS
            }
            upstream = await client.request(method, target, headers=forwarded, content=body)
            status, content = upstream.status_code, upstream.content
            answer_headers = [
                (k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_HEADERS
            ]
        out = [f"HTTP/1.1 {status} X", *(f"{k}: {v}" for k, v in answer_headers)]
        out.append(f"content-length: {len(content)}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + content)
        await writer.drain()
        return True


@contextlib.contextmanager
def fault_proxy(upstream: str, faults: Faults) -> Iterator[tuple[str, Proxy]]:
    """Serve a :class:`Proxy` on 127.0.0.1 (a free port) from a thread; yield its URL."""
    proxy = Proxy(upstream, faults)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, asyncio.Server] = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        ready.set()

    def main() -> None:
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    ready.wait(10)
    server = holder["server"]
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", proxy
    finally:

        async def stop() -> None:
            server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2)

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.netfault --upstream URL --port N --latency S``: serve the
    proxy in a process of its own (bench/bench_gate.py) until interrupted."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--transient-503", type=float, default=0.0)
    args = parser.parse_args(argv)
    proxy = Proxy(args.upstream, Faults(latency=args.latency, transient_503=args.transient_503))

    async def serve() -> None:
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
