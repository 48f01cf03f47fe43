from __future__ import annotations

from typing import Any


def _bool_string(value: bool) -> str:
    return "True" if value else "False"


def v1_from_v2(body: dict[str, Any]) -> dict[str, Any]:
    """The v1 body that a v2 body stands for (the mapping ``x-v1-from-v2`` states).

    A confidence of a block that is null is 0.0: a number, as every confidence is."""
    image = body["image"]
    video = body["video"]
    facematch = body["image_video_facematch"]
    overall = body["overall"]
    tuning = overall["tuning"]
    return {
        "result": overall["result"],
        "confidence": overall["confidence"],
        "blink_detection": video["blink_detected"] if video else False,
        "image_input": image is not None,
        "video_input": video is not None,
        "facematch_result": _bool_string(bool(facematch and facematch["passed"])),
        "facematch_confidence": facematch["confidence"] if facematch else 0.0,
        "facematch_frames_tested": facematch["frames_tested"] if facematch else 0,
        "overall_result": _bool_string(overall["passed"]),
        "overall_confidence": overall["overall_confidence"],
        "image_result": image["result"] if image else "not_provided",
        "image_confidence": image["confidence"] if image else 0.0,
        "video_frames_analyzed": video["frames_analyzed"] if video else 0,
        "real_video_frames": video["real_frames"] if video else 0,
        "total_video_frames": video["total_frames"] if video else 0,
        "enhanced_detection": tuning["enhanced_detection"],
        "frame_sampling_rate": tuning["frame_sampling_rate"],
        "max_frames_analyzed": tuning["max_frames_to_analyze"],
    }
