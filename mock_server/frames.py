"""The two frame schedulers of a video, each examining frames on a thread pool while the
clip decodes, and taking their findings in frame order.

* sampled (enhanced detection): frames 0, r, 2r, ... up to the cap, the blink searched
  over every frame up to the last of them;
* legacy: consecutive frames from frame 0 until a blink completes, faces and eyes
  followed from frame to frame with shortcuts while the face stays still.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Final, NamedTuple

import cv2
import numpy as np

from mock_server._cascades import (
    FACE_MIN_ANALYSED_WIDTH,
    Box,
    Eye,
    detect_faces,
    find_open_eye,
    in_upper_half,
)
from mock_server.analysis import Tuning
from mock_server.blink import BlinkTracker
from mock_server.cues import Floats, Gray, clip_box
from mock_server.findings import (
    Findings,
    describe,
    describe_faces,
    locate,
    signature_of,
)
from mock_server.media import DecodedFrame, Video

# Legacy path: the whole frame is searched for faces on every LEGACY_FULL_SEARCH_EVERY-th
# frame, after a frame without exactly one face, and whenever the search around the
# preceding frame's face does not find exactly one face. Every half second at 30 fps, as
# often as the sampled path analyses frames by default: a face that comes into view is
# counted within that time.
LEGACY_FULL_SEARCH_EVERY: Final = 15
# Between full searches the preceding face box is kept without any search while the face
# region stays still: the mean absolute difference of its LEGACY_STILL_SIDE-squared gray
# thumbnail from the one of the frame where the box was last searched for is below
# LEGACY_STILL_DIFF gray levels.
LEGACY_STILL_SIDE: Final = 16
LEGACY_STILL_DIFF: Final = 2.5
# When the face region is not still, the face is first followed by correlation: the face
# as it was where it was last searched for, averaged in square blocks so that it is
# FOLLOW_SIDE to 2 * FOLLOW_SIDE blocks wide (or in single pixels, when
# smaller), is slid over the preceding box grown by FOLLOW_MARGIN of its width on
# every side, in the same blocks; the box moves to the best place (refined between blocks
# by a parabola through the scores) when the normalised correlation there is at least
# FOLLOW_MIN_CORRELATION, else the face is searched for around it.
FOLLOW_SIDE: Final = 32
FOLLOW_MARGIN: Final = 0.25
FOLLOW_MIN_CORRELATION: Final = 0.9
# The eye state is examined again only when the eye region changed: the upper half of that
# thumbnail differs from the one of the frame whose eyes were last examined by
# LEGACY_EYES_DIFF gray levels or more in some cell, once the mean difference (a change of
# light) is taken away. Otherwise that frame's eye state holds.
LEGACY_EYES_DIFF: Final = 8.0
# Legacy path: frames whose faces are located but whose findings are not yet taken.
LEGACY_IN_FLIGHT: Final = 4
# Legacy path: the whole-frame searches of the LEGACY_FULL_SEARCH_EVERY-th frames start on
# the thread pool up to this many frames before the frame is followed.
LEGACY_LOOKAHEAD: Final = 6
# Legacy path: the attack cues of the face are measured on every LEGACY_CUES_EVERY-th
# frame and on the first frame of each run of frames that show a single face; a frame in
# between takes the cues of the latest measured frame of its run (the same face, followed
# from frame to frame). Facematch signatures are taken on their own frames.
LEGACY_CUES_EVERY: Final = 15


def _crop(gray: Gray, box: Box, multiple_of: tuple[int, int]) -> Gray:
    """``box`` cut to the picture, then trimmed evenly on both sides to a multiple of
    ``multiple_of`` (width, height) pixels, where it is at least that large."""
    box = clip_box(box, gray.shape[1], gray.shape[0])
    crop = gray[box.y : box.y + box.height, box.x : box.x + box.width]
    (step_x, step_y), (height, width) = multiple_of, crop.shape
    if width >= step_x and height >= step_y:
        left, top = (width % step_x) // 2, (height % step_y) // 2
        crop = crop[top : top + height - height % step_y, left : left + width - width % step_x]
    return crop


def _shrink(crop: Gray, size: tuple[int, int]) -> Gray:
    return np.asarray(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), np.uint8)


def face_thumbnail(gray: Gray, face: Box) -> Floats:
    """The face box averaged down to LEGACY_STILL_SIDE squared (trimmed evenly to a
    multiple of it first, so each cell is the mean of a whole block of pixels)."""
    side = (LEGACY_STILL_SIDE, LEGACY_STILL_SIDE)
    return np.asarray(_shrink(_crop(gray, face, side), side), np.float64)


def _follow_step(face: Box) -> int:
    """The follower works on blocks of this many pixels squared: the face is at least
    FOLLOW_SIDE blocks wide."""
    return max(1, face.width // FOLLOW_SIDE)


def _blocks(gray: Gray, box: Box, step: int) -> Gray:
    crop = _crop(gray, box, (step, step))
    height, width = crop.shape
    return crop if step == 1 else _shrink(crop, (width // step, height // step))


def follow_template(gray: Gray, face: Box) -> Gray:
    """A face or an eye as :func:`follow` looks for it, in blocks (see _follow_step)."""
    return _blocks(gray, face, _follow_step(face))


def follow(gray: Gray, previous: Box, template: Gray) -> Box | None:
    """``previous`` (a face or an eye) moved to where ``template`` (taken from a box as
    wide) correlates best nearby, or None when the best correlation is below
    FOLLOW_MIN_CORRELATION."""
    height, width = gray.shape
    step = _follow_step(previous)
    grow = round(previous.width * FOLLOW_MARGIN)
    left, top = max(0, previous.x - grow), max(0, previous.y - grow)
    right = min(width, previous.x + previous.width + grow)
    bottom = min(height, previous.y + previous.height + grow)
    region = _blocks(gray, Box(left, top, right - left, bottom - top), step)
    if region.shape[0] < template.shape[0] or region.shape[1] < template.shape[1]:
        return None
    scores = np.asarray(cv2.matchTemplate(region, template, cv2.TM_CCOEFF_NORMED), np.float64)
    _, best, _, (x, y) = cv2.minMaxLoc(scores)
    if not best >= FOLLOW_MIN_CORRELATION:
        return None
    # the region was trimmed by (its size mod step) // 2 on the left and at the top
    x0 = left + ((right - left) % step) // 2
    y0 = top + ((bottom - top) % step) // 2
    # the template too, inside the face box
    x0 -= (previous.width % step) // 2
    y0 -= (previous.height % step) // 2
    dx, dy = _peak_offset(scores[y, :], x), _peak_offset(scores[:, x], y)
    moved = Box(x0 + round((x + dx) * step), y0 + round((y + dy) * step), *previous[2:])
    return clip_box(moved, width, height)


def _peak_offset(scores: Floats, at: int) -> float:
    """Where the parabola through the scores at ``at - 1``, ``at`` and ``at + 1`` peaks,
    relative to ``at`` (0 at an edge or on a flat top)."""
    if at == 0 or at == len(scores) - 1:
        return 0.0
    left, centre, right = (float(value) for value in scores[at - 1 : at + 2])
    curvature = left - 2.0 * centre + right
    return 0.0 if curvature >= 0.0 else max(-0.5, min(0.5, (left - right) / (2.0 * curvature)))


def eye_region_changed(thumbnail: Floats, reference: Floats) -> bool:
    """Whether the upper halves of two face thumbnails differ beyond a change of light."""
    upper = LEGACY_STILL_SIDE // 2
    difference = thumbnail[:upper] - reference[:upper]
    difference -= difference.mean()
    return bool(np.max(np.abs(difference)) >= LEGACY_EYES_DIFF)


# --- schedulers ------------------------------------------------------------------------


def sampled_indices(total_frames: int, rate: int, cap: int) -> tuple[int, ...]:
    """0, r, 2r, ... below total_frames, the first ``cap`` of them."""
    count = min(cap, -(-total_frames // rate))
    return tuple(range(0, count * rate, rate))


@dataclass(slots=True)
class FrameRun:
    indices: list[int]
    findings: list[Findings]
    blink: BlinkTracker
    total_frames: int = 0


# Sampled path: the single face of an analysed frame is looked for on the next one as the
# legacy path does from frame to frame: followed by correlation (see follow), else
# searched for around where it was; the whole frame is searched on every
# SAMPLED_FULL_SEARCH_EVERY-th analysed frame from the first, and whenever neither finds
# exactly one face.
SAMPLED_FULL_SEARCH_EVERY: Final = 2
# Sampled path: the blink is searched over every frame from frame 0 to the last analysed
# frame. Each frame's eyes are looked for in the face box of the latest analysed frame at
# or before it (on its light levels, see DecodedFrame.luma), following the eye from frame
# to frame, and only when the eye region changed (as on the legacy path); a blink is open
# eyes, then closed on at least DENSE_MIN_CLOSED consecutive frames (a detector's miss on a
# single frame is not a blink), then open. At most DENSE_BACKLOG frames wait for the
# faces of their analysed frame.
DENSE_MIN_CLOSED: Final = 2
DENSE_BACKLOG: Final = 8


class EyeFollower:
    """The eye state of consecutive frames of one face, looked at again only when the eye
    region changed (see LEGACY_EYES_DIFF). An open eye is followed by correlation with
    the eye as the cascades last found it (see FOLLOW_MIN_CORRELATION): while it is found
    that way it is open, and the cascades are not run. Otherwise the cascades search
    around the open eye last found, then the whole upper half of the face."""

    def __init__(self) -> None:
        self._reference: Floats | None = None
        self._eye: Eye | None = None  # the open eye last found
        self._template: Gray | None = None  # that eye where the cascades last found it
        self._open: bool | None = None

    def reset(self, *, keep_eye: bool) -> None:
        """Forget the eye region (a new face box, or none); the open eye last found is
        kept as the start of the next search when ``keep_eye``."""
        self._reference = self._open = None
        if not keep_eye:
            self._eye = self._template = None

    def eyes_open(self, gray: Gray, face: Box, thumbnail: Floats | None = None) -> bool:
        """Whether the eyes of ``face`` are open (``thumbnail``: its face_thumbnail)."""
        if thumbnail is None:
            thumbnail = face_thumbnail(gray, face)
        if (
            self._open is None
            or self._reference is None
            or eye_region_changed(thumbnail, self._reference)
        ):
            self._reference = thumbnail
            self._open = self._look(gray, face)
        return self._open

    def _look(self, gray: Gray, face: Box) -> bool:
        eye, template = self._eye, self._template
        if eye is not None and template is not None and in_upper_half(eye.box, face):
            moved = follow(gray, eye.box, template)
            if moved is not None and in_upper_half(moved, face):
                self._eye = Eye(moved, eye.cascade)
                return True
        found = find_open_eye(gray, face, near=eye)
        if found is None:
            return False
        self._eye, self._template = found, follow_template(gray, found.box)
        return True


def run_sampled(
    video: Video, tuning: Tuning, signatures: int, pool: ThreadPoolExecutor
) -> FrameRun:
    """Frames 0, r, 2r, ... examined on ``pool`` while the rest of the clip decodes, and
    taken in frame order; the blink is searched over every frame up to the last of them
    (see DENSE_MIN_CLOSED), until one completes."""
    run = FrameRun([], [], BlinkTracker(DENSE_MIN_CLOSED))
    rate, cap = tuning.frame_sampling_rate, tuning.max_frames_to_analyze
    last_wanted = rate * (cap - 1)
    follower = EyeFollower()
    box_of: Future[_Sampled] | None = None  # the latest analysed frame
    box_from: Future[_Sampled] | None = None  # the one whose face the follower uses
    completed_at = -1  # the frame where the blink completed

    def analysed(index: int) -> bool:
        return index % rate == 0 and index <= last_wanted

    def searched_whole(position: int) -> bool:  # the position-th analysed frame
        return position % SAMPLED_FULL_SEARCH_EVERY == 0

    def take_eyes(frame: DecodedFrame, faces: Future[_Sampled]) -> None:
        nonlocal box_from, completed_at
        if run.blink.detected:
            return
        face = faces.result().findings.face
        if faces is not box_from:
            box_from = faces
            follower.reset(keep_eye=face is not None)
        if face is None:
            follower.reset(keep_eye=False)
            run.blink.observe(None)
            return
        if run.blink.observe(follower.eyes_open(frame.luma(), face)):
            completed_at = frame.index

    pending: deque[Future[_Sampled]] = deque()
    waiting: deque[tuple[DecodedFrame, Future[_Sampled]]] = deque()
    with video.frames(lambda index: index <= last_wanted) as frames:
        for frame in frames:
            if analysed(frame.index):
                position = len(run.indices)
                near = None if searched_whole(position) else box_of
                followed = not searched_whole(position + 1)
                box_of = pool.submit(_examine_near, frame, near, position < signatures, followed)
                pending.append(box_of)
                run.indices.append(frame.index)
            assert box_of is not None  # frame 0 is analysed
            if not run.blink.detected:
                waiting.append((frame, box_of))
            while waiting and (len(waiting) > DENSE_BACKLOG or waiting[0][1].done()):
                take_eyes(*waiting.popleft())
            while pending and pending[0].done():
                run.findings.append(pending.popleft().result().findings)
    run.total_frames = frames.total_frames
    while waiting:
        take_eyes(*waiting.popleft())
    run.findings.extend(future.result().findings for future in pending)
    if completed_at > run.indices[-1]:  # past the last analysed frame, known only now
        run.blink = BlinkTracker(DENSE_MIN_CLOSED)
    return run


class _Sampled(NamedTuple):
    """An analysed frame's findings, and its single face as :func:`follow` looks for it on
    the next analysed frame (when that one does)."""

    findings: Findings
    template: Gray | None


def _examine_near(
    frame: DecodedFrame, preceding: Future[_Sampled] | None, signature: bool, followed: bool
) -> _Sampled:
    """An analysed frame's findings, its faces looked for from the single face of
    ``preceding`` (the analysed frame before it, submitted earlier to the same pool, so
    already running or done) when it has one, else in the whole frame; with the face's
    template when ``followed`` (the next analysed frame follows it)."""
    picture = frame.picture()
    gray = picture.gray
    near = keep = None
    if preceding is not None:
        before = preceding.result()
        near = before.findings.face
        if near is not None and before.template is not None:
            keep = follow(gray, near, before.template)
    faces = locate(gray, near=near, keep=keep)
    template = follow_template(gray, faces[0]) if followed and len(faces) == 1 else None
    findings = describe(picture, faces, eyes=False, signature=signature)
    return _Sampled(findings, template)


_Search = Future[tuple[Box, ...]]


def _with_full_searches(
    frames: Iterator[DecodedFrame], pool: ThreadPoolExecutor
) -> Iterator[tuple[DecodedFrame, _Search | None]]:
    """The frames in order, every LEGACY_FULL_SEARCH_EVERY-th one with its whole-frame face
    search, started on ``pool`` LEGACY_LOOKAHEAD frames ahead."""
    ahead: deque[tuple[DecodedFrame, _Search | None]] = deque()
    for frame in frames:
        search = None
        if frame.index % LEGACY_FULL_SEARCH_EVERY == 0:
            search = pool.submit(detect_faces, frame.luma())
        ahead.append((frame, search))
        if len(ahead) > LEGACY_LOOKAHEAD:
            yield ahead.popleft()
    yield from ahead


Signed = Gray | None  # a frame's facematch signature
_UNSIGNED: Final[Future[Signed]] = Future()
_UNSIGNED.set_result(None)


def run_legacy(video: Video, signatures: int, pool: ThreadPoolExecutor) -> FrameRun:
    """Consecutive frames from frame 0 until a blink completes.

    Faces and eyes are looked for here, frame after frame, on the frames' light levels
    (each search starts from what the preceding frame showed). The attack cues and
    signatures are measured on ``pool`` (see LEGACY_CUES_EVERY), at most LEGACY_IN_FLIGHT
    frames ahead, and the findings taken in frame order. Frames past the one that
    completes the blink are dropped, so the result does not depend on timing.
    """
    run = FrameRun([], [], BlinkTracker())
    # index, eye state, faces, the findings whose cues the frame takes, whether they are
    # its own, and the frame's own facematch signature when the cues are an earlier frame's
    in_flight: deque[
        tuple[int, bool | None, tuple[Box, ...], Future[Findings] | None, bool, Future[Signed]]
    ]
    in_flight = deque()

    def take_oldest() -> None:
        index, eyes_are_open, faces, measured, own, signed = in_flight.popleft()
        if measured is None:  # not a single face
            findings = describe_faces(faces)
        else:
            findings = measured.result()
            if not own:  # the cues of an earlier frame of the same face
                findings = Findings(1, findings.cues, None, signed.result(), faces[0])
        if findings.face_count == 1:
            findings = replace(findings, eyes_open=eyes_are_open)
        run.indices.append(index)
        run.findings.append(findings)
        run.blink.observe(findings.eyes_open)

    def measure(frame: DecodedFrame, faces: tuple[Box, ...], signature: bool) -> Findings:
        return describe(frame.picture(), faces, eyes=False, signature=signature)

    def sign(frame: DecodedFrame, face: Box) -> Signed:
        return signature_of(frame.picture(), face)

    previous: Box | None = None
    reference: Floats | None = None  # thumbnail of the face where it was last searched for
    template: Gray | None = None  # the face followed by correlation, from the same frame
    eyes = EyeFollower()
    eyes_are_open: bool | None = None
    cues_of: Future[Findings] | None = None  # the latest measured frame of this face
    cues_on_small_face = False
    with video.frames(lambda _: not run.blink.detected) as frames:
        for frame, full_search in _with_full_searches(frames, pool):
            if run.blink.detected:
                if full_search is not None:
                    full_search.cancel()
                continue
            gray = frame.luma()
            near = keep = thumbnail = followed = None
            if previous is not None and full_search is None:
                near = previous
                if reference is not None:
                    thumbnail = face_thumbnail(gray, previous)
                    change = float(np.mean(np.abs(thumbnail - reference)))
                    keep = previous if change < LEGACY_STILL_DIFF else None
                    if keep is None and template is not None:
                        followed = keep = follow(gray, previous, template)
            if full_search is not None:
                faces = full_search.result()
            else:
                faces = locate(gray, near=near, keep=keep)
            own, signed = False, _UNSIGNED
            previous = faces[0] if len(faces) == 1 else None
            if previous is None:
                reference = template = eyes_are_open = cues_of = None
                eyes.reset(keep_eye=False)
            else:
                if keep is None:  # searched for
                    thumbnail = reference = face_thumbnail(gray, previous)
                    template = follow_template(gray, previous)
                elif keep is followed:
                    thumbnail = face_thumbnail(gray, previous)
                eyes_are_open = eyes.eyes_open(gray, previous, thumbnail)
                signature = frame.index < signatures
                if cues_of is None or cues_on_small_face or frame.index % LEGACY_CUES_EVERY == 0:
                    cues_of = pool.submit(measure, frame, faces, signature)
                    cues_on_small_face = previous.width < FACE_MIN_ANALYSED_WIDTH
                    own = True
                elif signature:
                    signed = pool.submit(sign, frame, previous)
            in_flight.append((frame.index, eyes_are_open, faces, cues_of, own, signed))
            while (
                in_flight
                and not run.blink.detected
                and (len(in_flight) > LEGACY_IN_FLIGHT or _ready(in_flight[0][3]))
            ):
                take_oldest()
    run.total_frames = frames.total_frames
    while in_flight and not run.blink.detected:
        take_oldest()
    for _, _, _, job, _, signing in in_flight:
        for pending in (job, signing):
            if pending is not None:
                pending.cancel()
    return run


def _ready(job: Future[Findings] | None) -> bool:
    return job is None or job.done()
