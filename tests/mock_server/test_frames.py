"""The frame schedulers' own mechanisms: following a face by correlation, the legacy
path's attack cues, measured on some frames and carried to the others, and the sampled
path's face searches around the face of the analysed frame before."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import av
import numpy as np
import pytest

import fixtures
from mock_server import findings, frames
from mock_server._cascades import Box, detect_faces
from mock_server.analysis import Tuning
from mock_server.frames import (
    LEGACY_CUES_EVERY,
    SAMPLED_FULL_SEARCH_EVERY,
    FrameRun,
    follow,
    follow_template,
    run_legacy,
    run_sampled,
)
from mock_server.media import Pixels, decode_image, open_video


@cache
def _first_frame(name: str) -> Pixels:
    with open_video(fixtures.get(name).read_bytes()).frames(lambda index: index == 0) as stream:
        return next(iter(stream)).luma()


def _face(gray: Pixels) -> Box:
    (face,) = detect_faces(gray)
    return face


@pytest.mark.parametrize(("dx", "dy"), [(0, 0), (9, 0), (-7, 5), (4, -11)], ids=str)
def test_follow_moves_the_box_with_the_face(dx: int, dy: int) -> None:
    gray = _first_frame("genuine_video")
    face = _face(gray)
    moved = np.roll(gray, (dy, dx), axis=(0, 1))
    followed = follow(moved, face, follow_template(gray, face))
    assert followed is not None
    # the follower places the box to a block of pixels
    tolerance = face.width // frames.FOLLOW_SIDE
    assert abs(followed.x - (face.x + dx)) <= tolerance
    assert abs(followed.y - (face.y + dy)) <= tolerance
    assert (followed.width, followed.height) == (face.width, face.height)


def test_follow_gives_up_where_the_face_is_gone() -> None:
    gray = _first_frame("genuine_video")
    face = _face(gray)
    noise = np.random.default_rng(7).integers(0, 256, gray.shape, dtype=np.uint8)
    assert follow(noise, face, follow_template(gray, face)) is None


def _legacy_run(name: str, monkeypatch: pytest.MonkeyPatch) -> tuple[FrameRun, list[int]]:
    """The legacy run of a clip, and how many times the attack cues were measured."""
    measured: list[int] = []
    describe = findings.describe

    def counting(*args: Any, **kwargs: Any) -> Any:
        measured.append(1)
        return describe(*args, **kwargs)

    monkeypatch.setattr(frames, "describe", counting)
    with ThreadPoolExecutor(2) as pool:
        run = run_legacy(open_video(fixtures.get(name).read_bytes()), 3, pool)
    return run, measured


def test_legacy_measures_the_cues_every_nth_frame_and_carries_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run, measured = _legacy_run("genuine_video_noblink", monkeypatch)
    assert run.indices == list(range(run.total_frames))  # no blink: every frame
    assert all(item.face_count == 1 for item in run.findings)
    # every LEGACY_CUES_EVERY-th frame (frames 0, 1 and 2 give facematch signatures, of their own)
    expected = list(range(0, run.total_frames, LEGACY_CUES_EVERY))
    assert len(measured) == len(expected)
    for index, item in enumerate(run.findings):
        source = max(measured_index for measured_index in expected if measured_index <= index)
        assert item.cues == run.findings[source].cues, index
        assert (item.signature is not None) == (index < 3), index


def _still_pixels(name: str) -> Pixels:
    return np.asarray(decode_image(fixtures.get(name).read_bytes()).bgr[:, :, ::-1])


def _clip(pictures: list[Pixels]) -> bytes:
    """An H.264 clip at 30 fps of these RGB pictures, one per frame."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=30, options={"crf": "18"})
        stream.width, stream.height = pictures[0].shape[1], pictures[0].shape[0]
        stream.pix_fmt = "yuv420p"
        for picture in pictures:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()


def _clip_with_a_gap(gap: range, total: int) -> bytes:
    """A clip of the genuine still, with plain gray frames at the indices in ``gap``."""
    still = _still_pixels("genuine_still")
    blank = np.full_like(still, 128)
    return _clip([blank if index in gap else still for index in range(total)])


def test_legacy_measures_the_cues_again_when_a_face_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = _clip_with_a_gap(range(5, 7), 30)
    measured: list[int] = []
    describe = findings.describe

    def counting(picture: Any, faces: Any, **kwargs: Any) -> Any:
        measured.append(1)
        return describe(picture, faces, **kwargs)

    monkeypatch.setattr(frames, "describe", counting)
    with ThreadPoolExecutor(2) as pool:
        run = run_legacy(open_video(data), 3, pool)
    counts = [item.face_count for item in run.findings]
    assert counts == [1] * 5 + [0] * 2 + [1] * 23
    # frame 0, frame 7 (the face is back) and every LEGACY_CUES_EVERY-th frame after it
    assert len(measured) == 2 + len(range(LEGACY_CUES_EVERY, 30, LEGACY_CUES_EVERY))
    assert run.findings[8].cues == run.findings[7].cues


def _sampled_run(
    data: bytes, monkeypatch: pytest.MonkeyPatch, followed: list[bool] | None = None
) -> tuple[FrameRun, list[bool]]:
    """The sampled run of a clip at the default tuning, and for each analysed frame
    whether its faces were looked for from a face of the analysed frame before (and in
    ``followed``, whether that face was followed by correlation)."""
    searched_near: list[bool] = []
    locate = findings.locate

    def recording(gray: Any, *, near: Box | None = None, keep: Box | None = None) -> Any:
        searched_near.append(near is not None)
        if followed is not None:
            followed.append(keep is not None)
        return locate(gray, near=near, keep=keep)

    monkeypatch.setattr(frames, "locate", recording)
    with ThreadPoolExecutor(2) as pool:
        run = run_sampled(open_video(data), Tuning(), 0, pool)
    return run, searched_near


def test_sampled_searches_every_other_analysed_frame_around_the_face_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    followed: list[bool] = []
    run, searched_near = _sampled_run(
        fixtures.get("genuine_video_noblink").read_bytes(), monkeypatch, followed
    )
    assert all(item.face_count == 1 for item in run.findings)
    expected = [position % SAMPLED_FULL_SEARCH_EVERY != 0 for position in range(len(run.indices))]
    assert searched_near == expected
    # the face moves little in half a second: followed by correlation, without a search
    assert followed == expected


def test_sampled_whole_frame_search_counts_a_face_that_came_into_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rate = Tuning().frame_sampling_rate
    one, two = _still_pixels("genuine_still"), _still_pixels("two_faces")
    # one face on analysed frame 0, two from analysed frame 1 on
    data = _clip([one if index < rate else two for index in range(4 * rate)])
    run, searched_near = _sampled_run(data, monkeypatch)
    counts = [item.face_count for item in run.findings]
    assert searched_near[:3] == [False, True, False]
    # analysed frame 1 is searched only around the face of frame 0; frame 2 whole
    assert counts[0] == 1 and counts[2:] == [2] * (len(counts) - 2)
