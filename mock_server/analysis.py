"""The one internal result of an analysis, rendered by the HTTP layer to v1 and v2, and
the typed tuning it was made with (defaults and ranges from the contract's tuning fields).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Final, Literal

import spec

Verdict = Literal["real", "fake"]
Mode = Literal["image", "video", "image_video"]

NO_FACE: Final = "no_face"
MULTIPLE_FACES: Final = "multiple_faces"
FACE_TOO_SMALL: Final = "face_too_small"
SPOOF_PRINT: Final = "spoof_print"
SPOOF_SCREEN: Final = "spoof_screen"
NO_BLINK: Final = "no_blink"
FACEMATCH_BELOW_THRESHOLD: Final = "facematch_below_threshold"

# The contract's reason codes, in its canonical order; each constant above is one of them.
REASONS: Final = tuple(str(code) for code in spec.component("Reason")["enum"])
assert {
    NO_FACE,
    MULTIPLE_FACES,
    FACE_TOO_SMALL,
    SPOOF_PRINT,
    SPOOF_SCREEN,
    NO_BLINK,
    FACEMATCH_BELOW_THRESHOLD,
} == set(REASONS), "the reason codes differ from the contract's"

PRINT_CUE: Final = "print"
SCREEN_CUE: Final = "screen"
CUE_NAMES: Final = (PRINT_CUE, SCREEN_CUE)
CUE_FIRES_AT: Final = 0.5
CUE_REASONS: Final = {PRINT_CUE: SPOOF_PRINT, SCREEN_CUE: SPOOF_SCREEN}


# The contract's tuning fields, read once.
TUNING_FIELDS: Final = spec.tuning_fields()
THRESHOLD_DECIMALS: Final = 4  # the decimals facematch_threshold accepts (its pattern)


def number(value: float) -> float:
    """A confidence as the contract shows it: finite, in [0, 1], 4 decimals."""
    value = float(value)
    if not math.isfinite(value):
        return 0.0
    return round(min(1.0, max(0.0, value)), 4)


def _typed(name: str, text: str) -> bool | int | float:
    """A valid tuning string as the value :class:`Tuning` holds."""
    if name == "enhanced_detection":
        return text.lower() == "true"
    if name == "facematch_threshold":
        return round(float(text), THRESHOLD_DECIMALS)
    return int(text)


def _default(name: str) -> bool | int | float:
    default = TUNING_FIELDS[name].default
    assert default is not None, f"the contract gives {name} no default"
    return _typed(name, default)


@dataclass(frozen=True, slots=True)
class Tuning:
    """The tuning of one analysis; every default and range is the contract's."""

    enhanced_detection: bool = bool(_default("enhanced_detection"))
    frame_sampling_rate: int = int(_default("frame_sampling_rate"))
    max_frames_to_analyze: int = int(_default("max_frames_to_analyze"))
    facematch_frames: int = int(_default("facematch_frames"))
    facematch_threshold: float = float(_default("facematch_threshold"))

    def __post_init__(self) -> None:
        for item in fields(self):
            rule = TUNING_FIELDS[item.name]
            value = getattr(self, item.name)
            if rule.minimum is not None and value < rule.minimum:
                raise ValueError(f"{item.name} must be at least {rule.minimum:g}")
            if rule.maximum is not None and value > rule.maximum:
                raise ValueError(f"{item.name} must be at most {rule.maximum:g}")

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Tuning:
        """The tuning of valid tuning strings; a field not given takes its default."""
        given = {
            item.name: _typed(item.name, values[item.name])
            for item in fields(cls)
            if item.name in values
        }
        return cls(**given)  # type: ignore[arg-type]


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
