"""Latency of the mock against the floor of its stack, over real HTTP on loopback.

    python -m bench.floor --requests 200

The floor is a bare Starlette endpoint (bench/_bare_app.py) served by the same
uvicorn, receiving the same multipart body and doing nothing. Both servers run as
subprocesses with one worker; requests are sent one at a time. Figures go to
bench/REPORT.md (section ``floor``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator

import httpx

import fixtures
from bench._report import machine, percentile, write_section
from bench.load import MIX, Kind, development_token, free_port, running, serve


@contextlib.contextmanager
def serve_floor() -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench._bare_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with running(command, port) as (base_url, _):
        yield base_url


def measure(base_url: str, token: str, kind: Kind, requests: int) -> list[float]:
    files = [
        (f, (fixtures.get(n).filename, fixtures.get(n).read_bytes(), fixtures.get(n).media_type))
        for f, n in kind.files
    ]
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    with httpx.Client(base_url=base_url, timeout=120) as http:
        for index in range(requests + 3):
            started = time.perf_counter()
            response = http.post(kind.path, files=files, data=dict(kind.data), headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if index >= 3:  # warm-up
                latencies.append(elapsed)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    kinds = [kind for kind in MIX if kind.expected_status == 200]
    token = development_token()
    with serve_floor() as floor_url:
        floor = {k.name: measure(floor_url, token, k, args.requests) for k in kinds}
    with serve(workers=1) as (mock_url, _):
        mock = {k.name: measure(mock_url, token, k, max(20, args.requests // 4)) for k in kinds}
    rows = []
    for kind in kinds:
        f50, m50 = percentile(floor[kind.name], 50), percentile(mock[kind.name], 50)
        rows.append(
            f"| {kind.name} | {f50:.2f} | {percentile(floor[kind.name], 99):.2f} | "
            f"{m50:.1f} | {percentile(mock[kind.name], 99):.1f} | {m50 / f50:.1f}x |"
        )
        print(rows[-1], flush=True)
    markdown = f"""## Floor (`python -m bench.floor --requests {args.requests}`)

The mock against a bare Starlette endpoint that receives the same multipart body
and does nothing (the floor of Starlette + python-multipart + uvicorn), one request
at a time over loopback, one worker each. Machine: {machine()}.

| request | floor p50 ms | floor p99 ms | mock p50 ms | mock p99 ms | mock / floor (p50) |
|---|---|---|---|---|---|
{chr(10).join(rows)}
"""
    print(f"wrote {write_section('floor', markdown)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
