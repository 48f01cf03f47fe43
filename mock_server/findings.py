"""What one still or frame shows: its faces, their attack cues, eye state and signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mock_server._cascades import (
    FACE_MIN_ANALYSED_WIDTH,
    Box,
    detect_faces,
    eyes_open,
    track_face,
)
from mock_server.analysis import (
    CUE_FIRES_AT,
    CUE_NAMES,
    CUE_REASONS,
    FACE_TOO_SMALL,
    MULTIPLE_FACES,
    NO_FACE,
)
from mock_server.cues import SPECTRUM_SIDE, TEXTURE_SIDE, Gray, attack_cues
from mock_server.facematch import face_signature
from mock_server.media import Picture

# The face is described on pixels where it is at least this wide (the cues' largest
# working copy), or on the picture's own pixels: a still decoded reduced is decoded again
# less reduced for a smaller face (see media.Picture.detail).
DESCRIBED_FACE_WIDTH: Final = max(SPECTRUM_SIDE, TEXTURE_SIDE)


@dataclass(frozen=True, slots=True, eq=False)
class Findings:
    """What one still or frame shows: faces, attack cues, eye state, signature."""

    face_count: int
    cues: dict[str, float]
    eyes_open: bool | None
    signature: Gray | None
    face: Box | None = None  # the one face, when there is exactly one (picture's own pixels)

    @property
    def attack_score(self) -> float:
        return max(self.cues.values(), default=0.0)

    @property
    def reasons(self) -> tuple[str, ...]:
        if self.face_count == 0:
            return (NO_FACE,)
        if self.face_count > 1:
            return (MULTIPLE_FACES,)
        if self.face is not None and self.face.width < FACE_MIN_ANALYSED_WIDTH:
            return (FACE_TOO_SMALL,)
        return tuple(CUE_REASONS[name] for name in CUE_NAMES if self.cues[name] >= CUE_FIRES_AT)

    @property
    def is_real(self) -> bool:
        return not self.reasons


def locate(gray: Gray, *, near: Box | None = None, keep: Box | None = None) -> tuple[Box, ...]:
    """Faces in ``gray``: ``keep`` alone when given, else those found around ``near`` when
    that finds exactly one, else those of a search of the whole picture."""
    faces: tuple[Box, ...] = (keep,) if keep is not None else ()
    if keep is None and near is not None:
        faces = track_face(gray, near)
    if len(faces) != 1:
        faces = detect_faces(gray)
    return faces


def describe_faces(faces: tuple[Box, ...]) -> Findings:
    """The findings of a still or frame that does not show exactly one face."""
    assert len(faces) != 1, "a single face is described with its cues"
    return Findings(len(faces), {name: 0.0 for name in CUE_NAMES}, None, None)


def describe(picture: Picture, faces: tuple[Box, ...], *, eyes: bool, signature: bool) -> Findings:
    """With exactly one face, its cues and, if asked, the eye state and the signature."""
    if len(faces) != 1:
        return describe_faces(faces)
    own = Box(*picture.own_pixels(faces[0]))
    analysed = _analysed(picture, faces[0])
    if analysed is None:  # found, but too small to analyse
        return Findings(1, {name: 0.0 for name in CUE_NAMES}, None, None, own)
    picture, face = analysed
    gray = picture.gray
    return Findings(
        face_count=1,
        cues=attack_cues(picture.bgr, gray, face, is_grayscale=picture.is_grayscale),
        eyes_open=eyes_open(gray, face) if eyes else None,
        signature=face_signature(gray, face) if signature else None,
        face=own,
    )


def _analysed(picture: Picture, face: Box) -> tuple[Picture, Box] | None:
    """The picture and box that ``face`` is analysed on (see Picture.detail), or None when
    it is too small to analyse."""
    if picture.own_pixels(face)[2] < FACE_MIN_ANALYSED_WIDTH:
        return None
    picture, region = picture.detail(face, DESCRIBED_FACE_WIDTH)
    return picture, Box(*region)


def signature_of(picture: Picture, face: Box) -> Gray | None:
    """The facematch signature of ``face``, the one face of ``picture`` (None when it is
    too small to analyse), as :func:`describe` gives it."""
    analysed = _analysed(picture, face)
    return None if analysed is None else face_signature(analysed[0].gray, analysed[1])


def examine(picture: Picture, *, eyes: bool, signature: bool) -> Findings:
    """Search the whole picture for faces and describe the one face, if so."""
    return describe(picture, locate(picture.gray), eyes=eyes, signature=signature)
