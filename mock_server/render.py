"""One :class:`Analysis`, two bodies: the flat v1 and the structured v2.

Key order is fixed and every number is rounded the same way, so the same request gives
byte-identical bodies in every process (see :func:`json_bytes`).
"""

from __future__ import annotations

import json
import math
from typing import Any

from mock_server.analysis import CUE_NAMES, Analysis
from mock_server.inputs import Inputs


def number(value: float) -> float:
    """A confidence as the contract shows it: finite, in [0, 1], 4 decimals."""
    value = float(value)
    if not math.isfinite(value):
        return 0.0
    return round(min(1.0, max(0.0, value)), 4)


def _bool_string(value: bool) -> str:
    return "True" if value else "False"


def render_v1(analysis: Analysis) -> dict[str, Any]:
    image, video, facematch, tuning = (
        analysis.image,
        analysis.video,
        analysis.facematch,
        analysis.tuning,
    )
    return {
        "result": analysis.result,
        "confidence": number(analysis.confidence),
        "blink_detection": bool(video.blink_detected) if video else False,
        "image_input": image is not None,
        "video_input": video is not None,
        "facematch_result": _bool_string(bool(facematch and facematch.passed)),
        "facematch_confidence": number(facematch.confidence) if facematch else 0.0,
        "facematch_frames_tested": facematch.frames_tested if facematch else 0,
        "overall_result": _bool_string(analysis.overall_passed),
        "overall_confidence": number(analysis.overall_confidence),
        "image_result": image.result if image else "not_provided",
        "image_confidence": number(image.confidence) if image else 0.0,
        "video_frames_analyzed": len(video.analyzed_frames) if video else 0,
        "real_video_frames": video.real_frames if video else 0,
        "total_video_frames": video.total_frames if video else 0,
        "enhanced_detection": tuning.enhanced_detection,
        "frame_sampling_rate": tuning.frame_sampling_rate,
        "max_frames_analyzed": tuning.max_frames_to_analyze,
    }


def render_v2(analysis: Analysis, inputs: Inputs) -> dict[str, Any]:
    image, video, facematch = analysis.image, analysis.video, analysis.facematch
    return {
        "image": None
        if image is None
        else {
            "result": image.result,
            "confidence": number(image.confidence),
            "face_count": image.face_count,
            "cues": {name: number(image.cues.get(name, 0.0)) for name in CUE_NAMES},
            "reasons": list(image.reasons),
        },
        "video": None
        if video is None
        else {
            "result": video.result,
            "confidence": number(video.confidence),
            "blink_detected": bool(video.blink_detected),
            "total_frames": video.total_frames,
            "frames_analyzed": len(video.analyzed_frames),
            "real_frames": video.real_frames,
            "analyzed_frame_indices": list(video.analyzed_frames),
            "path": video.path,
            "reasons": list(video.reasons),
        },
        "image_video_facematch": None
        if facematch is None
        else {
            "passed": bool(facematch.passed),
            "confidence": number(facematch.confidence),
            "frames_requested": facematch.frames_requested,
            "frames_tested": facematch.frames_tested,
            "frames_matched": facematch.frames_matched,
            "threshold": number(facematch.threshold),
            "frame_indices": list(facematch.frame_indices),
            "reasons": list(facematch.reasons),
        },
        "overall": {
            "result": analysis.result,
            "confidence": number(analysis.confidence),
            "passed": bool(analysis.overall_passed),
            "overall_confidence": number(analysis.overall_confidence),
            "mode": analysis.mode,
            "tuning": {
                "enhanced_detection": analysis.tuning.enhanced_detection,
                "frame_sampling_rate": analysis.tuning.frame_sampling_rate,
                "max_frames_to_analyze": analysis.tuning.max_frames_to_analyze,
                "facematch_frames": analysis.tuning.facematch_frames,
                "facematch_threshold": number(analysis.tuning.facematch_threshold),
                "image_type": inputs.image_type,
            },
            "unique_id": inputs.unique_id,
            "reasons": list(analysis.reasons),
        },
    }


def render(api: str, analysis: Analysis, inputs: Inputs) -> dict[str, Any]:
    return render_v1(analysis) if api == "v1" else render_v2(analysis, inputs)


def json_bytes(body: Any) -> bytes:
    """Compact UTF-8 JSON with the keys in insertion order (the contract's order)."""
    return json.dumps(
        body, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=False
    ).encode("utf-8")
