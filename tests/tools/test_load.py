"""A short, bounded load run on loopback: concurrent clients over the mixed modes of
bench/load.py. The full run (64 clients, 60 s, 1 and 2 workers) is done by hand with
``python -m bench.load`` and kept in bench/REPORT.md."""

from __future__ import annotations

import asyncio

import pytest

from bench._report import percentile
from bench.load import MIX, LoadResult, development_token, drive, serve

pytestmark = [pytest.mark.tools, pytest.mark.slow]

CLIENTS = 24
DURATION_S = 10.0
MAX_REQUESTS = 5000
RSS_GROWTH_BOUND_MB = 150.0  # generous: allocator noise, not a leak


@pytest.fixture(scope="module")
def load_run() -> LoadResult:
    token = development_token()
    with serve(workers=1) as (base_url, pid):
        return asyncio.run(
            drive(
                base_url,
                token,
                clients=CLIENTS,
                duration_s=DURATION_S,
                max_requests=MAX_REQUESTS,
                server_pid=pid,
            )
        )


def test_no_errors_under_concurrent_load(load_run: LoadResult) -> None:
    assert load_run.errors == []
    assert {kind.name for kind in MIX} == set(load_run.latencies_ms)
    assert load_run.requests >= CLIENTS
    print(
        f"{load_run.requests} requests, {load_run.throughput:.1f} req/s, "
        f"p50 {percentile(load_run.all_latencies(), 50):.0f} ms, "
        f"p99 {percentile(load_run.all_latencies(), 99):.0f} ms"
    )


def test_identical_requests_get_identical_bodies(load_run: LoadResult) -> None:
    assert {name: len(bodies) for name, bodies in load_run.bodies.items()} == {
        kind.name: 1 for kind in MIX
    }


def test_server_memory_does_not_grow(load_run: LoadResult) -> None:
    assert len(load_run.rss_mb) >= 8
    assert load_run.rss_growth_mb() < RSS_GROWTH_BOUND_MB, load_run.rss_mb
