"""Presentation-attack cues on a face: the periodic-structure cue and the print cue.

Both cues are scores in [0, 1] that fire at :data:`CUE_FIRES_AT` (0.5). They measure what
the capture of a display or of a sheet of paper does to a picture, whatever the recipe:

* ``screen``: a display is a grid of subpixels. Photographed, the grid and its aliasing
  against the sensor's (moire) put isolated peaks into the spatial spectrum, at a
  frequency and orientation set by the pitch and the angle, in the brightness and in
  the colour differences (the subpixels are coloured). The face box is resized to
  ``SPECTRUM_SIDE`` squared and, for each of luma, R - G and B - G, the power spectra of
  ``TILE`` squared Hann-windowed tiles (half overlapping) are averaged (Welch's method:
  noise averages out, a periodic pattern does not). ``peak`` is the largest excess of a
  bin's log power over the mean of its frequency ring, over the three channels, leaving
  out the lowest ``SPECTRUM_LOW_BINS`` rings (the face's own shape) and the bins closer
  than ``AXIS_GAP`` to either frequency axis: JPEG's and H.264's block grid puts its own,
  axis-aligned peaks there. A display still shows off the axes (its harmonics, its
  colour structure, any rotation); refresh bands alone, which lie on the vertical axis,
  are not seen. ``screen = ramp(peak, SCREEN_PEAK_GENUINE, SCREEN_PEAK_ATTACK)``. A
  halftone print coarse enough to survive the resize shows the same peaks and fires it.
* ``print``: paper reflects light and ink absorbs only so much of it, so a print has a
  raised black level: on the face box resized to ``TEXTURE_SIDE`` squared,
  ``black = p2 / p98`` of the gray levels (2nd over 98th percentile; a live face has
  pupils, nostrils and hair close to black). ``ink = ramp(black, PRINT_BLACK_GENUINE,
  PRINT_BLACK_ATTACK)``. A print is also soft and washed out: ``blur =
  ramp(-sharpness, -PRINT_SHARP_GENUINE, -PRINT_SHARP_ATTACK)`` with sharpness the
  Laplacian variance of the lightly smoothed face, ``pale = ramp(-saturation,
  -PRINT_SAT_GENUINE, -PRINT_SAT_ATTACK)`` with saturation the mean HSV saturation,
  ``texture = sqrt(blur * pale)`` for colour (``blur`` alone for gray pictures).
  ``print = max(ink, texture)``.

``ramp(x, a, b)`` is 0 at ``a``, 1 at ``b``, linear between and clamped; the cue
fires at the midpoint of the two documented levels.
"""

from __future__ import annotations

import math
import threading
from functools import cache
from typing import Final

import cv2
import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from mock_server._cascades import Box
from mock_server.analysis import CUE_FIRES_AT, PRINT_CUE, SCREEN_CUE

__all__ = ["CUE_FIRES_AT", "Floats", "Gray", "Pixels", "attack_cues", "clip_box", "ramp"]

Gray = npt.NDArray[np.uint8]
Pixels = npt.NDArray[np.uint8]
Floats = npt.NDArray[np.float64]

SPECTRUM_SIDE: Final = 128
TILE: Final = 64
TILE_STEP: Final = 32
SPECTRUM_LOW_BINS: Final = 3  # rings 0-2 of a tile's spectrum (the face's shape) left out
AXIS_GAP: Final = 2  # bins this close to an axis left out: the codecs' block grid
SCREEN_PEAK_GENUINE: Final = 2.7
SCREEN_PEAK_ATTACK: Final = 3.5

TEXTURE_SIDE: Final = 96
TEXTURE_SMOOTHING_SIGMA: Final = 1.0
PRINT_SHARP_GENUINE: Final = 450.0
PRINT_SHARP_ATTACK: Final = 150.0
PRINT_SAT_GENUINE: Final = 0.32
PRINT_SAT_ATTACK: Final = 0.12
PRINT_BLACK_GENUINE: Final = 0.13
PRINT_BLACK_ATTACK: Final = 0.25
BLACK_PERCENTILES: Final = (2.0, 98.0)


def ramp(value: float, genuine: float, attack: float) -> float:
    position = (value - genuine) / (attack - genuine)
    return float(min(1.0, max(0.0, position)))


def clip_box(box: Box, width: int, height: int) -> Box:
    """``box`` cut to a ``width`` x ``height`` picture (at least one pixel each way)."""
    x, y = max(0, box.x), max(0, box.y)
    return Box(x, y, max(1, min(width - x, box.width)), max(1, min(height - y, box.height)))


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
    off_axes = (np.abs(rows)[:, None] >= AXIS_GAP) & (columns[None, :] >= AXIS_GAP)
    usable = (radius >= SPECTRUM_LOW_BINS) & (radius <= side // 2) & off_axes
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


class _Workspace(threading.local):
    """The arrays one thread's spectral measurements are made in, allocated once: fresh
    arrays of this size on every call cost more in page faults than the arithmetic."""

    def __init__(self) -> None:
        side, tiles = SPECTRUM_SIDE, (SPECTRUM_SIDE - TILE) // TILE_STEP + 1
        self.square = np.empty((side, side, 3), np.uint8)
        self.channels = np.empty((3, side, side))
        self.scratch = np.empty((side, side))
        self.tiles = np.empty((3, tiles, tiles, TILE, TILE))
        self.spectra = np.empty((3, tiles, tiles, TILE, TILE // 2 + 1), np.complex128)
        self.power = np.empty(self.spectra.shape)
        self.squared = np.empty(self.spectra.shape)


_workspace = _Workspace()


def _welch_peaks(channels: Floats, work: _Workspace) -> Floats:
    """Per channel of a (channels, SPECTRUM_SIDE, SPECTRUM_SIDE) stack: the largest excess
    of a bin's log mean power (over the half-overlapping TILE squares, each minus its
    mean, Hann-windowed) over its ring's mean, outside the low rings."""
    windows = sliding_window_view(channels, (TILE, TILE), axis=(1, 2))
    tiles = work.tiles  # (channels, rows, columns, TILE, TILE)
    np.copyto(tiles, windows[:, ::TILE_STEP, ::TILE_STEP])
    tiles -= tiles.mean(axis=(3, 4), keepdims=True)
    tiles *= _hann(TILE)
    spectra = np.fft.rfft2(tiles, out=work.spectra)
    power = np.multiply(spectra.real, spectra.real, out=work.power)
    power += np.multiply(spectra.imag, spectra.imag, out=work.squared)
    mean_power = power.mean(axis=(1, 2))
    ring_ids, usable, weights, counts = _ring_geometry(TILE)
    peaks = np.empty(channels.shape[0])
    for index, ring_values in enumerate(np.log(mean_power + 1e-9)[:, usable]):
        sums = np.bincount(ring_ids, weights=ring_values * weights, minlength=counts.shape[0])
        means = sums / np.maximum(counts, 1.0)
        peaks[index] = np.max(ring_values - means[ring_ids])
    return peaks


def spectral_peak(bgr: Pixels, face: Box) -> float:
    """The largest spectral peak of the face box, over luma, R - G and B - G."""
    work = _workspace
    crop = bgr[face.y : face.y + face.height, face.x : face.x + face.width]
    square = work.square
    cv2.resize(crop, (SPECTRUM_SIDE, SPECTRUM_SIDE), dst=square, interpolation=cv2.INTER_AREA)
    luma, red_green, blue_green = work.channels
    blue, green, red = (square[:, :, index] for index in range(3))
    scratch = work.scratch
    # luma = 0.299 R + 0.587 G + 0.114 B, summed in that order
    np.multiply(red, 0.299, out=luma)
    luma += np.multiply(green, 0.587, out=scratch)
    luma += np.multiply(blue, 0.114, out=scratch)
    np.subtract(red, green, out=red_green, dtype=np.float64)
    np.subtract(blue, green, out=blue_green, dtype=np.float64)
    return float(np.max(_welch_peaks(work.channels, work)))


def texture_features(bgr: Pixels, face: Box) -> tuple[float, float, float]:
    """(sharpness, saturation, black level) of the face box resized to TEXTURE_SIDE squared."""
    crop = bgr[face.y : face.y + face.height, face.x : face.x + face.width]
    small = cv2.resize(crop, (TEXTURE_SIDE, TEXTURE_SIDE), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    smooth = cv2.GaussianBlur(gray, (0, 0), TEXTURE_SMOOTHING_SIGMA)
    sharpness = float(cv2.Laplacian(smooth, cv2.CV_64F, ksize=3).var())
    saturation = float(cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1].mean()) / 255.0
    dark, bright = np.percentile(gray, BLACK_PERCENTILES)
    return sharpness, saturation, float(dark) / max(float(bright), 1.0)


def attack_cues(bgr: Pixels, gray: Gray, face: Box, *, is_grayscale: bool) -> dict[str, float]:
    """Cue name -> score in [0, 1], rounded to 4 decimals."""
    face = clip_box(face, gray.shape[1], gray.shape[0])
    screen = ramp(spectral_peak(bgr, face), SCREEN_PEAK_GENUINE, SCREEN_PEAK_ATTACK)
    sharpness, saturation, black = texture_features(bgr, face)
    blur = ramp(-sharpness, -PRINT_SHARP_GENUINE, -PRINT_SHARP_ATTACK)
    if is_grayscale:
        printed = blur
    else:
        pale = ramp(-saturation, -PRINT_SAT_GENUINE, -PRINT_SAT_ATTACK)
        printed = math.sqrt(blur * pale)
    printed = max(printed, ramp(black, PRINT_BLACK_GENUINE, PRINT_BLACK_ATTACK))
    return {PRINT_CUE: round(printed, 4), SCREEN_CUE: round(screen, 4)}
