"""The overhead of ``liveness-kit proxy`` on image-only requests, against the mock direct.

    python -m bench.bench_proxy --requests 200

Starts the mock and the proxy in front of it (each its own uvicorn process on loopback),
then sends the same image-only requests alternately direct and through the proxy, one at
a time over keep-alive connections, so both see the same load. The target is p50 through
the proxy at most 1.3x direct. Figures go to bench/REPORT.md (section ``proxy``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator

import httpx

import fixtures
from bench._report import machine, percentile, write_section
from bench.load import ROOT, development_token, free_port, running, serve

TARGET_RATIO = 1.3
KINDS = (
    ("v1 genuine_still", "/liveness", "genuine_still"),
    ("v2 attack_print_still", "/v2/liveness", "attack_print_still"),
)


@contextlib.contextmanager
def serve_proxy(upstream: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "liveness_kit", "proxy", "--upstream", upstream]
    command += [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--report-dir",
        str(ROOT / "bench" / "out"),
    ]
    with running(command, port) as (url, _):
        yield url


def measure(direct: str, proxied: str, token: str, requests: int, warmup: int) -> list[str]:
    headers = {"Authorization": f"Bearer {token}"}
    rows = []
    with httpx.Client(timeout=60) as http:
        for label, path, name in KINDS:
            fixture = fixtures.get(name)
            parts = {"image": (fixture.filename, fixture.read_bytes(), fixture.media_type)}
            timings: dict[str, list[float]] = {"direct": [], "proxy": []}
            bodies: dict[str, set[bytes]] = {"direct": set(), "proxy": set()}
            for index in range(warmup + requests):
                for where, base in (("direct", direct), ("proxy", proxied)):
                    started = time.perf_counter()
                    response = http.post(base + path, files=parts, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    if response.status_code != 200 or "x-contract-violations" in response.headers:
                        raise SystemExit(f"{where} {label}: {response.status_code} {response.text}")
                    bodies[where].add(response.content)
                    if index >= warmup:
                        timings[where].append(elapsed)
            same = bodies["direct"] == bodies["proxy"] and len(bodies["direct"]) == 1
            p50_direct, p50_proxy = (percentile(timings[w], 50) for w in ("direct", "proxy"))
            ratio = p50_proxy / p50_direct
            rows.append(
                f"| {label} | {requests} | {p50_direct:.1f} | {p50_proxy:.1f} | "
                f"{p50_proxy - p50_direct:+.1f} | "
                f"{percentile(timings['direct'], 99):.1f} | "
                f"{percentile(timings['proxy'], 99):.1f} | "
                f"{ratio:.2f}x | {'yes' if ratio <= TARGET_RATIO else 'NO'} | "
                f"{'yes' if same else 'NO'} |"
            )
            print(rows[-1], flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    token = development_token()
    load = os.getloadavg()[0]
    # The mock analyses every request, as a real service does: its answer cache would
    # answer a repeated still in about 2 ms and measure the proxy against a lookup.
    with serve(extra=("--cache-entries", "0")) as (direct, _), serve_proxy(direct) as proxied:
        rows = measure(direct, proxied, token, args.requests, args.warmup)
    section = "\n".join(
        [
            f"## Proxy overhead (`python -m bench.bench_proxy --requests {args.requests}`)",
            "",
            f"{machine()}. Image-only requests sent one at a time, alternately to the mock "
            "(answer cache off, so every request is analysed) direct and through "
            "`liveness-kit proxy` in front of it (each its own uvicorn "
            f"process, loopback, keep-alive), after {args.warmup} warm-up pairs; latency in ms. "
            f"Target: p50 through the proxy at most {TARGET_RATIO}x direct. 1-minute load "
            f"average {load:.1f} on {os.cpu_count()} cores at the start; each extra process "
            "hop waits for a core on a loaded machine. The ratio comes from one interleaved run.",
            "",
            "| request | n | p50 direct | p50 proxy | p50 added | p99 direct | p99 proxy | "
            "p50 ratio | within target | same bytes |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section("proxy", section)
    return 0 if all("| yes | yes |" in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
