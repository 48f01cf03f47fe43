from __future__ import annotations

import gc
import hashlib
import io
import threading
import time

import cv2
import numpy as np
import pytest
from PIL import Image

import fixtures
from mock_server import media
from mock_server.media import MediaError, decode_image, open_video
from tests.mock_server.helpers import large_still

BROKEN_CODES = {
    "corrupt_jpeg": media.CORRUPT_IMAGE,
    "empty_jpeg": media.EMPTY_FILE,
    "text_as_jpeg": media.UNSUPPORTED_IMAGE_FORMAT,
    "decompression_bomb": media.IMAGE_TOO_LARGE,
    "truncated_mp4": media.CORRUPT_VIDEO,
    "webm_video": media.UNSUPPORTED_VIDEO_FORMAT,
    "avi_video": media.UNSUPPORTED_VIDEO_FORMAT,
    "audio_only_mp4": media.NO_VIDEO_STREAM,
}


def _broken_names() -> list[str]:
    return [fixture.name for fixture in fixtures.all_fixtures() if fixture.label == "broken"]


def _decode_fully(role: str, data: bytes) -> None:
    if role == "image":
        decode_image(data)
    else:
        for _ in open_video(data).frames():
            pass


@pytest.mark.parametrize("name", _broken_names())
def test_every_broken_fixture_is_a_media_error_with_its_code(name: str) -> None:
    fixture = fixtures.get(name)
    with pytest.raises(MediaError) as caught:
        _decode_fully(fixture.role, fixture.read_bytes())
    error = caught.value
    assert error.code in media.ERROR_CODES
    if name in BROKEN_CODES:
        assert error.code == BROKEN_CODES[name]
    assert "\n" not in error.message
    assert error.message.startswith(f"{fixture.role}: ")


@pytest.mark.parametrize(
    ("name", "grayscale"),
    [("genuine_still", False), ("genuine_still_png", False), ("genuine_gray", True)],
)
def test_good_stills_decode_to_bgr(name: str, grayscale: bool) -> None:
    fixture = fixtures.get(name)
    picture = decode_image(fixture.read_bytes())
    assert picture.bgr.dtype == np.uint8
    assert picture.bgr.shape == (fixture.height, fixture.width, 3)
    assert picture.is_grayscale is grayscale


def test_video_decodes_every_frame_and_converts_on_demand() -> None:
    fixture = fixtures.get("genuine_video")
    video = open_video(fixture.read_bytes())
    assert (video.width, video.height) == (fixture.width, fixture.height)
    stream = video.frames()
    frames = list(stream)
    assert [frame.index for frame in frames] == list(range(fixture.frames or 0))
    assert stream.total_frames == fixture.frames
    picture = frames[3].picture()
    assert picture.bgr.shape == (fixture.height, fixture.width, 3)
    assert picture is frames[3].picture()


def _encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind, **options)
    return buffer.getvalue()


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90 degrees
    data = _encoded(Image.new("RGB", (40, 20), (200, 10, 10)), "JPEG", exif=exif)
    assert decode_image(data).bgr.shape == (40, 20, 3)


def test_gray_png_and_colourless_rgb_are_grayscale() -> None:
    assert decode_image(_encoded(Image.new("L", (8, 6), 90), "PNG")).is_grayscale
    assert decode_image(_encoded(Image.new("RGB", (8, 6), (90, 90, 90)), "PNG")).is_grayscale
    assert not decode_image(_encoded(Image.new("RGB", (8, 6), (90, 20, 90)), "PNG")).is_grayscale


def test_pixel_limit_is_per_call() -> None:
    data = _encoded(Image.new("RGB", (100, 100)), "PNG")
    with pytest.raises(MediaError) as caught:
        decode_image(data, max_pixels=9_999)
    assert caught.value.code == media.IMAGE_TOO_LARGE
    assert decode_image(data, max_pixels=10_000).bgr.shape == (100, 100, 3)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\xff\xd8\xff\xe0" + b"\x00" * 40, media.CORRUPT_IMAGE),
        (b"\x89PNG\r\n\x1a\n" + b"\x01" * 40, media.CORRUPT_IMAGE),
        (b"GIF89a" + b"\x00" * 20, media.UNSUPPORTED_IMAGE_FORMAT),
        (b"", media.EMPTY_FILE),
    ],
)
def test_image_failures_are_mapped(data: bytes, code: str) -> None:
    with pytest.raises(MediaError) as caught:
        decode_image(data)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, media.CORRUPT_VIDEO),
        (b"RIFF\x00\x00\x00\x00AVI LIST", media.UNSUPPORTED_VIDEO_FORMAT),
        (b"", media.EMPTY_FILE),
    ],
)
def test_video_failures_are_mapped(data: bytes, code: str) -> None:
    with pytest.raises(MediaError) as caught:
        _decode_fully("video", data)
    assert caught.value.code == code


def test_video_frame_cap() -> None:
    data = fixtures.get("genuine_video").read_bytes()
    video = open_video(data, limits=media.VideoLimits(max_frames=10))
    with pytest.raises(MediaError) as caught:
        for _ in video.frames():
            pass
    assert caught.value.code == media.VIDEO_TOO_LARGE


def test_only_wanted_frames_are_handed_over_and_every_frame_is_counted() -> None:
    video = open_video(fixtures.get("genuine_video").read_bytes())
    with video.frames(lambda index: index % 15 == 0, convert=True) as stream:
        frames = list(stream)
    assert [frame.index for frame in frames] == list(range(0, 150, 15))
    assert stream.total_frames == 150
    assert next(stream, None) is None  # still exhausted
    assert all(frame.nbytes > 640 * 480 * 3 for frame in frames)  # converted already


def _decoding_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "video-decode"]


def test_stopping_early_ends_the_decoding_thread() -> None:
    video = open_video(fixtures.get("genuine_video").read_bytes())
    before = set(_decoding_threads())
    with video.frames() as stream:
        first = next(stream)
        assert first.index == 0 and first.picture().bgr.ndim == 3
        assert set(_decoding_threads()) - before
    assert not set(_decoding_threads()) - before
    assert list(stream) == []


def test_an_abandoned_stream_stops_decoding() -> None:
    video = open_video(fixtures.get("genuine_video").read_bytes())
    before = set(_decoding_threads())
    stream = video.frames()
    assert next(stream).index == 0
    (worker,) = set(_decoding_threads()) - before
    del stream
    gc.collect()
    worker.join(timeout=10)
    assert not worker.is_alive()


def test_decoding_ahead_stays_within_the_pixel_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    fixture = fixtures.get("genuine_video")
    frame_bytes = (fixture.width or 0) * (fixture.height or 0) * 3 // 2  # one yuv420p frame
    limits = media.VideoLimits(decode_ahead_bytes=3 * frame_bytes)
    video = open_video(fixture.read_bytes(), limits=limits)
    decoded: list[int] = []
    original = media.Video._frames_in_order

    def counting(self: media.Video) -> object:
        for frame in original(self):
            decoded.append(frame.index)
            yield frame

    monkeypatch.setattr(media.Video, "_frames_in_order", counting)
    frames = video.frames()
    first = next(frames)
    deadline = time.monotonic() + 5
    while len(decoded) < 5 and time.monotonic() < deadline:  # let the decoder run ahead
        time.sleep(0.01)
    time.sleep(0.2)  # room for a sixth frame, if the budget let one through
    # 3 frames fit the budget; the 4th is decoded and waits for room
    assert first.index == 0 and len(decoded) == 5
    assert sum(1 for _ in frames) == 149
    assert decoded == list(range(150))


def test_a_frame_larger_than_the_budget_still_goes_through() -> None:
    limits = media.VideoLimits(decode_ahead_bytes=1)
    video = open_video(fixtures.get("genuine_video").read_bytes(), limits=limits)
    assert [frame.index for frame in video.frames()] == list(range(150))


@pytest.mark.parametrize(
    ("size", "reduction"),
    [((1534, 1150), 1), ((1535, 1150), 2), ((4032, 3024), 4), ((3024, 4032), 4), ((6400, 4800), 8)],
    ids=["1534-wide-full", "1535-wide-half", "12mp-quarter", "12mp-portrait", "31mp-eighth"],
)
def test_a_large_jpeg_is_decoded_reduced_by_its_dct(size: tuple[int, int], reduction: int) -> None:
    picture = decode_image(large_still(size, 1.0))
    assert picture.reduction == reduction
    expected = tuple(-(-side // reduction) for side in size)
    assert (picture.width, picture.height) == expected
    assert max(expected) >= media.REDUCED_MIN_SIDE
    assert picture.own_pixels((3, 5, 7, 9)) == tuple(value * reduction for value in (3, 5, 7, 9))


def test_a_png_is_never_reduced() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4032, 3024), (90, 120, 150)).save(buffer, "PNG", compress_level=1)
    picture = decode_image(buffer.getvalue())
    assert (picture.reduction, picture.width, picture.height) == (1, 4032, 3024)


def test_the_pixel_limit_holds_on_the_real_size_of_a_reduced_jpeg() -> None:
    data = large_still((4032, 3024), 1.0)
    assert decode_image(data, max_pixels=4032 * 3024).reduction == 4
    with pytest.raises(MediaError) as caught:
        decode_image(data, max_pixels=4032 * 3024 - 1)
    assert caught.value.code == media.IMAGE_TOO_LARGE
    assert "4032x3024" in caught.value.message


def test_exif_orientation_is_applied_to_a_reduced_decode() -> None:
    upright = decode_image(large_still((4032, 3024), 1.0))
    turned = decode_image(large_still((4032, 3024), 1.0, orientation=6))
    assert turned.reduction == 4
    assert turned.bgr.shape == upright.bgr.shape
    difference = np.abs(turned.gray.astype(int) - upright.gray.astype(int))
    assert float(difference.mean()) < 2.0  # the same scene, upright (JPEG noise apart)


def test_a_gray_large_jpeg_stays_grayscale_at_every_reduction() -> None:
    picture = decode_image(large_still((4032, 3024), 1.0, gray=True))
    assert picture.reduction == 4 and picture.is_grayscale
    finer, _ = picture.detail((0, 0, 10, 10), 128)
    assert finer.reduction == 1 and finer.is_grayscale


@pytest.mark.parametrize(
    ("width", "finer"),
    [(128, 4), (127, 2), (64, 2), (63, 1), (16, 1)],
    ids=["wide-enough", "just-under-so-half", "half", "just-under-half-so-full", "tiny"],
)
def test_detail_decodes_the_file_again_where_a_region_is_too_narrow(width: int, finer: int) -> None:
    picture = decode_image(large_still((4032, 3024), 1.0))
    assert picture.reduction == 4
    x, y = 460, 330
    detailed, region = picture.detail((x, y, width, width), 128)
    if finer == 4:
        assert (detailed, region) == (picture, (x, y, width, width))
        return
    factor = 4 // finer
    side = width * factor
    assert detailed.reduction == finer
    assert region == (0, 0, side, side)
    assert detailed.bgr.shape == (side, side, 3) and detailed.gray.shape == (side, side)
    # the same part of the scene, with more pixels
    back = cv2.resize(detailed.gray, (width, width), interpolation=cv2.INTER_AREA)
    here = picture.gray[y : y + width, x : x + width]
    assert float(np.abs(back.astype(int) - here.astype(int)).mean()) < 3.0


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("reduction", [1, 2, 4])
def test_a_region_cut_before_turning_is_that_region_of_the_turned_picture(
    orientation: int, reduction: int
) -> None:
    pixels = np.random.default_rng(orientation).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=95, exif=exif)
    data = buffer.getvalue()
    whole = media._decode_with_pillow(data, "jpeg", 10**9, lambda size: reduction)
    assert whole.reduction == reduction
    for x, y, width, height in ((10, 20, 30, 40), (0, 0, 5, 5), (whole.width - 7, 3, 50, 9)):
        cut = media._decode_with_pillow(
            data, "jpeg", 10**9, lambda size: reduction, region=(x, y, width, height)
        )
        assert np.array_equal(cut.bgr, whole.bgr[y : y + height, x : x + width])


def test_detail_of_a_picture_at_full_size_is_itself() -> None:
    picture = decode_image(fixtures.get("genuine_still").read_bytes())
    assert picture.reduction == 1 and picture.source is None
    assert picture.detail((0, 0, 4, 4), 128) == (picture, (0, 0, 4, 4))


@pytest.mark.parametrize(("size", "threads"), [((640, 480), "NONE"), ((1280, 720), "AUTO")])
def test_frames_of_720p_and_larger_are_decoded_with_threads(
    size: tuple[int, int], threads: str
) -> None:
    assert media.decoder_threading(*size) == threads


def _frame_hashes(data: bytes) -> list[str]:
    with open_video(data).frames() as frames:
        return [hashlib.sha256(frame.luma().tobytes()).hexdigest() for frame in frames]


def test_threaded_decoding_gives_the_same_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    data = fixtures.get("genuine_720p").read_bytes()
    threaded = _frame_hashes(data)
    monkeypatch.setattr(media, "decoder_threading", lambda width, height: "NONE")
    assert _frame_hashes(data) == threaded
    assert len(set(threaded)) > 1


def _consumer_waiting(buffer: media._FrameBuffer) -> list[object]:
    """What a consumer thread gets from ``buffer``, once that thread waits for a batch."""
    received: list[object] = []
    consumer = threading.Thread(
        target=lambda: received.extend([buffer.get(), buffer.get()]), daemon=True
    )
    consumer.start()
    deadline = time.monotonic() + 5
    while not buffer._consumer_waits and time.monotonic() < deadline:
        time.sleep(0.001)
    assert buffer._consumer_waits
    return received


def _settled(received: list[object], count: int) -> list[object]:
    deadline = time.monotonic() + 5
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.001)
    return received


def test_a_waiting_consumer_gets_fewer_frames_than_a_batch_when_the_run_ends() -> None:
    buffer = media._FrameBuffer(budget=1 << 20)
    received = _consumer_waiting(buffer)
    assert buffer.put(0, 10)
    time.sleep(0.05)
    assert received == []  # one item is less than a batch: still waiting
    assert buffer.put(1, 0, last=True)  # nothing follows: handed over now
    assert _settled(received, 2) == [0, 1]


def test_a_producer_waiting_for_room_hands_over_what_it_has() -> None:
    buffer = media._FrameBuffer(budget=10)
    received = _consumer_waiting(buffer)
    # fewer than a batch, and the second does not fit beside the first: the producer
    # wakes the consumer before it waits for room
    producer = threading.Thread(
        target=lambda: [buffer.put("a", 6), buffer.put("b", 6), buffer.put(2, 0, last=True)],
        daemon=True,
    )
    producer.start()
    producer.join(timeout=5)
    assert not producer.is_alive()
    assert _settled(received, 2) == ["a", "b"]
