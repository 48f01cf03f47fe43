"""The answer cache: repeated identical requests against the floor, cold ones unchanged.

    python -m bench.bench_cache --requests 100 --cold 8

Over real HTTP on loopback, one request at a time, one worker each, in one run:

* the floor: the bare Starlette endpoint of bench/floor.py, receiving the same image +
  video multipart body and doing nothing;
* warm: ``liveness-kit serve`` (cache on) answering the same image + video request
  again and again, from its answer cache after the first;
* cold: the same server with distinct requests (each a different
  ``facematch_threshold``, so each misses the cache), against a server started with
  ``--cache-entries 0`` answering the same requests.

The target: warm p50 at most 3x the floor's p50, and cold p50 unchanged by the cache.
Figures go to bench/REPORT.md (section ``cache``).
"""

from __future__ import annotations

import argparse
import sys
import time

import httpx

import fixtures
from bench._report import machine, percentile, write_section
from bench.floor import measure, serve_floor
from bench.load import MIX, development_token, serve

KIND = next(kind for kind in MIX if kind.name == "image_video")


def _files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [
        (
            field,
            (fixtures.get(n).filename, fixtures.get(n).read_bytes(), fixtures.get(n).media_type),
        )
        for field, n in KIND.files
    ]


def cold(base_url: str, token: str, count: int) -> list[float]:
    """``count`` image + video requests that each miss the cache (distinct thresholds)."""
    latencies = []
    with httpx.Client(base_url=base_url, timeout=300) as http:
        for index in range(count + 1):
            data = {"facematch_threshold": f"0.{5001 + index}"}
            started = time.perf_counter()
            response = http.post(
                KIND.path, files=_files(), data=data, headers={"Authorization": f"Bearer {token}"}
            )
            elapsed = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if index:  # the first warms the process up
                latencies.append(elapsed)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--cold", type=int, default=8)
    args = parser.parse_args()
    token = development_token()
    with serve_floor() as floor_url:
        floor = measure(floor_url, token, KIND, args.requests)
    with serve(workers=1) as (url, _):
        warm = measure(url, token, KIND, args.requests)
        hits = httpx.get(f"{url}/__mock/cache").json()["hits"]
        if hits < args.requests:
            raise RuntimeError(f"only {hits} of {args.requests} warm requests hit the cache")
        cold_cached = cold(url, token, args.cold)
    with serve(workers=1, extra=("--cache-entries", "0")) as (url, _):
        cold_uncached = cold(url, token, args.cold)
    f50, w50 = percentile(floor, 50), percentile(warm, 50)
    c50, u50 = percentile(cold_cached, 50), percentile(cold_uncached, 50)
    rows = [
        f"| floor (bare endpoint) | {len(floor)} | {f50:.2f} | "
        f"{percentile(floor, 99):.2f} | 1.0x |",
        f"| warm: identical request, cache hit | {len(warm)} | {w50:.2f} | "
        f"{percentile(warm, 99):.2f} | {w50 / f50:.1f}x |",
        f"| cold: cache on, every request a miss | {len(cold_cached)} | {c50:.0f} | "
        f"{percentile(cold_cached, 99):.0f} | {c50 / f50:.0f}x |",
        f"| cold: cache off (`--cache-entries 0`) | {len(cold_uncached)} | {u50:.0f} | "
        f"{percentile(cold_uncached, 99):.0f} | {u50 / f50:.0f}x |",
    ]
    print("\n".join(rows), flush=True)
    verdict = "met" if w50 <= 3 * f50 else "NOT met"
    command = f"python -m bench.bench_cache --requests {args.requests} --cold {args.cold}"
    markdown = f"""## Answer cache (`{command}`)

The image + video request of the load mix (`genuine_still` + `genuine_video`, v2), one
at a time over loopback, one worker each, all in one run. Machine: {machine()}; the
machine was shared with other work while this ran, so absolute figures are noisy and
the ratios are what counts.

| server | requests | p50 ms | p99 ms | p50 / floor p50 |
|---|---|---|---|---|
{chr(10).join(rows)}

The server counted {hits} cache hits over the warm requests (and their warm-up).
Warm / floor = {w50 / f50:.2f} (target at most 3): {verdict}.
Cold with the cache on / cold with it off = {c50 / u50:.2f} (on a miss the only extra
work is the SHA-256 of the media).
"""
    print(f"wrote {write_section('cache', markdown)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
