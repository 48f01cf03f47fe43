"""Facematch: the face signature of a still or frame, and the still against the frames.

The signature is the inner part of the face box, gray, resized and histogram-equalised;
the still's central template is slid over a frame's signature (TM_CCOEFF_NORMED) and the
frame matches when the best correlation reaches FACEMATCH_CUTOFF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import cv2
import numpy as np

from mock_server._cascades import Box
from mock_server.analysis import (
    FACE_TOO_SMALL,
    FACEMATCH_BELOW_THRESHOLD,
    MULTIPLE_FACES,
    NO_FACE,
    FacematchAnalysis,
    Tuning,
    number,
    ordered_reasons,
)
from mock_server.cues import Gray, clip_box

if TYPE_CHECKING:
    from mock_server.findings import Findings
    from mock_server.frames import FrameRun

SIGNATURE_SIDE: Final = 64
SIGNATURE_INNER: Final = 0.8  # central fraction of the face box kept
SIGNATURE_SHIFT: Final = 4  # template margin, pixels at SIGNATURE_SIDE
FACEMATCH_CUTOFF: Final = 0.55


def face_signature(gray: Gray, face: Box) -> Gray:
    """The normalised gray face used by facematch."""
    face = clip_box(face, gray.shape[1], gray.shape[0])
    inset_x = round(face.width * (1 - SIGNATURE_INNER) / 2)
    inset_y = round(face.height * (1 - SIGNATURE_INNER) / 2)
    crop = gray[
        face.y + inset_y : face.y + face.height - inset_y,
        face.x + inset_x : face.x + face.width - inset_x,
    ]
    small = cv2.resize(crop, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.equalizeHist(small), np.uint8)


def face_similarity(still: Gray, frame: Gray) -> float:
    """Best normalised cross-correlation of the still's central face over the frame's face."""
    margin = SIGNATURE_SHIFT
    template = still[margin:-margin, margin:-margin]
    scores = cv2.matchTemplate(frame, template, cv2.TM_CCOEFF_NORMED)
    return float(round(float(scores.max()), 4))


def facematch_analysis(still: Findings, run: FrameRun, tuning: Tuning) -> FacematchAnalysis:
    """Compare the still with the first ``facematch_frames`` analysed frames."""
    requested = tuning.facematch_frames
    candidates = run.findings[:requested]
    tested = matched = 0
    if still.signature is not None:
        for item in candidates:
            if item.signature is None:
                continue
            tested += 1
            if face_similarity(still.signature, item.signature) >= FACEMATCH_CUTOFF:
                matched += 1
    # exact comparison of matched / tested with the threshold's 4 decimals
    threshold_units = round(tuning.facematch_threshold * 10_000)
    passed = tested > 0 and matched * 10_000 >= threshold_units * tested
    reasons: tuple[str, ...] = ()
    if not passed:
        reasons = (FACEMATCH_BELOW_THRESHOLD,)
        if tested == 0:
            crowded = still.face_count > 1 or (
                still.face_count == 1 and any(item.face_count > 1 for item in candidates)
            )
            small = FACE_TOO_SMALL in still.reasons or any(
                FACE_TOO_SMALL in item.reasons for item in candidates
            )
            why = MULTIPLE_FACES if crowded else (FACE_TOO_SMALL if small else NO_FACE)
            reasons = ordered_reasons(reasons, (why,))
    return FacematchAnalysis(
        frames_requested=requested,
        frames_tested=tested,
        frames_matched=matched,
        confidence=number(matched / tested) if tested else 0.0,
        threshold=tuning.facematch_threshold,
        passed=passed,
        reasons=reasons,
        frame_indices=tuple(run.indices[:requested]),
    )
