"""The verdicts: of a still, of a video, and of the whole request from its blocks.

Used by the pipeline on what it found and by the scenarios on the blocks they forced,
so both combine the blocks the same way. Every confidence is rounded by
:func:`~mock_server.analysis.number`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from mock_server.analysis import (
    FACE_TOO_SMALL,
    NO_BLINK,
    NO_FACE,
    FacematchAnalysis,
    ImageAnalysis,
    Verdict,
    VideoAnalysis,
    number,
    ordered_reasons,
)

if TYPE_CHECKING:
    from mock_server.findings import Findings
    from mock_server.frames import FrameRun

FACE_COUNT_CONFIDENCE: Final = 0.95  # confidence of a verdict made on the face count
NO_BLINK_CONFIDENCE: Final = 0.9  # confidence of a video verdict made on a missing blink


def verdict(is_real: bool) -> Verdict:
    return "real" if is_real else "fake"


def image_analysis(findings: Findings) -> ImageAnalysis:
    """The still's verdict. Confidence is in the verdict: 1 - attack score when real,
    the attack score when a cue fired, FACE_COUNT_CONFIDENCE for a face-count verdict."""
    reasons = findings.reasons
    if findings.face_count != 1 or FACE_TOO_SMALL in reasons:
        confidence = FACE_COUNT_CONFIDENCE
    elif reasons:
        confidence = findings.attack_score
    else:
        confidence = 1.0 - findings.attack_score
    return ImageAnalysis(
        result=verdict(not reasons),
        confidence=number(confidence),
        face_count=findings.face_count,
        cues=dict(findings.cues),
        reasons=reasons,
    )


def _frame_failure_reasons(findings: Iterable[Findings]) -> tuple[str, ...]:
    """The most frequent reason among the frames that are not real (ties: all of them)."""
    counts: dict[str, int] = {}
    for item in findings:
        for reason in item.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    if not counts:
        return ()
    most = max(counts.values())
    return ordered_reasons(tuple(reason for reason, n in counts.items() if n == most))


def video_analysis(run: FrameRun, path: Literal["sampled", "legacy"]) -> VideoAnalysis:
    """The video's verdict: real iff at least half the analysed frames are real and a blink
    was seen. Confidence when real: mean (1 - attack score) of the real frames; when the
    frames fail: the fraction of analysed frames that are not real; when only the blink is
    missing: NO_BLINK_CONFIDENCE."""
    analyzed = len(run.findings)
    real = [item for item in run.findings if item.is_real]
    frames_pass = analyzed > 0 and 2 * len(real) >= analyzed
    reasons: tuple[str, ...] = ()
    if frames_pass:
        confidence = NO_BLINK_CONFIDENCE
    else:
        reasons = _frame_failure_reasons(run.findings) or (NO_FACE,)
        confidence = 1.0 - len(real) / analyzed if analyzed else FACE_COUNT_CONFIDENCE
    if not run.blink.detected:
        reasons = ordered_reasons(reasons, (NO_BLINK,))
    if not reasons:
        confidence = sum(1.0 - item.attack_score for item in real) / len(real)
    return VideoAnalysis(
        total_frames=run.total_frames,
        analyzed_frames=tuple(run.indices),
        real_frames=len(real),
        blink_detected=run.blink.detected,
        result=verdict(not reasons),
        confidence=number(confidence),
        reasons=reasons,
        path=path,
    )


@dataclass(frozen=True, slots=True)
class Overall:
    """The verdict of the whole request, as :class:`~mock_server.analysis.Analysis` holds it."""

    result: Verdict
    confidence: float
    overall_passed: bool
    overall_confidence: float
    reasons: tuple[str, ...]


def overall(
    image: ImageAnalysis | None, video: VideoAnalysis | None, facematch: FacematchAnalysis | None
) -> Overall:
    """The whole from its blocks. With one block, its verdict and confidence; with both,
    real iff both are real, and the lowest confidence when so, else the highest among the
    failed ones. Passed: real and facematch passed (when present); overall confidence:
    the lower of the confidence and facematch's. Reasons: every block's, in order."""
    if image is not None and video is None:
        result, confidence = image.result, image.confidence
    elif video is not None and image is None:
        result, confidence = video.result, video.confidence
    else:
        if image is None or video is None:
            raise ValueError("an analysis has an image block, a video block or both")
        checks = [
            (image.result == "real", image.confidence),
            (video.result == "real", video.confidence),
        ]
        failed = [value for passed, value in checks if not passed]
        result = verdict(not failed)
        confidence = max(failed) if failed else min(value for _, value in checks)
    overall_confidence = confidence if facematch is None else min(confidence, facematch.confidence)
    return Overall(
        result=result,
        confidence=number(confidence),
        overall_passed=result == "real" and (facematch is None or facematch.passed),
        overall_confidence=number(overall_confidence),
        reasons=ordered_reasons(
            image.reasons if image else (),
            video.reasons if video else (),
            facematch.reasons if facematch else (),
        ),
    )
