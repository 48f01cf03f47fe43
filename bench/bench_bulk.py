"""Throughput of bulk mode against the local mock (run by hand, not a test).

    .venv/bin/python -m bench.bench_bulk [--cases 200] [--concurrency 1 4 16]

Starts a real ``liveness-kit serve`` subprocess on a free loopback port, builds an input
archive of ``--cases`` image-only cases (the corpus's genuine still, or a generated JPEG
when the corpus is not built), runs it once per concurrency through the library
(``read_cases`` → ``run_bulk`` → ``write_archive``) and writes its section of bench/REPORT.md:
cases/s, p50/p95 of the per-case duration, total time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx

import bulk
from bench._report import write_section

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Figures:
    concurrency: int
    cases: int
    seconds: float
    p50_ms: float
    p95_ms: float
    outcomes: dict[str, int]
    archive_seconds: float

    @property
    def rate(self) -> float:
        return self.cases / self.seconds


def still() -> tuple[bytes, str]:
    try:
        import fixtures

        return fixtures.get("genuine_still").read_bytes(), "fixtures `genuine_still`"
    except Exception:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (640, 480), (200, 180, 160))
        ImageDraw.Draw(image).ellipse((220, 100, 420, 360), fill=(220, 190, 170))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        return buffer.getvalue(), "a generated 640x480 JPEG"


def input_archive(count: int, image: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(count):
            info = zipfile.ZipInfo(f"case{number:04}_image.jpg", date_time=FIXED_TIME)
            archive.writestr(info, image)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "liveness_kit", "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"the mock exited: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the mock did not start within 60 s")


async def measure(
    data: bytes, base_url: str, token: str, concurrency: int, output: Path
) -> Figures:
    cases, problems = bulk.read_cases(data)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
        started = time.perf_counter()
        results = await bulk.run_bulk(cases, client, concurrency=concurrency, timeout=120)
        seconds = time.perf_counter() - started
    started = time.perf_counter()
    bulk.write_archive(results, problems, output, options={"api": "v2", "base_url": base_url})
    archive_seconds = time.perf_counter() - started
    durations = sorted(float(result.duration_ms) for result in results)
    outcomes: dict[str, int] = {}
    for result in results:
        outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    return Figures(
        concurrency,
        len(results),
        seconds,
        statistics.median(durations),
        durations[max(0, round(0.95 * (len(durations) - 1)))],
        outcomes,
        archive_seconds,
    )


def report(figures: list[Figures], source: str, cases: int, size: int, load: float) -> str:
    lines = [
        "## Bulk mode throughput (`python -m bench.bench_bulk`)",
        "",
        "`.venv/bin/python -m bench.bench_bulk` (run by hand): "
        f"{cases} image-only cases ({source}, {size} bytes each), `--api v2`, against a real "
        "`liveness-kit serve` subprocess (one worker) on loopback; the runner is the "
        "library (`read_cases` → `run_bulk` → `write_archive`) in this process.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; load average {load:.1f} when the run started.",
        "",
        "| concurrency | cases/s | p50 per case (ms) | p95 per case (ms) | total (s) "
        "| archive (s) | outcomes |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for item in figures:
        outcomes = ", ".join(f"{key} {value}" for key, value in sorted(item.outcomes.items()))
        lines.append(
            f"| {item.concurrency} | {item.rate:.1f} | {item.p50_ms:.0f} | {item.p95_ms:.0f} "
            f"| {item.seconds:.2f} | {item.archive_seconds:.2f} | {outcomes} |"
        )
    lines += [
        "",
        "Per-case time is from the first byte sent to the last byte received for that case "
        "(retries included; there were none). The mock analyses each still on one worker "
        "process, so concurrency beyond the cores only queues requests there: cases/s "
        "levels off and the per-case time grows with the queue.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()

    from mock_server.auth import issue_token
    from mock_server.config import Settings

    load = os.getloadavg()[0]
    image, source = still()
    data = input_archive(args.cases, image)
    port = free_port()
    server = start_server(port)
    try:
        token = issue_token(Settings())
        base_url = f"http://127.0.0.1:{port}"
        figures = []
        with tempfile.TemporaryDirectory() as directory:
            for concurrency in args.concurrency:
                output = Path(directory) / f"results-{concurrency}.zip"
                item = asyncio.run(measure(data, base_url, token, concurrency, output))
                print(
                    f"concurrency {concurrency}: {item.rate:.1f} cases/s, "
                    f"p50 {item.p50_ms:.0f} ms, p95 {item.p95_ms:.0f} ms, "
                    f"{item.seconds:.2f} s, {item.outcomes}",
                    file=sys.stderr,
                )
                figures.append(item)
    finally:
        server.terminate()
        server.wait(timeout=30)
    written = write_section("bulk", report(figures, source, args.cases, len(image), load))
    print(f"wrote {written}", file=sys.stderr)


if __name__ == "__main__":
    main()
