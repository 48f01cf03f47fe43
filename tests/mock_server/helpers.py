"""Media makers, multipart builders and the contract's invariants, for the server tests."""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Iterable
from typing import Any

import av
import numpy as np
from PIL import Image

import spec

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


def effective_tuning(fields: dict[str, str]) -> dict[str, Any]:
    defaults = {name: item.default for name, item in spec.tuning_fields().items()}
    values = {**defaults, **{k: v for k, v in fields.items() if k in defaults}}
    return {
        "enhanced_detection": str(values["enhanced_detection"]).lower() == "true",
        "frame_sampling_rate": int(str(values["frame_sampling_rate"])),
        "max_frames_to_analyze": int(str(values["max_frames_to_analyze"])),
        "facematch_frames": int(str(values["facematch_frames"])),
        "facematch_threshold": float(str(values["facematch_threshold"])),
        "image_type": values["image_type"],
        "unique_id": fields.get("unique_id"),
    }


def v1_problems(body: dict[str, Any], sent: set[str], fields: dict[str, str]) -> list[str]:
    """Every invariant of the contract that a v1 body breaks."""
    problems = list(spec.response_errors("v1", 200, body))
    if problems:
        return problems
    tuning = effective_tuning(fields)
    both = sent == {"image", "video"}
    sampled = "video" in sent and (not both or tuning["enhanced_detection"])

    def check(condition: bool, name: str) -> None:
        if not condition:
            problems.append(name)

    check(body["image_input"] == ("image" in sent), "INV-INPUT-FLAGS image")
    check(body["video_input"] == ("video" in sent), "INV-INPUT-FLAGS video")
    if "image" not in sent:
        check(body["image_result"] == "not_provided", "INV-NOT-APPLICABLE image_result")
        check(body["image_confidence"] == 0, "INV-NOT-APPLICABLE image_confidence")
    if "video" not in sent:
        check(body["blink_detection"] is False, "INV-NOT-APPLICABLE blink")
        for name in ("video_frames_analyzed", "real_video_frames", "total_video_frames"):
            check(body[name] == 0, f"INV-NOT-APPLICABLE {name}")
    if not both:
        check(body["facematch_result"] == "False", "INV-NOT-APPLICABLE facematch_result")
        check(body["facematch_confidence"] == 0, "INV-NOT-APPLICABLE facematch_confidence")
        check(body["facematch_frames_tested"] == 0, "INV-NOT-APPLICABLE frames_tested")
    analyzed, total = body["video_frames_analyzed"], body["total_video_frames"]
    check(body["real_video_frames"] <= analyzed <= total, "INV-FRAME-COUNTS")
    if sampled:
        rate, cap = tuning["frame_sampling_rate"], tuning["max_frames_to_analyze"]
        check(analyzed == min(cap, math.ceil(total / rate)), "INV-SAMPLING")
    check(
        body["facematch_frames_tested"] <= min(tuning["facematch_frames"], analyzed),
        "INV-FACEMATCH-FRAMES",
    )
    if both:
        tested = body["facematch_frames_tested"]
        passed = tested > 0 and body["facematch_confidence"] >= tuning["facematch_threshold"]
        check((body["facematch_result"] == "True") == passed, "INV-FACEMATCH-RESULT")
        check(body["result"] != "real" or body["image_result"] == "real", "INV-RESULT image_result")
        if not tuning["enhanced_detection"]:
            check(body["result"] != "real" or body["blink_detection"], "INV-RESULT legacy blink")
    if sent == {"image"}:
        check(body["result"] == body["image_result"], "INV-RESULT image mode result")
        check(body["confidence"] == body["image_confidence"], "INV-RESULT image confidence")
    overall = body["result"] == "real" and (not both or body["facematch_result"] == "True")
    check((body["overall_result"] == "True") == overall, "INV-OVERALL")
    lowest = body["confidence"]
    if both:
        lowest = min(lowest, body["facematch_confidence"])
    check(math.isclose(body["overall_confidence"], lowest), "INV-OVERALL-CONFIDENCE")
    check(body["enhanced_detection"] == tuning["enhanced_detection"], "INV-ECHO enhanced")
    check(body["frame_sampling_rate"] == tuning["frame_sampling_rate"], "INV-ECHO rate")
    check(body["max_frames_analyzed"] == tuning["max_frames_to_analyze"], "INV-ECHO cap")
    return problems


def v2_problems(body: dict[str, Any], sent: set[str], fields: dict[str, str]) -> list[str]:
    """Every invariant of the contract that a v2 body breaks (through v1, plus its own)."""
    problems = list(spec.response_errors("v2", 200, body))
    if problems:
        return problems
    problems += v1_problems(spec.v1_from_v2(body), sent, fields)
    tuning = effective_tuning(fields)
    both = sent == {"image", "video"}
    image, video, facematch, overall = (
        body["image"],
        body["video"],
        body["image_video_facematch"],
        body["overall"],
    )

    def check(condition: bool, name: str) -> None:
        if not condition:
            problems.append(name)

    check((image is not None) == ("image" in sent), "INV-INPUT-FLAGS image block")
    check((video is not None) == ("video" in sent), "INV-INPUT-FLAGS video block")
    check((facematch is not None) == both, "INV-INPUT-FLAGS facematch block")
    if video is not None:
        indices = video["analyzed_frame_indices"]
        check(video["frames_analyzed"] == len(indices), "INV-FRAME-COUNTS length")
        check(indices == sorted(set(indices)), "INV-FRAME-COUNTS ascending")
        check(all(i < video["total_frames"] for i in indices), "INV-FRAME-COUNTS below total")
        legacy = both and not tuning["enhanced_detection"]
        check(video["path"] == ("legacy" if legacy else "sampled"), "path")
        if legacy:
            check(indices == list(range(len(indices))), "INV-LEGACY-FRAMES")
        else:
            rate = tuning["frame_sampling_rate"]
            check(indices == [rate * i for i in range(len(indices))], "INV-SAMPLING indices")
        check((video["reasons"] == []) == (video["result"] == "real"), "INV-REASONS video")
        real_video = video["blink_detected"] and 2 * video["real_frames"] >= len(indices) > 0
        check((video["result"] == "real") == real_video, "Decisions: video verdict")
    if image is not None and video is not None:
        both_real = image["result"] == video["result"] == "real"
        check((overall["result"] == "real") == both_real, "Decisions: image+video verdict")
    if image is not None:
        check((image["reasons"] == []) == (image["result"] == "real"), "INV-REASONS image")
    if facematch is not None:
        assert video is not None
        wanted = video["analyzed_frame_indices"][: tuning["facematch_frames"]]
        check(facematch["frame_indices"] == wanted, "INV-FACEMATCH-FRAMES indices")
        check(facematch["frames_matched"] <= facematch["frames_tested"], "INV-FACEMATCH matched")
        check((facematch["reasons"] == []) == facematch["passed"], "INV-REASONS facematch")
        check(facematch["frames_requested"] == tuning["facematch_frames"], "frames_requested")
        check(math.isclose(facematch["threshold"], tuning["facematch_threshold"]), "threshold")
    blocks = [block for block in (image, video, facematch) if block is not None]
    every = {reason for block in blocks for reason in block["reasons"]}
    check(set(overall["reasons"]) == every, "INV-REASONS overall holds every block's")
    check((overall["reasons"] == []) == overall["passed"], "INV-REASONS overall")
    echo = {key: tuning[key] for key in overall["tuning"]}
    check(overall["tuning"] == echo, "INV-ECHO tuning")
    check(overall["unique_id"] == tuning["unique_id"], "INV-ECHO unique_id")
    mode = "image_video" if both else next(iter(sent))
    check(overall["mode"] == mode, "mode")
    return problems


def error_problems(api: str, status: int, body: Any, code: str | None = None) -> list[str]:
    problems = list(spec.response_errors(api, status, body))
    if code is not None and not problems and body["detail"].get("code") != code:
        problems.append(f"detail.code is {body['detail'].get('code')!r}, expected {code!r}")
    return problems
