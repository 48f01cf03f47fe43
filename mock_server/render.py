"""One :class:`Analysis`, two bodies: the flat v1 and the structured v2.

Key order is fixed and every number is rounded the same way, so the same request gives
byte-identical bodies in every process (see :func:`json_bytes`).
"""

from __future__ import annotations

import json
from typing import Any

import spec
from mock_server.analysis import CUE_NAMES, Analysis, number
from mock_server.inputs import Inputs


def render_v1(analysis: Analysis, inputs: Inputs) -> dict[str, Any]:
    """The flat v1 body: the v2 body through the contract's mapping (``x-v1-from-v2``)."""
    return spec.v1_from_v2(render_v2(analysis, inputs))


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
    return render_v1(analysis, inputs) if api == "v1" else render_v2(analysis, inputs)


def json_bytes(body: Any) -> bytes:
    """Compact UTF-8 JSON with the keys in insertion order (the contract's order)."""
    return json.dumps(
        body, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=False
    ).encode("utf-8")
