"""The mock's answers are the same bytes on every CPU.

They are computed from decoded pixels by OpenCV and NumPy, whose code paths depend on the
instruction sets the machine offers. A second process, with FFmpeg, OpenCV, NumPy and
libjpeg-turbo held to their baseline code paths, plays a CPU without SSE4, AVX, AVX2 or
AVX-512 and must see the same pixels and give the same bodies.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

import fixtures
from fixtures import _baseline
from mock_server import media
from mock_server.findings import examine
from mock_server.media import decode_image, open_video
from tests.mock_server.helpers import large_still

# libswscale's SIMD paths give other pixels than its C code; FFmpeg reads no environment
# variable for that, so the child switches them off through libavutil itself.
_CHILD = """
import ctypes, glob, os, sys
import av
found = glob.glob(os.path.join(os.path.dirname(av.__file__), os.pardir, "av.libs", "libavutil*"))
if not found:
    sys.exit("libavutil not found beside PyAV")
avutil = ctypes.CDLL(found[0])
avutil.av_force_cpu_flags(0)
if avutil.av_get_cpu_flags() != 0:
    sys.exit("FFmpeg kept its SIMD paths")
from tests.mock_server import test_portability
print(getattr(test_portability, sys.argv[1])(*sys.argv[2:]))
"""

# Requests that reach every stage of the pipeline: stills and clips, genuine and attacks,
# one and two faces, both paths and both versions.
BODY_CASES = {
    "v2_image_video": ("/v2/liveness", {"image": "genuine_still", "video": "genuine_video"}, {}),
    "v1_legacy": (
        "/liveness",
        {"image": "genuine_still", "video": "genuine_video"},
        {"enhanced_detection": "false"},
    ),
    "v2_screen_still": ("/v2/liveness", {"image": "attack_screen_still"}, {}),
    "v2_print_video": ("/v2/liveness", {"video": "attack_print_video"}, {}),
    "v2_two_faces": ("/v2/liveness", {"image": "two_faces"}, {}),
    "v2_720p_every_frame": (
        "/v2/liveness",
        {"video": "genuine_720p"},
        {"frame_sampling_rate": "1"},
    ),
}


def pixel_digest(path: str) -> str:
    digest = hashlib.sha256()
    with open_video(Path(path).read_bytes()).frames(convert=True) as stream:
        for frame in stream:
            picture = frame.picture()
            digest.update(picture.bgr.tobytes())
            digest.update(picture.gray.tobytes())
    return digest.hexdigest()


# Large JPEG stills, decoded reduced by libjpeg-turbo's scaled IDCTs (whose SIMD and C
# code must agree): 1/8, 1/4 with a face small enough to be described on the full-size
# decode, 1/2 in 4:4:4, gray, EXIF-turned and progressive.
LARGE_STILLS: dict[str, tuple[tuple[int, int], float, dict[str, Any]]] = {
    "eighth": ((6400, 4800), 3.0, {}),
    "quarter_small_face": ((4032, 3024), 1.0, {}),
    "half_444": ((2000, 1500), 0.6, {"subsampling": 0}),
    "quarter_gray": ((4032, 3024), 1.0, {"gray": True}),
    "quarter_turned": ((4032, 3024), 1.0, {"orientation": 6}),
    "quarter_progressive": ((4032, 3024), 1.0, {"progressive": True}),
}


def still_digest(*paths: str) -> str:
    """The pixels of each file decoded at every reduction, and what the still shows."""
    digest = hashlib.sha256()
    for path in paths:
        data = Path(path).read_bytes()
        for factor in (*media.JPEG_REDUCTIONS, 1):

            def reduction(size: tuple[int, int], factor: int = factor) -> int:
                return factor

            picture = media._decode_with_pillow(data, "jpeg", 10**9, reduction)
            assert picture.reduction == factor
            digest.update(picture.bgr.tobytes())
            digest.update(picture.gray.tobytes())
        findings = examine(decode_image(data), eyes=True, signature=True)
        digest.update(repr((findings.face, findings.cues, findings.eyes_open)).encode())
        assert findings.signature is not None
        digest.update(findings.signature.tobytes())
    return digest.hexdigest()


def body_digest(case: str) -> str:
    import anyio
    import httpx

    from mock_server import Settings, create_app

    path, media, fields = BODY_CASES[case]
    files = {
        role: (fixtures.get(name).filename, fixtures.get(name).read_bytes())
        for role, name in media.items()
    }
    app = create_app(Settings(accept_any_token=True, playground=False))

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as client:
            return await client.post(
                path, headers={"Authorization": "Bearer any"}, files=files, data=fields
            )

    answer = anyio.run(send)
    assert answer.status_code == 200, answer.text
    return hashlib.sha256(answer.content).hexdigest()


def _full_range_clip() -> bytes:
    """A short clip in full-range YUV, which takes the libswscale path."""
    rng = np.random.default_rng(7)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as output:
        stream = output.add_stream("libx264", rate=10, options={"x264-params": "asm=0"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        stream.codec_context.thread_count = 1
        for index in range(5):
            pixels = rng.integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 10)
            for packet in stream.encode(frame.reformat(format="yuvj420p")):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()


def _clips(tmp_path: Path) -> dict[str, Path]:
    full_range = tmp_path / "full_range.mp4"
    full_range.write_bytes(_full_range_clip())
    with av.open(str(full_range)) as container:
        assert container.streams.video[0].codec_context.color_range == 2
    return {"bt601_limited": fixtures.get("genuine_video").path, "full_range": full_range}


def _on_baseline_cpu(*args: str) -> str:
    root = Path(__file__).resolve().parents[2]
    baseline = subprocess.run(
        [sys.executable, "-c", _CHILD, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env=os.environ | _baseline.environment() | {"PYTHONPATH": str(root)},
        timeout=600,
    )
    assert baseline.returncode == 0, baseline.stderr
    return baseline.stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["bt601_limited", "full_range"])
def test_frames_are_the_same_pixels_on_baseline_instruction_sets(clip: str, tmp_path: Path) -> None:
    path = str(_clips(tmp_path)[clip])
    assert _on_baseline_cpu("pixel_digest", path) == pixel_digest(path)


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BODY_CASES))
def test_bodies_are_the_same_bytes_on_baseline_instruction_sets(case: str) -> None:
    assert _on_baseline_cpu("body_digest", case) == body_digest(case)


@pytest.mark.slow
def test_reduced_jpeg_decodes_are_the_same_pixels_on_baseline_instruction_sets(
    tmp_path: Path,
) -> None:
    paths = []
    for name, (size, face_scale, options) in LARGE_STILLS.items():
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(large_still(size, face_scale, **options))
        paths.append(str(path))
    assert _on_baseline_cpu("still_digest", *paths) == still_digest(*paths)
