"""Face and eye detection with OpenCV's Haar cascades, with fixed parameters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, NamedTuple

import cv2
import numpy as np
import numpy.typing as npt

Gray = npt.NDArray[np.uint8]

FACE_CASCADE: Final = "haarcascade_frontalface_default.xml"
EYE_CASCADES: Final = ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml")

# Faces are searched on a copy whose longest side is DETECTION_SIDE pixels; when that
# finds none, again on a copy whose longest side is FINE_DETECTION_SIDE pixels (or the
# picture itself when smaller). So faces are found down to FINE_FACE_MIN_SIZE /
# FINE_DETECTION_SIDE (about 3.1%) of the picture's longest side and FINE_FACE_MIN_SIZE px.
DETECTION_SIDE: Final = 192
FINE_DETECTION_SIDE: Final = 768
FACE_SCALE_FACTOR: Final = 1.2
FACE_MIN_NEIGHBORS: Final = 4
FACE_MIN_SIZE: Final = 28  # pixels at DETECTION_SIDE: about 15% of the longest side
FINE_FACE_MIN_SIZE: Final = 24  # pixels at FINE_DETECTION_SIDE (the cascade's window)
# A single face narrower than this many pixels of the picture is too small to analyse.
FACE_MIN_ANALYSED_WIDTH: Final = 64
# Detections narrower than this fraction of the widest one are discarded.
FACE_MIN_RELATIVE_WIDTH: Final = 0.5

# Tracking between consecutive frames: the search is limited to the previous face box
# grown by TRACK_MARGIN of its width on every side, resized so that box is TRACK_FACE_SIDE
# pixels wide, for faces between TRACK_MIN_RELATIVE and TRACK_MAX_RELATIVE of it.
TRACK_MARGIN: Final = 0.5
TRACK_FACE_SIDE: Final = 48
TRACK_MIN_RELATIVE: Final = 0.7
TRACK_MAX_RELATIVE: Final = 1.4

# Eyes are searched in the upper half of the face box, resized to EYE_SEARCH_WIDTH.
EYE_SEARCH_WIDTH: Final = 120
EYE_SCALE_FACTOR: Final = 1.1
EYE_MIN_NEIGHBORS: Final = 3
EYE_MIN_RELATIVE_SIZE: Final = 0.12
EYE_MAX_RELATIVE_SIZE: Final = 0.4
# Tracking an eye between consecutive frames: the search is first limited to the previous
# eye box grown by EYE_TRACK_MARGIN of its width on every side, resized so that box is
# EYE_TRACK_SIDE pixels wide, with the cascade that found it, for eyes between
# EYE_TRACK_MIN_RELATIVE and EYE_TRACK_MAX_RELATIVE of it.
EYE_TRACK_MARGIN: Final = 0.25
EYE_TRACK_SIDE: Final = 24
EYE_TRACK_MIN_RELATIVE: Final = 0.9
EYE_TRACK_MAX_RELATIVE: Final = 1.15


class Box(NamedTuple):
    x: int
    y: int
    width: int
    height: int


class Eye(NamedTuple):
    """An eye found in a frame and the cascade that found it."""

    box: Box
    cascade: str


def _load(filename: str) -> cv2.CascadeClassifier:
    folder = Path(getattr(cv2, "data").haarcascades)  # noqa: B009 (untyped submodule)
    classifier = cv2.CascadeClassifier(str(folder / filename))
    if classifier.empty():
        raise RuntimeError(f"cannot load the Haar cascade {filename}")
    return classifier


# A classifier must not run on two threads at once: each use borrows an idle one (loading
# another only when all are busy) and gives it back.
_idle: dict[str, list[cv2.CascadeClassifier]] = {}
_idle_lock = threading.Lock()


@contextmanager
def _cascade(filename: str) -> Iterator[cv2.CascadeClassifier]:
    with _idle_lock:
        idle = _idle.setdefault(filename, [])
        classifier = idle.pop() if idle else None
    if classifier is None:
        classifier = _load(filename)
    try:
        yield classifier
    finally:
        with _idle_lock:
            idle.append(classifier)


def load_cascades() -> None:
    """Load one classifier of each cascade now (they are otherwise loaded on first use)."""
    for name in (FACE_CASCADE, *EYE_CASCADES):
        with _cascade(name):
            pass


def _as_boxes(found: object) -> list[Box]:
    rows = np.asarray(found, dtype=np.int64).reshape(-1, 4)
    return [Box(*(int(value) for value in row)) for row in rows]


def detect_faces(gray: Gray) -> tuple[Box, ...]:
    """Faces in ``gray`` (full-resolution coordinates), left to right: the coarse search,
    then the fine one when the coarse finds none."""
    faces = _detect_at(gray, DETECTION_SIDE, FACE_MIN_SIZE)
    if not faces and max(gray.shape) > DETECTION_SIDE:
        faces = _detect_at(gray, FINE_DETECTION_SIDE, FINE_FACE_MIN_SIZE)
    return faces


def _detect_at(gray: Gray, side: int, min_size: int) -> tuple[Box, ...]:
    height, width = gray.shape
    scale = min(1.0, side / max(height, width))
    small = gray
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), np.uint8)
    with _cascade(FACE_CASCADE) as classifier:
        found = classifier.detectMultiScale(
            small,
            scaleFactor=FACE_SCALE_FACTOR,
            minNeighbors=FACE_MIN_NEIGHBORS,
            minSize=(min_size, min_size),
        )
    boxes = _as_boxes(found)
    if not boxes:
        return ()
    widest = max(box.width for box in boxes)
    kept = [box for box in boxes if box.width >= FACE_MIN_RELATIVE_WIDTH * widest]
    full = [_rescale(box, scale, width, height) for box in sorted(kept)]
    return tuple(full)


def _search_around(
    gray: Gray,
    previous: Box,
    cascade: str,
    *,
    margin: float,
    side: int,
    relative: tuple[float, float],
    scale_factor: float,
    min_neighbors: int,
) -> list[Box]:
    """Detections of ``cascade`` near ``previous``, full-resolution coordinates: the box grown
    by ``margin`` of its width, resized so that it is ``side`` pixels wide, for boxes between
    ``relative`` times it."""
    height, width = gray.shape
    grow = round(previous.width * margin)
    left, top = max(0, previous.x - grow), max(0, previous.y - grow)
    right = min(width, previous.x + previous.width + grow)
    bottom = min(height, previous.y + previous.height + grow)
    region = gray[top:bottom, left:right]
    if region.size == 0:
        return []
    scale = side / previous.width
    size = (max(1, round(region.shape[1] * scale)), max(1, round(region.shape[0] * scale)))
    small = np.asarray(cv2.resize(region, size, interpolation=cv2.INTER_AREA), np.uint8)
    smallest = round(side * relative[0])
    largest = round(side * relative[1])
    with _cascade(cascade) as classifier:
        window = classifier.getOriginalWindowSize()
        smallest = max(smallest, *window)
        if largest < smallest or min(small.shape) < smallest:
            return []
        found = classifier.detectMultiScale(
            small,
            scaleFactor=scale_factor,
            minNeighbors=min_neighbors,
            minSize=(smallest, smallest),
            maxSize=(largest, largest),
        )
    boxes = sorted(_as_boxes(found))
    local = [_rescale(box, scale, right - left, bottom - top) for box in boxes]
    return [Box(box.x + left, box.y + top, box.width, box.height) for box in local]


def track_face(gray: Gray, previous: Box) -> tuple[Box, ...]:
    """Faces near ``previous`` (a face of the preceding frame), full-resolution coordinates."""
    found = _search_around(
        gray,
        previous,
        FACE_CASCADE,
        margin=TRACK_MARGIN,
        side=TRACK_FACE_SIDE,
        relative=(TRACK_MIN_RELATIVE, TRACK_MAX_RELATIVE),
        scale_factor=FACE_SCALE_FACTOR,
        min_neighbors=FACE_MIN_NEIGHBORS,
    )
    return tuple(found)


def _inside(box: Box, region: Box) -> bool:
    return (
        region.x <= box.x
        and region.y <= box.y
        and box.x + box.width <= region.x + region.width
        and box.y + box.height <= region.y + region.height
    )


def in_upper_half(box: Box, face: Box) -> bool:
    """Whether ``box`` lies inside the upper half of ``face``, where eyes are looked for."""
    return _inside(box, Box(face.x, face.y, face.width, face.height // 2))


def _rescale(box: Box, scale: float, width: int, height: int) -> Box:
    x = min(width - 1, round(box.x / scale))
    y = min(height - 1, round(box.y / scale))
    w = max(1, min(width - x, round(box.width / scale)))
    h = max(1, min(height - y, round(box.height / scale)))
    return Box(x, y, w, h)


def find_open_eye(gray: Gray, face: Box, *, near: Eye | None = None) -> Eye | None:
    """An open eye in the upper half of ``face``, or None.

    With ``near`` (an eye of the preceding frame, inside the upper half of ``face``) the
    search starts around it with the cascade that found it; the whole upper half is
    searched when that finds nothing, with the plain eye cascade and, when it finds none,
    the eyeglasses cascade.
    """
    if near is not None and in_upper_half(near.box, face):
        tracked = _search_around(
            gray,
            near.box,
            near.cascade,
            margin=EYE_TRACK_MARGIN,
            side=EYE_TRACK_SIDE,
            relative=(EYE_TRACK_MIN_RELATIVE, EYE_TRACK_MAX_RELATIVE),
            scale_factor=EYE_SCALE_FACTOR,
            min_neighbors=EYE_MIN_NEIGHBORS,
        )
        if tracked:
            return Eye(tracked[0], near.cascade)
    upper = gray[face.y : face.y + max(1, face.height // 2), face.x : face.x + face.width]
    if upper.size == 0:
        return None
    height = max(1, round(upper.shape[0] * EYE_SEARCH_WIDTH / upper.shape[1]))
    region = cv2.resize(upper, (EYE_SEARCH_WIDTH, height), interpolation=cv2.INTER_AREA)
    smallest = round(EYE_SEARCH_WIDTH * EYE_MIN_RELATIVE_SIZE)
    largest = round(EYE_SEARCH_WIDTH * EYE_MAX_RELATIVE_SIZE)
    for name in EYE_CASCADES:
        with _cascade(name) as classifier:
            found = classifier.detectMultiScale(
                region,
                scaleFactor=EYE_SCALE_FACTOR,
                minNeighbors=EYE_MIN_NEIGHBORS,
                minSize=(smallest, smallest),
                maxSize=(largest, largest),
            )
        boxes = sorted(_as_boxes(found))
        if boxes:
            scale = EYE_SEARCH_WIDTH / upper.shape[1]
            box = _rescale(boxes[0], scale, upper.shape[1], upper.shape[0])
            return Eye(Box(box.x + face.x, box.y + face.y, box.width, box.height), name)
    return None


def eyes_open(gray: Gray, face: Box) -> bool:
    """True when an eye cascade finds at least one eye in the upper half of ``face``."""
    return find_open_eye(gray, face) is not None
