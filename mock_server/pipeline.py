"""The deterministic reference pipeline: faces, attack cues, blink, facematch, verdicts.

Presentation-attack cues on a face and the face signature used by facematch.

Both cues are scores in [0, 1] that fire at :data:`CUE_FIRES_AT` (0.5):

* ``screen``: a screen replay adds a moire pattern and the display's subpixel grid,
  i.e. strong isolated peaks in the spatial spectrum. On the central
  ``SPECTRUM_SIDE`` square of the face (native resolution, Hann window), each
  log-magnitude bin outside the low-frequency disc is compared with the mean of its
  frequency ring; ``peak`` is the largest excess (natural log units).
  ``screen = ramp(peak, SCREEN_PEAK_GENUINE, SCREEN_PEAK_ATTACK)``.
* ``print``: a printed photo is soft, washed out and grainy. On the face box resized
  to ``TEXTURE_SIDE`` squared: ``blur = ramp(-sharpness, -PRINT_SHARP_GENUINE,
  -PRINT_SHARP_ATTACK)`` with sharpness the Laplacian variance of the lightly
  smoothed face; ``pale = ramp(-saturation, -PRINT_SAT_GENUINE, -PRINT_SAT_ATTACK)``
  with saturation the mean HSV saturation (0 for a colourless picture, whose
  ``pale`` is not used); ``print = sqrt(blur * pale)`` for colour (a sharp pale face
  or a soft colourful one is not a print), ``blur`` alone for gray pictures.

``ramp(x, a, b)`` is 0 at ``a``, 1 at ``b``, linear between and clamped; the cue
fires at the midpoint of the two documented levels.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache
from typing import Final, Literal

import cv2
import numpy as np
import numpy.typing as npt

from mock_server._cascades import Box, Eye, detect_faces, eyes_open, find_open_eye, track_face
from mock_server.analysis import (
    CUE_FIRES_AT,
    CUE_NAMES,
    CUE_REASONS,
    FACEMATCH_BELOW_THRESHOLD,
    MULTIPLE_FACES,
    NO_BLINK,
    NO_FACE,
    PRINT_CUE,
    SCREEN_CUE,
    Analysis,
    FacematchAnalysis,
    ImageAnalysis,
    Mode,
    Tuning,
    Verdict,
    VideoAnalysis,
    ordered_reasons,
)
from mock_server.media import CORRUPT_IMAGE, MediaError, Picture, Video, decode_image, open_video

Gray = npt.NDArray[np.uint8]
Pixels = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float64]

FACE_COUNT_CONFIDENCE: Final = 0.95  # confidence of a verdict made on the face count
NO_BLINK_CONFIDENCE: Final = 0.9  # confidence of a video verdict made on a missing blink
# Legacy path: the whole frame is searched for faces on every LEGACY_FULL_SEARCH_EVERY-th
# frame, after a frame without exactly one face, and whenever the search around the
# preceding frame's face does not find exactly one face.
LEGACY_FULL_SEARCH_EVERY: Final = 10
# Between full searches the preceding face box is kept without any search while the face
# region stays still: the mean absolute difference of its LEGACY_STILL_SIDE-squared gray
# thumbnail from the one of the frame where the box was last searched for is below
# LEGACY_STILL_DIFF gray levels.
LEGACY_STILL_SIDE: Final = 16
LEGACY_STILL_DIFF: Final = 2.5
# The eye state is examined again only when the eye region changed: the upper half of that
# thumbnail differs from the one of the frame whose eyes were last examined by
# LEGACY_EYES_DIFF gray levels or more in some cell, once the mean difference (a change of
# light) is taken away. Otherwise that frame's eye state holds.
LEGACY_EYES_DIFF: Final = 8.0
# Sampled frames (and the still) are examined on this many threads, alongside decoding.
EXAMINE_THREADS: Final = 2
# Legacy path: frames whose faces are located but whose findings are not yet taken.
LEGACY_IN_FLIGHT: Final = 4

SPECTRUM_SIDE: Final = 128
SPECTRUM_LOW_RADIUS: Final = 0.2  # fraction of the Nyquist radius left out
SCREEN_PEAK_GENUINE: Final = 3.0
SCREEN_PEAK_ATTACK: Final = 5.0

TEXTURE_SIDE: Final = 96
TEXTURE_SMOOTHING_SIGMA: Final = 1.0
PRINT_SHARP_GENUINE: Final = 450.0
PRINT_SHARP_ATTACK: Final = 150.0
PRINT_SAT_GENUINE: Final = 0.32
PRINT_SAT_ATTACK: Final = 0.12

# Facematch: the inner part of each face box, gray, resized and histogram-equalised;
# the still's central template is slid over the frame's face (TM_CCOEFF_NORMED).
SIGNATURE_SIDE: Final = 64
SIGNATURE_INNER: Final = 0.8  # central fraction of the face box kept
SIGNATURE_SHIFT: Final = 4  # template margin, pixels at SIGNATURE_SIDE
FACEMATCH_CUTOFF: Final = 0.55


def ramp(value: float, genuine: float, attack: float) -> float:
    position = (value - genuine) / (attack - genuine)
    return float(min(1.0, max(0.0, position)))


def _clip_box(box: Box, width: int, height: int) -> Box:
    x, y = max(0, box.x), max(0, box.y)
    return Box(x, y, max(1, min(width - x, box.width)), max(1, min(height - y, box.height)))


def _central_square(box: Box, side: int) -> Box:
    side = min(side, box.width, box.height)
    return Box(box.x + (box.width - side) // 2, box.y + (box.height - side) // 2, side, side)


@cache
def _ring_geometry(
    side: int,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_], Floats, Floats]:
    """For the bins of a real FFT (``rfft2``) of a ``side`` square: the integer ring of each
    bin used, which bins are used, how many bins of the full spectrum each one stands for,
    and each ring's bin count over the full spectrum."""
    rows = np.fft.fftfreq(side) * side
    columns = np.fft.rfftfreq(side) * side
    radius = np.hypot(rows[:, None], columns[None, :])
    usable = (radius >= SPECTRUM_LOW_RADIUS * (side // 2)) & (radius <= side // 2)
    rings = np.rint(radius).astype(np.intp)[usable]
    # a column other than the first and the Nyquist one stands for its mirror image too
    mirrored = np.ones(columns.shape)
    mirrored[1 : (side + 1) // 2] = 2.0
    weights = np.broadcast_to(mirrored, radius.shape)[usable]
    counts = np.bincount(rings, weights=weights, minlength=side // 2 + 1).astype(np.float64)
    return rings, usable, weights, counts


@cache
def _hann(side: int) -> Floats:
    window = np.hanning(side)
    return np.outer(window, window)


def spectral_peak(gray: Gray, face: Box) -> float:
    """Largest excess of a log-spectrum bin over its ring's mean, outside low frequencies."""
    square = _central_square(face, SPECTRUM_SIDE)
    patch = gray[square.y : square.y + square.height, square.x : square.x + square.width]
    if patch.shape != (SPECTRUM_SIDE, SPECTRUM_SIDE):
        resized = cv2.resize(patch, (SPECTRUM_SIDE, SPECTRUM_SIDE), interpolation=cv2.INTER_LINEAR)
        patch = np.asarray(resized, np.uint8)
    values = patch.astype(np.float64)
    values -= values.mean()
    # the spectrum of a real picture is symmetric: half of it holds every value
    spectrum = np.log1p(np.abs(np.fft.rfft2(values * _hann(SPECTRUM_SIDE))))
    ring_ids, usable, weights, counts = _ring_geometry(SPECTRUM_SIDE)
    ring_values = spectrum[usable]
    sums = np.bincount(ring_ids, weights=ring_values * weights, minlength=counts.shape[0])
    means = sums / np.maximum(counts, 1.0)
    return float(np.max(ring_values - means[ring_ids]))


def texture_features(bgr: Pixels, face: Box) -> tuple[float, float]:
    """(sharpness, saturation) of the face box resized to TEXTURE_SIDE squared."""
    crop = bgr[face.y : face.y + face.height, face.x : face.x + face.width]
    small = cv2.resize(crop, (TEXTURE_SIDE, TEXTURE_SIDE), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    smooth = cv2.GaussianBlur(gray, (0, 0), TEXTURE_SMOOTHING_SIGMA)
    sharpness = float(cv2.Laplacian(smooth, cv2.CV_64F, ksize=3).var())
    saturation = float(cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1].mean()) / 255.0
    return sharpness, saturation


def attack_cues(bgr: Pixels, gray: Gray, face: Box, *, is_grayscale: bool) -> dict[str, float]:
    """Cue name -> score in [0, 1], rounded to 4 decimals."""
    face = _clip_box(face, gray.shape[1], gray.shape[0])
    screen = ramp(spectral_peak(gray, face), SCREEN_PEAK_GENUINE, SCREEN_PEAK_ATTACK)
    sharpness, saturation = texture_features(bgr, face)
    blur = ramp(-sharpness, -PRINT_SHARP_GENUINE, -PRINT_SHARP_ATTACK)
    if is_grayscale:
        printed = blur
    else:
        pale = ramp(-saturation, -PRINT_SAT_GENUINE, -PRINT_SAT_ATTACK)
        printed = math.sqrt(blur * pale)
    return {PRINT_CUE: round(printed, 4), SCREEN_CUE: round(screen, 4)}


def face_signature(gray: Gray, face: Box) -> Gray:
    """The normalised gray face used by facematch."""
    face = _clip_box(face, gray.shape[1], gray.shape[0])
    inset_x = round(face.width * (1 - SIGNATURE_INNER) / 2)
    inset_y = round(face.height * (1 - SIGNATURE_INNER) / 2)
    crop = gray[
        face.y + inset_y : face.y + face.height - inset_y,
        face.x + inset_x : face.x + face.width - inset_x,
    ]
    small = cv2.resize(crop, (SIGNATURE_SIDE, SIGNATURE_SIDE), interpolation=cv2.INTER_AREA)
    return np.asarray(cv2.equalizeHist(small), np.uint8)


def face_similarity(still: Gray, frame: Gray) -> float:
    """Best normalised cross-correlation of the still's central face over the frame's face."""
    margin = SIGNATURE_SHIFT
    template = still[margin:-margin, margin:-margin]
    scores = cv2.matchTemplate(frame, template, cv2.TM_CCOEFF_NORMED)
    return float(round(float(scores.max()), 4))


# --- per-picture findings ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Findings:
    """What one still or frame shows: faces, attack cues, eye state, signature."""

    face_count: int
    cues: dict[str, float]
    eyes_open: bool | None
    signature: Gray | None
    face: Box | None = None

    @property
    def attack_score(self) -> float:
        return max(self.cues.values(), default=0.0)

    @property
    def reasons(self) -> tuple[str, ...]:
        if self.face_count == 0:
            return (NO_FACE,)
        if self.face_count > 1:
            return (MULTIPLE_FACES,)
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


def describe(picture: Picture, faces: tuple[Box, ...], *, eyes: bool, signature: bool) -> Findings:
    """With exactly one face, its cues and, if asked, the eye state and the signature."""
    if len(faces) != 1:
        return Findings(len(faces), {name: 0.0 for name in CUE_NAMES}, None, None)
    face, gray = faces[0], picture.gray
    return Findings(
        face_count=1,
        cues=attack_cues(picture.bgr, gray, face, is_grayscale=picture.is_grayscale),
        eyes_open=eyes_open(gray, face) if eyes else None,
        signature=face_signature(gray, face) if signature else None,
        face=face,
    )


def examine(picture: Picture, *, eyes: bool, signature: bool) -> Findings:
    """Search the whole picture for faces and describe the one face, if so."""
    return describe(picture, locate(picture.gray), eyes=eyes, signature=signature)


def face_thumbnail(gray: Gray, face: Box) -> Floats:
    face = _clip_box(face, gray.shape[1], gray.shape[0])
    crop = gray[face.y : face.y + face.height, face.x : face.x + face.width]
    side = (LEGACY_STILL_SIDE, LEGACY_STILL_SIDE)
    return np.asarray(cv2.resize(crop, side, interpolation=cv2.INTER_AREA), np.float64)


def eye_region_changed(thumbnail: Floats, reference: Floats) -> bool:
    """Whether the upper halves of two face thumbnails differ beyond a change of light."""
    upper = LEGACY_STILL_SIDE // 2
    difference = thumbnail[:upper] - reference[:upper]
    difference -= difference.mean()
    return bool(np.max(np.abs(difference)) >= LEGACY_EYES_DIFF)


def _rounded(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 4)


def _verdict(is_real: bool) -> Verdict:
    return "real" if is_real else "fake"


def image_analysis(findings: Findings) -> ImageAnalysis:
    """The still's verdict. Confidence is in the verdict: 1 - attack score when real,
    the attack score when a cue fired, FACE_COUNT_CONFIDENCE for a face-count verdict."""
    reasons = findings.reasons
    if findings.face_count != 1:
        confidence = FACE_COUNT_CONFIDENCE
    elif reasons:
        confidence = findings.attack_score
    else:
        confidence = 1.0 - findings.attack_score
    return ImageAnalysis(
        result=_verdict(not reasons),
        confidence=_rounded(confidence),
        face_count=findings.face_count,
        cues=dict(findings.cues),
        reasons=reasons,
    )


# --- blink ------------------------------------------------------------------------------


class BlinkTracker:
    """Eye states of successive frames with a face; a blink is open, closed, then open."""

    def __init__(self) -> None:
        self._seen_open = False
        self._seen_closed = False
        self.detected = False

    def observe(self, eyes_are_open: bool | None) -> bool:
        """Record one frame's eye state (None: no single face); True once a blink completed."""
        if eyes_are_open is None or self.detected:
            return self.detected
        if eyes_are_open:
            if self._seen_closed:
                self.detected = True
            self._seen_open = True
        elif self._seen_open:
            self._seen_closed = True
        return self.detected


# --- video ------------------------------------------------------------------------------


def sampled_indices(total_frames: int, rate: int, cap: int) -> tuple[int, ...]:
    """0, r, 2r, ... below total_frames, the first ``cap`` of them."""
    count = min(cap, -(-total_frames // rate))
    return tuple(range(0, count * rate, rate))


@dataclass(slots=True)
class _FrameRun:
    indices: list[int]
    findings: list[Findings]
    blink: BlinkTracker
    total_frames: int = 0


def _run_sampled(
    video: Video, tuning: Tuning, signatures: int, pool: ThreadPoolExecutor
) -> _FrameRun:
    """Frames 0, r, 2r, ... examined on ``pool`` while the rest of the clip decodes, and
    taken in frame order. Once a blink has completed, the frames examined after that are
    not looked at for eyes (their eye state could not change the result)."""
    run = _FrameRun([], [], BlinkTracker())
    rate, cap = tuning.frame_sampling_rate, tuning.max_frames_to_analyze
    last_wanted = rate * (cap - 1)

    def wanted(index: int) -> bool:
        return index % rate == 0 and index <= last_wanted

    def examine_frame(picture: Picture, signature: bool) -> Findings:
        # the frames taken so far all come before this one
        return examine(picture, eyes=not run.blink.detected, signature=signature)

    def take_oldest() -> None:
        findings = pending.popleft().result()
        if run.blink.detected:
            findings = replace(findings, eyes_open=None)
        run.findings.append(findings)
        run.blink.observe(findings.eyes_open if findings.face_count == 1 else None)

    pending: deque[Future[Findings]] = deque()
    with video.frames(wanted, convert=True) as frames:
        for frame in frames:
            signature = len(run.indices) < signatures
            pending.append(pool.submit(examine_frame, frame.picture(), signature))
            run.indices.append(frame.index)
            while pending and pending[0].done():
                take_oldest()
    run.total_frames = frames.total_frames
    while pending:
        take_oldest()
    return run


def _run_legacy(video: Video, signatures: int, pool: ThreadPoolExecutor) -> _FrameRun:
    """Consecutive frames from frame 0 until a blink completes.

    Faces and eyes are looked for here, frame after frame (each search starts from what the
    preceding frame showed); the attack cues and signatures are computed on ``pool``, at
    most LEGACY_IN_FLIGHT frames ahead, and taken in frame order. Frames past the one that
    completes the blink are dropped, so the result does not depend on timing.
    """
    run = _FrameRun([], [], BlinkTracker())
    in_flight: deque[tuple[int, bool | None, Future[Findings]]] = deque()

    def take_oldest() -> None:
        index, eyes_are_open, future = in_flight.popleft()
        findings = future.result()
        if findings.face_count == 1:
            findings = replace(findings, eyes_open=eyes_are_open)
        run.indices.append(index)
        run.findings.append(findings)
        run.blink.observe(findings.eyes_open)

    previous: Box | None = None
    reference: Floats | None = None  # thumbnail of the face where it was last searched for
    eyes_reference: Floats | None = None  # face thumbnail where the eyes were last examined
    eye: Eye | None = None  # the open eye last found
    eyes_are_open: bool | None = None
    submitted = 0
    with video.frames(lambda _: not run.blink.detected) as frames:
        for frame in frames:
            if run.blink.detected:
                continue
            picture = frame.picture()
            gray = picture.gray
            near = keep = thumbnail = None
            if previous is not None and frame.index % LEGACY_FULL_SEARCH_EVERY:
                near = previous
                if reference is not None:
                    thumbnail = face_thumbnail(gray, previous)
                    change = float(np.mean(np.abs(thumbnail - reference)))
                    keep = previous if change < LEGACY_STILL_DIFF else None
            faces = locate(gray, near=near, keep=keep)
            previous = faces[0] if len(faces) == 1 else None
            if previous is None:
                reference = eyes_reference = eye = eyes_are_open = None
            else:
                if keep is None:
                    thumbnail = reference = face_thumbnail(gray, previous)
                assert thumbnail is not None
                if eyes_reference is None or eye_region_changed(thumbnail, eyes_reference):
                    eyes_reference = thumbnail
                    eye = find_open_eye(gray, previous, near=eye)
                    eyes_are_open = eye is not None
            job = pool.submit(
                describe, picture, faces, eyes=False, signature=submitted < signatures
            )
            in_flight.append((frame.index, eyes_are_open, job))
            submitted += 1
            while (
                in_flight
                and not run.blink.detected
                and (len(in_flight) > LEGACY_IN_FLIGHT or in_flight[0][2].done())
            ):
                take_oldest()
    run.total_frames = frames.total_frames
    while in_flight and not run.blink.detected:
        take_oldest()
    for _, _, job in in_flight:
        job.cancel()
    return run


def _frame_failure_reasons(findings: list[Findings]) -> tuple[str, ...]:
    """The most frequent reason among the frames that are not real (ties: all of them)."""
    counts: dict[str, int] = {}
    for item in findings:
        for reason in item.reasons:
            counts[reason] = counts.get(reason, 0) + 1
    if not counts:
        return ()
    most = max(counts.values())
    return ordered_reasons(tuple(reason for reason, n in counts.items() if n == most))


def video_analysis(run: _FrameRun, path: Literal["sampled", "legacy"]) -> VideoAnalysis:
    """The video's verdict: real iff at least half the analysed frames are real and a blink
    was seen. Confidence when real: mean (1 - attack score) of the real frames; when the
    frames fail: the fraction of analysed frames that are not real; when only the blink is
    missing: NO_BLINK_CONFIDENCE."""
    analyzed = len(run.findings)
    real = [item for item in run.findings if item.is_real]
    frames_pass = analyzed > 0 and 2 * len(real) >= analyzed
    reasons: tuple[str, ...] = ()
    if frames_pass:
        confidence = NO_BLINK_CONFIDENCE
    else:
        reasons = _frame_failure_reasons(run.findings) or (NO_FACE,)
        confidence = 1.0 - len(real) / analyzed if analyzed else FACE_COUNT_CONFIDENCE
    if not run.blink.detected:
        reasons = ordered_reasons(reasons, (NO_BLINK,))
    if not reasons:
        confidence = sum(1.0 - item.attack_score for item in real) / len(real)
    return VideoAnalysis(
        total_frames=run.total_frames,
        analyzed_frames=tuple(run.indices),
        real_frames=len(real),
        blink_detected=run.blink.detected,
        result=_verdict(not reasons),
        confidence=_rounded(confidence),
        reasons=reasons,
        path=path,
    )


# --- facematch --------------------------------------------------------------------------


def facematch_analysis(still: Findings, run: _FrameRun, tuning: Tuning) -> FacematchAnalysis:
    """Compare the still with the first ``facematch_frames`` analysed frames."""
    requested = tuning.facematch_frames
    candidates = run.findings[:requested]
    tested = matched = 0
    if still.signature is not None:
        for item in candidates:
            if item.signature is None:
                continue
            tested += 1
            if face_similarity(still.signature, item.signature) >= FACEMATCH_CUTOFF:
                matched += 1
    # exact comparison of matched / tested with the threshold's 4 decimals
    threshold_units = round(tuning.facematch_threshold * 10_000)
    passed = tested > 0 and matched * 10_000 >= threshold_units * tested
    reasons: tuple[str, ...] = ()
    if not passed:
        reasons = (FACEMATCH_BELOW_THRESHOLD,)
        if tested == 0:
            crowded = still.face_count > 1 or (
                still.face_count == 1 and any(item.face_count > 1 for item in candidates)
            )
            reasons = ordered_reasons(reasons, (MULTIPLE_FACES if crowded else NO_FACE,))
    return FacematchAnalysis(
        frames_requested=requested,
        frames_tested=tested,
        frames_matched=matched,
        confidence=_rounded(matched / tested) if tested else 0.0,
        threshold=tuning.facematch_threshold,
        passed=passed,
        reasons=reasons,
        frame_indices=tuple(run.indices[:requested]),
    )


# --- the whole analysis -----------------------------------------------------------------


def _combined_confidence(checks: list[tuple[bool, float]]) -> float:
    """All checks passed: the lowest confidence; else the highest among the failed ones."""
    failed = [confidence for passed, confidence in checks if not passed]
    if failed:
        return max(failed)
    return min(confidence for _, confidence in checks)


def analyze(*, image: Picture | None, video: Video | None, tuning: Tuning) -> Analysis:
    """Run the reference pipeline on decoded media (at least one of the two)."""
    if image is None and video is None:
        raise ValueError("analyze needs an image, a video or both")
    both = image is not None and video is not None
    enhanced = tuning.enhanced_detection or not both
    if video is None:
        assert image is not None
        still: Findings | None = examine(image, eyes=False, signature=False)
        run = None
    else:
        with ThreadPoolExecutor(EXAMINE_THREADS, thread_name_prefix="examine") as pool:
            pending = pool.submit(examine, image, eyes=False, signature=both) if image else None
            signatures = tuning.facematch_frames if both else 0
            if enhanced:
                run = _run_sampled(video, tuning, signatures, pool)
            else:
                run = _run_legacy(video, signatures, pool)
            still = pending.result() if pending is not None else None
    image_block = image_analysis(still) if still is not None else None
    video_block = facematch = None
    if run is not None:
        video_block = video_analysis(run, "sampled" if enhanced else "legacy")
        if still is not None:
            facematch = facematch_analysis(still, run, tuning)

    if image_block is not None and video_block is None:
        result, confidence = image_block.result, image_block.confidence
    elif video_block is not None and image_block is None:
        result, confidence = video_block.result, video_block.confidence
    else:
        assert image_block is not None and video_block is not None
        checks = [
            (image_block.result == "real", image_block.confidence),
            (video_block.result == "real", video_block.confidence),
        ]
        result = _verdict(all(passed for passed, _ in checks))
        confidence = _rounded(_combined_confidence(checks))

    overall_passed = result == "real" and (facematch is None or facematch.passed)
    overall_confidence = confidence
    if facematch is not None:
        overall_confidence = min(confidence, facematch.confidence)
    reasons = ordered_reasons(
        image_block.reasons if image_block else (),
        video_block.reasons if video_block else (),
        facematch.reasons if facematch else (),
    )
    mode: Mode = "image_video" if both else ("image" if image is not None else "video")
    return Analysis(
        mode=mode,
        enhanced=enhanced,
        tuning=tuning,
        image=image_block,
        video=video_block,
        facematch=facematch,
        result=result,
        confidence=confidence,
        overall_passed=overall_passed,
        overall_confidence=_rounded(overall_confidence),
        reasons=reasons,
    )


def analyze_bytes(
    image_bytes: bytes | str | None,
    video_bytes: bytes | None,
    tuning: Tuning,
    *,
    image_is_base64: bool = False,
) -> Analysis:
    """Decode the media (raising MediaError) and analyse them."""
    image = None
    if image_bytes is not None:
        raw = decode_base64_image(image_bytes) if image_is_base64 else image_bytes
        if isinstance(raw, str):
            raw = raw.encode("latin-1")
        image = decode_image(raw)
    video = open_video(video_bytes) if video_bytes is not None else None
    return analyze(image=image, video=video, tuning=tuning)


def decode_base64_image(text: bytes | str) -> bytes:
    """The bytes of a base64 image field (whitespace ignored; a data: URL prefix allowed)."""
    value = text.encode("ascii", "replace") if isinstance(text, str) else text
    value = b"".join(value.split())
    if value.startswith(b"data:") and b"," in value:
        value = value.split(b",", 1)[1]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise MediaError(CORRUPT_IMAGE, "image: the base64 text cannot be decoded") from None
