"""A bounded load driver for any implementation of the contract, on loopback.

    python -m bench.load --clients 64 --duration 60 --workers 1 2

Spawns ``liveness-kit serve`` (or uses ``--base-url``), drives it with N concurrent
clients over a mix of modes for a fixed time, and reports latency percentiles,
throughput, errors, body identity for identical requests and the server's RSS over
the run. Figures go to bench/REPORT.md (section ``load``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

import fixtures
from bench._report import machine, percentile, write_section

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Kind:
    """One request shape of the mix, with the status a correct server answers."""

    name: str
    path: str
    files: tuple[tuple[str, str], ...]  # (form field, fixture name)
    data: tuple[tuple[str, str], ...] = ()
    expected_status: int = 200
    weight: int = 1
    authorized: bool = True


MIX = (
    Kind("image", "/liveness", (("image", "genuine_still"),), weight=6),
    Kind("image_v2", "/v2/liveness", (("image", "attack_print_still"),), weight=3),
    Kind("video", "/liveness", (("video", "genuine_video"),), weight=1),
    Kind(
        "image_video",
        "/v2/liveness",
        (("image", "genuine_still"), ("video", "genuine_video")),
        weight=1,
    ),
    Kind(
        "legacy",
        "/liveness",
        (("image", "genuine_still"), ("video", "genuine_video")),
        data=(("enhanced_detection", "False"),),
        weight=1,
    ),
    Kind(
        "bad_tuning",
        "/liveness",
        (("image", "genuine_still"),),
        data=(("frame_sampling_rate", "0"),),
        expected_status=422,
        weight=1,
    ),
    Kind(
        "no_token",
        "/liveness",
        (("image", "genuine_still"),),
        expected_status=401,
        weight=1,
        authorized=False,
    ),
)


@dataclass
class LoadResult:
    duration_s: float
    clients: int
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    bodies: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    rss_mb: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies_ms.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.duration_s

    def all_latencies(self) -> list[float]:
        return [ms for values in self.latencies_ms.values() for ms in values]

    def rss_growth_mb(self) -> float:
        """RSS at the end minus the median of the first quarter (after warm-up)."""
        if len(self.rss_mb) < 4:
            return 0.0
        warm = sorted(self.rss_mb[len(self.rss_mb) // 4 : len(self.rss_mb) // 2])
        return self.rss_mb[-1] - warm[len(warm) // 2]


def _schedule(seed: int) -> Iterator[Kind]:
    """A deterministic, weighted round-robin over the mix."""
    wheel = [kind for kind in MIX for _ in range(kind.weight)]
    offset = seed % len(wheel)
    while True:
        for index in range(len(wheel)):
            yield wheel[(index + offset) % len(wheel)]


def _rss_mb(pid: int) -> float:
    total = 0
    for child in [pid, *_children(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        direct = [int(p) for p in text.split()]
        return direct + [g for c in direct for g in _children(c)]
    return []


async def drive(
    base_url: str,
    token: str,
    *,
    clients: int,
    duration_s: float,
    max_requests: int | None = None,
    server_pid: int | None = None,
) -> LoadResult:
    """Drive ``base_url`` with ``clients`` concurrent clients for ``duration_s``."""
    media = {name: fixtures.get(name).read_bytes() for kind in MIX for _, name in kind.files}
    result = LoadResult(duration_s=duration_s, clients=clients)
    deadline = time.monotonic() + duration_s
    sent = 0

    async def client(seed: int, http: httpx.AsyncClient) -> None:
        nonlocal sent
        for kind in _schedule(seed):
            if time.monotonic() >= deadline or (max_requests and sent >= max_requests):
                return
            sent += 1
            headers = {"Authorization": f"Bearer {token}"} if kind.authorized else {}
            files = [
                (f, (fixtures.get(n).filename, media[n], fixtures.get(n).media_type))
                for f, n in kind.files
            ]
            started = time.perf_counter()
            try:
                response = await http.post(
                    kind.path, files=files, data=dict(kind.data), headers=headers
                )
            except httpx.HTTPError as exc:
                result.errors.append(f"{kind.name}: {type(exc).__name__}: {exc}")
                continue
            result.latencies_ms[kind.name].append((time.perf_counter() - started) * 1000)
            if response.status_code != kind.expected_status:
                result.errors.append(
                    f"{kind.name}: status {response.status_code}, expected {kind.expected_status}"
                )
            result.bodies[kind.name].add(hashlib.sha256(response.content).hexdigest())

    async def sample_rss() -> None:
        while server_pid and time.monotonic() < deadline:
            result.rss_mb.append(_rss_mb(server_pid))
            await asyncio.sleep(0.5)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120) as http:
        started = time.monotonic()
        await asyncio.gather(sample_rss(), *(client(seed, http) for seed in range(clients)))
        result.duration_s = time.monotonic() - started
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running(
    command: list[str], port: int, *, cwd: Path = ROOT
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``command``, a server on ``port`` of 127.0.0.1, for the block; yield its base URL
    and process once it answers ``/healthz`` (see :func:`stop` for the end)."""
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process)
        yield base_url, process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful shutdown), then SIGKILL after 15 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def serve(*, workers: int = 1, extra: tuple[str, ...] = ()) -> Iterator[tuple[str, int]]:
    """Run ``liveness-kit serve`` on a free loopback port; yield (base URL, pid)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "liveness_kit",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        *extra,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, process)
        yield base_url, process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until_up(
    base_url: str, process: subprocess.Popen[bytes], *, timeout: float = 30.0
) -> None:
    """Return once ``process`` answers ``/healthz`` with a 200; raise RuntimeError if it
    exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {base_url} did not come up in {timeout:g} s")


def development_token() -> str:
    output = subprocess.run(
        [sys.executable, "-m", "liveness_kit", "token"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return output.stdout.strip()


def _row(label: str, result: LoadResult) -> str:
    latencies = result.all_latencies()
    distinct = max((len(v) for v in result.bodies.values()), default=0)
    return (
        f"| {label} | {result.clients} | {result.duration_s:.0f} | {result.requests} | "
        f"{result.throughput:.1f} | {percentile(latencies, 50):.1f} | "
        f"{percentile(latencies, 99):.1f} | {len(result.errors)} | {distinct} | "
        f"{min(result.rss_mb, default=0):.0f} / {max(result.rss_mb, default=0):.0f} | "
        f"{result.rss_growth_mb():+.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    token = development_token()
    rows = []
    per_kind: dict[str, LoadResult] = {}
    for workers in args.workers:
        with serve(workers=workers) as (base_url, pid):
            result = asyncio.run(
                drive(
                    base_url, token, clients=args.clients, duration_s=args.duration, server_pid=pid
                )
            )
        per_kind[f"workers={workers}"] = result
        rows.append(_row(f"--workers {workers}", result))
        print(rows[-1], flush=True)
        for error in result.errors[:5]:
            print("  error:", error)
    first = per_kind[f"workers={args.workers[0]}"]
    kinds = "\n".join(
        f"| {name} | {len(values)} | {percentile(values, 50):.1f} | "
        f"{percentile(values, 99):.1f} | {len(first.bodies[name])} |"
        for name, values in sorted(first.latencies_ms.items())
    )
    command = f"python -m bench.load --clients {args.clients} --duration {args.duration:g}"
    header = (
        "| server | clients | s | requests | req/s | p50 ms | p99 ms | errors | bodies "
        "| RSS min / max MB | RSS growth MB |"
    )
    markdown = f"""## Load (`{command}`)

{args.clients} concurrent clients on loopback for {args.duration:g} s over a weighted mix
of modes (image-only v1/v2, video-only, image+video enhanced and legacy, a 422 and a
401). Machine: {machine()}; 1-minute load average at the end of the runs:
{os.getloadavg()[0]:.1f}. "bodies" counts distinct response bodies per request kind
(1 = identical bodies for identical requests). RSS is the server's (all processes),
sampled every 0.5 s; growth is the last sample minus the median after warm-up.

{header}
|---|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

Per request kind, `--workers {args.workers[0]}`:

| kind | requests | p50 ms | p99 ms | distinct bodies |
|---|---|---|---|---|
{kinds}
"""
    print(f"wrote {write_section('load', markdown)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
