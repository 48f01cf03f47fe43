"""Media makers, multipart builders and the contract's invariants, for the server tests."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable
from typing import Any

import av
import numpy as np
from PIL import Image

import spec
from conformance import INVARIANTS, Submission

SECRET = "tests-secret-for-the-mock-server-0123456789abcdef0123456789abcdef"
BOUNDARY = "liveness-kit-test-boundary"


@functools.cache
def jpeg(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@functools.cache
def png(width: int = 32, height: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 60)).save(buffer, "PNG")
    return buffer.getvalue()


@functools.cache
def mp4(frames: int = 12, width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("h264", rate=30)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            level = (index * 17) % 255
            pixels = np.full((height, width, 3), level, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def part(
    name: str | None,
    value: bytes | str,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    extra_headers: Iterable[str] = (),
) -> bytes:
    """One raw form-data part (headers and body, without the boundary lines)."""
    disposition = "form-data"
    if name is not None:
        disposition += f'; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    lines = [f"Content-Disposition: {disposition}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(extra_headers)
    data = value.encode() if isinstance(value, str) else value
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def multipart(parts: Iterable[bytes], boundary: str = BOUNDARY, *, close: bool = True) -> bytes:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + item + b"\r\n" for item in parts)
    if close:
        body += b"--" + boundary.encode() + b"--\r\n"
    return body


def form(
    *,
    image: bytes | None = None,
    video: bytes | None = None,
    fields: dict[str, str] | None = None,
) -> tuple[bytes, str]:
    """A well-formed body and its Content-Type."""
    parts = [part(name, value) for name, value in (fields or {}).items()]
    if image is not None:
        parts.append(part("image", image, filename="still.bin", content_type="image/jpeg"))
    if video is not None:
        parts.append(part("video", video, filename="clip.bin", content_type="video/mp4"))
    return multipart(parts), f"multipart/form-data; boundary={BOUNDARY}"


# --- the contract's invariants ------------------------------------------------------------
# The rules are the conformance suite's (one per x-invariants entry); the mock's tests add
# only what the invariants do not state: the mode and the documented verdict decisions.


def invariant_problems(
    api: str, body: dict[str, Any], sent: set[str], fields: dict[str, str]
) -> list[str]:
    """Every x-invariants rule, as the conformance suite states it, that ``body`` breaks."""
    submission = Submission.from_form(sent, fields)
    return [
        f"{invariant.id}: {problem}"
        for invariant in INVARIANTS
        for problem in invariant.problems(submission, api, body)
    ]


def v1_problems(body: dict[str, Any], sent: set[str], fields: dict[str, str]) -> list[str]:
    """Every invariant of the contract that a v1 body breaks."""
    problems = list(spec.response_errors("v1", 200, body))
    if problems:
        return problems
    return invariant_problems("v1", body, sent, fields)


def v2_problems(body: dict[str, Any], sent: set[str], fields: dict[str, str]) -> list[str]:
    """Every invariant of the contract that a v2 body breaks (through v1 too), plus the
    mode and the verdict decisions of the mock."""
    problems = list(spec.response_errors("v2", 200, body))
    if problems:
        return problems
    problems += invariant_problems("v2", body, sent, fields)
    problems += v1_problems(spec.v1_from_v2(body), sent, fields)
    image, video, overall = body["image"], body["video"], body["overall"]

    def check(condition: bool, name: str) -> None:
        if not condition:
            problems.append(name)

    if video is not None:
        indices = video["analyzed_frame_indices"]
        real_video = video["blink_detected"] and 2 * video["real_frames"] >= len(indices) > 0
        check((video["result"] == "real") == real_video, "Decisions: video verdict")
    if image is not None and video is not None:
        both_real = image["result"] == video["result"] == "real"
        check((overall["result"] == "real") == both_real, "Decisions: image+video verdict")
    mode = "image_video" if sent == {"image", "video"} else next(iter(sent))
    check(overall["mode"] == mode, "mode")
    return problems


def error_problems(api: str, status: int, body: Any, code: str | None = None) -> list[str]:
    problems = list(spec.response_errors(api, status, body))
    if code is not None and not problems and body["detail"].get("code") != code:
        problems.append(f"detail.code is {body['detail'].get('code')!r}, expected {code!r}")
    return problems


@functools.cache
def large_still(
    size: tuple[int, int],
    face_scale: float,
    *,
    gray: bool = False,
    orientation: int = 1,
    subsampling: int = 2,
    progressive: bool = False,
) -> bytes:
    """A JPEG of ``size`` (upright) with the corpus's genuine still, its face 207 px wide,
    scaled by ``face_scale`` at the centre of a plain wall; stored turned a quarter to the
    left with EXIF orientation 6 when ``orientation`` is 6; 4:2:0 chroma unless
    ``subsampling`` is 0 (4:4:4); baseline unless ``progressive``."""
    import fixtures

    with Image.open(fixtures.get("genuine_still").path) as still:
        face = still.convert("RGB").resize(
            (round(still.width * face_scale), round(still.height * face_scale)),
            Image.Resampling.LANCZOS,
        )
    canvas = Image.new("RGB", size, (118, 124, 130))
    canvas.paste(face, ((size[0] - face.width) // 2, (size[1] - face.height) // 2))
    stored = canvas.convert("L") if gray else canvas
    exif = Image.Exif()
    if orientation == 6:
        stored = stored.rotate(90, expand=True)
        exif[0x0112] = 6
    buffer = io.BytesIO()
    stored.save(
        buffer, "JPEG", quality=90, subsampling=subsampling, exif=exif, progressive=progressive
    )
    return buffer.getvalue()
