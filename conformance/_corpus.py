"""The gate's requests, built from the labelled fixtures."""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spec
from conformance._errors import CorpusError
from conformance._models import BEARER, Part, Request
from conformance._submission import Submission

GENUINE_STILL = "genuine_still"
GENUINE_VIDEO = "genuine_video"
OTHER_PERSON_VIDEO = "impostor_video"


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
        raise CorpusError(f"the fixture corpus holds no fixture named {name!r}")
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


def fixtures_labelled(label: str, role: str | None = None) -> list[Media]:
    """The fixtures with ``label`` (and ``role``, when given); raises CorpusError when none."""
    found = [media(fixture.name) for fixture in _load_fixtures().by_label(label)]
    found = [item for item in found if role is None or item.role == role]
    if not found:
        wanted = f"{label} {role}" if role else label
        raise CorpusError(f"the fixture corpus holds no {wanted} media")
    return found


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
    expected_code: str | None = None,
) -> Request:
    parts: list[Part] = []
    if image is not None:
        parts.append(file_part("image", image))
    if video is not None:
        parts.append(file_part("video", video))
    parts.extend(Part.text(key, value) for key, value in (tuning or {}).items())
    parts.extend(extra)
    return Request(
        path=spec.PATHS[api],
        parts=tuple(parts),
        authorization=authorization,
        label=label,
        expected_code=expected_code,
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
    def submission(self) -> Submission:
        """What its requests submit, as the invariants see it."""
        return Submission(
            image=self.image is not None, video=self.video is not None, tuning=dict(self.tuning)
        )

    @property
    def mode(self) -> str:
        return self.submission.mode

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
