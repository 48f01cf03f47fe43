"""Latency of the reference pipeline in process (run by hand, not a test).

    .venv/bin/python -m bench.bench_pipeline [--rounds 15] [--media DIR]

Decode + analysis (``media.decode_image``/``media.open_video``, then ``pipeline.analyze``,
as the server does) of genuine_still.jpg (640x480 JPEG) and
genuine_video.mp4 (5 s, 640x480, 150 frames): image only, video only, image+video
enhanced (default tuning) and legacy, plus PyAV's own decode of every frame of the clip.
The cases are interleaved round by round so that a change in the machine's load touches
them alike; the video figures are compared with the PyAV decode as ratios of p50s and as
the median of the per-round ratios. Writes the ``pipeline`` section of bench/REPORT.md.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

import av

from bench._report import machine, percentile, write_section
from mock_server._cascades import load_cascades
from mock_server.analysis import Analysis, Tuning
from mock_server.media import decode_image, open_video
from mock_server.pipeline import analyze

STILL: Final = "genuine_still"
CLIP: Final = "genuine_video"
IMAGE_TARGET_MS: Final = 25.0
IMAGE_IN_PROCESS_AIM_MS: Final = 15.0
ENHANCED_TARGET_RATIO: Final = 2.0
LEGACY_TARGET_RATIO: Final = 3.0
IMAGE_CALLS_PER_ROUND: Final = 5
DECODE: Final = "PyAV full decode of the clip"


def _media(folder: Path | None) -> tuple[bytes, bytes]:
    if folder is not None:
        return (folder / f"{STILL}.jpg").read_bytes(), (folder / f"{CLIP}.mp4").read_bytes()
    try:
        import fixtures

        get = fixtures.get  # type: ignore[attr-defined,unused-ignore]
        return get(STILL).read_bytes(), get(CLIP).read_bytes()
    except (AttributeError, KeyError, OSError) as error:
        raise SystemExit(
            f"the fixture corpus is not available ({error}); build it with "
            "`python -m fixtures.build --out DIR` and pass --media DIR/media"
        ) from None


def pyav_decode(clip: bytes) -> int:
    with av.open(io.BytesIO(clip), mode="r") as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def analyze_bytes(image: bytes | None, video: bytes | None, tuning: Tuning) -> Analysis:
    """Decode the media and analyse them, as the server does."""
    return analyze(
        image=decode_image(image) if image is not None else None,
        video=open_video(video) if video is not None else None,
        tuning=tuning,
    )


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def measure(still: bytes, clip: bytes, rounds: int) -> dict[str, list[float]]:
    cases: dict[str, Callable[[], object]] = {
        DECODE: lambda: pyav_decode(clip),
        "image only": lambda: analyze_bytes(still, None, Tuning()),
        "video only": lambda: analyze_bytes(None, clip, Tuning()),
        "image+video enhanced": lambda: analyze_bytes(still, clip, Tuning()),
        "image+video legacy": lambda: analyze_bytes(still, clip, Tuning(enhanced_detection=False)),
    }
    load_cascades()
    for call in cases.values():  # warm-up: cascades, codecs, caches
        call()
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, call in cases.items():
            repeats = IMAGE_CALLS_PER_ROUND if name == "image only" else 1
            times[name].extend(_timed(call) for _ in range(repeats))
    return times


def _paired_ratio(times: dict[str, list[float]], name: str) -> float:
    return statistics.median(a / b for a, b in zip(times[name], times[DECODE], strict=True))


def report(times: dict[str, list[float]], rounds: int, still: bytes, clip: bytes) -> str:
    frames = pyav_decode(clip)
    lines = [
        "## Reference pipeline latency (`python -m bench.bench_pipeline`)",
        "",
        f"`.venv/bin/python -m bench.bench_pipeline --rounds {rounds}`; {machine()}.",
        f"In process, decode + `analyze` on {STILL}.jpg ({len(still)} bytes) "
        f"and {CLIP}.mp4 ({len(clip)} bytes, {frames} frames); cases interleaved per round.",
        "",
        "| case | p50 ms | p95 ms | n |",
        "|---|---:|---:|---:|",
    ]
    for name, values in times.items():
        lines.append(
            f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 95):.1f} "
            f"| {len(values)} |"
        )
    decode = percentile(times[DECODE], 50)
    image = percentile(times["image only"], 50)
    rows = [
        (
            "image only p50",
            f"{image:.1f} ms",
            f"<= {IMAGE_IN_PROCESS_AIM_MS:g} ms",
            image,
            IMAGE_IN_PROCESS_AIM_MS,
        )
    ]
    for name, target in (
        ("video only", ENHANCED_TARGET_RATIO),
        ("image+video enhanced", ENHANCED_TARGET_RATIO),
        ("image+video legacy", LEGACY_TARGET_RATIO),
    ):
        ratio = percentile(times[name], 50) / decode
        paired = _paired_ratio(times, name)
        rows.append(
            (
                f"{name} p50 / decode p50",
                f"{ratio:.2f}x (paired {paired:.2f}x)",
                f"<= {target:g}x",
                max(ratio, paired),
                target,
            )
        )
    lines += [
        "",
        "### Against the targets",
        "",
        "| figure | value | target | |",
        "|---|---:|---:|---|",
    ]
    for label, value, target_text, measured, target in rows:
        verdict = "met" if measured <= target else "**missed**"
        lines.append(f"| {label} | {value} | {target_text} | {verdict} |")
    lines += [
        "",
        f"The image target over HTTP is {IMAGE_TARGET_MS:g} ms; in process the aim is "
        f'{IMAGE_IN_PROCESS_AIM_MS:g} ms. "paired" is the median over rounds of the case\'s '
        "time divided by the decode time of the same round; the verdict uses the larger of "
        "the two ratios. The video-only target is the enhanced one (same sampled path).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--media", type=Path, default=None, help="folder with the corpus media")
    args = parser.parse_args()
    still, clip = _media(args.media)
    times = measure(still, clip, args.rounds)
    markdown = report(times, args.rounds, still, clip)
    print(markdown)
    print(f"written to {write_section('pipeline', markdown)}")


if __name__ == "__main__":
    main()
