"""The one internal result of an analysis, rendered by the HTTP layer to v1 and v2."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

Verdict = Literal["real", "fake"]
Mode = Literal["image", "video", "image_video"]

REAL: Final = "real"
FAKE: Final = "fake"

NO_FACE: Final = "no_face"
MULTIPLE_FACES: Final = "multiple_faces"
SPOOF_PRINT: Final = "spoof_print"
SPOOF_SCREEN: Final = "spoof_screen"
NO_BLINK: Final = "no_blink"
FACEMATCH_BELOW_THRESHOLD: Final = "facematch_below_threshold"

REASONS: Final = (
    NO_FACE,
    MULTIPLE_FACES,
    SPOOF_PRINT,
    SPOOF_SCREEN,
    NO_BLINK,
    FACEMATCH_BELOW_THRESHOLD,
)

PRINT_CUE: Final = "print"
SCREEN_CUE: Final = "screen"
CUE_NAMES: Final = (PRINT_CUE, SCREEN_CUE)
CUE_FIRES_AT: Final = 0.5
CUE_REASONS: Final = {PRINT_CUE: SPOOF_PRINT, SCREEN_CUE: SPOOF_SCREEN}


@dataclass(frozen=True, slots=True)
class Tuning:
    enhanced_detection: bool = True
    frame_sampling_rate: int = 15
    max_frames_to_analyze: int = 20
    facematch_frames: int = 3
    facematch_threshold: float = 0.6

    def __post_init__(self) -> None:
        for name in ("frame_sampling_rate", "max_frames_to_analyze", "facematch_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0.0 <= self.facematch_threshold <= 1.0:
            raise ValueError("facematch_threshold must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class ImageAnalysis:
    result: Verdict
    confidence: float
    face_count: int
    cues: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VideoAnalysis:
    total_frames: int
    analyzed_frames: tuple[int, ...]
    real_frames: int
    blink_detected: bool
    result: Verdict
    confidence: float
    reasons: tuple[str, ...]
    path: Literal["sampled", "legacy"]

    @property
    def frames_analyzed(self) -> int:
        return len(self.analyzed_frames)


@dataclass(frozen=True, slots=True)
class FacematchAnalysis:
    frames_requested: int
    frames_tested: int
    frames_matched: int
    confidence: float
    threshold: float
    passed: bool
    reasons: tuple[str, ...]
    frame_indices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Analysis:
    mode: Mode
    enhanced: bool
    tuning: Tuning
    image: ImageAnalysis | None
    video: VideoAnalysis | None
    facematch: FacematchAnalysis | None
    result: Verdict
    confidence: float
    overall_passed: bool
    overall_confidence: float
    reasons: tuple[str, ...]


def ordered_reasons(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """The union of ``groups``, deduplicated, in the canonical order of :data:`REASONS`."""
    present = {reason for group in groups for reason in group}
    return tuple(reason for reason in REASONS if reason in present)
