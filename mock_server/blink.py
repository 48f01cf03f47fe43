"""Blink detection over the eye states of successive frames."""

from __future__ import annotations


class BlinkTracker:
    """Eye states of successive frames with a face; a blink is open, closed on at least
    ``min_closed`` consecutive frames, then open (a frame without a single face neither
    breaks nor extends a run)."""

    def __init__(self, min_closed: int = 1) -> None:
        self._min_closed = min_closed
        self._seen_open = False
        self._closed_run = 0
        self.detected = False

    def observe(self, eyes_are_open: bool | None) -> bool:
        """Record one frame's eye state (None: no single face); True once a blink completed."""
        if eyes_are_open is None or self.detected:
            return self.detected
        if eyes_are_open:
            if self._closed_run >= self._min_closed:
                self.detected = True
            self._seen_open = True
            self._closed_run = 0
        elif self._seen_open:
            self._closed_run += 1
        return self.detected
