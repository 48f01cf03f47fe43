from __future__ import annotations

from functools import cache

import pytest

import fixtures
from mock_server._cascades import Box, detect_faces, eyes_open, find_open_eye, track_face
from mock_server.cues import Gray
from mock_server.media import open_video


@cache
def _frames(name: str, count: int) -> tuple[Gray, ...]:
    video = open_video(fixtures.get(name).read_bytes())
    grays = []
    with video.frames() as stream:
        for frame in stream:
            if frame.index >= count:
                break
            grays.append(frame.picture().gray)
    return tuple(grays)


def _face(gray: Gray) -> Box:
    faces = detect_faces(gray)
    assert len(faces) == 1
    return faces[0]


def test_tracked_face_stays_on_the_face() -> None:
    grays = _frames("genuine_video", 12)
    face = _face(grays[0])
    for gray in grays[1:]:
        tracked = track_face(gray, face)
        assert len(tracked) == 1
        found = _face(gray)
        assert abs(tracked[0].x - found.x) <= found.width // 8
        assert abs(tracked[0].y - found.y) <= found.height // 8
        face = tracked[0]


def test_eye_is_found_inside_the_upper_half_of_the_face() -> None:
    gray = _frames("genuine_video", 1)[0]
    face = _face(gray)
    eye = find_open_eye(gray, face)
    assert eye is not None
    assert face.x <= eye.box.x and eye.box.x + eye.box.width <= face.x + face.width
    assert face.y <= eye.box.y <= face.y + face.height // 2


@pytest.mark.parametrize("name", ["genuine_video", "genuine_720p"])
def test_tracking_an_eye_agrees_with_a_full_search_frame_by_frame(name: str) -> None:
    fixture = fixtures.get(name)
    first_closed, last_closed = fixture.closed_eye_frames[0]
    grays = _frames(name, last_closed + 4)
    eye = None
    for index, gray in enumerate(grays):
        face = _face(gray)
        eye = find_open_eye(gray, face, near=eye)
        assert (eye is not None) is eyes_open(gray, face), f"frame {index}"
        if first_closed <= index <= last_closed:
            assert eye is None, f"frame {index}"
    assert eye is not None  # open again after the blink


def test_an_eye_outside_the_face_is_not_tracked() -> None:
    gray = _frames("genuine_video", 1)[0]
    face = _face(gray)
    eye = find_open_eye(gray, face)
    assert eye is not None
    lower = Box(face.x, face.y + face.height // 2, face.width, face.height)  # eyes above it
    found = find_open_eye(gray, lower, near=eye)
    upper_half = Box(lower.x, lower.y, lower.width, lower.height // 2)
    assert found is None or (
        upper_half.y <= found.box.y
        and found.box.y + found.box.height <= upper_half.y + upper_half.height
    )
