"""Presentation-attack cues on a face: the spectral screen cue and the print texture cue.

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

import math
from functools import cache
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt

from mock_server._cascades import Box
from mock_server.analysis import CUE_FIRES_AT, PRINT_CUE, SCREEN_CUE

__all__ = ["CUE_FIRES_AT", "Floats", "Gray", "Pixels", "attack_cues", "clip_box", "ramp"]

Gray = npt.NDArray[np.uint8]
Pixels = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float64]

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


def ramp(value: float, genuine: float, attack: float) -> float:
    position = (value - genuine) / (attack - genuine)
    return float(min(1.0, max(0.0, position)))


def clip_box(box: Box, width: int, height: int) -> Box:
    """``box`` cut to a ``width`` x ``height`` picture (at least one pixel each way)."""
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
    face = clip_box(face, gray.shape[1], gray.shape[0])
    screen = ramp(spectral_peak(gray, face), SCREEN_PEAK_GENUINE, SCREEN_PEAK_ATTACK)
    sharpness, saturation = texture_features(bgr, face)
    blur = ramp(-sharpness, -PRINT_SHARP_GENUINE, -PRINT_SHARP_ATTACK)
    if is_grayscale:
        printed = blur
    else:
        pale = ramp(-saturation, -PRINT_SAT_GENUINE, -PRINT_SAT_ATTACK)
        printed = math.sqrt(blur * pale)
    return {PRINT_CUE: round(printed, 4), SCREEN_CUE: round(screen, 4)}
