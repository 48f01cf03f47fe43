"""The pipeline on phone-style media made here, differently from the corpus: other blink
timings and faces, sideways-stored portrait video, small faces and group photos."""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import cache
from typing import Any

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from fixtures import _scene, _sources
from fixtures._media import Actor
from mock_server.analysis import Tuning
from mock_server.findings import examine
from mock_server.media import Picture, decode_image, open_video, picture_from_bgr, quarter_turns
from mock_server.pipeline import analyze
from tests.mock_server.helpers import large_still

Rgb = NDArray[np.uint8]
SIZE = (640, 480)
FRAMES = 75  # analysed by default: 0, 15, 30, 45, 60


@cache
def _actor(person: str, face_height: int) -> Actor:
    source = _sources.person_a() if person == "a" else _sources.person_b()
    framing = _scene.frame_subject(source, SIZE, face_height)
    return Actor(framing, _scene.locate_eyes(framing))


def _clip(actor: Actor, closed: tuple[tuple[int, int], ...]) -> Iterator[Rgb]:
    """A clip whose eyes are shut on the given inclusive frame ranges (half shut on the
    frame either side), with the corpus's head motion at a smaller amplitude."""
    for index in range(FRAMES):
        amount = 0.0
        for first, last in closed:
            if first <= index <= last:
                amount = 1.0
            elif index in (first - 1, last + 1):
                amount = max(amount, 0.5)
        canvas = _scene.close_eyes(actor.framing.canvas, actor.eyes, amount)
        view = actor.framing.frame(canvas, _scene.head_pose(index / 30, amplitude=0.6))
        yield np.asarray(view.convert("RGB"))


def _mp4(frames: Iterator[Rgb], *, rotation: int = 0, codec: str = "libx264") -> bytes:
    """Encode with x264's (or x265's) portable C code; ``rotation`` is written as the
    display matrix (counter-clockwise degrees), the frames being stored turned back."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream(codec, rate=30)
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"x264-params": "asm=0:threads=1", "crf": "23"}
        else:
            stream.options = {"x265-params": "asm=none:pools=none:log-level=none", "crf": "26"}
        first = True
        for rgb in frames:
            stored = np.ascontiguousarray(np.rot90(rgb, -rotation // 90)) if rotation else rgb
            if first:
                stream.height, stream.width = stored.shape[:2]
                if rotation:
                    stream.set_display_rotation(rotation)
                first = False
            for packet in stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def _picture(image: Image.Image) -> Picture:
    rgb = np.asarray(image.convert("RGB"))
    return picture_from_bgr(np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)))


@pytest.mark.parametrize(
    ("degrees", "tag", "turns"),
    [(0, None, 0), (90, None, 1), (-90, None, 3), (-180, None, 2), (0, "90", 3), (0, "270", 1)],
)
def test_quarter_turns_follow_the_display_matrix_then_the_rotate_tag(
    degrees: int, tag: str | None, turns: int
) -> None:
    assert quarter_turns(degrees, tag) == turns


@pytest.mark.slow
@pytest.mark.parametrize(
    ("person", "closed"),
    [
        ("a", ((20, 24),)),
        ("b", ((37, 41),)),
        ("b", ((8, 11), (50, 54))),
    ],
    ids=["a-20-24", "b-37-41", "b-8-11-and-50-54"],
)
@pytest.mark.parametrize("path", ["video", "image_video", "legacy"])
def test_off_grid_blink_is_seen_on_every_path(
    person: str, closed: tuple[tuple[int, int], ...], path: str
) -> None:
    actor = _actor(person, 190 if person == "a" else 240)
    video = open_video(_mp4(_clip(actor, closed)))
    still = _picture(actor.still()) if path != "video" else None
    tuning = Tuning(enhanced_detection=path != "legacy")
    analysis = analyze(image=still, video=video, tuning=tuning)
    assert analysis.video is not None
    assert (
        not set(analysis.video.analyzed_frames)
        & {index for first, last in closed for index in range(first, last + 1)}
        or path == "legacy"
    )
    assert analysis.video.blink_detected
    assert analysis.result == "real"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("person", "path"),
    [
        ("a", "video"),
        ("a", "legacy"),
        # person b wears eyeglasses: the cascades miss the open eyes behind them on runs
        # of frames, and the eye followed by correlation keeps them open
        ("b", "video"),
        ("b", "legacy"),
    ],
)
def test_no_blink_stays_no_blink(person: str, path: str) -> None:
    actor = _actor(person, 190 if person == "a" else 240)
    video = open_video(_mp4(_clip(actor, ())))
    still = _picture(actor.still()) if path == "legacy" else None
    analysis = analyze(image=still, video=video, tuning=Tuning(enhanced_detection=path != "legacy"))
    assert analysis.video is not None
    assert not analysis.video.blink_detected
    assert analysis.video.reasons == ("no_blink",)


@pytest.mark.slow
@pytest.mark.parametrize("rotation", [-90, 90, 180])
def test_sideways_stored_portrait_video_is_analysed_upright(rotation: int) -> None:
    actor = _actor("a", 190)
    video = open_video(_mp4(_clip(actor, ((20, 24),)), rotation=rotation))
    analysis = analyze(image=_picture(actor.still()), video=video, tuning=Tuning())
    assert analysis.video is not None
    assert analysis.video.real_frames == analysis.video.frames_analyzed
    assert analysis.video.blink_detected
    assert analysis.overall_passed


@pytest.mark.slow
def test_hevc_clip_with_an_off_grid_blink() -> None:
    actor = _actor("b", 240)
    video = open_video(_mp4(_clip(actor, ((37, 41),)), codec="libx265"))
    analysis = analyze(image=None, video=video, tuning=Tuning())
    assert analysis.video is not None and analysis.video.total_frames == FRAMES
    assert analysis.result == "real"


def _on_wall(portrait: Image.Image, face_scale: float, size: tuple[int, int]) -> Image.Image:
    wall = _sources.coffee_cup().resize(size).convert("L").convert("RGB")
    small = portrait.resize(
        (round(portrait.width * face_scale), round(portrait.height * face_scale)),
        Image.Resampling.LANCZOS,
    )
    wall.paste(small, ((size[0] - small.width) // 3, (size[1] - small.height) // 3))
    return wall


@pytest.mark.parametrize(
    ("person", "face", "reasons"),
    [("a", 48, ("face_too_small",)), ("a", 90, ()), ("b", 90, ()), ("b", 130, ())],
    ids=["a-48px", "a-90px", "b-90px", "b-130px"],
)
def test_small_faces_in_a_large_photo(person: str, face: int, reasons: tuple[str, ...]) -> None:
    actor = _actor(person, 200)
    picture = _picture(_on_wall(actor.still(), face / 200, (1280, 960)))
    analysis = analyze(image=picture, video=None, tuning=Tuning())
    assert analysis.image is not None
    assert analysis.image.face_count == 1
    assert analysis.image.reasons == reasons
    assert analysis.reasons == reasons


@pytest.mark.parametrize("face", [110, 160])
def test_group_photo_is_several_faces(face: int) -> None:
    group = _sources.coffee_cup().resize((1600, 900)).convert("L").convert("RGB")
    for slot, person in enumerate("abab"):
        portrait = _actor(person, 200).still()
        scale = face / 200
        small = portrait.resize(
            (round(portrait.width * scale), round(portrait.height * scale)),
            Image.Resampling.LANCZOS,
        )
        crop = small.crop((small.width // 4, 0, small.width * 3 // 4, small.height))
        group.paste(crop, (400 * slot, 200 + 30 * slot))
    analysis = analyze(image=_picture(group), video=None, tuning=Tuning())
    assert analysis.image is not None
    assert analysis.image.face_count == 4
    assert analysis.image.reasons == ("multiple_faces",)


@pytest.mark.parametrize(
    ("size", "face_scale", "options", "reasons"),
    [
        ((4032, 3024), 1.0, {}, ()),
        ((4032, 3024), 1.0, {"orientation": 6}, ()),
        ((4032, 3024), 1.0, {"gray": True}, ()),
        ((4032, 3024), 1.0, {"progressive": True}, ()),
        ((4032, 3024), 2.0, {}, ()),
        ((2000, 1500), 0.6, {"subsampling": 0}, ()),
        ((1600, 1200), 0.5, {}, ()),
        ((1600, 1200), 0.3, {}, ("face_too_small",)),
    ],
    ids=[
        "12mp-224px-face",
        "12mp-exif-turned",
        "12mp-gray",
        "12mp-progressive",
        "12mp-392px-face",
        "3mp-444-132px-face",
        "2mp-106px-face",
        "2mp-60px-face-too-small",
    ],
)
def test_large_jpeg_stills_decoded_reduced(
    size: tuple[int, int], face_scale: float, options: dict[str, Any], reasons: tuple[str, ...]
) -> None:
    """Decoded reduced by the DCT, a large still keeps its answers: the face's width is
    read in the picture's own pixels (207 px scaled here), and its cues are measured on
    a decode where it is at least DESCRIBED_FACE_WIDTH pixels wide."""
    picture = decode_image(large_still(size, face_scale, **options))
    assert picture.reduction > 1
    findings = examine(picture, eyes=False, signature=False)
    assert findings.face is not None
    assert abs(findings.face.width - 207 * face_scale) <= 0.15 * 207 * face_scale
    analysis = analyze(image=picture, video=None, tuning=Tuning())
    assert analysis.image is not None
    assert analysis.image.face_count == 1
    assert analysis.image.reasons == reasons
