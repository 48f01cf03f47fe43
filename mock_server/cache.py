"""The answer cache: analyses memoised by the SHA-256 of the media and the effective tuning.

The pipeline is deterministic, so an analysis depends only on the decoded media bytes
(a base64 still and the same still sent as a file share an entry), the tuning the
analysis runs with and the server's media limits (fixed for one app). The cache keeps
at most ``entries`` analyses and drops the least recently used; ``entries=0`` switches
it off. What is cached is the :class:`~mock_server.analysis.Analysis`, before any
scenario is applied and before rendering, so a cached answer is rendered from the same
value as a fresh one and is byte-identical to it. Failed analyses are not cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from mock_server.analysis import Analysis, Tuning


@dataclass(frozen=True, slots=True)
class CacheKey:
    image: str | None
    video: str | None
    tuning: Tuning


def cache_key(image: bytes | None, video: bytes | None, tuning: Tuning) -> CacheKey:
    return CacheKey(_digest(image), _digest(video), tuning)


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


class AnswerCache:
    """A bounded, thread-safe LRU of analyses (``entries=0``: nothing is kept)."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[CacheKey, Analysis] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.entries > 0

    def get(self, key: CacheKey) -> Analysis | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: CacheKey, analysis: Analysis) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._items[key] = analysis
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "entries": self.entries,
                "size": len(self._items),
                "hits": self.hits,
                "misses": self.misses,
            }
