"""The gate's requests, built from the labelled fixtures."""

from __future__ import annotations

import base64
import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spec
from conformance._models import BEARER, Part, Request

GENUINE_STILL = "genuine_still"
GENUINE_VIDEO = "genuine_video"
OTHER_PERSON_VIDEO = "impostor_video"
FIELD_FOR_ROLE = {"image": "image", "video": "video"}


@dataclass(frozen=True, slots=True)
class Media:
    name: str
    filename: str
    media_type: str
    role: str
    label: str
    path: str
    content: bytes
    expected_status: int


def _load_fixtures() -> Any:
    import fixtures

    return fixtures


@functools.cache
def media(name: str) -> Media:
    """A fixture by name (or file name), with its bytes."""
    module = _load_fixtures()
    fixture = next(
        (
            candidate
            for candidate in module.all_fixtures()
            if name in (candidate.name, candidate.filename, Path(candidate.filename).stem)
        ),
        None,
    )
    if fixture is None:
        raise KeyError(f"no fixture named {name!r}")
    return Media(
        name=fixture.name,
        filename=fixture.filename,
        media_type=fixture.media_type,
        role=fixture.role,
        label=fixture.label,
        path=str(fixture.path),
        content=fixture.read_bytes(),
        expected_status=int(fixture.expected_status),
    )


def fixtures_labelled(label: str) -> list[Media]:
    return [media(fixture.name) for fixture in _load_fixtures().by_label(label)]


def file_part(
    field: str, name: str, *, filename: str | None = None, content_type: str | None = None
) -> Part:
    item = media(name)
    return Part(
        name=field,
        content=item.content,
        filename=filename or item.filename,
        content_type=content_type or item.media_type,
        source=item.path,
    )


def base64_part(field: str, name: str) -> Part:
    item = media(name)
    return Part(
        name=field,
        content=base64.b64encode(item.content),
        source=item.path,
        base64_of=item.path,
    )


def form(
    api: str,
    *,
    image: str | None = None,
    video: str | None = None,
    tuning: dict[str, str] | None = None,
    extra: tuple[Part, ...] = (),
    authorization: str | None = BEARER,
    label: str = "",
) -> Request:
    parts: list[Part] = []
    if image is not None:
        parts.append(file_part("image", image))
    if video is not None:
        parts.append(file_part("video", video))
    parts.extend(Part.text(key, value) for key, value in (tuning or {}).items())
    parts.extend(extra)
    return Request(
        path=spec.PATHS[api], parts=tuple(parts), authorization=authorization, label=label
    )


@dataclass(frozen=True, slots=True)
class Scenario:
    """A valid request the gate sends on each API; invariants are checked on its answers."""

    name: str
    image: str | None
    video: str | None
    tuning: tuple[tuple[str, str], ...] = ()
    image_as_base64: bool = False

    @property
    def mode(self) -> str:
        if self.image and self.video:
            return "image_video"
        return "image" if self.image else "video"

    def request(self, api: str) -> Request:
        if self.image_as_base64:
            assert self.image is not None
            return form(
                api,
                video=self.video,
                tuning=dict(self.tuning),
                extra=(base64_part("image", self.image),),
                label=self.name,
            )
        return form(
            api, image=self.image, video=self.video, tuning=dict(self.tuning), label=self.name
        )

    @property
    def values(self) -> dict[str, str]:
        """Every tuning value in effect: the request's, or the default."""
        effective = {
            name: field.default
            for name, field in spec.tuning_fields().items()
            if field.default is not None
        }
        effective.update(dict(self.tuning))
        return effective

    @property
    def enhanced(self) -> bool:
        return self.values["enhanced_detection"].lower() == "true"

    @property
    def sampled(self) -> bool:
        return self.video is not None and (self.image is None or self.enhanced)

    @property
    def legacy(self) -> bool:
        return self.mode == "image_video" and not self.enhanced

    def expected_sampled_frames(self, total: int) -> int:
        values = self.values
        rate = int(values["frame_sampling_rate"])
        return min(int(values["max_frames_to_analyze"]), math.ceil(total / rate))

    @property
    def unique_id(self) -> str | None:
        return dict(self.tuning).get("unique_id")


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("image", GENUINE_STILL, None),
    Scenario(
        "image_tuned",
        GENUINE_STILL,
        None,
        (
            ("enhanced_detection", "false"),
            ("frame_sampling_rate", "7"),
            ("max_frames_to_analyze", "4"),
            ("facematch_frames", "2"),
            ("facematch_threshold", "0.75"),
            ("unique_id", "conformance-image-tuned"),
        ),
    ),
    Scenario(
        "image_base64",
        GENUINE_STILL,
        None,
        (("image_type", "base64"), ("unique_id", "conformance-base64")),
        image_as_base64=True,
    ),
    Scenario("video", None, GENUINE_VIDEO),
    Scenario(
        "video_capped",
        None,
        GENUINE_VIDEO,
        (
            ("enhanced_detection", "False"),
            ("frame_sampling_rate", "10"),
            ("max_frames_to_analyze", "6"),
            ("facematch_threshold", "0.9"),
            ("unique_id", "conformance-video-capped"),
        ),
    ),
    Scenario("image_video", GENUINE_STILL, GENUINE_VIDEO),
    Scenario(
        "image_video_other_person",
        GENUINE_STILL,
        OTHER_PERSON_VIDEO,
        (("facematch_frames", "4"), ("unique_id", "conformance-other-person")),
    ),
    Scenario(
        "image_video_legacy",
        GENUINE_STILL,
        GENUINE_VIDEO,
        (
            ("enhanced_detection", "False"),
            ("frame_sampling_rate", "50"),
            ("max_frames_to_analyze", "2"),
            ("facematch_frames", "5"),
            ("facematch_threshold", "0.5"),
        ),
    ),
)
SCENARIOS_BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
