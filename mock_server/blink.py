"""Blink detection over the eye states of successive frames."""

from __future__ import annotations


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
