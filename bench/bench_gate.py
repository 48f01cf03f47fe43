"""The conformance gate against a remote-like mock: wall time at concurrency 1, 4 and 8.

    python -m bench.bench_gate --latency 0.3

Spawns ``liveness-kit serve`` and, in a process of its own, the network-fault
proxy (``python -m bench.netfault``) adding ``--latency`` seconds to every
request. Runs ``liveness-kit conform`` once directly against the mock (the local gate time
at each concurrency) and once through the proxy at each concurrency, reading the requests,
retries and gate time back from its JSON report. The ideal time at concurrency c is
requests x latency / c + the local gate time at c; the target at c=8 is at most 1.5x
the ideal. Figures go to bench/REPORT.md (section ``gate``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench._report import machine, write_section
from bench.load import ROOT, development_token, free_port, serve, wait_until_up

CONCURRENCIES = (1, 4, 8)
TARGET_RATIO = 1.5


@dataclass(frozen=True, slots=True)
class GateRun:
    concurrency: int
    exit_code: int
    requests: int
    retries: int
    duration: float


@contextlib.contextmanager
def latency_proxy(upstream: str, latency: float) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "bench.netfault", "--upstream", upstream]
    command += ["--port", str(port), "--latency", str(latency)]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


def gate(url: str, token: str, concurrency: int) -> GateRun:
    with tempfile.TemporaryDirectory() as directory:
        report = Path(directory) / "report.json"
        command = [sys.executable, "-m", "liveness_kit", "conform", "--base-url", url]
        command += ["--token", token, "--concurrency", str(concurrency), "--json", str(report)]
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=900)
        summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return GateRun(
        concurrency,
        completed.returncode,
        summary["requests"],
        sum(summary["retries"].values()),
        summary["duration"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds added per request")
    args = parser.parse_args(argv)
    token = development_token()
    started = time.monotonic()
    with serve() as (base_url, _):
        local = {c: gate(base_url, token, c) for c in CONCURRENCIES}
        with latency_proxy(base_url, args.latency) as proxied_url:
            remote = {c: gate(proxied_url, token, c) for c in CONCURRENCIES}
    rows = []
    ratios = {}
    for c in CONCURRENCIES:
        run = remote[c]
        ideal = run.requests * args.latency / c + local[c].duration
        ratios[c] = run.duration / ideal
        rows.append(
            f"| {c} | {run.requests} | {run.retries} | {local[c].duration:.2f} "
            f"| {run.duration:.2f} | {ideal:.2f} | {ratios[c]:.2f}x | {run.exit_code} |"
        )
    speedup = remote[1].duration / remote[8].duration
    verdict = "met" if ratios[8] <= TARGET_RATIO else "NOT met"
    markdown = "\n".join(
        [
            "## Conformance gate behind latency (`python -m bench.bench_gate --latency "
            f"{args.latency:g}`)",
            "",
            f"Machine: {machine()}; shared with other work while measured, so absolute",
            "figures are noisy and the ratios (taken in one run) are what counts.",
            "The mock (one worker) behind the network-fault proxy of bench/netfault.py (a",
            f"process of its own) adding {args.latency * 1000:.0f} ms to every request;",
            "local = the same gate straight against the mock at that concurrency;",
            "ideal = requests x latency / c + local. A ratio below 1 means the mock's own",
            "work overlapped the latency (the ideal adds the two).",
            "",
            "| concurrency | requests | retries | local s | behind latency s | ideal s "
            "| ratio to ideal | exit |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            f"Speed-up from concurrency 1 to 8: {speedup:.1f}x. Target at concurrency 8 "
            f"(at most {TARGET_RATIO}x the ideal): {verdict} ({ratios[8]:.2f}x). "
            f"Bench wall time {time.monotonic() - started:.0f} s.",
        ]
    )
    path = write_section("gate", markdown)
    print(markdown)
    print(f"written to {path}")
    return 0 if all(run.exit_code == 0 for run in (*local.values(), *remote.values())) else 1


if __name__ == "__main__":
    raise SystemExit(main())
