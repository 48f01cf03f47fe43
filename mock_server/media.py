"""Decoding of the request's media: a JPEG/PNG still and an MP4/MOV video.

Every failure leaves this module as a :class:`MediaError` with a stable ``code``;
no Pillow, PyAV or OpenCV exception crosses this boundary.

This module is longer than the others on purpose: it is that one boundary, for stills
and videos alike, so every decoder library is imported and mapped in a single place.
"""

from __future__ import annotations

import io
import struct
import sys
import threading
from collections import deque
from collections.abc import Callable, Generator, Iterator
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any, Final

import av
import cv2
import numpy as np
import numpy.typing as npt
from av.video.reformatter import Interpolation, VideoReformatter
from PIL import Image, ImageOps

from mock_server._cascades import FINE_DETECTION_SIDE

Pixels = npt.NDArray[np.uint8]
Region = tuple[int, int, int, int]  # x, y, width, height

DEFAULT_MAX_IMAGE_PIXELS: Final = 40_000_000
DEFAULT_MAX_VIDEO_FRAMES: Final = 3_000  # 100 s at 30 fps
DEFAULT_MAX_FRAME_PIXELS: Final = 3840 * 2160
# Frames are decoded on a background thread ahead of their use while the pixels they hold
# come to at most this many bytes (at least one frame is always let through), and handed
# over HANDOFF_BATCH at a time to a consumer that waits for them (see _FrameBuffer).
DEFAULT_DECODE_AHEAD_BYTES: Final = 32 * 1024 * 1024
HANDOFF_BATCH: Final = 4
# The analysis runs beside the decoder and takes the other core. Its cost per frame
# hardly depends on the frame's size (faces are searched on small copies) while the
# decoding's grows with it: below THREADED_DECODE_PIXELS a frame, threads in the decoder
# would only compete with the analysis; from there on the decoding is the longer task,
# and the decoder takes threads of its own (FFmpeg's decoders give the same frames either
# way). 1280x720 and larger.
THREADED_DECODE_PIXELS: Final = 1280 * 720


def decoder_threading(width: int, height: int) -> str:
    """PyAV's ``thread_type`` for decoding frames of ``width`` x ``height``."""
    return "AUTO" if width * height >= THREADED_DECODE_PIXELS else "NONE"


# The colour check compares the channels on a grid of every GRAY_PROBE_STEP-th pixel
# first: one difference there settles it without a full-frame comparison.
GRAY_PROBE_STEP: Final = 16
# A JPEG still is decoded reduced by its DCT (libjpeg's scaled IDCT, the same pixels on
# every CPU) by the largest of these factors that leaves at least REDUCED_MIN_SIDE pixels
# on its longest side: every face search still has the copy it works on (the fine one is
# FINE_DETECTION_SIDE pixels on the longest side), and nothing full-size is decoded,
# turned, converted or compared. A face's sizes are read back in the picture's own pixels.
JPEG_REDUCTIONS: Final = (8, 4, 2)
REDUCED_MIN_SIDE: Final = FINE_DETECTION_SIDE

JPEG_MAGIC: Final = b"\xff\xd8\xff"
PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
MP4_BOX_TYPE: Final = b"ftyp"
MP4_FORMAT_NAMES: Final = ("mp4", "mov")

EMPTY_FILE: Final = "empty_file"
UNSUPPORTED_IMAGE_FORMAT: Final = "unsupported_image_format"
CORRUPT_IMAGE: Final = "corrupt_image"
IMAGE_TOO_LARGE: Final = "image_too_large"
UNSUPPORTED_VIDEO_FORMAT: Final = "unsupported_video_format"
CORRUPT_VIDEO: Final = "corrupt_video"
NO_VIDEO_STREAM: Final = "no_video_stream"
VIDEO_TOO_LARGE: Final = "video_too_large"

ERROR_CODES: Final = (
    EMPTY_FILE,
    UNSUPPORTED_IMAGE_FORMAT,
    CORRUPT_IMAGE,
    IMAGE_TOO_LARGE,
    UNSUPPORTED_VIDEO_FORMAT,
    CORRUPT_VIDEO,
    NO_VIDEO_STREAM,
    VIDEO_TOO_LARGE,
)


class MediaError(Exception):
    """Media content that cannot be used; ``message`` is one line naming the part."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = " ".join(message.split())

    def __repr__(self) -> str:
        return f"MediaError({self.code!r}, {self.message!r})"


@dataclass(frozen=True, slots=True, eq=False)
class Picture:
    """A decoded picture: BGR pixels, their gray levels, and whether it carries no colour
    at all. Made by :func:`picture_from_bgr`.

    A large JPEG still is held ``reduction`` times smaller than its own size (see
    :data:`JPEG_REDUCTIONS`), with the file it came from, so that :meth:`detail` can
    decode it again less reduced where a stage needs more pixels of a face; the part it
    cuts from that decode keeps its ``reduction`` and has no file.
    """

    bgr: Pixels
    gray: Pixels
    is_grayscale: bool
    reduction: int = 1
    source: bytes | None = field(default=None, repr=False)

    @property
    def width(self) -> int:
        return int(self.bgr.shape[1])

    @property
    def height(self) -> int:
        return int(self.bgr.shape[0])

    def own_pixels(self, region: Region) -> Region:
        """``region`` of these pixels in the picture's own (full-size) pixels."""
        scale = self.reduction
        x, y, width, height = (int(value) * scale for value in region)
        return x, y, width, height

    def detail(self, region: Region, min_width: int) -> tuple[Picture, Region]:
        """Pixels of ``region`` (of this picture) in which it is at least ``min_width``
        pixels wide, and the region there: this picture when it already is, or has no
        finer copy; else that region alone, cut from the file decoded again by the
        largest smaller reduction that gives it (at full size at most)."""
        finer = self.reduction
        while finer > 1 and region[2] * self.reduction < min_width * finer:
            finer //= 2
        if finer == self.reduction or self.source is None:
            return self, region
        factor = self.reduction // finer
        scaled = (region[0] * factor, region[1] * factor, region[2] * factor, region[3] * factor)
        try:
            crop = _decode_with_pillow(
                self.source,
                "jpeg",
                sys.maxsize,
                lambda size: finer,
                is_grayscale=self.is_grayscale,
                region=scaled,
            )
        except Exception:  # the file decoded once: keep the copy at hand (not expected)
            return self, region
        return crop, (0, 0, crop.width, crop.height)


Still = Picture


def _head(data: bytes) -> str:
    return repr(data[:8])


def _channels_equal(bgr: Pixels) -> bool:
    probe = bgr[::GRAY_PROBE_STEP, ::GRAY_PROBE_STEP]
    if not (
        np.array_equal(probe[..., 0], probe[..., 1])
        and np.array_equal(probe[..., 1], probe[..., 2])
    ):
        return False
    return bool(
        np.array_equal(bgr[..., 0], bgr[..., 1]) and np.array_equal(bgr[..., 1], bgr[..., 2])
    )


def picture_from_bgr(bgr: Pixels, *, is_grayscale: bool | None = None) -> Picture:
    """Wrap BGR pixels, detecting a colourless picture (all channels equal) unless told."""
    bgr = np.ascontiguousarray(bgr)
    gray = np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), np.uint8)
    colourless = _channels_equal(bgr) if is_grayscale is None else is_grayscale
    return Picture(bgr=bgr, gray=gray, is_grayscale=colourless)


# --- still images -----------------------------------------------------------------------

_EXIF_ORIENTATION: Final = 0x0112
_JPEG_SOF_MARKERS: Final = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first SOF marker, or None when not found."""
    position = 2
    length = len(data)
    while position + 4 <= length:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):
            position += 2
            continue
        segment_length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if marker in _JPEG_SOF_MARKERS:
            if position + 9 > length:
                return None
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return int(width), int(height)
        if marker == 0xDA:  # start of scan before any frame header
            return None
        position += 2 + segment_length
    return None


def image_format(data: bytes) -> str | None:
    """ "jpeg" or "png" by magic bytes, else None."""
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    return None


def decode_image(data: bytes, *, max_pixels: int = DEFAULT_MAX_IMAGE_PIXELS) -> Picture:
    """Decode a JPEG or PNG still (EXIF orientation applied) into a :class:`Picture`."""
    if not data:
        raise MediaError(EMPTY_FILE, "image: the file is empty")
    kind = image_format(data)
    if kind is None:
        raise MediaError(
            UNSUPPORTED_IMAGE_FORMAT, f"image: not a JPEG or PNG (starts with {_head(data)})"
        )
    size = _png_size(data) if kind == "png" else _jpeg_size(data)
    if size is not None:
        _check_image_pixels(size, max_pixels)
    try:
        return _decode_with_pillow(data, kind, max_pixels, _reduction)
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise MediaError(IMAGE_TOO_LARGE, f"image: {error}") from None
    except Exception as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise MediaError(
            CORRUPT_IMAGE, f"image: cannot decode the {kind.upper()}: {detail}"
        ) from None


def _check_image_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise MediaError(CORRUPT_IMAGE, f"image: invalid dimensions {width}x{height}")
    if width * height > max_pixels:
        raise MediaError(
            IMAGE_TOO_LARGE,
            f"image: {width}x{height} is {width * height} pixels, more than {max_pixels}",
        )


def _reduction(size: tuple[int, int]) -> int:
    """The DCT reduction of a JPEG of ``size``: see :data:`JPEG_REDUCTIONS`."""
    longest = max(size)
    for factor in JPEG_REDUCTIONS:
        if -(-longest // factor) >= REDUCED_MIN_SIDE:  # libjpeg rounds the sides up
            return factor
    return 1


def _decode_with_pillow(
    data: bytes,
    kind: str,
    max_pixels: int,
    reduction: Callable[[tuple[int, int]], int],
    *,
    is_grayscale: bool | None = None,
    region: Region | None = None,
) -> Picture:
    """The picture upright, decoded reduced by ``reduction(size)`` (a JPEG only), or only
    ``region`` of it (upright pixels at that reduction, cut before it is turned)."""
    with Image.open(io.BytesIO(data), formats=[kind.upper()]) as opened:
        _check_image_pixels(opened.size, max_pixels)  # the file's own size
        factor = reduction(opened.size) if kind == "jpeg" else 1
        if factor > 1:
            width, height = opened.size
            drafted = opened.draft(None, (max(1, width // factor), max(1, height // factor)))
            factor = round(width / drafted[1][2]) if drafted is not None else 1
        opened.load()
        orientation = opened.getexif().get(_EXIF_ORIENTATION, 1)
        if region is not None:
            turn = _EXIF_TURNS.get(orientation)
            cut = opened.crop(_stored_box(region, opened.size, turn))
            part = _picture_of(cut if turn is None else cut.transpose(turn), is_grayscale)
            return replace(part, reduction=factor)
        # exif_transpose copies even an upright picture: skipped then (12 MP: 36 MB)
        upright = opened if orientation in (0, 1) else ImageOps.exif_transpose(opened)
        picture = _picture_of(upright, is_grayscale)
    if factor == 1:
        return picture
    return replace(picture, reduction=factor, source=data)


# EXIF orientation -> the transposition that shows the picture upright (as exif_transpose)
_EXIF_TURNS: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _stored_box(
    region: Region, size: tuple[int, int], turn: Image.Transpose | None
) -> tuple[int, int, int, int]:
    """The (left, top, right, bottom) box of the stored pixels that ``turn`` shows as
    ``region`` of the upright picture, within the stored ``size``."""
    width, height = size
    upright = (height, width) if turn in _SWAPPING_TURNS else (width, height)
    x, y = min(max(0, region[0]), upright[0] - 1), min(max(0, region[1]), upright[1] - 1)
    right = min(upright[0], x + max(1, region[2])) - 1
    bottom = min(upright[1], y + max(1, region[3])) - 1
    corners = [_stored_pixel(u, v, size, turn) for u, v in ((x, y), (right, bottom))]
    xs, ys = [corner[0] for corner in corners], [corner[1] for corner in corners]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


_SWAPPING_TURNS: Final = frozenset(
    {
        Image.Transpose.TRANSPOSE,
        Image.Transpose.TRANSVERSE,
        Image.Transpose.ROTATE_90,
        Image.Transpose.ROTATE_270,
    }
)


def _stored_pixel(
    u: int, v: int, size: tuple[int, int], turn: Image.Transpose | None
) -> tuple[int, int]:
    """The stored pixel shown at (u, v) of the upright picture."""
    width, height = size
    return {
        None: (u, v),
        Image.Transpose.FLIP_LEFT_RIGHT: (width - 1 - u, v),
        Image.Transpose.ROTATE_180: (width - 1 - u, height - 1 - v),
        Image.Transpose.FLIP_TOP_BOTTOM: (u, height - 1 - v),
        Image.Transpose.TRANSPOSE: (v, u),
        Image.Transpose.ROTATE_270: (v, height - 1 - u),
        Image.Transpose.TRANSVERSE: (width - 1 - v, height - 1 - u),
        Image.Transpose.ROTATE_90: (width - 1 - v, u),
    }[turn]


def _picture_of(image: Image.Image, is_grayscale: bool | None = None) -> Picture:
    gray_modes = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}
    if image.mode in gray_modes:
        gray = np.asarray(image.convert("L"), dtype=np.uint8)
        bgr = np.asarray(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), dtype=np.uint8)
        return picture_from_bgr(bgr, is_grayscale=True)
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"), dtype=np.uint8)
    bgr = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), dtype=np.uint8)
    return picture_from_bgr(bgr, is_grayscale=is_grayscale)


# --- videos -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_frames: int = DEFAULT_MAX_VIDEO_FRAMES
    max_frame_pixels: int = DEFAULT_MAX_FRAME_PIXELS
    decode_ahead_bytes: int = DEFAULT_DECODE_AHEAD_BYTES


# Frames that OpenCV converts itself: 8-bit 4:2:0 in BT.601 limited range (or untagged,
# which players also read as BT.601), with even sides. Its fixed-point conversion gives
# the same pixels on every CPU; libswscale's SIMD paths do not, so every other frame goes
# through libswscale held to its bit-exact code.
_OPENCV_FORMAT: Final = "yuv420p"
_BT601_OR_UNTAGGED: Final = frozenset({2, 5, 6})  # unspecified, BT470BG, SMPTE 170M
_LIMITED_OR_UNTAGGED: Final = frozenset({0, 1})
_LUMA_FORMATS: Final = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"})
_BITEXACT: Final = Interpolation.BILINEAR | Interpolation.BITEXACT | Interpolation.ACCURATE_RND


class _BgrConverter:
    """Converts the frames of one decoding run to BGR, the same pixels on every machine.

    Most frames are converted by OpenCV straight from their planes. The others share a
    single libswscale context: a frame's own ``to_ndarray`` sets up a new one every time,
    which costs more than the conversion itself.
    """

    def __init__(self) -> None:
        self._reformatter = VideoReformatter()
        self._lock = threading.Lock()

    def bgr(self, frame: Any) -> Pixels:
        if (
            frame.format.name == _OPENCV_FORMAT
            and frame.width % 2 == 0
            and frame.height % 2 == 0
            and frame.colorspace in _BT601_OR_UNTAGGED
            and frame.color_range in _LIMITED_OR_UNTAGGED
        ):
            return np.asarray(cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2BGR_I420))
        with self._lock:
            converted = self._reformatter.reformat(
                frame, format="bgr24", threads=1, interpolation=_BITEXACT
            )
        return np.asarray(converted.to_ndarray(), dtype=np.uint8)


def quarter_turns(frame_rotation: float, rotate_tag: str | None) -> int:
    """The counter-clockwise quarter turns that show a frame upright, as players do: from
    the frame's display matrix (PyAV's ``rotation``, counter-clockwise degrees) or, when it
    has none, from the older ``rotate`` tag (clockwise degrees); other angles are ignored."""
    degrees = float(frame_rotation or 0.0)
    if not degrees and rotate_tag:
        with suppress(ValueError):
            degrees = -float(rotate_tag)
    turns = round(degrees / 90.0)
    if abs(degrees - 90.0 * turns) > 1.0:
        return 0
    return turns % 4


def _upright(pixels: Pixels, turns: int) -> Pixels:
    return pixels if not turns else np.ascontiguousarray(np.rot90(pixels, turns))


class DecodedFrame:
    """One decoded frame, shown upright (its display rotation applied); its pixels are
    converted only when asked for."""

    __slots__ = ("_converter", "_frame", "_gray", "_picture", "_turns", "index")

    def __init__(self, index: int, frame: Any, converter: _BgrConverter, turns: int = 0) -> None:
        self.index = index
        self._frame = frame
        self._converter = converter
        self._turns = turns
        self._picture: Picture | None = None
        self._gray: Pixels | None = None

    def picture(self) -> Picture:
        if self._picture is None:
            try:
                bgr = self._converter.bgr(self._frame)
            except Exception as error:
                raise MediaError(
                    CORRUPT_VIDEO, f"video: cannot convert frame {self.index}: {error}"
                ) from None
            self._picture = picture_from_bgr(_upright(bgr, self._turns))
        return self._picture

    def luma(self) -> Pixels:
        """The frame's light levels, upright, without a colour conversion: the decoded Y
        plane of an 8-bit YUV frame (exact on every CPU), else the picture's gray."""
        if self._gray is None:
            frame = self._frame
            if frame.format.name in _LUMA_FORMATS:
                plane = frame.planes[0]
                rows = np.frombuffer(memoryview(plane), np.uint8)
                rows = rows.reshape(frame.height, plane.line_size)[:, : frame.width]
                self._gray = _upright(np.ascontiguousarray(rows), self._turns)
            else:
                self._gray = self.picture().gray
        return self._gray

    @property
    def nbytes(self) -> int:
        """The bytes of pixels this frame holds (decoded planes and converted picture)."""
        planes = sum(int(plane.buffer_size) for plane in self._frame.planes)
        return planes + (self._picture.bgr.nbytes if self._picture is not None else 0)


_Item = DecodedFrame | BaseException | int  # a frame, a failure, or the frame count


class _FrameBuffer:
    """Decoded frames between the decoding thread and their consumer, bounded by the bytes
    of pixels they hold; closing it releases a producer that waits for room.

    A consumer that finds it empty sleeps until HANDOFF_BATCH items are waiting (or the
    producer must wait for room, or the run ended): waking a thread costs more than
    decoding a small frame, so the frames are handed over a few at a time.
    """

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._items: deque[tuple[_Item, int]] = deque()
        self._bytes = 0
        self._closed = False
        self._lock = threading.Lock()
        self._filled = threading.Condition(self._lock)  # the consumer waits on it
        self._drained = threading.Condition(self._lock)  # the producer waits on it
        self._consumer_waits = False

    def put(self, item: _Item, size: int, *, last: bool = False) -> bool:
        """Append ``item`` once there is room (``last``: nothing follows it); False when
        the buffer was closed."""
        with self._lock:
            while not self._closed and self._items and self._bytes + size > self._budget:
                self._filled.notify()
                self._drained.wait()
            if self._closed:
                return False
            self._items.append((item, size))
            self._bytes += size
            if self._consumer_waits and (last or len(self._items) >= HANDOFF_BATCH):
                self._filled.notify()
            return True

    def get(self) -> _Item | None:
        """The oldest item, once there is one; None when the buffer was closed."""
        with self._lock:
            if not self._items and not self._closed:
                self._consumer_waits = True
                while not self._items and not self._closed:
                    self._filled.wait()
                self._consumer_waits = False
            if self._closed:
                return None
            item, size = self._items.popleft()
            self._bytes -= size
            self._drained.notify()
            return item

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._items.clear()
            self._filled.notify_all()
            self._drained.notify_all()


class FrameStream:
    """One decoding run of a video, on a background thread ahead of its consumer.

    Iterating yields the wanted frames in order (their pixels already converted when
    ``convert`` is set); ``total_frames`` counts every frame decoded so far, all of them
    once the iteration is over. Any decoding failure is raised as a MediaError where the
    iteration stands. ``wanted`` runs on the decoding thread.
    """

    def __init__(self, video: Video, wanted: Callable[[int], bool] | None, convert: bool) -> None:
        self.total_frames = 0
        self._ready = _FrameBuffer(video.limits.decode_ahead_bytes)
        # the thread holds no reference to the stream, so that dropping it stops decoding
        self._worker = threading.Thread(
            target=_produce,
            args=(video, self._ready, wanted, convert),
            name="video-decode",
            daemon=True,
        )
        self._worker.start()

    def __iter__(self) -> FrameStream:
        return self

    def __enter__(self) -> FrameStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self._ready.close()  # an abandoned stream must not keep a thread decoding

    def __next__(self) -> DecodedFrame:
        item = self._ready.get()
        if item is None:  # closed
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        if isinstance(item, int):
            self.total_frames = item
            self.close()
            raise StopIteration
        return item

    def close(self) -> None:
        """Stop decoding (nothing more is handed over)."""
        self._ready.close()
        if self._worker is not threading.current_thread():
            self._worker.join()


def _produce(
    video: Video, ready: _FrameBuffer, wanted: Callable[[int], bool] | None, convert: bool
) -> None:
    frames = video._frames_in_order()
    count = 0
    try:
        for frame in frames:
            count += 1
            if wanted is not None and not wanted(frame.index):
                continue
            if convert:
                with suppress(MediaError):  # raised again where the picture is used
                    frame.picture()
            if not ready.put(frame, frame.nbytes):
                return
        ready.put(count, 0, last=True)
    except BaseException as error:  # handed to the consumer
        ready.put(error, 0, last=True)
    finally:
        frames.close()


class Video:
    """A probed MP4/MOV video; :meth:`frames` decodes it from the start each time."""

    def __init__(self, data: bytes, limits: VideoLimits, width: int, height: int) -> None:
        self._data = data
        self.limits = limits
        self.width = width
        self.height = height

    def frames(
        self, wanted: Callable[[int], bool] | None = None, *, convert: bool = False
    ) -> FrameStream:
        """Decode every frame in order and hand over those whose index satisfies ``wanted``
        (all by default); see :class:`FrameStream`."""
        return FrameStream(self, wanted, convert)

    def _frames_in_order(self) -> Generator[DecodedFrame]:
        try:
            container = av.open(io.BytesIO(self._data), mode="r")
        except Exception as error:
            raise MediaError(CORRUPT_VIDEO, f"video: cannot open the container: {error}") from None
        try:
            yield from self._decode(container)
        finally:
            container.close()

    def _decode(self, container: Any) -> Iterator[DecodedFrame]:
        stream = container.streams.video[0]
        stream.thread_type = decoder_threading(self.width, self.height)
        rotate_tag = stream.metadata.get("rotate")
        converter = _BgrConverter()
        declared = int(stream.frames or 0)
        index = 0
        decoder = container.decode(stream)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except MediaError:
                raise
            except Exception as error:
                raise MediaError(
                    CORRUPT_VIDEO, f"video: decoding failed after {index} frames: {error}"
                ) from None
            if index >= self.limits.max_frames:
                raise MediaError(
                    VIDEO_TOO_LARGE, f"video: more than {self.limits.max_frames} frames"
                )
            if frame.width * frame.height > self.limits.max_frame_pixels:
                raise MediaError(
                    VIDEO_TOO_LARGE,
                    f"video: frame of {frame.width}x{frame.height} is more than "
                    f"{self.limits.max_frame_pixels} pixels",
                )
            turns = quarter_turns(getattr(frame, "rotation", 0), rotate_tag)
            yield DecodedFrame(index, frame, converter, turns)
            index += 1
        if index == 0:
            raise MediaError(CORRUPT_VIDEO, "video: no frame could be decoded")
        if declared and index < declared:
            raise MediaError(
                CORRUPT_VIDEO,
                f"video: truncated, {index} of {declared} declared frames could be decoded",
            )


def is_mp4_family(data: bytes) -> bool:
    return len(data) >= 8 and data[4:8] == MP4_BOX_TYPE


def open_video(data: bytes, *, limits: VideoLimits | None = None) -> Video:
    """Probe an MP4/MOV video: container format, a video stream, its frame size."""
    limits = limits or VideoLimits()
    if not data:
        raise MediaError(EMPTY_FILE, "video: the file is empty")
    if not is_mp4_family(data):
        raise MediaError(
            UNSUPPORTED_VIDEO_FORMAT,
            f"video: not an MP4/MOV file, no ftyp box (starts with {_head(data)})",
        )
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except Exception as error:
        raise MediaError(
            CORRUPT_VIDEO, f"video: cannot open the MP4/MOV container: {error}"
        ) from None
    try:
        format_name = str(container.format.name)
        if not any(name in format_name for name in MP4_FORMAT_NAMES):
            raise MediaError(
                UNSUPPORTED_VIDEO_FORMAT, f"video: container {format_name!r} is not MP4/MOV"
            )
        if not container.streams.video:
            raise MediaError(NO_VIDEO_STREAM, "video: the file has no video stream")
        context = container.streams.video[0].codec_context
        width, height = int(context.width or 0), int(context.height or 0)
    except MediaError:
        raise
    except Exception as error:
        raise MediaError(CORRUPT_VIDEO, f"video: cannot read the streams: {error}") from None
    finally:
        container.close()
    if width * height > limits.max_frame_pixels:
        raise MediaError(
            VIDEO_TOO_LARGE,
            f"video: frames of {width}x{height} are more than {limits.max_frame_pixels} pixels",
        )
    return Video(data, limits, width, height)
