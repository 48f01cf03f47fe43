"""What a request submitted, as the invariants see it: the media sent and the tuning in effect."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import spec
from conformance._models import Request


@functools.cache
def _defaults() -> dict[str, str]:
    """The tuning fields' defaults, as the spec states them (read once; copied by users)."""
    return {
        name: item.default
        for name, item in spec.tuning_fields().items()
        if item.default is not None
    }


@dataclass(frozen=True, slots=True)
class Submission:
    """The parts of a request the invariants depend on.

    ``image`` and ``video`` say which media parts were sent; ``tuning`` holds the tuning
    fields as sent (text), the others taking their defaults from the spec.
    """

    image: bool
    video: bool
    tuning: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, request: Request) -> Submission:
        """The submission of a request built by this package (or by its caller)."""
        return cls.from_form(request.part_names(), request.fields())

    @classmethod
    def from_form(cls, parts: Iterable[str], fields: Mapping[str, str]) -> Submission:
        """From the names of the parts sent and the text fields (a base64 image among them)."""
        names = set(parts) | set(fields)
        return cls(
            image="image" in names,
            video="video" in names,
            tuning={name: value for name, value in fields.items() if name in spec.TUNING_FIELDS},
        )

    @property
    def mode(self) -> str:
        """``image``, ``video`` or ``image_video``."""
        if self.image and self.video:
            return "image_video"
        return "image" if self.image else "video"

    @property
    def values(self) -> dict[str, str]:
        """Every tuning value in effect: the request's, or the default."""
        effective = dict(_defaults())
        effective.update(self.tuning)
        return effective

    @property
    def enhanced(self) -> bool:
        return self.values["enhanced_detection"].lower() == "true"

    @property
    def sampled(self) -> bool:
        """True when the video is analysed on the sampled path."""
        return self.video and (not self.image or self.enhanced)

    @property
    def legacy(self) -> bool:
        """True when image + video take the legacy path (consecutive frames from 0)."""
        return self.mode == "image_video" and not self.enhanced

    def expected_sampled_frames(self, total: int) -> int:
        """How many frames the sampled path analyses in a video of ``total`` frames."""
        values = self.values
        rate = int(values["frame_sampling_rate"])
        return min(int(values["max_frames_to_analyze"]), math.ceil(total / rate))

    @property
    def unique_id(self) -> str | None:
        return self.tuning.get("unique_id")
